"""The fast row writer writes the very bytes xlsxwriter writes, whatever the sheet holds."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.xlsx_rows import RowsWorksheet

Build = Callable[[xlsxwriter.Workbook], None]


def _parts(build: Build, worksheet_class: type | None) -> dict[str, bytes]:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if worksheet_class is not None:
        book.worksheet_class = worksheet_class
    book.set_properties({"created": dt.datetime(2024, 12, 31, 8, 0)})
    build(book)
    book.close()
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


def assert_same_bytes(build: Build) -> None:
    theirs, ours = _parts(build, None), _parts(build, RowsWorksheet)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_every_kind_of_cell_and_row_is_written_as_xlsxwriter_writes_it():
    def build(book: xlsxwriter.Workbook) -> None:
        bold, number = book.add_format({"bold": True}), book.add_format({"num_format": "0.00"})
        row_format = book.add_format({"bg_color": "#FFFF00"})
        sheet = book.add_worksheet("Đủ loại")
        sheet.write_string(0, 0, "Điểm <tự chấm> & \"thẩm định\"", bold)
        sheet.write_number(0, 1, 8.5, number)
        sheet.write_number(0, 2, Decimal("7.25"), number)
        sheet.write_number(0, 3, 1 / 3)
        sheet.write_number(0, 4, 12345678901234567890)
        sheet.write_blank(0, 5, None, bold)
        sheet.write_blank(0, 6, None)  # a blank without a format writes nothing
        sheet.write_string(1, 0, "no format")  # format None: xlsxwriter's own path
        sheet.write_formula(1, 1, "=B1*2", number, 17)
        sheet.write_boolean(1, 2, True, bold)
        sheet.write_datetime(1, 3, dt.datetime(2024, 12, 31, 17, 30), book.add_format({"num_format": "dd/mm/yyyy"}))
        sheet.write_rich_string(1, 4, "a ", bold, "b", " c")
        sheet.write_url(1, 5, "https://example.org", string="link")
        sheet.merge_range(3, 0, 3, 4, "gộp ô", bold)
        sheet.set_row(4, 30)
        sheet.set_row(5, None, row_format)  # a row format, its cells without one take it
        sheet.write_string(5, 1, "row formatted")
        sheet.set_row(6, 15, None, {"hidden": True})
        sheet.write_number(6, 0, 1, number)
        sheet.set_column(7, 7, 20, book.add_format({"italic": True}))  # a column format, taken by cells without one
        sheet.write_number(7, 7, 2)
        sheet.write_comment(9, 2, "ghi chú")  # a row with only a comment
        sheet.write_comment(10, 1, "ghi chú trên ô")
        sheet.write_number(10, 1, 3, number)
        for row in range(20, 60):  # several 16-row blocks with different spans
            sheet.write_number(row, row % 9, row, number)
        sheet.set_row(70, 25)  # a row of attributes only, past the last cell
        sheet.write_string(71, 10, "xa", bold)
        book.add_worksheet("Trống")  # no cells at all
        tall = book.add_worksheet("Dòng mặc định")
        tall.set_default_row(24)  # every row has a height of its own
        tall.write_string(0, 0, "a", bold)
        tall.write_number(1, 1, 2, number)
        tall.set_row(2, 40)
        tall.write_string(2, 0, "b", bold)
        hidden = book.add_worksheet("Ẩn dòng")
        hidden.set_default_row(hide_unused_rows=True)
        hidden.write_string(0, 0, "c", bold)

    assert_same_bytes(build)


def test_a_sheet_in_constant_memory_mode_is_left_to_xlsxwriter():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    book.worksheet_class = RowsWorksheet
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "inline")
    sheet.write_number(1, 0, 2)
    book.close()
    with zipfile.ZipFile(buffer) as package:
        xml = package.read("xl/worksheets/sheet1.xml")
    assert b't="inlineStr"' in xml and b"<v>2</v>" in xml


def test_the_workbooks_of_this_tool_use_it(tmp_path):
    from pipeline.xlsx import new_workbook

    book = new_workbook(tmp_path / "b.xlsx", {})
    assert isinstance(book.add_worksheet("x"), RowsWorksheet)
    book.close()


CELLS = st.lists(
    st.tuples(
        st.integers(0, 40),  # row
        st.integers(0, 12),  # column
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-10**6, 10**6),
            st.text(max_size=8),
            st.none(),  # a blank
        ),
        st.integers(0, 2),  # which format: none, bold, a number format
    ),
    max_size=60,
)
ROWS = st.lists(st.tuples(st.integers(0, 45), st.sampled_from([None, 12.5, 30])), max_size=6)


@settings(max_examples=60, deadline=None)
@given(CELLS, ROWS, st.booleans())
def test_any_sheet_of_numbers_strings_and_blanks(cells: list[tuple[int, int, Any, int]],
                                                 rows: list[tuple[int, float | None]], comment: bool) -> None:
    def build(book: xlsxwriter.Workbook) -> None:
        formats = [None, book.add_format({"bold": True}), book.add_format({"num_format": "0.0"})]
        sheet = book.add_worksheet()
        for row, height in rows:
            sheet.set_row(row, height)
        for row, column, value, which in cells:
            if value is None:
                sheet.write_blank(row, column, None, formats[which])
            elif isinstance(value, str):
                sheet.write_string(row, column, value, formats[which])
            else:
                sheet.write_number(row, column, value, formats[which])
        if comment:
            sheet.write_comment(3, 14, "ghi chú")

    assert_same_bytes(build)
