"""The package checks inflate each part in chunks straight from the archive's bytes; zipfile stays the fallback."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.forms.template import write_template
from pipeline.reading.archive import _Package, check_package
from pipeline.reading.read import Submission, read_workbook
from pipeline.reading.zipparts import read_member
from tests.conftest import FULL_SMALL, values

DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><root>&lol;</root>'


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _package(data: bytes) -> _Package:
    return _Package(zipfile.ZipFile(io.BytesIO(data)).infolist(), data)


def test_chunks_equal_what_zipfile_reads(small_rules, tmp_path):
    unit = small_rules.unit("A")
    path = write_template(small_rules, unit, tmp_path / "A.xlsx", filled=values(**FULL_SMALL))
    package = _package(path.read_bytes())
    for member in package.members:
        assert b"".join(package.chunks(member)) == package.archive.read(member), member.filename
        assert read_member(path.read_bytes(), member) == package.archive.read(member), member.filename


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_doctype_is_found_stored_or_deflated(method):
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": DOCTYPE}, method)
    assert _package(data).scan("xlsx")[0]


def test_other_compression_falls_back_to_zipfile():
    data = _zip({"xl/workbook.xml": DOCTYPE}, zipfile.ZIP_BZIP2)
    package = _package(data)
    assert package._body(package.members[0]) is None
    assert package.scan("xlsx")[0]


def test_a_damaged_local_header_falls_back_to_zipfile():
    data = bytearray(_zip({"xl/workbook.xml": b"<workbook/>" * 50}))
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    data[member.header_offset] = ord("X")  # no longer "PK\x03\x04"
    package = _package(bytes(data))
    assert package._body(member) is None
    with pytest.raises(zipfile.BadZipFile):  # zipfile's own error, which the reader reports as corrupt-file
        package.scan("xlsx")[0]
    assert check_package(bytes(data)).refusal == "corrupt-file"


def test_a_workbook_declaring_entities_is_refused():
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": DOCTYPE, "xl/styles.xml": b"<s/>"})
    submission = Submission("bomb.xlsx")
    read_workbook(submission, data)
    assert [i.code for i in submission.issues] == ["xml-entities"]
