"""The unit template: identity, protection, data validation, formulas, and a LibreOffice round trip."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from functools import partial
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from pipeline.checking.validate import validate
from pipeline.forms.score_cells import validation_formula
from pipeline.forms.template import (
    EVIDENCE_SIZE,
    WIDTHS,
    FilledValue,
    write_template,
    write_templates,
)
from pipeline.outputs.xlsx import at_size, row_height, wrapped_lines
from pipeline.reading.read import read_submission
from pipeline.rules.layout import (
    APPRAISED,
    EVIDENCE,
    HEADER_ROW,
    IDENTITY_SHEET,
    SELF,
    TITLE,
    UNIT_CODE_CELL,
    plan_layout,
    template_filename,
)
from pipeline.run import run
from pipeline.scoring.score import score_unit
from pipeline.workspace.folders import Workspace
from tests.builders import criterion_row
from tests.conftest import FULL_SMALL, invoke, libreoffice_convert, rules_from, values


def test_one_template_per_unit_named_for_people(sample_rules, tmp_path):
    paths = write_templates(sample_rules, tmp_path)
    assert len(paths) == 9
    assert tmp_path / "2024_VPTU_Van-phong-Tinh-uy.xlsx" in paths
    assert tmp_path / "2024_TCT_Truong-Chinh-tri-Le-Duan.xlsx" in paths
    assert template_filename(sample_rules, sample_rules.units[6]) == \
        "2024_DUK_Dang-uy-Khoi-cac-co-quan-va-doanh-nghiep-tinh.xlsx"


@pytest.fixture
def template(sample_rules, tmp_path) -> Path:
    return write_template(sample_rules, sample_rules.unit("BQT"), tmp_path / "t.xlsx")


def test_identity_is_carried_on_a_very_hidden_sheet(sample_rules, template):
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Tự chấm điểm", IDENTITY_SHEET]
    identity_sheet = book[IDENTITY_SHEET]
    assert identity_sheet.sheet_state == "veryHidden"
    identity = {row[0]: row[1] for row in identity_sheet.iter_rows(values_only=True)}
    assert identity["bloc"] == sample_rules.bloc
    assert identity["year"] == "2024"
    assert identity["unit_code"] == "BQT"
    assert identity["fingerprint"] == sample_rules.fingerprint
    sheet = book["Tự chấm điểm"]
    assert sheet[UNIT_CODE_CELL].value == "BQT"  # the visible unit code, prefilled
    code_row = int(UNIT_CODE_CELL[1:])
    assert sheet[f"B{code_row}"].value == "Báo Quảng Trị"
    assert "NĂM 2024" in sheet["A2"].value


def test_only_score_and_evidence_cells_can_be_edited(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    assert sheet.protection.sheet is True
    assert not sheet.protection.password  # no password to fill it in
    layout = plan_layout(sample_rules)
    for code, row in layout.criterion_rows.items():
        for column in (SELF, EVIDENCE):
            assert sheet.cell(row + 1, column + 1).protection.locked is False, (code, column)
        for column in (0, 1, 2, APPRAISED):  # code, criterion, max; the appraisal is the bloc's
            assert sheet.cell(row + 1, column + 1).protection.locked is not False
        assert sheet.cell(row + 1, APPRAISED + 1).fill.fgColor.rgb.endswith("D9D9D9")  # grey
    for row in layout.group_rows.values():
        assert sheet.cell(row + 1, SELF + 1).protection.locked is not False  # subtotal formulas
    assert sheet.cell(layout.total_row + 1, SELF + 1).protection.locked is not False


def test_each_score_cell_has_data_validation_naming_the_max(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    rules_by_cell = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            rules_by_cell[cell_range.coord] = validation
    layout = plan_layout(sample_rules)
    for criterion in sample_rules.criteria():
        row = layout.criterion_rows[criterion.code] + 1
        assert f"E{row}" not in rules_by_cell  # the bloc's column takes nothing from the unit
        for column in ("D",):
            validation = rules_by_cell[f"{column}{row}"]
            assert validation.type == "custom"
            assert validation.errorStyle in (None, "stop")  # absent means stop
            assert validation.showErrorMessage and validation.showInputMessage
            if criterion.per_occurrence is None:
                assert f"{column}{row}<={criterion.max}" in validation.formula1
                assert f"0 đến {criterion.max}" in validation.prompt
            else:  # a count of occurrences: whole, with no upper limit (its points are capped)
                assert f"{column}{row}=INT({column}{row})" in validation.formula1
                assert f"tối đa {criterion.max} điểm" in validation.prompt
            assert ("N/A" in validation.formula1) == criterion.na_allowed
            assert len(validation.formula1) < 255  # Excel's limit for a validation formula


def test_formulas_compute_sections_and_totals(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    layout = plan_layout(sample_rules)
    first_row = layout.group_rows["I"] + 1
    formula = sheet.cell(first_row, SELF + 1).value
    assert formula.startswith("=IF(SUM(I") and "*50/SUM(I" in formula
    assert sheet.cell(first_row, APPRAISED + 1).value is None  # the unit previews only its own scores
    bonus = sheet.cell(layout.group_rows["bonus"] + 1, SELF + 1).value
    assert bonus.startswith("=MIN(5,SUM(I")  # the points of each row (count × value for per-occurrence items)
    total = sheet.cell(layout.total_row + 1, SELF + 1).value
    # The total is rounded as the rules say, unless a cell cannot be added up: then it names that cell.
    assert total.startswith("=IF(J") and "ROUND(" in total and total.endswith(",2))")
    assert '"Kiểm tra ô "&J' in total


def _runs(cell_value) -> list[tuple[str, bool, bool]]:
    """A rich-text cell's runs as (text, bold, underlined), read back by openpyxl."""
    return [(run.text, bool(run.font and run.font.b), bool(run.font and run.font.u))
            for run in cell_value if not isinstance(run, str)]


def test_the_letterhead_is_the_units_own_in_the_party_form(template):
    sheet = openpyxl.load_workbook(template, rich_text=True)["Tự chấm điểm"]
    left, right = _runs(sheet["A1"].value), _runs(sheet["C1"].value)
    # The Party form: "Số 15-BC/…", no colon (Hướng dẫn 36-HD/VPTW); "Báo Quảng Trị" names its place, not its
    # parent body: it stays whole.
    assert [text.strip() for text, _b, _u in left] == ["TỈNH ỦY QUẢNG TRỊ", "BÁO QUẢNG TRỊ", "*", "Số ……-BC/BQT"]
    assert [bold for _t, bold, _u in left] == [False, True, False, False]  # the unit's name in bold
    assert right[0] == ("ĐẢNG CỘNG SẢN VIỆT NAM\n", True, True)  # bold and underlined
    # Signed in the next year, often: the year is left to write; the title keeps the year assessed.
    assert right[-1][0] == "Quảng Trị, ngày … tháng … năm 20…"
    assert sheet["A1"].protection.locked is False  # the unit may type its number and date in
    assert sheet["A2"].value == "BÁO CÁO KẾT QUẢ TỰ CHẤM ĐIỂM THI ĐUA NĂM 2024"


def test_the_state_form_and_a_unit_without_a_parent(sample_rules, tmp_path):
    rules = dataclasses.replace(sample_rules, header="state")
    unit = dataclasses.replace(rules.unit("BQT"), parent="")
    sheet = openpyxl.load_workbook(write_template(rules, unit, tmp_path / "s.xlsx"), rich_text=True).worksheets[0]
    left, right = _runs(sheet["A1"].value), _runs(sheet["C1"].value)
    assert left[0] == ("BÁO QUẢNG TRỊ\n", True, True)  # the issuer first, underlined; no "*"
    assert "*" not in "".join(text for text, _b, _u in left) and left[-1][0] == "Số: ……/BC-BQT"
    assert [(text.strip(), underlined) for text, _b, underlined in right] == [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", False), ("Độc lập - Tự do - Hạnh phúc", True),
        ("Quảng Trị, ngày … tháng … năm 20…", False)]  # the date on the number's line


def test_totals_read_a_then_b_and_c_then_a_plus_b_minus_c(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    layout = plan_layout(sample_rules)
    assert layout.group_rows["V"] < layout.base_row < layout.group_rows["bonus"] < layout.group_rows["deductions"]
    assert layout.total_row == layout.last_row > layout.criterion_rows["D4"]
    titles = [sheet.cell(row + 1, TITLE + 1).value for row in
              (layout.base_row, layout.group_rows["bonus"], layout.group_rows["deductions"], layout.total_row)]
    assert titles == ["ĐIỂM CÁC PHẦN (A)", "ĐIỂM CỘNG (B), tối đa 5 điểm", "ĐIỂM TRỪ (C), tối đa 10 điểm",
                      "TỔNG ĐIỂM (A + B − C)"]
    total = sheet.cell(layout.total_row + 1, SELF + 1).value
    assert f"D{layout.base_row + 1}+D{layout.group_rows['bonus'] + 1}-D{layout.group_rows['deductions'] + 1}" in total


def test_entry_cells_are_dashed_boxes_that_survive_a_greyscale_print(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    row = plan_layout(sample_rules).criterion_rows["1.1"] + 1
    for column in (SELF, EVIDENCE):
        cell = sheet.cell(row, column + 1)
        assert cell.protection.locked is False
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style,
                cell.border.bottom.style} == {"mediumDashed"}
    locked = sheet.cell(row, TITLE + 1)
    assert locked.border.left.style == "thin"  # every other cell keeps the thin grid


def test_version_1_rows_are_planned_as_they_were_sent(sample_rules):
    old, new = plan_layout(sample_rules, 1), plan_layout(sample_rules)
    assert old.criterion_rows["1.1"] == new.criterion_rows["1.1"]
    assert old.criterion_rows["B1"] == new.criterion_rows["B1"] - 1  # A moved above the bonus
    assert old.base_row == old.total_row - 1 and old.base_row > old.criterion_rows["D4"]


def test_print_setup_looks_like_an_official_form(template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.freeze_panes == f"A{HEADER_ROW + 2}"
    assert sheet.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}"
    first = f"B{HEADER_ROW + 3}"  # the first criterion's title
    assert sheet[first].font.name == "Times New Roman"
    assert sheet[first].alignment.wrap_text


def test_english_template(small_rules, tmp_path):
    path = write_template(small_rules, small_rules.unit("A"), tmp_path / "a.xlsx", lang="en")
    sheet = openpyxl.load_workbook(path)["Self-assessment"]
    assert [sheet.cell(HEADER_ROW + 1, c).value for c in range(1, 7)] == [
        "Code", "Criterion", "Max points", "Self-score", "Appraised score (for the bloc)", "Evidence / notes"]


def test_filled_template_reads_back(small_rules, write_filled, tmp_path):
    path = write_filled(small_rules, "A", values(**{**FULL_SMALL, "1.2": ("N/A", 8, "ghi chú")}, B1=1))
    submission = read_submission(path, path.parent)
    assert submission.identity["unit_code"] == "A"
    rows = {r.code: r for r in submission.rows}
    assert rows["1.1"].self_score == 18
    assert rows["1.2"].self_score == "N/A" and rows["1.2"].appraised == 8
    assert rows["1.2"].evidence == "ghi chú"
    validation = validate(small_rules, [submission], expect_every_unit=False)
    assert [i.code for i in validation.issues if i.severity == "error"] == []


def test_template_preview_names_a_cell_it_cannot_add_up(small_rules, write_filled):
    """A number typed as text is read by the pipeline but not by a spreadsheet's SUM: no silent total."""
    path = write_filled(small_rules, "A", values(**{**FULL_SMALL, "2.1": "8,5"}))
    cells = _calamine_cells(path, "Self-assessment")
    layout = plan_layout(small_rules)
    row = layout.criterion_rows["2.1"] + 1
    assert cells[layout.total_row][SELF] == f"Check cell D{row}"
    assert cells[layout.base_row][SELF] == f"Check cell D{row}"


def test_template_preview_names_an_na_the_rules_refuse(small_rules, write_filled):
    path = write_filled(small_rules, "A", values(**{**FULL_SMALL, "2.1": "N/A"}))  # 2.1 has no N/A
    cells = _calamine_cells(path, "Self-assessment")
    layout = plan_layout(small_rules)
    assert cells[layout.total_row][SELF] == f"Check cell D{layout.criterion_rows['2.1'] + 1}"


def test_a_number_in_the_locked_appraisal_column_changes_nothing_in_the_preview(small_rules, write_filled):
    path = write_filled(small_rules, "A", values(**{**FULL_SMALL, "1.1": (18, 20)}))
    cells = _calamine_cells(path, "Self-assessment")
    layout = plan_layout(small_rules)
    mine = score_unit(small_rules, "A", {code: Decimal(str(v)) for code, v in FULL_SMALL.items()})
    assert Decimal(str(cells[layout.total_row][SELF])) == mine.total
    assert cells[layout.total_row][APPRAISED] in ("", None)


# ----------------------------------------------------------------------------------- LibreOffice

def _calamine_cells(path: Path, sheet: str) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_resave_keeps_the_scores_and_recomputes_the_pipeline_total(
        sample_rules, write_filled, tmp_path, lo_profile):
    filled = values(**{"1.1": 19.5, "1.2": "N/A", "1.3": (14, 13.5, "Báo cáo số 5"), "2.1": 4.75, "2.2": 4,
                       "2.3": 3, "2.4": 2.5, "3.1": 4, "3.2": 3, "3.3": 2.75, "4.1": 4, "4.2": 3.5, "4.3": 3,
                       "4.4": 4, "5.1": 4, "5.2": 3, "5.3": "N/A", "B1": 3, "B2": 2, "B3": 1, "D1": 1})
    original = write_filled(sample_rules, "BQT", filled)
    resaved = libreoffice_convert(original, "xlsx", tmp_path / "resaved", lo_profile)

    # The pipeline reads the same scores from the re-saved file ...
    result_original = run(sample_rules, Workspace(input=original.parent))
    result_resaved = run(sample_rules, Workspace(input=resaved.parent))
    mine = result_original.ranked[0].score
    theirs = result_resaved.ranked[0].score
    assert theirs.total_exact == mine.total_exact
    assert [s.score for s in theirs.sections] == [s.score for s in mine.sections]
    assert not [i for i in result_resaved.issues if i.severity == "error" and i.code != "unit-missing"]
    # The number left in the bloc's column of an older copy counts for nothing, wherever it was saved.
    left_in_bloc_column = [i.cell for i in result_resaved.issues if i.code == "appraisal-in-unit-file"]
    assert left_in_bloc_column == [f"E{criterion_row(sample_rules, '1.3')}"]

    # ... and LibreOffice's own recalculation of the template formulas gives the pipeline's total.
    layout = plan_layout(sample_rules)
    cells = _calamine_cells(resaved, "Tự chấm điểm")
    assert Decimal(str(cells[layout.total_row][SELF])) == mine.total
    for section in sample_rules.sections:
        shown = cells[layout.group_rows[section.code]][SELF]
        assert abs(Decimal(str(shown)) - Decimal(float(mine.section(section.code).score))) < Decimal("1e-9")
    claimed = {code: (None if v.self_score == "N/A" else v.self_score) for code, v in filled.items()}
    assert score_unit(sample_rules, "BQT", claimed).total == mine.total


VALIDATION_CASES = [
    ("1.1", 20, True),
    ("1.1", 21, False),  # above the max
    ("1.1", -1, False),
    ("1.1", 19.5, True),
    ("1.1", 19.3, False),  # off the 0.5 step
    ("1.2", "N/A", True),  # N/A allowed here
    ("1.2", "n/a", True),
    ("1.1", "N/A", False),  # ... and not here
    ("1.1", "mười", False),
    ("2.1", 4.75, True),
    ("2.1", 5.25, False),
    ("D3", 1, True),
]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_data_validation_refuses_a_score_above_max(sample_rules, tmp_path, lo_profile):
    """LibreOffice itself evaluates each criterion's validation rule on entered values, all in one file."""
    template = write_template(sample_rules, sample_rules.unit("VPTU"), tmp_path / "t.xlsx")
    criteria = {c.code: c for c in sample_rules.criteria()}
    book = openpyxl.load_workbook(template)
    sheet = book["Tự chấm điểm"]
    for row, (code, entered, _) in enumerate(VALIDATION_CASES, start=100):
        sheet[f"M{row}"] = entered
        sheet[f"K{row}"] = validation_formula(criteria[code], f"M{row}")
    book.save(template)
    converted = libreoffice_convert(template, "xlsx", tmp_path / "out", lo_profile)
    cells = _calamine_cells(converted, "Tự chấm điểm")
    verdicts = [(code, entered, cells[row - 1][10]) for row, (code, entered, _) in enumerate(VALIDATION_CASES, 100)]
    assert verdicts == [(code, entered, accepted) for code, entered, accepted in VALIDATION_CASES]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_blank_template_filled_by_hand_then_resaved_by_libreoffice(small_rules, tmp_path, lo_profile):
    """The unit's real path: the blank template from `templates`, typed into, saved by Calc."""
    from tests import builders

    blank = write_templates(small_rules, tmp_path / "sent")[0]
    row = partial(criterion_row, small_rules)
    typed = {f"D{row('1.1')}": 17.5, f"F{row('1.1')}": "Báo cáo số 12", f"D{row('1.2')}": "N/A",
             f"D{row('2.1')}": 9.25, f"D{row('2.2')}": 8, f"D{row('B1')}": 1.5, f"D{row('D1')}": 0.5,
             f"E{row('2.1')}": 9}
    builders.edit(blank, typed)
    resaved = libreoffice_convert(blank, "xlsx", tmp_path / "input", lo_profile)
    submission = read_submission(resaved, resaved.parent)
    rows = {r.code: r for r in submission.rows}
    assert (rows["1.1"].self_score, rows["1.1"].evidence) == (17.5, "Báo cáo số 12")
    assert rows["1.2"].self_score == "N/A"
    assert (rows["2.1"].self_score, rows["2.1"].appraised) == (9.25, 9)
    assert rows["B1"].self_score == 1.5 and rows["D1"].self_score == 0.5
    result = run(small_rules, Workspace(input=resaved.parent))
    score = next(r for r in result.ranked if r.unit_code == "A").score
    assert score.section("I").score == Decimal("17.5") * 30 / 20
    assert score.section("II").points == Decimal("9.25") + 8  # the unit's own 9 in E11 counts for nothing
    assert [i.cell for i in result.issues if i.code == "appraisal-in-unit-file"] == [f"E{row('2.1')}"]
    cells = _calamine_cells(resaved, submission.sheet)
    layout = plan_layout(small_rules)
    assert Decimal(str(cells[layout.total_row][SELF])) == score.total  # Calc agrees with the pipeline


PREVIEW_CASES = {
    "blanks": {"1.1": 18, "1.2": 9, "2.1": 9.5, "2.2": None, "B1": None, "D1": None},
    "spaces": {"1.1": (18, " "), "1.2": (9, "\u00a0"), "2.1": 9.5, "2.2": 8, "B1": " ", "D1": (1, "  ")},
    "not applicable": {"1.1": 18, "1.2": (9, "n/a"), "2.1": 9.5, "2.2": ("không áp dụng", 7), "B1": 1},
    "all not applicable": {"1.1": 18, "1.2": "N/A", "2.1": 9.5, "2.2": ("KPS", " N/A ")},
    "appraised": {"1.1": (18, 16.5), "1.2": (9, "N/A"), "2.1": 9.5, "2.2": 8, "B2": (2, 1), "D2": (0, 2)},
}


@pytest.mark.libreoffice
@pytest.mark.slow
def test_calc_recalculated_preview_equals_the_pipeline(small_rules, tmp_path, lo_profile):
    """Calc recalculates every template formula on load; its totals are the pipeline's, case by case."""
    layout = plan_layout(small_rules)
    for name, filled in PREVIEW_CASES.items():
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        original = write_template(small_rules, small_rules.unit("A"), folder / "a.xlsx",
                                  filled=values(**filled))
        resaved = libreoffice_convert(original, "xlsx", folder / "calc", lo_profile)
        cells = _calamine_cells(resaved, "Self-assessment")
        submission = read_submission(original, original.parent)
        validation = validate(small_rules, [submission], expect_every_unit=False)
        final = validation.final
        decided = {c.code: Decimal(0) for c in small_rules.criteria()}
        decided.update(zip(final["criterion_code"], final["value"], strict=True))
        expected = score_unit(small_rules, "A", decided)
        assert Decimal(str(cells[layout.total_row][SELF])) == expected.total, name
        for section in small_rules.sections:
            shown = Decimal(str(cells[layout.group_rows[section.code]][SELF]))
            assert abs(shown - Decimal(float(expected.section(section.code).score))) < Decimal("1e-9"), name
        # The stored results (for viewers that do not recalculate) are the same figures.
        stored = _calamine_cells(original, "Self-assessment")
        assert Decimal(str(stored[layout.total_row][SELF])) == expected.total, name


def test_rows_are_as_tall_as_their_wrapped_text(tmp_path):
    """Neither Excel nor LibreOffice grows a row on opening, so a long title or note must not print cut off."""
    long_title = "Thực hiện đầy đủ, kịp thời các nhiệm vụ được giao " * 4
    rules = rules_from(sections=[{"code": "I", "title": "Nhiệm vụ", "criteria": [
        {"code": "1.1", "title": long_title.strip(), "max": 10}, {"code": "1.2", "title": "Ngắn", "max": 10}]}])
    note = "Báo cáo số 404-BC ngày 20/12/2024, kèm biên bản kiểm tra và ý kiến của Thường trực " * 3
    path = write_template(rules, rules.unit("A"), tmp_path / "t.xlsx",
                          filled={"1.1": FilledValue(Decimal(5), None, note.strip())})
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = plan_layout(rules).criterion_rows
    title_lines = wrapped_lines(long_title.strip(), WIDTHS[TITLE])
    note_lines = wrapped_lines(note.strip(), at_size(WIDTHS[EVIDENCE], EVIDENCE_SIZE))
    assert min(title_lines, note_lines) >= 3
    assert sheet.row_dimensions[rows["1.1"] + 1].height == row_height(max(title_lines, note_lines))
    assert sheet.row_dimensions[rows["1.2"] + 1].height == row_height(1)


def test_a_score_typed_as_a_formula_stays_text(small_rules, tmp_path):
    injected = '=HYPERLINK("http://example.invalid","x")'
    path = write_template(small_rules, small_rules.unit("A"), tmp_path / "t.xlsx",
                          filled={"1.1": FilledValue(injected, None, "")})
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cell = sheet.cell(plan_layout(small_rules).criterion_rows["1.1"] + 1, SELF + 1)
    assert (cell.value, cell.data_type) == (injected, "s")


def test_prints_on_a4_landscape_one_page_wide_with_page_numbers(template):
    sheet = openpyxl.load_workbook(template).worksheets[0]
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "landscape")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # 1 wide is the default, left out; as tall as it takes (0: the sample's two pages at full size, its
    # signature under the table), less a page its signature block alone would fill (test_paper.py)
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}"  # the table's header on every page
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


PER_OCCURRENCE = {"cap": 4, "criteria": [
    {"code": "D1", "title": "Chậm báo cáo (trừ 0,5 điểm/lần)", "max": 2, "per_occurrence": 0.5},
    {"code": "D2", "title": "Kỷ luật", "max": 5}]}


def test_per_occurrence_row_takes_a_count_and_says_what_it_is_worth(tmp_path):
    rules = rules_from(deductions=PER_OCCURRENCE)
    path = write_template(rules, rules.unit("A"), tmp_path / "a.xlsx", lang="vi",
                          filled=values(**{**FULL_SMALL, "D1": 3}))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    layout = plan_layout(rules)
    row = layout.criterion_rows["D1"] + 1
    assert sheet.cell(row, 3).value.startswith('="0,5/lần, tối đa 2"&IF(')  # and what the count is worth
    rules_by_cell = {r.coord: v for v in sheet.data_validations.dataValidation for r in v.sqref.ranges}
    assert f"D{row}=INT(D{row})" in rules_by_cell[f"D{row}"].formula1
    assert "mỗi lần 0,5 điểm" in rules_by_cell[f"D{row}"].prompt
    cells = _calamine_cells(path, sheet.title)
    # Stored as it reads, for viewers that do not recalculate: the rule and what the count typed is worth.
    assert cells[row - 1][2] == "0,5/lần, tối đa 2 → 1,5 điểm"
    assert cells[layout.group_rows["deductions"]][SELF] == 1.5  # 3 times × 0.5, stored for viewers
    assert cells[layout.total_row][SELF] == 44.5 - 1.5


def test_a_fraction_of_an_occurrence_is_a_cell_to_check(tmp_path):
    rules = rules_from(deductions=PER_OCCURRENCE)
    path = write_template(rules, rules.unit("A"), tmp_path / "a.xlsx", filled=values(**{**FULL_SMALL, "D1": 2.5}))
    cells = _calamine_cells(path, "Self-assessment")
    layout = plan_layout(rules)
    assert cells[layout.total_row][SELF] == f"Check cell D{layout.criterion_rows['D1'] + 1}"


@pytest.mark.libreoffice
@pytest.mark.slow
def test_calc_counts_occurrences_like_the_pipeline(tmp_path, lo_profile):
    rules = rules_from(deductions=PER_OCCURRENCE)
    layout = plan_layout(rules)
    for count, points in ((3, "1.5"), (4, "2"), (9, "2")):  # under, at and over the item's max of 2
        folder = tmp_path / str(count)
        folder.mkdir()
        original = write_template(rules, rules.unit("A"), folder / "a.xlsx",
                                  filled=values(**{**FULL_SMALL, "D1": count}))
        cells = _calamine_cells(libreoffice_convert(original, "xlsx", folder / "calc", lo_profile),
                                "Self-assessment")
        assert Decimal(str(cells[layout.group_rows["deductions"]][SELF])) == Decimal(points)
        shown = cells[layout.criterion_rows["D1"]][2]  # the max cell, recalculated: the rule, then the worth
        # Calc writes the number the way its locale does: 1.5 or 1,5.
        assert shown.startswith("0.5/time, at most 2 → ") and shown[22:].replace(",", ".") == f"{points} points"
        assert Decimal(str(cells[layout.total_row][SELF])) == Decimal("44.5") - Decimal(points)


def test_a_signature_block_alone_on_its_last_page_is_pulled_back_by_a_slight_shrink():
    from pipeline.forms.template import _PAGE_HEIGHT, pages_tall

    header = 40.0
    rows = [header, *[20.0] * int(2 * _PAGE_HEIGHT / 20 - 8)]  # two pages, nearly full
    assert pages_tall(rows, 0) == 0  # fits as it is: as many pages as it takes
    assert pages_tall([*rows, *[20.0] * 6], 0) == 2  # a stray signature block: fit to two pages
    assert pages_tall([*rows, *[20.0] * 20], 0) == 0  # a real third page: never shrink that much
    assert pages_tall([header, 20.0], 0) == 0


def test_templates_again_keep_the_earlier_ones_in_previous(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "khoi").exit_code == 0
    monkeypatch.chdir(tmp_path / "khoi")
    assert invoke("templates").exit_code == 0
    folder = tmp_path / "khoi" / "output" / "templates"
    first = {path.name: path.read_bytes() for path in folder.glob("*.xlsx")}
    assert first and not (folder / "previous").exists()
    assert invoke("templates").exit_code == 0
    (kept,) = (folder / "previous").iterdir()  # one dated subfolder: previous/<YYYY-MM-DD HH.MM.SS>/
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d", kept.name)
    assert {path.name: path.read_bytes() for path in kept.glob("*.xlsx")} == first
    assert sorted(path.name for path in folder.glob("*.xlsx")) == sorted(first)


@pytest.mark.parametrize(("name", "parent", "short"), [
    ("Văn phòng Tỉnh ủy", "Tỉnh ủy Quảng Trị", "Văn phòng"),
    ("Ban Tổ chức Tỉnh ủy", "TỈNH ỦY QUẢNG TRỊ", "Ban Tổ chức"),
    ("Ủy ban Kiểm tra Tỉnh uỷ", "Tỉnh ủy Quảng Trị", "Ủy ban Kiểm tra"),  # old tone placement alike
    ("Báo Quảng Trị", "Tỉnh ủy Quảng Trị", "Báo Quảng Trị"),  # its place, not its parent's body
    ("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh", "Tỉnh ủy Quảng Trị",
     "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh"),  # one word ("tỉnh") is the unit's own
    ("Tỉnh ủy", "Tỉnh ủy Quảng Trị", "Tỉnh ủy"),  # never the whole name
    ("Văn phòng Huyện ủy", "Tỉnh ủy Quảng Trị", "Văn phòng Huyện ủy"),
    ("Văn phòng Tỉnh ủy", "", "Văn phòng Tỉnh ủy"),
])
def test_a_units_name_under_its_parent_drops_only_what_repeats_the_parent(name, parent, short):
    from pipeline.forms.unit_heading import short_name

    assert short_name(name, parent) == short


def test_the_letterhead_gives_the_parent_then_the_short_name(sample_rules, tmp_path):
    unit = sample_rules.unit("VPTU")
    path = write_template(sample_rules, unit, tmp_path / "v.xlsx")
    sheet = openpyxl.load_workbook(path, rich_text=True).worksheets[0]
    assert [text.strip() for text, _b, _u in _runs(sheet["A1"].value)][:2] == ["TỈNH ỦY QUẢNG TRỊ", "VĂN PHÒNG"]
    assert sheet["B4"].value == "Văn phòng Tỉnh ủy"  # the unit's full name beside "Đơn vị:"


def test_the_instructions_are_on_screen_beside_the_table_and_never_printed(sample_rules, template):
    from openpyxl.utils import range_boundaries

    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    _first, _top, last_column, _bottom = range_boundaries(str(sheet.print_area).split("!")[-1].replace("$", ""))
    assert last_column == EVIDENCE + 1
    found = [cell for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("CÁCH ĐIỀN")]
    assert len(found) == 1 and found[0].column > last_column and found[0].row == 1  # in the frozen rows
    assert not sheet.column_dimensions[found[0].column_letter].hidden
    box = f"{found[0].coordinate}:{found[0].column_letter}{HEADER_ROW + 1}"  # over the rows above the table
    assert box in {str(m) for m in sheet.merged_cells.ranges}
    printed = [sheet.cell(r, c).value for r in range(1, HEADER_ROW + 1) for c in range(1, last_column + 1)]
    assert not any(isinstance(v, str) and "N/A" in v for v in printed)


def test_a_count_row_is_tall_enough_for_its_rule_and_its_cell_says_it_is_a_count(sample_rules, template):
    sheet = openpyxl.load_workbook(template)["Tự chấm điểm"]
    row = plan_layout(sample_rules).criterion_rows["D1"] + 1  # "0,5/lần, tối đa 3" in a 10-wide column
    assert sheet.row_dimensions[row].height >= row_height(2)
    assert sheet.cell(row, SELF + 1).number_format == 'General" lần"'
    header = sheet.row_dimensions[HEADER_ROW + 1].height  # "Điểm thẩm định (do Khối ghi)" on two lines
    assert header >= row_height(2)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_printed_template_has_no_instructions_and_the_year_to_write(sample_rules, tmp_path, lo_profile):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    path = write_template(sample_rules, sample_rules.unit("VPTU"), tmp_path / "v.xlsx")
    printed = subprocess.run(["pdftotext", "-layout", str(libreoffice_convert(path, "pdf", tmp_path / "pdf",
                                                                              lo_profile)), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert "CÁCH ĐIỀN" not in printed and "Cách điền" not in printed  # on screen only
    assert "năm 20…" in printed and "NĂM 2024" in printed  # the date's year left to write; the title's kept
    assert "Số ……-BC/VPTU" in printed and "Số:" not in printed  # the Party form's number, no colon
    assert re.search(r"TỈNH ỦY QUẢNG TRỊ[^\n]*\n\s*VĂN PHÒNG\n", printed)  # ĐẢNG CỘNG SẢN… beside the first
    assert printed.count("\f") <= 2  # two pages
