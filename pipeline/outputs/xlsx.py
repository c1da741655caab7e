"""What every workbook this tool writes shares: font, format cache, row heights, print setup, safe values."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import LANGUAGE_PROPERTY
from pipeline.rules.seal import SEAL_KEY, SealKey, seal

FONT = "Times New Roman"
BASE_SIZE = 12
A4 = 9  # xlsxwriter's paper code

# Row heights. Neither Excel nor LibreOffice grows a row on opening a file it did not lay out itself, so
# wrapped text needs its height set by the writer. A unit of column width holds about 1.3 characters of
# 12-pt Times New Roman (measured on LibreOffice's PDF output); a line takes 1.375 × the font size.
CHARS_PER_WIDTH = 1.3
LINE_SPACING = 1.375
CAPITALS_WIDTH = 0.7  # capitals take about 1.4 times the width of running text's letters (Times New Roman)


def new_workbook(path: str | Path, properties: dict[str, Any], *, in_memory: bool = True,
                 language: str | None = None) -> xlsxwriter.Workbook:
    """An empty workbook for `path` where text stays text: never a formula, a number or a link; `close()`
    writes it.

    `in_memory` assembles the parts in memory before zipping them; otherwise xlsxwriter writes each part
    to a temporary file first, which spares memory on a province's workbook but costs a small one a
    file created and removed per part (0.05–0.2 s for the example's, most of its saving time).
    """
    book = _ZippedInMemory(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                  "strings_to_urls": False, "in_memory": in_memory})
    book.set_properties(properties)
    if language:
        book.set_custom_property(LANGUAGE_PROPERTY, language)
    return book


class _ZippedInMemory(xlsxwriter.Workbook):  # type: ignore[misc]  # xlsxwriter has no type information
    """A workbook zipped into memory, then written to its file in one piece.

    Zipped straight to the file, a full disk fails inside xlsxwriter's ZipFile, which it leaves open: when
    that object is collected it tries to finish the file, fails again and Python prints "Exception ignored
    in ZipFile.__del__" and a traceback beside the clear message. Our own write closes its file whatever
    happens. The zipped workbook is a fraction of the memory its cells already take.
    """

    def __init__(self, path: str | Path, options: dict[str, Any]) -> None:
        self._bloc_score_path = Path(path)
        self._bloc_score_zipped: io.BytesIO | None = io.BytesIO()
        super().__init__(self._bloc_score_zipped, options)

    def close(self) -> None:
        super().close()
        if self._bloc_score_zipped is None:  # closed before: written already
            return
        zipped, self._bloc_score_zipped = self._bloc_score_zipped, None
        with open(self._bloc_score_path, "wb") as file:
            file.write(zipped.getbuffer())


class Formats:
    """Every format of one workbook, created once and reused: a format per cell would bloat the file."""

    def __init__(self, book: xlsxwriter.Workbook, **base: Any) -> None:
        self.book = book
        self.base = {"font_name": FONT, "font_size": BASE_SIZE, "valign": "vcenter", **base}
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **properties: Any) -> Format:
        """The format of the base properties with `properties` over them."""
        key = tuple(sorted(properties.items()))
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.book.add_format({**self.base, **properties})
        return found


# ------------------------------------------------------------------------------------------ row heights

def wrapped_lines(value: str, width: float, size: float = BASE_SIZE, bold: bool = False) -> int:
    """How many lines `value` takes in a wrapping cell `width` units wide, wrapping at spaces like Excel."""
    letters = [character for character in value or "" if character.isalpha()]
    # A line in capitals (an issuer, a title) holds about a third fewer letters than one in running text.
    capitals = bool(letters) and sum(character.isupper() for character in letters) >= 0.8 * len(letters)
    capacity = max(1, int(width * CHARS_PER_WIDTH * BASE_SIZE / size * (0.9 if bold else 1.0)
                          * (CAPITALS_WIDTH if capitals else 1.0)))
    total = 0
    for paragraph in (value or "").split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            length = len(word)
            if used and used + 1 + length > capacity:
                lines, used = lines + 1, 0
            if length > capacity:  # a file name or a hash breaks anywhere
                lines += (used + length - 1) // capacity
                used = (used + length) % capacity or capacity
            else:
                used = length if not used else used + 1 + length
        total += lines
    return total


def row_height(lines: int, size: float = BASE_SIZE) -> float:
    """The height in points of a row showing `lines` lines of `size`-point text."""
    return lines * size * LINE_SPACING + 3


def at_size(width: float, size: float) -> float:
    """A column's width in units of BASE_SIZE text, for text of another `size` in a BASE_SIZE row."""
    return width * BASE_SIZE / size


def fit_row(sheet: Worksheet, row: int, cells: Sequence[tuple[str, float]], *, size: float = BASE_SIZE,
            bold: bool = False, minimum: int = 1) -> None:
    """Give `row` the height its tallest wrapped text needs; `cells` are (text, width it wraps in)."""
    lines = max([minimum, *(wrapped_lines(value, width, size, bold) for value, width in cells)])
    sheet.set_row(row, row_height(lines, size))


# --------------------------------------------------------------------------------------------- values

# (column, value, format) of a cell: text, a number, or None for a blank (written only with a format).
Cell = tuple[int, str | float | None, Format | None]


def write_value(sheet: Worksheet, row: int, column: int, value: object, number: Format, other: Format) -> None:
    """A score as read: a number cell, text (N/A, or what a unit typed) as text, or an empty cell."""
    write_cells(sheet, row, [value_cell(column, value, number, other)])


def value_cell(column: int, value: object, number: Format, other: Format) -> Cell:
    """The cell `write_value` writes: a number, text or a blank, and its format.

    Text stays text (written with write_string), so a unit's `=HYPERLINK(…)` stays what it typed.
    """
    if value is None or value == "":
        return column, None, number
    if isinstance(value, Decimal | Fraction | int | float) and not isinstance(value, bool):
        return column, float(value), number
    return column, str(value), other


def write_cells(sheet: Worksheet, row: int, cells: Sequence[Cell]) -> None:
    """Write a row's cells: text as a string (never a formula), a number, a blank that carries a format."""
    for column, value, cell_format in cells:
        if value is None:
            sheet.write_blank(row, column, None, cell_format)
        elif isinstance(value, str):
            sheet.write_string(row, column, value, cell_format)
        else:
            sheet.write_number(row, column, value, cell_format)


def write_identity(book: xlsxwriter.Workbook, name: str, identity: dict[str, str], key: SealKey | None = None) -> None:
    """A very hidden sheet of key/value rows, all text, naming what a workbook the bloc fills in was made from;
    sealed with the bloc's `key` (rules/seal.py), its last row, when one is given."""
    if key is not None:
        identity = {**identity, SEAL_KEY: seal(key, identity)}
    sheet = book.add_worksheet(name)
    for row, (key_name, value) in enumerate(identity.items()):
        sheet.write_string(row, 0, key_name)
        sheet.write_string(row, 1, value)
    sheet.very_hidden()


# --------------------------------------------------------------------------------------------- layout

def footer_text(value: str) -> str:
    """Text for a header or footer, where "&" starts a control code: a literal one is written "&&"."""
    return value.replace("&", "&&")


def page_footer(pages: str, left: str = "") -> str:
    """A footer with `pages` (holding &P and &N) centred and `left` on the left, in the workbook's font."""
    font = f'&"{FONT},Regular"&12'  # printed at the sheet's scale: 12 pt keeps it legible on a wide sheet
    return (f"&L{font}{footer_text(left)}" if left else "") + f"&C{font}{pages}"


def print_setup(sheet: Worksheet, *, margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.6),
                repeat: tuple[int, int] | None = None, footer: str = "", pages_tall: int = 0,
                fit_width: bool = True) -> None:
    """A4 landscape, one page wide (unless not `fit_width`), centred; `repeat` rows on every page; margins
    left, right, top, bottom."""
    left, right, top, bottom = margins
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    if fit_width:
        sheet.fit_to_pages(1, pages_tall)
    # Each sheet's pages count from 1: LibreOffice otherwise numbers a whole workbook's pages on end.
    sheet.set_start_page(1)
    sheet.center_horizontally()
    if repeat is not None:
        sheet.repeat_rows(*repeat)
    if footer:
        sheet.set_footer(footer)


# How much of a sheet fits a printed page, for choosing how many pages tall it prints. A column-width unit
# measured 7.5 pt on LibreOffice's PDF output (where the file's default font, Calibri, becomes a wider
# substitute); the body of an A4 landscape page with print_setup's margins and a footer is about 780 × 470 pt.
POINTS_PER_WIDTH = 7.5
PAGE_BODY = (780.0, 470.0)
# The same page's body height as measured on LibreOffice's PDF output of the example (about 510 pt), less a
# margin: for sheets whose every row the writer sized, which may fill more of the page than the cautious 470.
MEASURED_PAGE_HEIGHT = 495.0
SMALLEST_LAST_PAGE = 0.35  # a last page fuller than this is kept; a stray block below it is pulled back


def written_height(sheet: Worksheet, row: int) -> float:
    """A row's height in points as the writer set it, else the sheet's default (xlsxwriter ≥ 3.2 keeps row
    sizes in pixels, 4/3 of a point)."""
    size = sheet.row_sizes.get(row)
    pixels = size[0] if size and size[0] is not None else sheet.default_row_height
    return float(pixels) * 0.75


def pages_tall(sheet: Worksheet, last_row: int, widths: Sequence[float]) -> int:
    """How many pages tall `sheet` should print so that its last page holds more than a stray block.

    The rows' heights (as set, else the default) at the scale that fits the columns on one page width give
    the pages needed; when the last one would be nearly empty, one page fewer, so the sheet shrinks a little
    rather than print a page holding three rows.
    """
    scale = min(1.0, PAGE_BODY[0] / (sum(widths) * POINTS_PER_WIDTH))
    height = sum(written_height(sheet, row) for row in range(last_row + 1)) * scale
    pages = height / PAGE_BODY[1]
    whole = max(1, math.ceil(pages))
    if whole > 1 and pages - (whole - 1) < SMALLEST_LAST_PAGE:
        whole -= 1
    return int(whole)


def needed_height(cells: Sequence[tuple[str, float]], *, size: float = BASE_SIZE, bold: bool = False,
                  minimum: int = 1) -> float:
    """The height in points `fit_row` gives a row holding `cells` (text, width it wraps in)."""
    return row_height(max([minimum, *(wrapped_lines(value, width, size, bold) for value, width in cells)]), size)


class Pager:
    """Manual page breaks down a sheet printed one page wide, decided while its rows are written.

    A heading is kept with the first rows of its table, and a table that runs onto another page has its
    header row written again at the top of that page (a sheet has one range of repeated rows; the Audit
    sheet has several tables). Heights are estimates at the scale that fits the columns to the page width.
    """

    def __init__(self, sheet: Worksheet, widths: Sequence[float], *, fill: float = 0.88,
                 body: float = PAGE_BODY[1]) -> None:
        self.sheet = sheet
        # Narrower columns than pages_tall assumes (`fill`): a break too early costs a little paper, one too
        # late lets LibreOffice break inside a table, where no header is repeated. A sheet whose rows are all
        # sized by the writer, generously, can fill more of the page.
        scale = min(1.0, PAGE_BODY[0] / (sum(widths) * POINTS_PER_WIDTH * fill))
        self.body = body / scale
        self.used = 0.0
        self.breaks: list[int] = []

    def height(self, row: int) -> float:
        """The height of a written row, in points."""
        return written_height(self.sheet, row)

    def took(self, first: int, last: int | None = None) -> None:
        """Rows `first`…`last` are written: their heights fill the page."""
        for row in range(first, (first if last is None else last) + 1):
            self.used += self.height(row)

    def fits(self, height: float) -> bool:
        return self.used + height <= self.body

    def new_page(self, row: int) -> None:
        """Break before `row`."""
        if row not in self.breaks:
            self.breaks.append(row)
        self.used = 0.0

    def close(self) -> None:
        if self.breaks:
            self.sheet.set_h_pagebreaks(self.breaks)


# The smallest print scale for a sheet of 11-pt text: 8 pt on paper (README, "legible on paper").
MIN_PRINT_SCALE = 8 / 11


def keep_together_breaks(sheet: Worksheet, last_row: int, widths: Sequence[float], *, keep_with_next: set[int],
                         repeated: float = 0.0, body: float = PAGE_BODY[1],
                         smallest_scale: float = MIN_PRINT_SCALE) -> int | None:
    """Manual page breaks down a sheet printed one page wide, so no row in `keep_with_next` (a heading, a
    table's header, a row with a second line of its own under it) ends a page; the print scale too, when
    printing a little smaller saves a page that would hold a stray block.

    Rows `0…last_row` fill pages of `body` points on paper at the scale that fits `widths` on one page width;
    `repeated` points of header rows print atop every page after the first. Sets the breaks on `sheet`.
    Returns None to print fitted to the page width, or the percentage to print at: then the caller prints at
    that fixed scale (which is below the fitted one, so the width still fits) instead of fitting the width.
    """
    fitted = min(1.0, PAGE_BODY[0] / (sum(widths) * POINTS_PER_WIDTH))
    heights = [written_height(sheet, row) for row in range(last_row + 1)]
    breaks, last_fill = _breaks(heights, keep_with_next, body / fitted, repeated)
    scale: int | None = None
    if breaks and last_fill < SMALLEST_LAST_PAGE:
        # A fixed scale a little under the fitted one (a whole percent, a margin for the width's estimate).
        for percent in range(int(fitted * 98), math.ceil(smallest_scale * 100) - 1, -1):
            fewer, _ = _breaks(heights, keep_with_next, body / (percent / 100), repeated)
            if len(fewer) < len(breaks):
                breaks, scale = fewer, percent
                break
    if breaks:
        sheet.set_h_pagebreaks(breaks)
    return scale


def _breaks(heights: Sequence[float], keep_with_next: set[int], body: float,
            repeated: float) -> tuple[list[int], float]:
    """Where pages break in rows of `heights` (points) on pages `body` tall, and how full the last one is."""
    breaks: list[int] = []
    start, used = 0, 0.0
    for row, height in enumerate(heights):
        if used + height > body and row > start:
            cut = row
            while cut - 1 in keep_with_next and cut - 1 > start:
                cut -= 1
            breaks.append(cut)
            start, used = cut, repeated + sum(heights[cut:row])
        used += height
    return breaks, used / body
