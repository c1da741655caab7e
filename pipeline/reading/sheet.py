"""What the cells of a sheet really hold where python-calamine shows something else, and opening what it refuses.

python-calamine returns Excel error values and formulas saved without a result as empty cells, a
percent-formatted 4,5% as 0.045, and (in .xls files whose custom number formats take ids that Excel
reserves for East-Asian dates, as Gnumeric writes them) plain numbers as dates. A blank must never stand
for a cell that was not blank, so the sheet holding the criteria table is read a second time, from the
file's own XML (or, for .xls, with xlrd), for the few cells whose content the first reading hides.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import re
import zipfile
from collections.abc import Collection, Sequence
from posixpath import dirname, join, normpath
from typing import Any, Literal

import python_calamine

from pipeline.core.cells import parse_address
from pipeline.core.numbers import CellNote, Parsed
from pipeline.reading.cell_notes import (
    NOTE_COLUMNS,
    NOTE_ROWS,
    Override,
    Overrides,
    is_percent_format,
    local_name,
    percent_text,
)
from pipeline.reading.sheet_other import ods_overrides, xls_overrides
from pipeline.reading.zipparts import read_member, zip_members

# ------------------------------------------------------------------------------------- opening

def open_book(data: bytes, kind: str) -> python_calamine.CalamineWorkbook:
    """Open a workbook with python-calamine, working around what real spreadsheet programs write.

    Gnumeric indents content.xml; calamine's ODS parser stops at the first whitespace between two cells
    ("Cannot detect file format"). That whitespace means nothing in a table, so it is removed in memory
    and the file opened again; only when that fails too does the first error stand.
    """
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise
    except Exception:
        repaired = _ods_without_indentation(data) if kind == "ods" else None
        if repaired is None:
            raise
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(repaired))
    except Exception:
        pass
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))  # raises the first error again


# Whitespace before a table element's tag: between rows, between cells, around a table. Text inside a cell
# (in <text:p>, where spaces count) is never followed directly by a table tag, so it is left alone.
_TABLE_INDENTATION = re.compile(rb">[ \t\r\n]+(?=</?table:)")


def _ods_without_indentation(data: bytes) -> bytes | None:
    """The same .ods package with the layout whitespace between table elements removed, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = source.infolist()
            content = source.read("content.xml")
            compact = _TABLE_INDENTATION.sub(b">", content)
            if compact == content:
                return None
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
                for member in members:
                    body = compact if member.filename == "content.xml" else source.read(member)
                    # The mimetype member stays first and stored, as ODF requires.
                    method = zipfile.ZIP_STORED if member.filename == "mimetype" else zipfile.ZIP_DEFLATED
                    copy.writestr(member.filename, body, compress_type=method)
            return buffer.getvalue()
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError):
        return None


# ------------------------------------------------------------------------------- what cells hold

def overrides(data: bytes, kind: str, sheet: str, columns: Collection[int] | None = None,
              members: Sequence[zipfile.ZipInfo] | None = None) -> Overrides:
    """(row, column) → what the cell holds, for the cells of `sheet` whose content calamine hides.

    `columns`: only these are asked about (the table's, found by their labels); the template's own check
    column holds a formula with an empty result on every row, and parsing those cells is wasted.

    Error values and formulas without a result become a `CellNote`; so do numbers shown as percentages,
    and, in .xls, numbers xlrd knows to be dates. A float is the number an .xls cell holds where its
    number format has no date token. Anything this second reading cannot parse leaves the first reading
    as it was: it may add what calamine hid, never make a readable file unreadable.
    """
    wanted = frozenset(columns) if columns is not None else None
    try:
        if kind in ("xlsx", "xlsm"):
            found = _xlsx_overrides(data, sheet, wanted, members)
        elif kind == "ods":
            found = ods_overrides(data, sheet)
        elif kind == "xls":
            found = xls_overrides(data, sheet)
        else:
            return {}
    except Exception:  # a damaged or unusual part: calamine's reading stands alone
        return {}
    return found if wanted is None else {cell: note for cell, note in found.items() if cell[1] in wanted}


def apply_override(raw: Any, override: Override | None) -> Any:
    """The value a score cell holds: calamine's, unless the second reading knows better."""
    if override is None:
        return raw
    if isinstance(override, CellNote):
        return override
    # A number only corrects a "date" calamine made of it; its own numbers are already right.
    return override if isinstance(raw, dt.date | dt.time | dt.timedelta) else raw


# ---------------------------------------------------------------------------------------- xlsx

class _Package:
    """A zip package's members by name: those the package check listed, else listed here."""

    def __init__(self, data: bytes, members: Sequence[zipfile.ZipInfo] | None = None) -> None:
        self.data = data
        self.members = {member.filename: member for member in (zip_members(data) if members is None else members)}

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        return read_member(self.data, self.members[name])


def _xlsx_overrides(data: bytes, sheet: str, columns: frozenset[int] | None = None,
                    members: Sequence[zipfile.ZipInfo] | None = None) -> Overrides:
    from defusedxml.ElementTree import fromstring, iterparse

    package = _Package(data, members)
    part = _xlsx_sheet_part(package, sheet)
    if part is None:
        return {}
    percent_styles = _xlsx_percent_styles(package, fromstring)
    content = package.read(part)
    hides = _xlsx_may_hide(content, percent_styles)
    if hides is None:
        return {}
    if hides == "formulas":
        cells = _uncached_formula_cells(content, percent_styles, fromstring, columns)
        if cells is not None:
            return cells
    return _all_cells(content, percent_styles, iterparse)


def _all_cells(content: bytes, percent_styles: frozenset[int], iterparse: Any) -> Overrides:
    """The notes of every cell of a sheet part that hides its content, parsing the whole part."""
    found: Overrides = {}
    row = column = -1
    with io.BytesIO(content) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = local_name(element.tag)
            if event == "start":
                if tag == "row":
                    number = element.get("r")
                    row = int(number) - 1 if number and number.isdigit() else row + 1
                    column = -1
                continue
            if tag == "c":
                position = _cell_position(element.get("r"))
                row, column = position if position else (row, column + 1)
                if row < NOTE_ROWS and column < NOTE_COLUMNS:
                    note = _xlsx_cell(element, percent_styles)
                    if note is not None:
                        found[(row, column)] = note
                element.clear()
            elif tag == "row":
                element.clear()
    return found


# What a sheet part must contain for any cell to hide its content. A few byte scans cost a fraction of
# parsing the XML, which only a sheet that matches one of them needs; each errs on the side of a match.
# An error cell's type ("e"), or a formula with a namespace prefix (<x:f>), which the last scan misses.
# Separate patterns: Python's regex engine scans a literal quickly but tries an alternation at every byte.
_ERROR_TYPE = re.compile(rb'"e"')
_ERROR_TYPE_SINGLE_QUOTED = re.compile(rb"'e'")  # scanned only where a ' occurs at all (one memchr)
_PREFIXED_FORMULA = re.compile(rb":f[\s>/]")
# A formula not followed by a non-empty value: </f> or <f …/>, then no <v>…</v> with content.
_UNCACHED_FORMULA = re.compile(
    rb"</f>(?!\s*+<v(?:\s[^>]*)?>\s*+[^<\s])|<f\b[^>]*/>(?!\s*+<v(?:\s[^>]*)?>\s*+[^<\s])")
_STYLE_INDEX = re.compile(rb"""\bs\s*=\s*["']\s*(\d+)\s*["']""")


def _xlsx_may_hide(content: bytes, percent_styles: frozenset[int]) -> Literal["any", "formulas"] | None:
    """Whether any cell may hide its content: "formulas" when only formulas without a result can."""
    if _ERROR_TYPE.search(content) or (b"'" in content and _ERROR_TYPE_SINGLE_QUOTED.search(content)):
        return "any"
    if _PREFIXED_FORMULA.search(content):
        return "any"
    if bool(percent_styles) and any(int(index) in percent_styles for index in _STYLE_INDEX.findall(content)):
        return "any"
    return "formulas" if _UNCACHED_FORMULA.search(content) else None


_PREFIXED_ELEMENT = re.compile(rb"<[A-Za-z_][\w.-]*:")
_CELL_REFERENCE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7})["']""")


def _uncached_formula_cells(content: bytes, percent_styles: frozenset[int], fromstring: Any,
                            columns: frozenset[int] | None = None) -> Overrides | None:
    """The notes of the cells the formula scan matched, parsed without the rest; None where only a full parse can tell.

    Every filled template matches: its check column's formulas rightly hold an empty result, written
    `<v></v>`. Parsing those few cells together instead of the whole sheet gives the same notes for a
    fraction of the cost. A sheet with prefixed elements, or a cell without its reference, takes the full parse.
    """
    if _PREFIXED_ELEMENT.search(content):
        return None
    positions: list[tuple[int, int]] = []
    snippets: list[bytes] = []
    last_end = -1
    for match in _UNCACHED_FORMULA.finditer(content):
        if match.start() < last_end:
            continue  # a second formula scan match inside a cell already taken
        start = _last_cell_start(content, match.start())
        end = content.find(b"</c>", match.start())
        if start < 0 or end < 0 or start < last_end:
            return None
        last_end = end + 4
        if columns is not None:
            canonical = _CANONICAL_CELL.match(content, start)
            if canonical and _column_index(canonical[1]) not in columns:
                continue  # the template's check column: a formula with an empty result on every row
        head = content[start: content.find(b">", start) + 1]
        reference = _CELL_REFERENCE.search(head)
        position = _cell_position(reference[1].decode()) if reference else None
        if position is None:
            return None
        if position[0] < NOTE_ROWS and position[1] < NOTE_COLUMNS and (columns is None or position[1] in columns):
            positions.append(position)
            snippets.append(content[start:last_end])
    if not snippets:
        return {}
    try:
        cells = list(fromstring(b"<cells>" + b"".join(snippets) + b"</cells>"))
    except Exception:  # a cell this cut cannot isolate (CDATA, an entity): the full parse decides
        return None
    if len(cells) != len(positions):
        return None
    found: Overrides = {}
    for position, cell in zip(positions, cells, strict=True):
        note = _xlsx_cell(cell, percent_styles)
        if note is not None:
            found[position] = note
    return found


_CELL_TAG_FOLLOWERS = frozenset(b" \t\r\n>")
# A cell start as every spreadsheet program writes it, the reference first: its column letters.
_CANONICAL_CELL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')


@functools.lru_cache(maxsize=256)
def _column_index(letters: bytes) -> int:
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column - 1


def _last_cell_start(content: bytes, before: int) -> int:
    """Where the `<c …>` element around a position opens (its nearest opening before it), or -1."""
    position = before
    while True:
        position = content.rfind(b"<c", 0, position)
        if position < 0 or position + 2 >= len(content) or content[position + 2] in _CELL_TAG_FOLLOWERS:
            return position


def _xlsx_cell(cell: Any, percent_styles: frozenset[int]) -> CellNote | None:
    kind = cell.get("t", "n")
    formula = stored = None
    for child in cell:
        name = local_name(child.tag)
        if name == "f":
            formula = child
        elif name == "v":
            stored = child
    value = stored.text if stored is not None else None
    if kind == "e":
        return CellNote(Parsed.ERROR, (value or "").strip() or "#?")
    # A text result may be empty (=IF(A1="";"";A1) saved as <v></v>); a number result never is.
    uncached = stored is None if kind in ("str", "inlineStr") else not (value or "").strip()
    if formula is not None and uncached:
        text = (formula.text or "").strip()
        return CellNote(Parsed.FORMULA, f"={text}" if text else "=…")
    style = cell.get("s")
    if kind == "n" and value and style and style.isdigit() and int(style) in percent_styles:
        return CellNote(Parsed.PERCENT, percent_text(value))
    return None


_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?(sheet|Relationship)\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attributes(element: bytes) -> dict[str, str]:
    """An element's attributes by local name, unescaped; a tenth of the cost of an XML parser here."""
    return {name.decode().rsplit(":", 1)[-1]: html.unescape((double or single).decode("utf-8", "replace"))
            for name, double, single in _ATTRIBUTE.findall(element)}


def _xlsx_sheet_part(package: _Package, sheet: str) -> str | None:
    """The path of the worksheet part named `sheet`, through the workbook's relationships."""
    wanted = None
    for tag, body in _ELEMENT.findall(package.read("xl/workbook.xml")):
        attributes = _attributes(body)
        if tag == b"sheet" and attributes.get("name") == sheet:
            wanted = attributes.get("id")
            break
    if wanted is None or "xl/_rels/workbook.xml.rels" not in package:
        return None
    for tag, body in _ELEMENT.findall(package.read("xl/_rels/workbook.xml.rels")):
        attributes = _attributes(body)
        if tag == b"Relationship" and attributes.get("Id") == wanted:
            target = attributes.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"),
                                                                                  target))
            return path if path in package else None
    return None


_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})


def _xlsx_percent_styles(package: _Package, fromstring: Any) -> frozenset[int]:
    """The indices of the cell styles whose number format shows a percentage."""
    if "xl/styles.xml" not in package:
        return frozenset()
    content = package.read("xl/styles.xml")
    if b"%" not in content and not re.search(rb"""numFmtId\s*=\s*["']\s*(?:9|10)\s*["']""", content):
        return frozenset()
    styles = fromstring(content)
    percent_formats = set(_BUILTIN_PERCENT_FORMATS)
    cell_formats = None
    for element in styles:
        name = local_name(element.tag)
        if name == "numFmts":
            for number_format in element:
                if is_percent_format(number_format.get("formatCode", "")):
                    percent_formats.add(int(number_format.get("numFmtId", "-1")))
        elif name == "cellXfs":
            cell_formats = element
    if cell_formats is None:
        return frozenset()
    return frozenset(index for index, xf in enumerate(cell_formats)
                     if int(xf.get("numFmtId", "0") or 0) in percent_formats)


def _cell_position(reference: str | None) -> tuple[int, int] | None:
    return parse_address(reference) if reference else None
