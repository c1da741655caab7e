"""The bloc appraises, the units only self-assess: the appraisal workbook, its checks, and who decided what.

Each case builds the input folder in code (the units' filled templates, then the bloc's appraisal workbook as
`bloc-score appraisal` writes it, filled with openpyxl as a secretary would), runs the pipeline and asserts the
issue code, the file, the sheet and the cell.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.forms.appraisal import Appraised, write_appraisal
from pipeline.outputs.results_json import results_dict
from pipeline.reading.read import read_submission
from pipeline.rules.layout import template_filename
from pipeline.run import run
from pipeline.scoring.score import score_unit
from tests import builders
from tests.conftest import FULL_SMALL, libreoffice_convert, rules_from, values
from tests.test_hostile import GOOD, RULES, assert_others_scored, found, go, one

BOOK = "appraisal-2024.xlsx"
OWN_TOTAL = score_unit(RULES, "A", {code: Decimal(str(v)) for code, v in FULL_SMALL.items()}).total


@pytest.fixture
def folder(tmp_path) -> Path:
    """Good files for all four units."""
    return builders.good_files(tmp_path / "input", RULES, "ABCD", GOOD)


def unit_file(folder: Path, code: str) -> Path:
    return folder / template_filename(RULES, RULES.unit(code))


def total(result, code: str) -> Decimal:
    return next(r.score.total for r in result.ranked if r.unit_code == code)


def decided(result, code: str) -> dict[str, tuple[str, object]]:
    final = result.validation.final
    mine = final[final["unit_code"] == code]
    return {c: (s, v) for c, s, v in zip(mine["criterion_code"], mine["scorer"], mine["value"], strict=True)}


# ------------------------------------------------------------------------- units cannot appraise themselves

def test_numbers_in_the_old_appraisal_column_gain_nothing(folder):
    """A unit that typed 20 into the appraisal cells of its own file (an older or unprotected copy)."""
    builders.edit(unit_file(folder, "A"), {"E8": 20, "E9": 10, "E11": 10})
    result = go(folder)
    assert total(result, "A") == OWN_TOTAL  # the self-assessed total, not a point more
    hits = found(result, "appraisal-in-unit-file")
    assert sorted(i.cell for i in hits) == ["E11", "E8", "E9"]
    for issue in hits:
        assert (issue.file, issue.sheet, issue.unit, issue.severity) == (unit_file(folder, "A").name,
                                                                         "Self-assessment", "A", "warning")
        assert issue.cell in issue.message("en") and issue.cell in issue.message("vi")
    assert {s for s, _v in decided(result, "A").values()} == {"self"}
    assert result.status["A"] == "scored"


def test_an_old_template_with_the_plain_appraised_label_reads_alike(folder):
    """Templates made before the column said "for the bloc" are still read, and their appraisals ignored."""
    path = unit_file(folder, "A")
    builders.edit(path, {"E6": "Điểm thẩm định", "E8": 20})
    result = go(folder)
    assert [i.cell for i in found(result, "appraisal-in-unit-file")] == ["E8"]
    assert total(result, "A") == OWN_TOTAL


def test_check_reports_the_old_column_and_prints_the_self_total(folder, tmp_path):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(_rules_data()), encoding="utf-8")
    path = builders.edit(unit_file(folder, "A"), {"E8": 20})
    done = CliRunner().invoke(main, ["check", str(path), "--rules", str(rules_file), "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert "E8: the unit's file has 20 in the Appraised score column" in done.output
    assert f"the self-assessed total of unit A is {OWN_TOTAL}" in done.output


def _rules_data() -> dict:
    from tests.conftest import SMALL_RULES

    return json.loads(json.dumps(SMALL_RULES, default=str))


# ----------------------------------------------------------------------------- the appraisal workbook

def test_appraisal_changes_exactly_the_criteria_it_appraises(folder):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng"), "D1": (1, "Chậm báo cáo")},
                                             "B": {"1.2": ("N/A", "Không phát sinh")}})
    result = go(folder)
    assert not [i for i in result.issues if i.severity in ("error", "warning") and i.code != "award-tie"]
    a, b = decided(result, "A"), decided(result, "B")
    assert a["1.1"] == ("appraised", Decimal(16)) and a["D1"] == ("appraised", Decimal(1))
    assert b["1.2"] == ("appraised", None)  # the bloc marks it N/A
    untouched = {c: v for c, v in a.items() if c not in ("1.1", "D1")}
    assert {s for s, _v in untouched.values()} == {"self"}
    assert {s for s, _v in decided(result, "C").values()} == {"self"}
    assert total(result, "C") == OWN_TOTAL and total(result, "A") < OWN_TOTAL
    assert result.validation.appraisal_file == builders.shown(book)
    # Not a unit's submission: nobody is missing or doubled for it, and it is on record with its SHA-256.
    assert result.status == {"A": "scored", "B": "scored", "C": "scored", "D": "scored"}
    data = results_dict(result)
    entry = next(i for i in data["inputs"] if i["file"] == builders.shown(book))
    assert entry["kind"] == "appraisal" and entry["unit"] is None and len(entry["sha256"]) == 64
    unit_a = next(u for u in data["units"] if u["code"] == "A")
    c11 = next(c for c in unit_a["criteria"] if c["code"] == "1.1")
    assert c11 == {"code": "1.1", "self": 18, "appraised": 16, "final": 16, "final_exact": "16",
                   "source": "appraisal", "reason": "Thiếu minh chứng"}
    c21 = next(c for c in unit_a["criteria"] if c["code"] == "2.1")
    assert c21 == {"code": "2.1", "self": 9.5, "appraised": None, "final": 9.5, "final_exact": "19/2",
                   "source": "self", "reason": None}
    unit_b = next(u for u in data["units"] if u["code"] == "B")
    assert next(c for c in unit_b["criteria"] if c["code"] == "1.2")["final"] == "N/A"


@pytest.mark.libreoffice
@pytest.mark.slow
def test_an_appraisal_workbook_resaved_by_libreoffice_reads_the_same(folder, tmp_path, lo_profile):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}, "C": {"B1": (1, "Bằng khen")}})
    expected = go(folder)
    resaved = libreoffice_convert(book, "xlsx", tmp_path / "calc", lo_profile)
    book.unlink()
    shutil.copy(resaved, builders.records_of(folder) / "tham-dinh-2024.xlsx")
    result = go(folder)
    assert result.validation.appraisal_file == "bloc/tham-dinh-2024.xlsx"  # recognised by content, not name
    for code in ("A", "B", "C", "D"):
        assert decided(result, code) == decided(expected, code)
        assert total(result, code) == total(expected, code)
    assert decided(result, "A")["1.1"] == ("appraised", Decimal(16))
    assert decided(result, "C")["B1"] == ("appraised", Decimal(1))
    # Calc recalculated the summary: the totals it shows are the pipeline's.
    cells = openpyxl.load_workbook(resaved, data_only=True)["Summary"]
    shown = {row[0].value: (row[3].value, row[4].value) for row in cells.iter_rows(min_row=5) if row[0].value}
    assert Decimal(str(shown["A"][0])) == OWN_TOTAL
    assert Decimal(str(shown["A"][1])) == total(result, "A")
    assert Decimal(str(shown["C"][1])) == total(result, "C")


def test_the_workbook_as_written(folder, tmp_path):
    builders.edit(unit_file(folder, "D"), {"D8": 25})  # D's file has an error: nothing to appraise yet
    unit_file(folder, "C").unlink()  # C sent nothing
    path = write_appraisal(run(RULES, builders.workspace(folder)), tmp_path / BOOK,
                           filled={"A": {"1.1": Appraised(Decimal(17), "Lý do")}})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:5] == ["Summary", "A", "B", "C", "D"]
    assert book["bloc-score"].sheet_state == "veryHidden"
    sheet = book["A"]
    assert sheet["A1"].value == "Đơn vị A (A)"
    assert [c.value for c in sheet[4]][:7] == ["Code", "Criterion", "Max points", "Self-score",
                                                 "Appraised score", "Reason", "Unit's evidence"]
    assert sheet.protection.sheet
    rows = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1)}
    row = rows["1.1"]
    assert (sheet.cell(row, 3).value, sheet.cell(row, 4).value, sheet.cell(row, 5).value) == (20, 18, 17)
    assert sheet.cell(row, 6).value == "Lý do"
    for column in (1, 2, 3, 4, 7):  # code, criterion, max, self-score, evidence: locked
        assert sheet.cell(row, column).protection.locked is not False
    for column in (5, 6):  # only the appraised score and the reason are the bloc's to fill
        assert sheet.cell(row, column).protection.locked is False
    validations = {r.coord: v for v in sheet.data_validations.dataValidation for r in v.sqref.ranges}
    assert f"E{row}<=20" in validations[f"E{row}"].formula1
    assert f"F{row}" not in validations
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "landscape")
    assert sheet.print_title_rows == "$4:$4"
    assert "not sent" in book["C"]["A2"].value and "errors" in book["D"]["A2"].value
    summary = book["Summary"]
    assert summary.cell(5, 4).value == "='A'!D18" and summary.cell(5, 5).value == "='A'!E18"
    assert summary.cell(7, 4).value == "—"  # C: nothing to total


# ------------------------------------------------------------------------------------ checked like scores

@pytest.mark.parametrize(("given", "code"), [
    (25, "score-above-max"), (-1, "score-negative"), (17.3, "score-off-step"), ("N/A", "na-not-allowed"),
    ("mười bảy", "not-a-number"),
])
def test_an_appraisal_outside_the_rules_is_an_error_at_its_cell(folder, given, code):
    book = builders.appraise(RULES, folder, {"B": {"1.1": (given, "Kiểm tra lại")}})
    result = go(folder)
    issue = one(result, code)
    # The bloc's own cell: the bloc's issue (no unit's), the unit named in its message; B's self-score stands.
    assert (issue.file, issue.sheet, issue.cell, issue.unit, issue.criterion) == (
        builders.shown(book), "B", "E6", None, "1.1")
    assert issue.params["unit"] == "B" and issue.to_dict("en")["unit"] is None
    assert issue.message("en").startswith("E6: ") and "1.1" in issue.message("en")
    assert result.status["B"] == "scored" and decided(result, "B")["1.1"][0] == "self"
    assert {r.unit_code for r in result.ranked} == {"A", "B", "C", "D"} and result.provisional


def test_a_count_appraisal_must_be_whole(tmp_path):
    rules = rules_from(deductions={"cap": 4, "criteria": [
        {"code": "D1", "title": "Chậm báo cáo", "max": 2, "per_occurrence": 0.5}]})
    inbox = tmp_path / "input"
    for code in ("A", "B", "C", "D"):
        builders.template_for(rules, code, inbox / f"{code}.xlsx", values(**FULL_SMALL))
    book = builders.appraise(rules, inbox, {"A": {"D1": (1.5, "Biên bản")}})
    issue = one(run(rules, builders.workspace(inbox)), "count-not-whole")
    assert (issue.file, issue.sheet, issue.cell) == (builders.shown(book), "A", "E16")  # under A, the sections' total


def test_a_changed_score_needs_a_reason(folder):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, ""), "1.2": (9, "")}})  # 1.2 unchanged: fine
    result = go(folder)
    issue = one(result, "appraisal-reason-missing")
    assert (issue.file, issue.sheet, issue.cell, issue.unit, issue.criterion) == (
        builders.shown(book), "A", "E6", None, "1.1")
    assert issue.params["reason_cell"] == "F6" and "F6" in issue.message("vi") and "F6" in issue.message("en")
    assert "(đơn vị A)" in issue.message("vi")
    # The bloc's mistake: A stays scored on its self-score for 1.1 until the reason is written; the run waits.
    assert issue.severity == "error" and result.status["A"] == "scored" and result.provisional
    assert decided(result, "A")["1.1"][0] == "self" and result.bloc_errors == [issue]
    assert_others_scored(result)


def test_the_rules_may_drop_the_reason(tmp_path):
    rules = rules_from(appraisal={"reason_required": False})
    inbox = tmp_path / "input"
    for code in ("A", "B", "C", "D"):
        builders.template_for(rules, code, inbox / f"{code}.xlsx", values(**FULL_SMALL))
    builders.appraise(rules, inbox, {"A": {"1.1": (16, "")}})
    result = run(rules, builders.workspace(inbox))
    assert not found(result, "appraisal-reason-missing")
    assert decided(result, "A")["1.1"] == ("appraised", Decimal(16))


def test_a_bad_appraisal_key_in_the_rules_is_located():
    from pipeline.core.errors import RulesError

    with pytest.raises(RulesError) as raised:
        rules_from(appraisal={"reason_required": "có", "reasons": 1})
    shown = str(raised.value)
    assert "appraisal.reason_required" in shown and "appraisal.reasons" in shown


def test_a_self_score_changed_after_the_appraisal_is_stale(folder):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}})
    builders.edit(unit_file(folder, "A"), {"D8": 19, "D9": 8})  # resubmitted: 1.1 appraised, 1.2 not
    result = go(folder)
    issue = one(result, "appraisal-stale")
    assert (issue.file, issue.sheet, issue.cell, issue.unit, issue.criterion) == (
        builders.shown(book), "A", "E6", None, "1.1")
    assert issue.params["made_from_cell"] == "D6" and issue.params["unit_cell"] == "D8"
    assert issue.params["unit_file"] == unit_file(folder, "A").name
    for lang in ("en", "vi"):
        assert "D6" in issue.message(lang) and "D8" in issue.message(lang)
    assert issue.severity == "warning"
    assert decided(result, "A")["1.1"] == ("appraised", Decimal(16))  # the bloc's word still counts


def test_the_same_appraisal_workbook_twice_is_used_once(folder):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}})
    shutil.copy(book, book.parent / "appraisal-2024 (1).xlsx")
    result = go(folder)
    issue = one(result, "appraisal-duplicate")
    assert issue.severity == "warning"
    assert {issue.file, issue.params["other"]} == {builders.shown(book), "bloc/appraisal-2024 (1).xlsx"}
    assert decided(result, "A")["1.1"] == ("appraised", Decimal(16))
    assert result.status["A"] == "scored"


def test_two_different_appraisal_workbooks_are_an_error_naming_both(folder):
    first = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}, "B": {"1.1": (17, "x")}})
    second = builders.appraise(RULES, folder, {"A": {"1.1": (15, "Thiếu minh chứng")}, "B": {"1.1": (17, "x")}},
                               name="appraisal-2024-v2.xlsx")
    result = go(folder)
    issue = one(result, "appraisal-conflict")
    assert {issue.file, issue.params["other"]} == {builders.shown(first), builders.shown(second)}
    assert (issue.sheet, issue.cell, issue.unit, issue.severity) == ("A", "E6", None, "error")
    assert first.name in issue.message("en") and second.name in issue.message("vi")
    # Neither is used for A until the bloc keeps one: A's self-scores stand meanwhile, the run waits.
    assert result.status["A"] == "scored" and result.provisional
    assert decided(result, "B")["1.1"] == ("appraised", Decimal(17))  # both agree on B


def test_an_appraisal_workbook_of_another_year_is_not_used(folder, tmp_path):
    other = rules_from(year=2023)
    made = write_appraisal(run(RULES, builders.workspace(folder)), tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(made)
    book["bloc-score"]["B5"] = "2023"
    builders.records_of(folder).mkdir()
    book.save(builders.records_of(folder) / "appraisal-2023.xlsx")
    result = go(folder)
    # Last year's record left in the bloc's folder: said once, never used, never blamed on a unit.
    issue = one(result, "record-other-year")
    assert issue.file == "bloc/appraisal-2023.xlsx" and other.year == 2023 and issue.severity == "info"
    assert "2023" in issue.message("en") and not found(result, "wrong-year")
    assert result.validation.appraisal_file is None


# -------------------------------------------------------------------------------------- the command

def test_remaking_the_workbook_keeps_the_earlier_one_and_carries_the_appraisals(folder, tmp_path):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(_rules_data()), encoding="utf-8")
    builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}})
    out = tmp_path / "output"
    args = ["appraisal", "--rules", str(rules_file), "--input", str(folder), "--out", str(out), "--lang", "en"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "1 appraisals carried over" in first.output
    # The filled workbook is remade where it is, in the bloc's folder; the one filled moves to previous/.
    records = builders.records_of(folder)
    assert "kept as" in first.output and len(list((records / "previous").glob("*/appraisal-2024.xlsx"))) == 1
    builders.edit(unit_file(folder, "B"), {"D8": 19})  # B resubmits
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    kept = list((records / "previous").glob("*/appraisal-2024.xlsx"))  # previous/<its time>/, its own name
    assert len(kept) == 2 and "kept as" in second.output
    made = read_submission(records / BOOK, records)
    assert made.appraisal is not None
    row = next(r for r in made.appraisal.sheets["A"].rows if r.code == "1.1")
    assert (row.appraised, row.reason) == (16, "Thiếu minh chứng")
    assert made.appraisal.made_from_self[("B", "1.1")] == "19"  # made from the resubmitted file
    sound = unit_file(folder, "A").read_bytes()
    builders.edit(unit_file(folder, "A"), {"D8": 25})  # A resubmits a file with an error
    third = CliRunner().invoke(main, args)
    assert "1 appraisals of unit A have no table in the new workbook" in third.output
    unit_file(folder, "A").unlink()  # ... or withdraws it: the appraisal is still on record, and said so
    fourth = CliRunner().invoke(main, args)
    assert "1 appraisals of unit A have no table in the new workbook" in fourth.output
    unit_file(folder, "A").write_bytes(sound)  # A sends a sound file again: its appraisal is back in its table
    fifth = CliRunner().invoke(main, args)
    assert fifth.exit_code == 0 and "have no table" not in fifth.output
    made = read_submission(records / BOOK, records)
    assert made.appraisal is not None and not made.appraisal.held
    row = next(r for r in made.appraisal.sheets["A"].rows if r.code == "1.1")
    assert (row.appraised, row.reason) == (16, "Thiếu minh chứng")


def test_a_unit_sheet_whose_table_is_gone_is_reported(folder):
    book = builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}})
    builders.edit(book, {"E4": "Ghi chú"}, sheet="A")  # the header relabelled: the bloc's column is lost
    result = go(folder)
    issue = one(result, "appraisal-table-missing")
    assert (issue.file, issue.sheet, issue.unit, issue.severity) == (builders.shown(book), "A", None, "error")
    # The bloc's workbook to mend: A is not blamed; the run is provisional until the bloc's appraisal is read.
    assert result.status["A"] == "scored" and result.provisional and issue.params["unit"] == "A"
    assert_others_scored(result)


def test_two_workbooks_differing_only_in_a_reason_are_a_conflict_at_the_reason(folder):
    builders.appraise(RULES, folder, {"A": {"1.1": (16, "Thiếu minh chứng")}})
    builders.appraise(RULES, folder, {"A": {"1.1": (16, "Chậm báo cáo")}}, name="appraisal-2024-b.xlsx")
    issue = one(go(folder), "appraisal-conflict")
    assert (issue.sheet, issue.cell, issue.unit) == ("A", "F6", None)


def test_the_blocs_appraisal_mistake_is_told_to_the_bloc_not_to_the_unit(folder, tmp_path):
    """A changed score left without its reason in the bloc's own workbook: the terminal, the JSON and feedback's
    terminal name the bloc's workbook and cell; the unit is not blamed and gets no letter about it."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(_rules_data()), encoding="utf-8")
    builders.appraise(RULES, folder, {"A": {"1.1": (16, "")}})
    out = tmp_path / "output"
    where = {"vi": "tệp bloc/appraisal-2024.xlsx, trang A, ô E6",
             "en": "file bloc/appraisal-2024.xlsx, sheet A, cell E6"}
    for lang in ("vi", "en"):
        common = ["--rules", str(rules_file), "--input", str(folder), "--lang", lang]
        ran = CliRunner().invoke(main, ["run", *common, "--out", str(out)])
        assert ran.exit_code == 1, ran.output
        assert where[lang] in ran.output and "F6" in ran.output
        unranked = ran.output.partition("appraisal-2024.xlsx")[0]
        assert "A " not in unranked.split("\n\n")[-1]  # no unit listed as invalid
        results = json.loads((out / "results-2024.json").read_text(encoding="utf-8"))
        blamed = [i for i in results["issues"] if i["code"] == "appraisal-reason-missing"]
        assert [(i["unit"], i["file"], i["cell"]) for i in blamed] == [(None, "bloc/appraisal-2024.xlsx", "E6")]
        letters = tmp_path / f"letters-{lang}"
        told = CliRunner().invoke(main, ["feedback", *common, "--out", str(letters)])
        assert where[lang] in told.output, told.output
        mail = (letters / "A.eml").read_text(encoding="utf-8")
        assert "E6" not in mail and "appraisal-2024" not in mail  # A's receipt: nothing of the bloc's workbook
    book = openpyxl.load_workbook(out / "ranking-2024.xlsx", read_only=True)
    banner = " ".join(str(c) for row in book.worksheets[0].iter_rows(max_row=12, values_only=True) for c in row if c)
    assert where["en"] in banner


# ------------------------------------------------------------------------------------------------ on paper

COUNTED = {"cap": 4, "criteria": [{"code": "D1", "title": "Chậm báo cáo", "max": 2, "per_occurrence": 0.5}]}


def counted_folder(tmp_path: Path, **changes):
    rules = rules_from(deductions=COUNTED, **changes)
    inbox = tmp_path / "input"
    for code in ("A", "B", "C", "D"):
        builders.template_for(rules, code, inbox / f"{code}.xlsx", values(**FULL_SMALL, D1=3))
    return rules, inbox


def assert_counts_apart(sheet, times: str) -> None:
    """Every D1 row: its cells in point columns show a count ("3 lần"), never plain points; the row under it
    holds the points, as locked formulas."""
    header = [c.value for c in sheet[4]]
    point_columns = [header.index(label) + 1 for label in header
                     if label in ("Self-score", "Appraised score", "Peer score", "Max points")]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == "D1")
    for column in point_columns[1:]:  # the self-score and the appraised (or peer) score: counts, and say so
        cell = sheet.cell(row, column)
        assert cell.number_format == f'General" {times}"', (cell.coordinate, cell.number_format)
    assert sheet.cell(row, point_columns[0]).value == "0.5 a time"  # not a max of points
    below = [sheet.cell(row + 1, column) for column in point_columns]
    assert sheet.cell(row + 1, 1).value in ("", None) and "0.5 a time" in sheet.cell(row + 1, 2).value
    assert below[0].value == 2  # the points' max
    for cell in below[1:]:
        assert str(cell.value).startswith("=IF(") and "*0.5,2)" in cell.value
        assert cell.protection.locked is not False and "lần" not in cell.number_format
        assert "times" not in cell.number_format


def test_a_count_is_never_shown_in_a_points_cell(tmp_path):
    rules, inbox = counted_folder(tmp_path)
    path = write_appraisal(run(rules, builders.workspace(inbox)), tmp_path / BOOK,
                           filled={"A": {"D1": Appraised(Decimal(2), "Biên bản")}})
    book = openpyxl.load_workbook(path)
    for code in "ABCD":
        assert_counts_apart(book[code], "times")
    sheet = book["A"]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == "D1")
    assert (sheet.cell(row, 4).value, sheet.cell(row, 5).value) == (3, 2)  # the counts stay the entries
    # Read back, the counts are the entries; the points row has no code, so it is no row of the table.
    made = read_submission(path, tmp_path)
    assert [(r.code, r.self_score, r.appraised) for r in made.appraisal.sheets["A"].rows if r.code == "D1"] == [
        ("D1", 3, 2)]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_points_of_a_count_as_libreoffice_prints_them(tmp_path, lo_profile):
    rules, inbox = counted_folder(tmp_path)
    path = write_appraisal(run(rules, builders.workspace(inbox)), tmp_path / BOOK,
                           filled={"A": {"D1": Appraised(Decimal(2), "Biên bản")}})
    recalculated = openpyxl.load_workbook(libreoffice_convert(path, "xlsx", tmp_path / "calc", lo_profile),
                                          data_only=True)["A"]
    row = next(r for r in range(5, recalculated.max_row + 1) if recalculated.cell(r, 1).value == "D1")
    assert (recalculated.cell(row + 1, 4).value, recalculated.cell(row + 1, 5).value) == (1.5, 1)


def test_each_sheet_numbers_its_own_pages_and_each_signer_signs_centred(tmp_path):
    signers = [{"capacity": "T/M Khối", "position": "Khối trưởng", "office": "Chánh Văn phòng Tỉnh ủy",
                "name": "Nguyễn Văn A"},
               {"capacity": "T/M Khối", "position": "Khối phó", "name": "Trần Thị B"}]
    rules, inbox = counted_folder(tmp_path, signers=signers)
    book = openpyxl.load_workbook(write_appraisal(run(rules, builders.workspace(inbox)), tmp_path / BOOK))
    for sheet in book.worksheets[:5]:
        assert "&P" in sheet.oddFooter.center.text and "&N" not in sheet.oddFooter.center.text
        # From 1 on every sheet (1 is the attribute's default): a unit's pages are its own "Trang 1", "Trang 2".
        assert sheet.page_setup.firstPageNumber in (None, 1) and sheet.page_setup.useFirstPageNumber
    sheet = book["A"]
    found = {sheet.cell(r, c).value: sheet.cell(r, c) for r in range(5, sheet.max_row + 1) for c in range(1, 8)
             if sheet.cell(r, c).value}
    for label in ("KHỐI TRƯỞNG", "KHỐI PHÓ", "CHÁNH VĂN PHÒNG TỈNH ỦY", "Nguyễn Văn A", "Trần Thị B"):
        assert found[label].alignment.horizontal == "center"
    # The signer's office under the position, and no form instruction under a signer.
    assert found["CHÁNH VĂN PHÒNG TỈNH ỦY"].row == found["KHỐI TRƯỞNG"].row + 1
    assert not any(str(value).startswith("(") for value in found if found[value].row > found["KHỐI TRƯỞNG"].row)
    # Side by side: each block over its own merged columns, inside the print area.
    merged = {str(m) for m in sheet.merged_cells.ranges}
    left, right = found["KHỐI TRƯỞNG"], found["KHỐI PHÓ"]
    assert left.row == right.row and left.column < right.column
    assert any(m.startswith(left.coordinate + ":") for m in merged)
    last_row = max(c.row for c in found.values())
    assert str(sheet.print_area).endswith(f"$G${last_row}")
