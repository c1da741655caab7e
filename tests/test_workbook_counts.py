"""A per_occurrence item (so many points a time) is entered as a count: the workbook prints its points in every
points cell and its count beside them, so the tables agree with the totals (issue #29)."""

from __future__ import annotations

import copy
import re
import zipfile
from typing import Any

import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.outputs import workbook as workbook_module
from pipeline.outputs.workbook.matrix import FIRST_UNIT_COLUMN
from tests.conftest import FULL_SMALL, SMALL_RULES, rules_from, values
from tests.test_workbook import Written, write_run

# D1 is worth 0.5 a time, at most 2: A reports 3 late reports, the bloc finds 2; B reports 1.
COUNTED = copy.deepcopy(SMALL_RULES["deductions"])
COUNTED["criteria"][0] = {"code": "D1", "title": "Chậm báo cáo (trừ 0,5 điểm/lần)", "max": 2, "per_occurrence": 0.5}
POINTS = {"A": (1.5, 1.0, 1.0), "B": (0.5, None, 0.5)}  # self, appraised, final: in points
COUNTS = {"A": (3, 2, 2), "B": (1, None, 1)}


def _written(tmp_path_factory: pytest.TempPathFactory, lang: str) -> Written:
    filled = {"A": values(**{**FULL_SMALL, "D1": 3}), "B": values(**{**FULL_SMALL, "D1": 1})}
    return write_run(rules_from(deductions=COUNTED, units=SMALL_RULES["units"][:2]),
                     tmp_path_factory.mktemp(f"counted-{lang}"), filled, lang=lang,
                     appraisals={"A": {"D1": (2, "Biên bản giao ban ghi 02 lần")}})


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return _written(tmp_path_factory, "vi")


def _row_of(sheet: Worksheet, code: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == code)


def _json_points(written: Written, unit: str, code: str) -> float:
    found = next(u for u in written.json["units"] if u["code"] == unit)
    return next(c["points"] for c in found["criteria"] if c["code"] == code)


def _is_count_format(number_format: str) -> bool:
    return '"' in number_format and ("lần" in number_format or "time" in number_format)


def test_the_units_entered_counts_and_their_points_are_what_the_json_says(counted):
    assert counted.result.ranked
    for unit, (_, _, final) in POINTS.items():
        assert _json_points(counted, unit, "D1") == final
    by_code = {u["code"]: u for u in counted.json["units"]}
    assert by_code["A"]["deductions"] == 1.0 and by_code["B"]["deductions"] == 0.5


def test_the_matrix_prints_points_and_the_counts_on_the_row_under_them(counted):
    sheet = counted.sheet("matrix")
    row = _row_of(sheet, "D1")
    columns = {"A": FIRST_UNIT_COLUMN + 1, "B": FIRST_UNIT_COLUMN + 2}  # 1-based
    for unit, column in columns.items():
        points = sheet.cell(row, column)
        assert points.value == _json_points(counted, unit, "D1") == POINTS[unit][2]
        assert not _is_count_format(points.number_format)
        count = sheet.cell(row + 1, column)
        assert count.value == COUNTS[unit][2] and _is_count_format(count.number_format)
    assert sheet.cell(row + 1, 1).value is None and "0,5" in sheet.cell(row + 1, 2).value  # "Số lần (0,5 điểm/lần)"


def test_a_unit_sheet_prints_points_in_its_score_columns_and_the_counts_under_them(counted):
    for unit in ("A", "B"):
        sheet = counted.book[unit]
        row = _row_of(sheet, "D1")
        shown = [sheet.cell(row, column).value for column in (4, 5, 6)]  # self, appraised, final
        assert shown == list(POINTS[unit])
        assert [sheet.cell(row + 1, column).value for column in (4, 5, 6)] == list(COUNTS[unit])
        assert all(_is_count_format(sheet.cell(row + 1, column).number_format) for column in (4, 6))
        # The deductions' group row sums the points of its items: the table agrees with the total.
        group = next(r for r in sheet.iter_rows(min_row=row - 3, max_row=row) if r[1].value == "ĐIỂM TRỪ")
        assert group[5].value == next(u for u in counted.json["units"] if u["code"] == unit)["deductions"]


def test_a_per_occurrence_item_never_shows_its_count_in_a_points_cell(counted):
    """Every number in a per_occurrence item's row is its points (or its max), never the count typed."""
    codes = {c.code: c for c in counted.result.rules.criteria() if c.per_occurrence is not None}
    checked = 0
    for sheet in counted.book.worksheets:
        for cells in sheet.iter_rows():
            if cells[0].value not in codes:
                continue
            criterion = codes[cells[0].value]
            numbers = [c for c in cells[2:] if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
            for cell in numbers:
                assert not _is_count_format(cell.number_format), (sheet.title, cell.coordinate)
                assert cell.value <= float(criterion.max), (sheet.title, cell.coordinate)
                assert cell.value in {*(p for p in POINTS["A"] + POINTS["B"] if p is not None),
                                      float(criterion.max)}, (sheet.title, cell.coordinate, cell.value)
                checked += 1
    assert checked >= 2 + 2 * 4  # the matrix, then each unit sheet's max, self, appraised, final


def test_the_chart_table_prints_the_deductions_in_points_as_the_ranking_does(counted):
    sheet = counted.sheet("chart")
    header = next(r for r in sheet.iter_rows() if r[0].value == counted.t("report.rank"))
    labels = [c.value for c in header]
    column = labels.index(counted.t("workbook.chart_deductions"))
    by_name = {u["name"]: u for u in counted.json["units"]}
    rows = [r for r in sheet.iter_rows(min_row=header[0].row + 1, values_only=True) if isinstance(r[0], int)]
    assert {r[1]: r[column] for r in rows} == {name: u["deductions"] for name, u in by_name.items()}


def test_the_details_table_puts_each_count_in_a_column_after_its_points(tmp_path_factory, monkeypatch):
    monkeypatch.setattr(workbook_module, "MAX_UNIT_SHEETS", 1)
    written = _written(tmp_path_factory, "en")
    details = written.sheet("details")
    header = [c.value for c in next(details.iter_rows(min_row=3, max_row=3))]
    column = header.index("D1")
    assert header[column + 1] == written.t("workbook.count_header", code="D1") == "D1 (times)"
    rows = {r[0].value: r for r in details.iter_rows(min_row=4)}
    for unit in ("A", "B"):
        assert rows[unit][column].value == POINTS[unit][2]
        assert rows[unit][column + 1].value == COUNTS[unit][2]
        assert _is_count_format(rows[unit][column + 1].number_format)


def test_english_counts_read_times(tmp_path_factory):
    written = _written(tmp_path_factory, "en")
    sheet = written.book["B"]
    row = _row_of(sheet, "D1")
    assert sheet.cell(row + 1, 2).value == "Times (0.5 points each)"
    assert sheet.cell(row + 1, 6).number_format == '[=1]0" time";0" times"'


def _chart_axis(written: Written) -> tuple[float, float]:
    with zipfile.ZipFile(written.path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode("utf-8")
    found: list[Any] = [re.search(rf'<c:valAx>.*?<c:{bound} val="([-0-9.]+)"/>', chart, re.S) for bound in
                        ("min", "max")]
    return float(found[0].group(1)), float(found[1].group(1))


def test_the_chart_axis_starts_at_zero(counted):
    low, high = _chart_axis(counted)
    assert low == 0 and high >= max(float(r.score.total) for r in counted.result.ranked)
