"""xlsxwriter's worksheet, with cells taken and written a row at a time: the same XML, a fraction of the time.

A province's ranking workbook holds over a hundred thousand cells, and xlsxwriter spends about 2 µs taking
each one (converting its arguments, checking the sheet's bounds, storing it) and 3 µs writing it out
(attribute lists, escaping, a file write per cell): after reading, the largest cost of a run. Here

* `write_cells` takes a row's numbers, strings and formatted blanks at once, checking the bounds once;
* `<sheetData>` is written one string per row, each cell rendered exactly as xlsxwriter renders it;
* `rows_from` takes a sheet's last rows as text rendered elsewhere (`inline_rows`: each string in its
  cell, as xlsxwriter's constant_memory mode writes it), for a table another process renders meanwhile.

Any other cell (a formula, a date, a string past half the length limit, a number that is not finite), and
any sheet with settings the fast paths do not know, is left to xlsxwriter's own code.
tests/test_xlsx_rows.py holds each fast path to the bytes xlsxwriter writes.

It leans on xlsxwriter's internals (the worksheet's `table`, `str_table`, `row_spans`, `_check_dimensions`,
`_write_row`, `_write_cell`; a format's `_get_xf_index`; its escaping helpers): the documented way to
change how xlsxwriter writes is a subclass (`Workbook.worksheet_class`), and pyproject.toml keeps
xlsxwriter to the minor version they were checked against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet
from xlsxwriter.xmlwriter import XMLwriter

# (column, value, format): a value is a str, an int or float, or None for a blank (written only with a format).
Cell = tuple[int, str | float | None, Format | None]
# (column, value, style index) of a row rendered apart (`inline_rows`): a str, an int or a float.
InlineCell = tuple[int, str | float, int]
_STRING_LIMIT = 32767  # UTF-16 units in a cell, Excel's limit (xlsxwriter's xls_strmax)

_NUMBERS = frozenset({"Number", "Datetime"})  # both are written as <v>number</v>


class RowsWorksheet(Worksheet):  # type: ignore[misc]  # xlsxwriter is untyped (pyproject: ignore_missing_imports)
    """A worksheet taking a row's cells at once, and writing its <sheetData> one string per row."""

    def __init__(self) -> None:
        super().__init__()
        self._rows_from: tuple[int, Callable[[], str]] | None = None

    def rows_from(self, first_row: int, last_row: int, last_column: int, rows: Callable[[], str]) -> None:
        """Take the `<row>` elements from `first_row` to `last_row` as text (`inline_rows`), asked for when the
        sheet is written: a table rendered by another process meanwhile (forking.Later). No cell of this
        sheet may be written from `first_row` on."""
        self._check_dimensions(first_row, 0)
        self._check_dimensions(last_row, last_column)
        self._rows_from = (first_row, rows)

    def write_cells(self, row: int, cells: Sequence[Cell]) -> None:
        """Store `cells` in `row`, as write_string, write_number and write_blank would each store them, in order."""
        cells = [cell for cell in cells if cell[1] is not None or cell[2] is not None]  # write_blank skips these
        if not cells:
            return
        columns = [cell[0] for cell in cells]
        if self.constant_memory or self._check_dimensions(row, min(columns)) or self._check_dimensions(
                row, max(columns)):
            for cell in cells:
                self._write_one(row, cell)
            return
        stored, strings, longest = self.table[row], self.str_table, self.xls_strmax // 2
        for cell in cells:
            column, value, cell_format = cell
            kind = type(value)
            if kind is str and len(value) <= longest:  # type: ignore[arg-type]
                stored[column] = CellStringTuple(strings._get_shared_string_index(value), cell_format)
            elif kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
                stored[column] = CellNumberTuple(value, cell_format)
            elif value is None:
                stored[column] = CellBlankTuple(cell_format)
            else:
                self._write_one(row, cell)

    def _write_one(self, row: int, cell: Cell) -> None:
        column, value, cell_format = cell
        if value is None:
            self.write_blank(row, column, None, cell_format)
        elif isinstance(value, str):
            self.write_string(row, column, value, cell_format)
        else:
            self.write_number(row, column, value, cell_format)

    def _calculate_spans(self) -> None:
        """`row_spans`: each block of 16 rows → "first:last" column (1-based) of its cells and comments."""
        blocks: dict[int, tuple[int, int]] = {}
        first_row, last_row = self.dim_rowmin, self.dim_rowmax
        first_column, last_column = self.dim_colmin, self.dim_colmax
        for source in (self.table, self.comments):
            for row, cells in source.items():
                if not cells or not first_row <= row <= last_row:
                    continue
                low, high = min(cells), max(cells)
                if low < first_column or high > last_column:  # never written so; what xlsxwriter would take
                    inside = [column for column in cells if first_column <= column <= last_column]
                    if not inside:
                        continue
                    low, high = min(inside), max(inside)
                block = row // 16
                if block in blocks:
                    known_low, known_high = blocks[block]
                    low, high = min(low, known_low), max(high, known_high)
                blocks[block] = (low, high)
        self.row_spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in blocks.items()}

    def _write_rows(self) -> None:
        later = self._rows_from
        if later is not None and any(row >= later[0] for row, cells in self.table.items() if cells):
            raise ValueError(f"{self.name}: cells written where the rows rendered apart go")
        if self.constant_memory or self.excel_version != 2007:
            if later is not None:
                raise ValueError(f"{self.name}: rows rendered apart need the sheet written row by row here")
            super()._write_rows()
            return
        self._write_table_rows()
        if later is not None:
            self.fh.write(later[1]())

    def _write_table_rows(self) -> None:
        self._calculate_spans()
        table, row_info, comments, spans, fh = self.table, self.row_info, self.comments, self.row_spans, self.fh
        plain_rows = self.default_row_height == self.original_row_height  # no height on a row of its own
        letters = [xl_col_to_name(column) for column in range(self.dim_colmax + 1)]
        styles: dict[int, str] = {}  # id(format) → ' s="n"'; formats are asked in xlsxwriter's order

        later = self._rows_from
        for row in range(self.dim_rowmin, later[0] if later is not None else self.dim_rowmax + 1):
            cells = table.get(row)
            span = spans.get(row // 16)
            if not cells:
                if row in row_info or row in comments:
                    self._write_empty_row(row, span, row_info.get(row))
                continue
            if row in row_info or not plain_rows or span is None:
                self._write_row(row, span, row_info.get(row))
            else:
                fh.write(f'<row r="{row + 1}" spans="{span}">')
            number = str(row + 1)
            parts: list[str] = []
            for column in sorted(cells):
                cell = cells[column]
                kind = type(cell).__name__
                cell_format = cell.format
                if cell_format is None or (kind not in _NUMBERS and kind != "String" and kind != "Blank"):
                    # A cell taking its format from its row or column, or of another kind: xlsxwriter's way.
                    fh.write("".join(parts))
                    parts.clear()
                    self._write_cell(row, column, cell)
                    continue
                style = styles.get(id(cell_format))
                if style is None:
                    style = styles[id(cell_format)] = f' s="{cell_format._get_xf_index()}"'
                if kind == "String":
                    parts.append(f'<c r="{letters[column]}{number}"{style} t="s"><v>{cell.string}</v></c>')
                elif kind == "Blank":
                    parts.append(f'<c r="{letters[column]}{number}"{style}/>')
                else:
                    parts.append(f'<c r="{letters[column]}{number}"{style}><v>{cell.number:.16G}</v></c>')
            parts.append("</row>")
            fh.write("".join(parts))


def inline_rows(rows: Iterable[tuple[int, Sequence[InlineCell]]]) -> str:
    """`<row>` elements of (row, cells), rendered as xlsxwriter's constant_memory mode renders them: each
    string inline in its cell (no shared-string index, so no process but the one writing the workbook need
    know the others' strings), no spans; a string past Excel's limit is cut there, as xlsxwriter cuts it."""
    parts: list[str] = []
    letters: dict[int, str] = {}
    shown: dict[str, str] = {}  # a string → its <t> element; codes repeat on every row
    for row, cells in rows:
        number = str(row + 1)
        parts.append(f'<row r="{number}">')
        for column, value, style in cells:
            letter = letters.get(column)
            if letter is None:
                letter = letters[column] = xl_col_to_name(column)
            if type(value) is str:
                element = shown.get(value)
                if element is None:
                    element = shown[value] = _text_element(value)
                parts.append(f'<c r="{letter}{number}" s="{style}" t="inlineStr"><is>{element}</is></c>')
            else:
                parts.append(f'<c r="{letter}{number}" s="{style}"><v>{value:.16G}</v></c>')
        parts.append("</row>")
    return "".join(parts)


# What makes xlsxwriter change a string before writing it: a character to escape, a control character or
# something that reads as its escape, leading or trailing white space (its `xml:space="preserve"`).
_NEEDS_CARE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")


def _text_element(value: str) -> str:
    if len(value) > _STRING_LIMIT // 2 and _utf16_len(value) > _STRING_LIMIT:
        value = _utf16_truncate(value, _STRING_LIMIT)
    if not _NEEDS_CARE.search(value):
        return f"<t>{value}</t>"
    text = XMLwriter._escape_control_characters(value)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"
