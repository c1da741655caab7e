"""Every problem in every submission, found in one run and located to the cell — no crash, nothing lost.

Each case builds its broken or hostile input in code, runs the whole pipeline on a folder holding it
beside good files, and asserts the issue code, the file and the cell.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import unicodedata
from pathlib import Path

import pytest

from pipeline.run import RunResult, run
from tests import builders
from tests.conftest import FULL_SMALL, libreoffice_convert, rules_from, values

RULES = rules_from()
GOOD = values(**FULL_SMALL)


@pytest.fixture
def folder(tmp_path) -> Path:
    """An input folder with good files for units B, C and D; each test adds unit A's file its own way."""
    return builders.good_files(tmp_path / "input", RULES, "BCD", GOOD)


def good_file(folder: Path, name: str = "A.xlsx", filled=None) -> Path:
    return builders.template_for(RULES, "A", folder / name, filled or GOOD)


def scratch(folder: Path) -> Path:
    """A place outside the input folder to prepare files in."""
    path = folder.parent / "scratch"
    path.mkdir(exist_ok=True)
    return path


def go(folder: Path) -> RunResult:
    return run(RULES, builders.workspace(folder))


def found(result: RunResult, code: str) -> list:
    return [i for i in result.issues if i.code == code]


def one(result: RunResult, code: str):
    hits = found(result, code)
    assert len(hits) == 1, (code, [(i.code, i.file, i.cell) for i in result.issues])
    return hits[0]


def assert_others_scored(result: RunResult) -> None:
    assert {r.unit_code for r in result.ranked} >= {"B", "C", "D"}


def unusable(result: RunResult, code: str, name: str = "A.xlsx"):
    """What the secretary checks for a file that cannot be used: one error naming it, unit A listed as sent but
    invalid (not missing), and the other units ranked all the same."""
    issue = one(result, code)
    assert (issue.severity, issue.file, issue.unit) == ("error", name, "A")
    assert name in issue.message("en") and name in issue.message("vi")
    assert result.status["A"] == "invalid"
    assert_others_scored(result)
    return issue


# ------------------------------------------------------------------------------ the file itself

@pytest.mark.parametrize(("content", "kind"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "PDF"),
    ("Mã;Tiêu chí;Điểm\n1.1;Chương trình;18\n".encode(), "plain text"),
    (b"<html><body><table><tr><td>18</td></tr></table></body></html>", "HTML/XML"),
    (bytes(range(256)) * 4, "unknown kind of file"),
])
def test_not_an_excel_file(folder, content, kind):
    (folder / "A.xlsx").write_bytes(content)
    result = go(folder)
    issue = one(result, "not-excel")
    # Said in the reader's language: what the program calls it inside never shows.
    assert issue.file == "A.xlsx" and kind in issue.message("en")
    assert issue.unit == "A"  # unreadable, but its name says whose it is
    assert result.status["A"] == "invalid"
    assert_others_scored(result)


def test_unreadable_file_with_an_anonymous_name(folder):
    (folder / "bang cham diem.xlsx").write_bytes(b"%PDF-1.4")
    result = go(folder)
    issue = one(result, "not-excel")
    assert issue.unit is None
    assert result.status["A"] == "missing"


def test_word_document_renamed(folder):
    builders.docx_like(folder / "A.xlsx")
    assert unusable(go(folder), "not-excel").params["kind"] == "Word (.docx)"


def test_truncated_download(folder):
    whole = good_file(scratch(folder))
    (folder / "A.xlsx").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    unusable(go(folder), "corrupt-file")


def test_zip_with_garbage(folder):
    (folder / "A.xlsx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    unusable(go(folder), "corrupt-file")


def test_damaged_sheet_inside_a_good_zip(folder):
    builders.broken_sheet_xml(good_file(scratch(folder)), folder / "A.xlsx")
    unusable(go(folder), "corrupt-file")


def test_password_protected(folder):
    builders.encrypted(good_file(scratch(folder)), folder / "A.xlsx")
    issue = unusable(go(folder), "password-protected")
    assert "remove the password" in issue.message("en")


def test_unreadable_file_is_reported_against_the_unit_its_name_names(folder):
    (folder / "BangChamDiem_2024_A.xlsx").write_bytes(b"")
    result = go(folder)
    issue = one(result, "empty-file")
    assert issue.unit == "A"
    assert result.status["A"] == "invalid"  # sent something, unusable: not "missing"


def test_empty_file(folder):
    (folder / "A.xlsx").write_bytes(b"")
    unusable(go(folder), "empty-file")


def test_folder_named_like_a_workbook(folder):
    (folder / "A.xlsx").mkdir()
    result = go(folder)
    issue = one(result, "not-a-file")
    assert (issue.severity, issue.file) == ("error", "A.xlsx")
    assert "A.xlsx is a folder, not a file" in issue.message("en")
    assert result.status["A"] == "missing"  # a folder is not something the unit sent
    assert one(result, "unit-missing").unit == "A"
    assert_others_scored(result)


@pytest.mark.parametrize(("name", "what"), [
    ("~$A.xlsx", "Excel lock file"), (".~lock.A.xlsx#", "LibreOffice lock file"),
    ("desktop.ini", "desktop.ini"), ("Thumbs.db", "Thumbs.db"), ("._A.xlsx", "macOS metadata"),
])
def test_stray_files_are_skipped_with_an_info_line(folder, name, what):
    (folder / name).write_bytes(b"\0\1")
    good_file(folder)
    result = go(folder)
    issue = one(result, "stray-file")
    assert issue.severity == "info" and issue.file == name and what in issue.message("en")
    assert result.exit_code == 0


def test_signed_scan_beside_the_workbook(folder):
    (folder / "A_ky.pdf").write_bytes(b"%PDF-1.4")
    good_file(folder)
    result = go(folder)
    assert one(result, "not-a-spreadsheet").severity == "info"
    assert result.exit_code == 0


# ------------------------------------------------------------------------------ hostile input

@pytest.mark.slow
def test_zip_bomb(folder):
    builders.zip_bomb(folder / "A.xlsx", expanded_mb=300)
    unusable(go(folder), "zip-bomb")


def test_billion_laughs(folder):
    builders.billion_laughs(good_file(scratch(folder)), folder / "A.xlsx")
    unusable(go(folder), "xml-entities")


def test_external_entity(folder):
    builders.external_entity(good_file(scratch(folder)), folder / "A.xlsx")
    unusable(go(folder), "xml-entities")


def test_fifty_megabyte_file(folder):
    with (folder / "A.xlsx").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    issue = unusable(go(folder), "file-too-large")
    assert "A.xlsx is 50 MB, more than the 20 MB a submission may be" in issue.message("en")


@pytest.mark.parametrize(("size", "code"), [(20 * 1024 * 1024, "not-excel"), (20 * 1024 * 1024 + 1, "file-too-large")])
def test_the_readme_limit_of_20_mb_is_the_one_applied(folder, size, code):
    """At exactly 20 MB the file is opened (and found to hold zeros); one byte more and it is not."""
    with (folder / "A.xlsx").open("wb") as handle:
        handle.truncate(size)
    result = go(folder)
    assert [(i.code, i.file) for i in result.issues if i.unit == "A"] == [(code, "A.xlsx")]


@pytest.mark.slow
def test_sheet_with_a_hundred_thousand_rows(folder):
    builders.huge_sheet(folder / "A.xlsx", rows=100_000)
    result = go(folder)
    issue = one(result, "too-many-rows")
    assert issue.file == "A.xlsx" and issue.params["rows"] == 100_000
    assert "100000 rows" in issue.message("en")
    assert_others_scored(result)


def test_sparse_sheet_is_refused_before_any_reader_allocates_it(folder):
    builders.sparse_sheet(folder / "A.xlsx")
    result = go(folder)
    issue = one(result, "too-many-columns")
    assert issue.params["columns"] == 16001
    assert_others_scored(result)


def test_sparse_opendocument_sheet(folder):
    builders.sparse_ods(folder / "A.ods")
    issue = one(go(folder), "too-many-columns")
    assert issue.file == "A.ods" and issue.params["columns"] == 16001


def test_file_name_in_nfd(folder):
    name = unicodedata.normalize("NFD", "Tự chấm điểm - Đơn vị A.xlsx")
    good_file(folder, name)
    result = go(folder)
    assert result.exit_code == 0
    shown = [s.file for s in result.submissions]
    assert unicodedata.normalize("NFC", name) in shown  # shown to people in NFC


# ------------------------------------------------------------------------- which template

def _other(**changes):
    return rules_from(**changes)


def test_another_blocs_template(folder):
    other = _other(bloc="Khối thi đua các sở, ngành kinh tế")
    builders.template_for(other, "A", folder / "A.xlsx", GOOD)
    result = go(folder)
    issue = one(result, "wrong-bloc")
    assert issue.unit == "A" and issue.params["found"] == "Khối thi đua các sở, ngành kinh tế"
    assert "2024_A_Don-vi-A.xlsx" in issue.message("en")
    assert result.status["A"] == "invalid"


def test_last_years_template(folder):
    builders.template_for(_other(year=2023), "A", folder / "A.xlsx", GOOD)
    issue = one(go(folder), "wrong-year")
    assert issue.params["found"] == "2023" and "2024 template" in issue.message("en")


def test_older_revision_of_this_years_template(folder):
    older = _other(revision=1, bonus={"cap": 3, "criteria": [{"code": "B1", "title": "x", "max": 3},
                                                              {"code": "B2", "title": "y", "max": 2}]})
    current = rules_from(revision=2)
    builders.template_for(older, "A", folder / "A.xlsx", GOOD)
    result = run(current, builders.workspace(folder))
    issue = one(result, "old-template")
    assert issue.params["found"] == "1" and issue.params["expected"] == 2
    assert "revision 1" in issue.message("en") and "current template" in issue.message("en")


def test_identity_sheet_removed_is_read_by_header_with_a_warning(folder):
    builders.drop_identity(good_file(folder))
    result = go(folder)
    assert one(result, "template-identity-missing").severity == "warning"
    assert result.status["A"] == "scored"


def test_sheet_renamed(folder):
    builders.rename_sheet(good_file(folder), "Sheet1")
    result = go(folder)
    issue = one(result, "sheet-renamed")
    assert issue.sheet == "Sheet1"
    assert result.status["A"] == "scored"


def test_no_criteria_table(folder):
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "Báo cáo tổng kết năm 2024"
    book.save(folder / "A.xlsx")
    unusable(go(folder), "not-a-template")


# ------------------------------------------------------------------------------- unit code

def test_unit_code_cleared(folder):
    builders.edit(good_file(folder), {"D4": None})
    result = go(folder)
    issue = one(result, "unit-code-missing")
    assert issue.cell == "D4" and issue.unit == "A"  # the template still says whose it was


def test_unit_code_altered(folder):
    builders.edit(good_file(folder), {"D4": "B"})
    result = go(folder)
    issue = one(result, "unit-code-altered")
    assert issue.cell == "D4" and issue.params == {"found": "B", "expected": "A"}
    assert result.status["A"] == "invalid" and result.status["B"] == "scored"


def test_unit_code_unknown(folder):
    path = good_file(folder)
    builders.drop_identity(path)
    builders.edit(path, {"D4": "XYZ"})
    issue = one(go(folder), "unit-code-unknown")
    assert issue.cell == "D4" and issue.params["found"] == "XYZ"


def test_unit_code_with_invisible_characters_is_recognised(folder):
    path = good_file(folder)
    builders.drop_identity(path)
    builders.edit(path, {"D4": "\u200b a\u00a0"})
    result = go(folder)
    assert result.status["A"] == "scored"


# --------------------------------------------------------------------------- duplicates

def test_same_attachment_saved_twice(folder):
    first = good_file(folder, "A.xlsx")
    shutil.copyfile(first, folder / "A (1).xlsx")
    result = go(folder)
    issue = one(result, "duplicate-copy")
    assert issue.severity == "warning" and {issue.file, issue.params["other"]} == {"A.xlsx", "A (1).xlsx"}
    assert result.status["A"] == "scored"


def test_two_different_files_for_one_unit(folder):
    good_file(folder, "A.xlsx")
    good_file(folder, "A_sua.xlsx", values(**{**FULL_SMALL, "1.1": 19}))
    result = go(folder)
    issue = one(result, "duplicate-unit")
    assert {issue.file, issue.params["other"]} == {"A.xlsx", "A_sua.xlsx"}
    assert result.status["A"] == "invalid"
    assert "A" not in {r.unit_code for r in result.ranked}


def test_unit_without_a_file(folder):
    result = go(folder)
    issue = one(result, "unit-missing")
    assert issue.unit == "A" and result.status["A"] == "missing"
    assert result.provisional and result.exit_code == 1


# ------------------------------------------------------------------------------ rows

def test_rows_inserted_are_matched_by_code(folder):
    path = good_file(folder)
    builders.insert_rows(path, builders.criterion_row(RULES, "2.1"), 2)
    result = go(folder)
    issue = one(result, "rows-moved")
    assert issue.criterion == "2.1" and issue.params["found"] == 13 and issue.params["expected"] == 11
    assert result.status["A"] == "scored"
    a = next(r for r in result.ranked if r.unit_code == "A").score
    b = next(r for r in result.ranked if r.unit_code == "B").score
    assert a.total_exact == b.total_exact  # same values, read from their new rows


def test_row_deleted(folder):
    path = good_file(folder)
    builders.delete_row(path, builders.criterion_row(RULES, "2.2"))
    result = go(folder)
    issue = one(result, "criterion-missing")
    assert issue.criterion == "2.2" and issue.file == "A.xlsx" and issue.unit == "A"
    assert result.status["A"] == "invalid"


def test_rows_reordered(folder):
    path = good_file(folder, filled=values(**{**FULL_SMALL, "1.1": 17}))
    builders.swap_rows(path, builders.criterion_row(RULES, "1.1"), builders.criterion_row(RULES, "1.2"))
    result = go(folder)
    assert one(result, "rows-reordered").criterion == "1.2"
    a = next(r for r in result.ranked if r.unit_code == "A").score
    assert a.section("I").points == 17 + 9  # each score stayed with its code


def test_criterion_row_duplicated(folder):
    path = good_file(folder)
    row = builders.criterion_row(RULES, "2.2")
    builders.edit(path, {f"A{row}": "2.1"})
    result = go(folder)
    issue = one(result, "criterion-duplicate")
    assert issue.criterion == "2.1" and issue.cell == f"A{row}"
    assert one(result, "criterion-missing").criterion == "2.2"


def test_unknown_criterion_with_a_score(folder):
    path = good_file(folder)
    builders.insert_rows(path, builders.criterion_row(RULES, "2.1"))
    row = builders.criterion_row(RULES, "2.1")
    builders.edit(path, {f"A{row}": "1.3", f"B{row}": "Tiêu chí tự thêm", f"D{row}": 5})
    issue = one(go(folder), "criterion-unknown")
    assert issue.cell == f"A{row}" and issue.criterion == "1.3"


def test_max_typed_over(folder):
    path = good_file(folder)
    row = builders.criterion_row(RULES, "1.1")
    builders.edit(path, {f"C{row}": 25})
    result = go(folder)
    issue = one(result, "max-altered")
    assert issue.cell == f"C{row}" and issue.severity == "warning"
    assert result.status["A"] == "scored"


# ------------------------------------------------------------------------------ cells

def _cell_case(folder, changes):
    path = good_file(folder)
    builders.edit(path, changes)
    return go(folder)


@pytest.mark.parametrize(("changes", "code", "cell"), [
    ({"D8": 25}, "score-above-max", "D8"),
    ({"D11": -1}, "score-negative", "D11"),
    ({"D8": 17.3}, "score-off-step", "D8"),
    ({"D11": 9.1}, "score-off-step", "D11"),
    ({"D8": "N/A"}, "na-not-allowed", "D8"),
    ({"D15": "N/A"}, "na-not-allowed", "D15"),  # N/A on a bonus row (B1, under the sections' total A)
    ({"D18": "N/A"}, "na-not-allowed", "D18"),  # ... or a deduction row (D1)
    ({"D9": None}, "score-missing", "D9"),
    ({"D8": "đã trừ 0,5 do chậm BC"}, "not-a-number", "D8"),
    ({"D8": dt.datetime(2024, 5, 8)}, "score-date", "D8"),  # "8.5" turned into 8 May
    ({"D8": True}, "not-a-number", "D8"),
    ({"D11": "1.000"}, "ambiguous-number", "D11"),
    ({"F8": None}, "evidence-missing", "F8"),
    ({"D9": "N/A", "D12": "N/A", "D11": "N/A"}, "na-not-allowed", "D11"),
])
def test_cell_errors_are_located(folder, changes, code, cell):
    result = _cell_case(folder, changes)
    issue = one(result, code)
    assert (issue.file, issue.sheet, issue.cell, issue.unit) == ("A.xlsx", "Self-assessment", cell, "A")
    assert issue.severity == "error"
    assert issue.message("en").startswith(f"{cell}: ")  # the secretary reads where first
    assert f"criterion {issue.criterion}" in issue.message("en")
    assert result.status["A"] == "invalid"
    assert_others_scored(result)


def test_every_error_in_a_file_is_reported_in_one_run(folder):
    result = _cell_case(folder, {"D8": 25, "D9": "abc", "D11": -1, "E12": 11, "F8": None, "D15": "N/A"})
    cells = sorted((i.code, i.cell) for i in result.issues if i.file == "A.xlsx")
    assert cells == sorted([("score-above-max", "D8"), ("not-a-number", "D9"), ("score-negative", "D11"),
                            ("appraisal-in-unit-file", "E12"), ("evidence-missing", "F8"),
                            ("na-not-allowed", "D15")])


def test_both_self_and_appraised_problems_are_reported(folder):
    good_file(folder)
    book = builders.appraise(RULES, folder, {"B": {"1.1": 30}})  # the appraisal is checked at its own cell
    builders.edit(folder / "A.xlsx", {"D8": 25})
    result = go(folder)
    assert {(i.file, i.sheet, i.cell, i.unit) for i in found(result, "score-above-max")} == {
        ("A.xlsx", "Self-assessment", "D8", "A"), (builders.shown(book), "B", "E6", None)}  # the bloc's own cell


def test_section_with_every_criterion_na(folder):
    rules = rules_from(sections=[
        {"code": "I", "title": "t", "criteria": [{"code": "1.1", "title": "t", "max": 20}]},
        {"code": "II", "title": "t", "criteria": [{"code": "2.1", "title": "t", "max": 10, "na_allowed": True},
                                                   {"code": "2.2", "title": "t", "max": 10, "na_allowed": True}]},
    ])
    builders.template_for(rules, "A", folder / "A.xlsx", values(**{"1.1": 18, "2.1": "N/A", "2.2": "N/A"}))
    result = run(rules, builders.workspace(folder))
    issue = one(result, "section-all-na")
    assert issue.params["section"] == "II" and issue.unit == "A"


@pytest.mark.parametrize(("typed", "number"), [("8,5", "8.5"), (" 8.5 ", "8.5"), ("8,50", "8.50")])
def test_number_typed_as_text_is_read_with_a_warning(folder, typed, number):
    result = _cell_case(folder, {"D11": typed})
    issue = one(result, "number-as-text")
    assert issue.cell == "D11" and issue.severity == "warning" and str(issue.params["number"]) == number
    assert result.status["A"] == "scored"
    a = next(r for r in result.ranked if r.unit_code == "A").score
    assert a.section("II").points == 8.5 + 8


@pytest.mark.parametrize(("text", "encoding"), [
    ("B¸o c¸o sè 12 vÒ c«ng t¸c thi ®ua", "TCVN3"),
    ("Baùo caùo soá 12 veà coâng taùc thi ñua", "VNI"),
])
def test_evidence_in_a_legacy_vietnamese_font(folder, text, encoding):
    result = _cell_case(folder, {"F8": text})
    issue = one(result, "legacy-encoding")
    assert issue.cell == "F8" and issue.params["encoding"] == encoding and issue.severity == "warning"
    if encoding == "TCVN3":
        assert "Báo cáo số 12 về công tác thi đua" in issue.message("en")


def test_evidence_in_nfd_is_normalised(folder):
    nfd = unicodedata.normalize("NFD", "Báo cáo số 12 của Văn phòng")
    result = _cell_case(folder, {"F8": nfd})
    entries = result.validation.entries
    stored = entries[(entries["unit_code"] == "A") & (entries["criterion_code"] == "1.1")]["evidence"].iloc[0]
    assert stored == unicodedata.normalize("NFC", nfd)
    assert not found(result, "legacy-encoding")


# --------------------------------------------------------------------- real clients' files

@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize(("target", "fmt", "warned"), [
    ("xlsx", "xlsx", False), ("ods", "ods", True), ("xls", "xls", True),
])
def test_files_saved_by_libreoffice_in_other_formats(folder, lo_profile, target, fmt, warned):
    source = good_file(scratch(folder), "A.xlsx", values(**{**FULL_SMALL, "1.2": "N/A", "2.1": 9.25}))
    converted = libreoffice_convert(source, target, folder, lo_profile)
    result = go(folder)
    assert result.status["A"] == "scored", [(i.code, i.params) for i in result.issues]
    submission = next(s for s in result.submissions if s.file == converted.name)
    assert submission.format == fmt
    assert bool(found(result, "legacy-format")) is warned
    a = next(r for r in result.ranked if r.unit_code == "A").score
    assert a.section("I").points == 18 and a.section("II").points == 9.25 + 8


def test_macro_enabled_workbook(folder):
    builders.as_macro_workbook(good_file(scratch(folder)), folder / "A.xlsm")
    result = go(folder)
    assert result.status["A"] == "scored"
    assert next(s for s in result.submissions if s.file == "A.xlsm").format == "xlsm"


# ----------------------------------------------------------------- nothing lost or changed

def test_inputs_are_never_modified(folder, tmp_path):
    good_file(folder)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    from pipeline.outputs.write import write_outputs

    write_outputs(go(folder), tmp_path / "out")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


def test_one_corrupted_sample_file_leaves_eight_ranked(tmp_path, sample_rules):
    from click.testing import CliRunner

    from pipeline.cli.main import main
    from tests.conftest import SAMPLE_RULES

    inbox = tmp_path / "input"
    builders.copy_sample(inbox)
    victim = next(inbox.glob("2024_BTGTU_*.xlsx"))
    victim.write_bytes(victim.read_bytes()[:3000])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--rules", str(SAMPLE_RULES), "--input", str(inbox),
                                       "--output", str(out)], catch_exceptions=False)
    assert result.exit_code == 1
    assert victim.name in result.stdout
    import json

    import openpyxl

    data = json.loads((out / "results-2024.json").read_text(encoding="utf-8"))
    assert data["provisional"] is True
    assert sum(u["status"] == "scored" for u in data["units"]) == 8
    assert next(u for u in data["units"] if u["code"] == "BTGTU")["status"] == "invalid"
    assert any(i["file"] == victim.name and i["code"] == "corrupt-file" for i in data["issues"])
    book = openpyxl.load_workbook(out / "ranking-2024.xlsx")
    issue_cells = [c.value for row in book[book.sheetnames[-2]].iter_rows() for c in row]
    assert victim.name in issue_cells


def test_run_never_changes_mtime_even_for_hostile_files(folder):
    builders.zip_bomb(folder / "bomb.xlsx", expanded_mb=210)
    stamp = (folder / "bomb.xlsx").stat().st_mtime_ns
    os.utime(folder / "bomb.xlsx", ns=(stamp, stamp))
    go(folder)
    assert (folder / "bomb.xlsx").stat().st_mtime_ns == stamp
