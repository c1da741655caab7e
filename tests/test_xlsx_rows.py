"""The fast row writer writes the very bytes xlsxwriter writes, whatever the sheet holds."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.xlsx_rows import RowsWorksheet, inline_rows

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


# ------------------------------------------------------------------------------------ write_cells

WRITERS = {type(None): "write_blank", str: "write_string", int: "write_number", float: "write_number",
           Decimal: "write_number"}


def _rows_both_ways(rows: list[tuple[int, list[tuple[int, Any, int]]]]) -> None:
    """The same rows written by write_cells and by xlsxwriter's writers one cell at a time: the same file."""
    def build(book: xlsxwriter.Workbook, together: bool) -> None:
        formats = [None, book.add_format({"bold": True}), book.add_format({"num_format": "0.0"})]
        sheet = book.add_worksheet()
        for row, cells in rows:
            resolved = [(column, value, formats[which]) for column, value, which in cells]
            if together:
                sheet.write_cells(row, resolved)
            else:  # xlsxwriter's own writers, cell by cell
                for column, value, cell_format in resolved:
                    getattr(sheet, WRITERS[type(value)])(row, column, value, cell_format)

    theirs = _parts(lambda book: build(book, False), RowsWorksheet)
    ours = _parts(lambda book: build(book, True), RowsWorksheet)
    assert ours == theirs


def test_write_cells_stores_what_each_writer_would():
    # Past half the length limit, xlsxwriter checks the length in UTF-16 units: 33,000 here, so it is cut.
    long_text = "Đ🙂" * 11_000
    _rows_both_ways([
        (0, [(3, "ba", 1), (0, 1.5, 2), (1, 7, 0), (2, None, 1), (4, None, 0), (5, "", 0)]),
        (2, [(1, long_text, 1), (2, "x" * 40_000, 0)]),  # the second is cut to 32,767 characters, as xlsxwriter does
        (3, [(0, None, 0)]),  # a blank without a format: nothing at all, not even the sheet's extent
        (4, [(16_384, "past the last column", 1), (0, "kept", 1)]),  # out of bounds: left out, the rest kept
        (1_048_576, [(0, "past the last row", 1)]),
        (5, [(0, Decimal("2.50"), 2), (1, 10**20, 0)]),  # other types: xlsxwriter's write_number
        (6, []),
    ])


def test_write_cells_refuses_what_write_number_refuses():
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    book.worksheet_class = RowsWorksheet
    sheet = book.add_worksheet()
    try:
        sheet.write_number(0, 0, float("nan"))
    except TypeError as error:
        expected = str(error)
    with pytest.raises(TypeError, match="NAN/INF") as raised:
        sheet.write_cells(0, [(0, float("inf"), None)])
    assert str(raised.value) == expected
    book.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.lists(st.tuples(
    st.integers(0, 12),
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6), st.text(max_size=6),
              st.none()),
    st.integers(0, 2)), max_size=8)), max_size=12))
def test_any_rows_written_together_or_one_by_one(rows: list[tuple[int, list[tuple[int, Any, int]]]]) -> None:
    _rows_both_ways(rows)


# ------------------------------------------------------------------------------- rows rendered apart

def _constant_memory_rows(rows: list[tuple[int, list[tuple[int, Any, int]]]]) -> tuple[str, list[int]]:
    """xlsxwriter's own rendering of the rows, inline strings and all (constant_memory), and its style indices."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})  # in_memory would turn constant_memory off
    formats = [book.add_format({"bold": True}), book.add_format({"num_format": "0.0"})]
    styles = [cell_format._get_xf_index() for cell_format in formats]
    sheet = book.add_worksheet()
    for row, cells in rows:
        for column, value, which in cells:
            if isinstance(value, str):
                sheet.write_string(row, column, value, formats[which])
            else:
                sheet.write_number(row, column, value, formats[which])
    book.close()
    with zipfile.ZipFile(buffer) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return xml[xml.index("<sheetData>") + len("<sheetData>"):xml.index("</sheetData>")], styles


TRICKY = ["mã", " leading", "trailing ", "a\nb\n", "A & B <c>", "_x0041_ stays", "bell\x07", "\ufffe", "Đ🙂" * 11_000,
          "x" * 40_000, ""]


def test_rows_rendered_apart_are_what_xlsxwriter_writes_with_inline_strings():
    rows = [(1, [(0, text, 0), (2, 8.25, 1), (3, 3, 1)]) for text in TRICKY[:-1]]
    rows = [(index + 1, cells) for index, (_row, cells) in enumerate(rows)]
    expected, styles = _constant_memory_rows(rows)
    assert inline_rows([(row, [(column, value, styles[which]) for column, value, which in cells])
                        for row, cells in rows]) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(
    st.integers(0, 9),
    st.one_of(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
              st.sampled_from(TRICKY[:-1]), st.floats(allow_nan=False, allow_infinity=False),
              st.integers(-10**9, 10**9)),
    st.integers(0, 1)), min_size=1, max_size=6, unique_by=lambda cell: cell[0]), min_size=1, max_size=8))
def test_any_rows_rendered_apart(row_cells: list[list[tuple[int, Any, int]]]) -> None:
    rows = [(index + 1, sorted(cells)) for index, cells in enumerate(row_cells)]
    expected, styles = _constant_memory_rows(rows)
    assert inline_rows([(row, [(column, value, styles[which]) for column, value, which in cells])
                        for row, cells in rows]) == expected


def test_a_sheet_takes_its_rows_rendered_apart_after_its_own(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    book.worksheet_class = RowsWorksheet
    sheet = book.add_worksheet("Chi tiết")
    bold = book.add_format({"bold": True})
    sheet.write_cells(0, [(0, "Mã", bold), (1, "Điểm", bold)])
    style = bold._get_xf_index()
    sheet.rows_from(1, 2, 1, lambda: inline_rows([(1, [(0, "A & B", style), (1, 2.5, style)]),
                                                  (2, [(0, " C", style)])]))
    sheet.autofilter(0, 0, 2, 1)
    book.close()
    read = openpyxl.load_workbook(tmp_path / "r.xlsx")["Chi tiết"]
    assert [[cell.value for cell in row] for row in read.iter_rows()] == [["Mã", "Điểm"], ["A & B", 2.5],
                                                                            [" C", None]]
    assert read.dimensions == "A1:B3" and read["A2"].font.b


def test_no_cell_may_be_written_where_the_rows_rendered_apart_go():
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    book.worksheet_class = RowsWorksheet
    sheet = book.add_worksheet()
    sheet.rows_from(1, 3, 0, lambda: "")
    sheet.write_cells(2, [(0, "in the way", None)])
    with pytest.raises(ValueError, match="rendered apart"):
        book.close()
