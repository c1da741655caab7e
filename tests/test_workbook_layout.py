"""The ranking workbook on paper and in the bloc's words (issue #29): rows in their order, no heading alone at a
page's foot, rows as tall as their text, the wording of a Party document, percentages without a space."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.outputs.workbook.context import GROUP_FILL
from pipeline.outputs.write import write_outputs
from pipeline.outputs.xlsx import row_height
from pipeline.rules.model import Rules
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT
from tests.test_workbook import Written


@pytest.fixture(scope="module")
def sample(sample_rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The shipped sample (nine units of a Party bloc), as `bloc-score run` writes it."""
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    written = write_outputs(result, tmp_path_factory.mktemp("sample"))
    return Written(result, json.loads(written.results.read_text(encoding="utf-8")), load_workbook(written.workbook),
                   written.workbook)


GROUP = GROUP_FILL.lstrip("#")


def _texts(sheet: Worksheet) -> list[str]:
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def _unit_sheets(written: Written) -> list[Worksheet]:
    return [written.book[u.unit_code] for u in written.result.ranked]


def test_a_unit_sheet_lists_the_criteria_total_then_bonus_deductions_and_the_total(sample):
    t = sample.t
    for sheet in _unit_sheets(sample):
        labels = [row[0].value or row[1].value for row in sheet.iter_rows(max_row=20, max_col=2)]
        order = [labels.index(t(key)) for key in ("report.base", "report.bonus", "report.deductions", "report.total")]
        assert order == sorted(order), sheet.title


def _is_heading(sheet: Worksheet, row: int) -> bool:
    """A section's heading (grey, bold) or a table's header row (bold, blue)."""
    cell = sheet.cell(row, 2)
    fill = (cell.fill.fgColor.rgb or "") if cell.fill and cell.fill.fill_type else ""
    return bool(cell.font and cell.font.b) and (fill.endswith(GROUP) or fill.endswith("D9E1F2"))


def test_no_page_of_a_unit_sheet_or_the_matrix_ends_with_a_heading(sample):
    sheets = [*_unit_sheets(sample), sample.sheet("matrix")]
    for sheet in sheets:
        breaks = [b.id for b in sheet.row_breaks.brk]
        assert breaks, sheet.title  # broken by the writer, where it chose
        for last in breaks:  # the 1-based number of a page's last row
            assert not _is_heading(sheet, last), (sheet.title, last, sheet.cell(last, 2).value)


def test_a_sheet_printed_at_a_fixed_scale_keeps_its_text_legible(sample):
    for sheet in sample.book.worksheets:
        if not sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.scale:
            assert sheet.page_setup.scale * 11 / 100 >= 8, sheet.title  # 11-pt text at 8 pt or more


def test_audit_rows_are_tall_enough_for_a_sha256_that_wraps(sample):
    sheet = sample.sheet("audit")
    hashes = [c for row in sheet.iter_rows() for c in row
              if isinstance(c.value, str) and re.fullmatch(r"[0-9a-f]{64}", c.value) and c.column == 2
              and sheet.cell(c.row, 1).value not in (None, sample.t("workbook.audit_rules_sha256"))]
    assert len(hashes) >= len(sample.result.submissions)
    for cell in hashes:
        assert sheet.row_dimensions[cell.row].height >= row_height(2), cell.coordinate
    # Every row of the sheet's tables has its height set: LibreOffice would print a long title in one line's.
    titled = [c for row in sheet.iter_rows() for c in row if c.column == 2 and isinstance(c.value, str)]
    assert all(sheet.row_dimensions[c.row].height for c in titled)


def test_the_ranking_speaks_as_the_bloc_proposes(sample):
    texts = _texts(sample.ranking)
    for label in ("Kết quả bình xét", "Xếp loại thi đua", "Điểm các tiêu chí (A)\n(100)"):
        assert label in texts
    assert "Quyết định khen thưởng" not in texts and "Xếp loại" not in texts
    assert "8/9 (88,89%)" in texts
    assert "đã đủ số lượng Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh được đề nghị (01)" in texts
    legend = " ".join(t for t in texts if t.startswith(("Điểm từng phần", "Cờ thi đua")))
    for phrase in ("làm tròn đến hai chữ số thập phân", "Tiêu chí có điểm thẩm định thì tính theo điểm thẩm định "
                   "của Khối.", "Trường hợp bằng điểm, lần lượt xét: điểm Phần I cao hơn; điểm trừ ít hơn; điểm "
                   "cộng nhiều hơn.", "không quá 20% số đơn vị của Khối, đạt từ 95 điểm trở lên"):
        assert phrase in legend


def test_the_other_sheets_use_the_same_words(sample):
    unit = _texts(_unit_sheets(sample)[0])
    assert "Điểm đạt" in unit and "Điểm phần" not in unit
    chart = _texts(sample.sheet("chart"))
    assert "Điểm trừ" in chart and not any("số âm" in t for t in chart)
    audit = _texts(sample.sheet("audit"))
    assert "Thời điểm lập bảng" in audit and "Thời điểm chạy" not in audit
    assert "Số lượng" in audit


def test_no_percentage_is_written_with_a_space_before_its_sign(sample):
    for sheet in sample.book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and re.search(r"\d %", cell.value)), cell.coordinate
                assert " %" not in (cell.number_format or ""), (sheet.title, cell.coordinate)
