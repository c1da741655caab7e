"""Files in input/ recognised by their content: a workbook with no extension, a trailing space or a lock file's
name is read as the workbook it is; a lock file, a scan or a Word document is still only noted."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from pipeline.checking.validate import UnitStatus
from pipeline.outputs.results_json import results_dict
from pipeline.reading.inputs import discover
from pipeline.reading.recognise import LOCK_FILE_MAX_BYTES, is_lock_file, is_workbook, name_suffix
from pipeline.run import RunResult, run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.conftest import FULL_SMALL, libreoffice_convert, rules_from, values
from tests.ole_writer import compound_file

RULES = rules_from()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each unit's well-filled template, as Excel would save it (about 14 kB)."""
    folder = tmp_path_factory.mktemp("workbooks")
    return {code: builders.template_for(RULES, code, folder / f"{code}.xlsx", values(**FULL_SMALL)) for code in "ABCD"}


def _run(inbox: Path) -> RunResult:
    return run(RULES, Workspace(input=inbox))


def _codes(result: RunResult, code: str) -> list[str | None]:
    return sorted(i.file for i in result.issues if i.code == code)


def _outcomes(result: RunResult) -> dict[str, str]:
    return {record["file"]: record["outcome"] for record in results_dict(result)["inputs"]}


def test_a_workbook_without_an_extension_or_with_a_trailing_space_or_dot_is_read(tmp_path, workbooks):
    inbox = tmp_path / "input"
    inbox.mkdir()
    shutil.copy(workbooks["A"], inbox / "BangDiem_A")  # saved with no extension
    shutil.copy(workbooks["B"], inbox / "B.xlsx ")  # a trailing space: Linux, macOS, some mail clients
    shutil.copy(workbooks["C"], inbox / "C.xlsx.")
    builders.as_macro_workbook(workbooks["D"], inbox / "D-macro")  # an .xlsm, told by its content too
    result = _run(inbox)
    assert {code: result.status[code] for code in "ABCD"} == dict.fromkeys("ABCD", UnitStatus.SCORED)
    assert {code: result.unit_file(code).file for code in "ABCD"} == {
        "A": "BangDiem_A", "B": "B.xlsx ", "C": "C.xlsx.", "D": "D-macro"}
    assert result.unit_file("D").format == "xlsm"
    assert _codes(result, "not-a-spreadsheet") == [] and _codes(result, "unit-missing") == []
    assert set(_outcomes(result).values()) == {"used"}


def test_a_file_named_like_a_lock_file_is_one_only_when_small_and_no_package(tmp_path, workbooks):
    inbox = tmp_path / "input"
    inbox.mkdir()
    shutil.copy(workbooks["A"], inbox / "~$BangDiem_A.xlsx")  # 14 kB, a zip: a unit's real workbook
    shutil.copy(workbooks["B"], inbox / ".~lock.B.xlsx#")
    (inbox / "~$C.xlsx").write_bytes(b"\x0bNguyen Van A" + b"\0" * 152)  # what Excel leaves: 165 bytes
    (inbox / ".~lock.C.xlsx#").write_text("Nguyen Van A,may-tinh,may-tinh,06.12.2024 09:00,file:///C:/x;\n")
    shutil.copy(workbooks["C"], inbox / "C.xlsx")
    shutil.copy(workbooks["D"], inbox / "D.xlsx")
    result = _run(inbox)
    assert result.unit_file("A").file == "~$BangDiem_A.xlsx" and result.unit_file("B").file == ".~lock.B.xlsx#"
    assert {code: result.status[code] for code in "ABCD"} == dict.fromkeys("ABCD", UnitStatus.SCORED)
    stray = [i for i in result.issues if i.code == "stray-file"]
    assert sorted(i.file for i in stray) == [".~lock.C.xlsx#", "~$C.xlsx"]
    assert {i.severity for i in stray} == {"info"}


@pytest.mark.parametrize("head", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_a_small_lock_named_file_starting_as_a_package_is_read_not_skipped(tmp_path, head):
    path = tmp_path / "~$A.xlsx"
    path.write_bytes(head + b"\0" * 100)
    assert not is_lock_file(path)
    path.write_bytes(b"\0" * (LOCK_FILE_MAX_BYTES - 1))
    assert is_lock_file(path)
    path.write_bytes(b"\0" * LOCK_FILE_MAX_BYTES)
    assert not is_lock_file(path)  # 4 KB of no package: read, and said not to be a workbook (not-excel)
    files, issues = discover(tmp_path)
    assert files == [path] and issues == []


def _word_doc(path: Path) -> Path:
    path.write_bytes(compound_file({"WordDocument": b"\0" * 600, "1Table": b"\0" * 600}))
    return path


def test_other_files_keep_their_note_whatever_their_name(tmp_path, workbooks):
    inbox = tmp_path / "input"
    inbox.mkdir()
    shutil.copy(workbooks["A"], inbox / "A.xlsx")
    (inbox / "A_ky.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 5000)
    (inbox / "scan").write_bytes(b"%PDF-1.4\n")  # a scan saved with no extension
    builders.docx_like(inbox / "bao-cao.docx")
    builders.docx_like(inbox / "bao-cao")  # a .docx is a zip too: only a spreadsheet's package counts
    _word_doc(inbox / "to-trinh.doc")
    _word_doc(inbox / "to-trinh")  # an OLE file too: only one holding a workbook counts
    with zipfile.ZipFile(inbox / "ho-so", "w") as bundle:  # a zip of workbooks is not one
        bundle.write(workbooks["B"], "B.xlsx")
    (inbox / "hong").write_bytes(b"PK\x03\x04 no table of contents")
    (inbox / "ghi chu").write_text("nộp muộn\n", encoding="utf-8")
    result = _run(inbox)
    assert _codes(result, "not-a-spreadsheet") == sorted(
        ["A_ky.pdf", "scan", "bao-cao.docx", "bao-cao", "to-trinh.doc", "to-trinh", "ho-so", "hong", "ghi chu"])
    assert {i.severity for i in result.issues if i.code == "not-a-spreadsheet"} == {"info"}
    assert [s.file for s in result.submissions] == ["A.xlsx"]  # nothing else was read
    assert result.status["B"] == UnitStatus.MISSING


def test_each_workbook_format_is_told_by_content(tmp_path, workbooks):
    ods = builders.sparse_ods(tmp_path / "bang-ods", repeat=3)
    xlsb = builders.xlsb_copy(workbooks["A"], tmp_path / "bang-xlsb")
    xls_like = tmp_path / "bang-xls"
    xls_like.write_bytes(compound_file({"Workbook": b"\0" * 600}))  # Excel 97's stream: judged by the reader
    outlook = tmp_path / "thu"
    outlook.write_bytes(compound_file({"__substg1.0_0037001F": "Gửi".encode("utf-16-le")}))
    assert [is_workbook(p) for p in (workbooks["A"], ods, xlsb, xls_like, outlook)] == [True, True, True, True, False]


def test_a_file_larger_than_a_workbook_may_be_is_not_looked_into(tmp_path, workbooks):
    big = tmp_path / "lon"
    with zipfile.ZipFile(workbooks["A"]) as source, zipfile.ZipFile(big, "w") as copy:
        for member in source.infolist():
            copy.writestr(member, source.read(member))
        copy.writestr("xl/media/image1.png", b"\0" * (21 * 1024 * 1024))  # stored: 21 MB on disk
    assert not is_workbook(big)
    assert is_workbook(workbooks["A"])


@pytest.mark.libreoffice
def test_a_legacy_xls_without_an_extension_is_read(tmp_path, workbooks, lo_profile):
    inbox = tmp_path / "input"
    inbox.mkdir()
    converted = libreoffice_convert(workbooks["A"], "xls", tmp_path / "xls", lo_profile)
    shutil.copy(converted, inbox / "BangDiem_A")
    result = _run(inbox)
    assert result.status["A"] == UnitStatus.SCORED and result.unit_file("A").format == "xls"
    assert _codes(result, "legacy-format") == ["BangDiem_A"]


@pytest.mark.parametrize(("name", "suffix"), [
    ("VPTU.xlsx", ".xlsx"), ("VPTU.XLSX ", ".xlsx"), ("VPTU.xlsx.", ".xlsx"), ("VPTU.xlsx . ", ".xlsx"),
    ("thu.EML", ".eml"), ("VPTU", ""), ("  ", ""), (".", ""), ("~$A.xlsx", ".xlsx"),
])
def test_a_name_s_extension_is_the_one_its_sender_meant(name, suffix):
    assert name_suffix(name) == suffix
