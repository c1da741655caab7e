"""What the template and the workbook share: row heights for wrapped text, formats made once, safe values."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from pipeline.outputs.xlsx import Formats, at_size, new_workbook, row_height, wrapped_lines, write_value


@pytest.mark.parametrize(
    ("value", "width", "lines"),
    [
        ("", 10, 1),
        ("ngắn", 10, 1),
        ("một hai ba bốn năm sáu bảy tám chín mười", 10, 4),  # wraps at spaces
        ("dòng một\ndòng hai", 40, 2),  # explicit line breaks count
        ("x" * 40, 10, 4),  # a long token (a file name, a hash) breaks anywhere
    ],
)
def test_wrapped_lines(value, width, lines):
    assert wrapped_lines(value, width) == lines


def test_smaller_or_bold_text_and_line_heights():
    text = "Thực hiện đầy đủ các nhiệm vụ được giao " * 3
    assert wrapped_lines(text, 40, bold=True) >= wrapped_lines(text, 40)
    assert wrapped_lines(text, at_size(40, 10)) <= wrapped_lines(text, 40)  # 10-pt text fits more per line
    assert row_height(1) == 12 * 1.375 + 3
    assert row_height(2, 11) == 2 * 11 * 1.375 + 3


def test_a_format_is_made_once_per_set_of_properties(tmp_path):
    book = new_workbook(tmp_path / "f.xlsx", {})
    formats = Formats(book)
    assert formats.get(bold=True, border=1) is formats.get(border=1, bold=True)
    assert formats.get(bold=True) is not formats.get(italic=True)
    book.close()


def test_values_are_numbers_or_text_never_formulas(tmp_path):
    path = tmp_path / "v.xlsx"
    book = new_workbook(path, {"title": "t"})
    sheet = book.add_worksheet("s")
    cell = book.add_format()
    written = [Decimal("2.5"), 3, "N/A", "=SUM(A1:A9)", "+1+2", "@A1", None, ""]
    for row, value in enumerate(written):
        write_value(sheet, row, 0, value, cell, cell)
    sheet.write(len(written), 0, "=1+1")  # even the generic writer: the workbook's options keep it text
    book.close()
    cells = [openpyxl.load_workbook(path)["s"].cell(row + 1, 1) for row in range(len(written) + 1)]
    assert [c.value for c in cells] == [2.5, 3, "N/A", "=SUM(A1:A9)", "+1+2", "@A1", None, None, "=1+1"]
    assert [c.data_type for c in cells[2:6]] == ["s"] * 4
    assert cells[-1].data_type == "s"
