"""The entity check reads each XML part's head straight from the archive's bytes; zipfile stays the fallback."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.read import PROLOG_BYTES, Submission, _declares_entities, _part_head, read_workbook
from pipeline.template import write_template
from tests.conftest import FULL_SMALL, values

DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><root>&lol;</root>'


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_heads_equal_what_zipfile_reads(small_rules, tmp_path):
    unit = small_rules.unit("A")
    path = write_template(small_rules, unit, tmp_path / "A.xlsx", filled=values(**FULL_SMALL))
    data = path.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    for member in archive.infolist():
        with archive.open(member) as part:
            assert _part_head(data, member, PROLOG_BYTES) == part.read(PROLOG_BYTES), member.filename


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_doctype_is_found_stored_or_deflated(method):
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": DOCTYPE}, method)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert _declares_entities(archive, archive.infolist(), data)


def test_other_compression_falls_back_to_zipfile():
    data = _zip({"xl/workbook.xml": DOCTYPE}, zipfile.ZIP_BZIP2)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert _part_head(data, archive.infolist()[0], PROLOG_BYTES) is None
    assert _declares_entities(archive, archive.infolist(), data)


def test_a_damaged_local_header_falls_back_to_zipfile():
    data = bytearray(_zip({"xl/workbook.xml": b"<workbook/>" * 50}))
    member = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    data[member.header_offset] = ord("X")  # no longer "PK\x03\x04"
    assert _part_head(bytes(data), member, PROLOG_BYTES) is None
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(zipfile.BadZipFile):  # zipfile's own error, which the reader reports as corrupt-file
        _declares_entities(archive, archive.infolist(), bytes(data))


def test_a_workbook_declaring_entities_is_refused():
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": DOCTYPE, "xl/styles.xml": b"<s/>"})
    submission = Submission("bomb.xlsx")
    read_workbook(submission, data)
    assert [i.code for i in submission.issues] == ["xml-entities"]
