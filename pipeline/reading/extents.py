"""How far a worksheet reaches (rows, columns), measured from its parts before any reader allocates its grid.

python-calamine builds a dense grid from the first cell to the last: two cells at A1 and XFD5000 would cost it
gigabytes. These scanners read a sheet part chunk by chunk (xlsx XML, xlsb records, ods content) and bound it.
"""

from __future__ import annotations

import re
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter

CHUNK_BYTES = 1 << 20  # parts are inflated and scanned this much at a time
HUGE = 10**9  # a reference this far is past every limit: counted as such, never as a number to allocate


class TooComplex(Exception):
    """A part no real workbook has: one tag longer than a chunk, or more strings announced than it holds."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


# Where a cell's start tag may begin — "<c" or "…:c" (a namespace prefix), then a space, a line end, "/" or
# ">" — a superset of the cells the reader sees; and the form every spreadsheet program writes, the
# reference first, in double quotes.
# One pass finds both: each start, with its reference's letters and digits when written canonically
# (two empty groups otherwise).
_CELL_START = re.compile(rb'<c(?: r="([A-Za-z]*)([0-9]+)"|[\s/>])')
_PREFIXED_CELL_START = re.compile(rb":c[\s/>]")
_NOT_CANONICAL = (b"", b"")


class XlsxExtent:
    """The rows and columns a sheet part makes python-calamine allocate: it builds a dense grid from the
    first cell to the last, so two cells at A1 and XFD5000 would cost it two gigabytes.

    Fast path: when every place a cell could start is a `<c r="…"` tag, each cell's place is its reference
    and the largest reference is the extent. Otherwise (another quoting, spacing, a prefix, a cell without
    reference — it follows the previous one) the part is replayed tag by tag, as the reader walks it.
    """

    def __init__(self) -> None:
        self.kept = b""
        self.starts = self.canonical = self.rows = self.columns = 0  # cell starts, and canonical cells

    def feed(self, chunk: bytes) -> None:
        window = self.kept + chunk
        cut = window.rfind(b"<")  # nothing counted contains a "<" but its first byte: no match is split
        if cut < 0:
            cut = len(window)
        if len(window) - cut > CHUNK_BYTES:
            raise TooComplex(f"{CHUNK_BYTES // (1024 * 1024)} MB tag")  # no spreadsheet program writes one
        self._count(window[:cut])
        self.kept = window[cut:]

    def _count(self, body: bytes) -> None:
        starts = _CELL_START.findall(body)
        self.starts += len(starts) + len(_PREFIXED_CELL_START.findall(body))
        self.canonical += len(starts) - starts.count(_NOT_CANONICAL)
        self.rows, self.columns = _largest(starts, self.rows, self.columns)

    def result(self, again: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
        self._count(self.kept)
        self.kept = b""
        if self.starts == self.canonical:
            return self.rows, self.columns
        return _replayed_extent(again())


class XlsbExtent:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.parts.append(chunk)

    def result(self, _again: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
        return _xlsb_extent(b"".join(self.parts))


def _largest(references: list[tuple[bytes, bytes]], rows: int, columns: int) -> tuple[int, int]:
    """The largest row and column among (letters, digits) references; (b"", b"") is no reference."""
    if not references:
        return rows, columns
    for letters in set(map(itemgetter(0), references)):
        columns = max(columns, _column_number(letters))
    for digits in set(map(itemgetter(1), references)):
        if digits:
            rows = max(rows, int(digits) if len(digits) < 10 else HUGE)
    return rows, columns


def _column_number(letters: bytes) -> int:
    if len(letters) > 6:
        return HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _replayed_extent(parts: Iterable[bytes]) -> tuple[int, int]:
    """Rows and columns, replaying the reader's walk: a row's r sets the row, a cell's r its place, a cell
    without one goes right of the previous cell; each row end moves down one and back to column A."""
    state = {"row": 0, "column": 0, "rows": 0, "columns": 0}

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        reference = attributes.get("r")
        if local == "row":
            if reference and reference.isdigit():
                state["row"] = int(reference) - 1 if len(reference) < 10 else HUGE
        elif local == "c":
            row, column = state["row"], state["column"]
            match = re.fullmatch(r"([A-Za-z]*)([0-9]+)", reference or "")
            if match:
                column = _column_number(match.group(1).encode()) - 1
                row = int(match.group(2)) - 1 if len(match.group(2)) < 10 else HUGE
            state["rows"] = max(state["rows"], row + 1)
            state["columns"] = max(state["columns"], column + 1)
            state["column"] = column + 1

    def end(tag: str) -> None:
        if tag.rpartition(":")[2] == "row":
            state["row"] += 1
            state["column"] = 0

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for part in parts:
        parser.Parse(part, False)
    parser.Parse(b"", True)
    return state["rows"], state["columns"]


# Records of an .xlsb sheet (MS-XLSB 2.4): a row header, then one record per cell, its column first.
_ROW_HEADER = 0x0000
_CELL_RECORDS = frozenset(range(0x0002, 0x000C))  # RK, error, bool, real, string, shared string, formulas
_MAX_XLSB_ROW = 0x0010_0000  # python-calamine stops reading a sheet at a row header past this


def _xlsb_extent(data: bytes) -> tuple[int, int]:
    """Rows and columns of an .xlsb sheet from its records, as python-calamine walks them.

    Its record buffer is reused: a record shorter than four bytes leaves the previous one's bytes in place,
    and a cell's column is read from there; so is it here.
    """
    buffer = bytearray(4)
    position = row = rows = columns = 0
    while position < len(data):
        kind = data[position]
        position += 1
        if kind & 0x80:
            if position >= len(data):
                break
            kind = (kind & 0x7F) + ((data[position] & 0x7F) << 7)
            position += 1
        size = shift = 0
        for _ in range(4):
            if position >= len(data):
                return rows, columns
            byte = data[position]
            position += 1
            size += (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        body = data[position:position + size]
        position += size
        buffer[:len(body[:4])] = body[:4]
        if kind == _ROW_HEADER:
            row = int.from_bytes(buffer[:4], "little")
            if row > _MAX_XLSB_ROW:
                break
        elif kind in _CELL_RECORDS:
            rows = max(rows, row + 1)
            columns = max(columns, int.from_bytes(buffer[:4], "little") + 1)
        elif kind == 0x0092:  # the end of the sheet's data
            break
    return rows, columns


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def ods_extent(archive: zipfile.ZipFile) -> tuple[int, int]:
    """Rows and columns up to the last non-empty cell of any sheet of an .ods file.

    LibreOffice pads every row with thousands of repeated empty cells, which readers skip; only repeats
    that come before content make a reader allocate them.
    """
    from defusedxml.ElementTree import iterparse

    rows = columns = row_index = column_index = 0
    row_has_content = False
    with archive.open("content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == f"{_ODS_TABLE}table" and event == "start":
                row_index = 0
            elif tag == f"{_ODS_TABLE}table-row" and event == "start":
                column_index, row_has_content = 0, False
            elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell") and event == "end":
                repeat = int(element.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                if len(element) or element.attrib.keys() - {f"{_ODS_TABLE}number-columns-repeated",
                                                             f"{_ODS_TABLE}style-name"}:
                    columns = max(columns, column_index + repeat)
                    row_has_content = True
                column_index += repeat
                element.clear()
            elif tag == f"{_ODS_TABLE}table-row" and event == "end":
                repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                row_index += repeat
                if row_has_content:
                    rows = max(rows, row_index)
                element.clear()
    return rows, columns
