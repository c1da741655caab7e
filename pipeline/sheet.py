"""What the cells of a sheet really hold where python-calamine shows something else, and opening what it refuses.

python-calamine returns Excel error values and formulas saved without a result as empty cells, a
percent-formatted 4,5% as 0.045, and (in .xls files whose custom number formats take ids that Excel
reserves for East-Asian dates, as Gnumeric writes them) plain numbers as dates. A blank must never stand
for a cell that was not blank, so the sheet holding the criteria table is read a second time, from the
file's own XML (or, for .xls, with xlrd), for the few cells whose content the first reading hides.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from posixpath import dirname, join, normpath
from typing import Any, Literal

import python_calamine

from pipeline.cells import parse_address
from pipeline.numbers import CellNote, Parsed
from pipeline.zipparts import read_member, zip_members

# What the reader puts in place of a cell's value: a note, or the number a misread "date" really is.
Override = CellNote | float
Overrides = dict[tuple[int, int], Override]

# Error values as Excel shows them; LibreOffice shows its own as Err:502 and the like.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"})
_LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")
# Bounds of the grid an override may sit in: read.py's MAX_ROWS and MAX_COLUMNS (read.py imports this
# module), so no file makes this pass costlier than the first reading.
_MAX_ROWS = 5_000
_MAX_COLUMNS = 200

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_GNUMERIC = "{http://www.gnumeric.org/odf-extension/1.0}"


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

def overrides(data: bytes, kind: str, sheet: str, columns: Collection[int] | None = None) -> Overrides:
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
            found = _xlsx_overrides(data, sheet, wanted)
        elif kind == "ods":
            found = _ods_overrides(data, sheet)
        elif kind == "xls":
            found = _xls_overrides(data, sheet)
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


def percent_text(value: str | float) -> str:
    """0.045 → "4.5%": a percent cell as its percentage."""
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return f"{value}"
    # Gnumeric writes 0.045 as 0.0450000000000000000016: what a person reads has a few decimals at most.
    shown = format(round(number, 6).normalize(), "f")
    return f"{shown}%"


# ---------------------------------------------------------------------------------------- xlsx

class _Package:
    """A zip package's members by name, read through `zipparts` (its list of parts is parsed once per file)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.members = {member.filename: member for member in zip_members(data)}

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        return read_member(self.data, self.members[name])


def _xlsx_overrides(data: bytes, sheet: str, columns: frozenset[int] | None = None) -> Overrides:
    from defusedxml.ElementTree import fromstring, iterparse

    package = _Package(data)
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
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    number = element.get("r")
                    row = int(number) - 1 if number and number.isdigit() else row + 1
                    column = -1
                continue
            if tag == "c":
                position = _cell_position(element.get("r"))
                row, column = position if position else (row, column + 1)
                if row < _MAX_ROWS and column < _MAX_COLUMNS:
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
        head = content[start: content.find(b">", start) + 1]
        reference = _CELL_REFERENCE.search(head)
        position = _cell_position(reference[1].decode()) if reference else None
        if position is None:
            return None
        if position[0] < _MAX_ROWS and position[1] < _MAX_COLUMNS and (columns is None or position[1] in columns):
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
        name = _local(child.tag)
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
        name = _local(element.tag)
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


def is_percent_format(code: str) -> bool:
    """True when an Excel number format shows its number as a percentage: a % outside quotes and escapes."""
    literal = escaped = False
    brackets = 0
    for char in code:
        if escaped:
            escaped = False
        elif char in "\\_*":
            escaped = True
        elif char == '"':
            literal = not literal
        elif literal:
            continue
        elif char == "[":
            brackets += 1
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char == ";":
            return False  # the first section is the one a score shows
        elif char == "%" and not brackets:
            return True
    return False


def _cell_position(reference: str | None) -> tuple[int, int] | None:
    return parse_address(reference) if reference else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ----------------------------------------------------------------------------------------- ods

def _ods_overrides(data: bytes, sheet: str) -> Overrides:
    from defusedxml.ElementTree import iterparse

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        percent_data_styles: set[str] = set()
        cell_data_styles: dict[str, str] = {}
        if "styles.xml" in archive.namelist():  # common styles a cell may name, beside content.xml's own
            with archive.open("styles.xml") as stream:
                for _event, element in iterparse(stream, events=("end",)):
                    _ods_style(element, percent_data_styles, cell_data_styles)
        found: Overrides = {}
        in_sheet = False
        row = column = 0
        with archive.open("content.xml") as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_TABLE}table":
                        in_sheet, row = element.get(f"{_TABLE}name") == sheet, 0
                    elif tag == f"{_TABLE}table-row":
                        column = 0
                    continue
                if _ods_style(element, percent_data_styles, cell_data_styles):
                    continue
                if tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                    repeat = _repeat(element, "columns")
                    if in_sheet and row < _MAX_ROWS:
                        note = _ods_cell(element, percent_data_styles, cell_data_styles)
                        if note is not None:
                            for offset in range(min(repeat, max(_MAX_COLUMNS - column, 0))):
                                found[(row, column + offset)] = note
                    column += repeat
                    element.clear()
                elif tag == f"{_TABLE}table-row":
                    row += _repeat(element, "rows")
                    element.clear()
                elif tag == f"{_TABLE}table" and in_sheet:
                    break
        return found


def _ods_style(element: Any, percent_data_styles: set[str], cell_data_styles: dict[str, str]) -> bool:
    """Note a percentage data style, or a cell style's data style; True when `element` was a style."""
    if element.tag == f"{_NUMBER}percentage-style":
        percent_data_styles.add(element.get(f"{_STYLE}name", ""))
        return True
    if element.tag == f"{_STYLE}style":
        data_style = element.get(f"{_STYLE}data-style-name")
        if data_style and element.get(f"{_STYLE}family") == "table-cell":
            cell_data_styles[element.get(f"{_STYLE}name", "")] = data_style
        return True
    return False


def _ods_cell(cell: Any, percent_data_styles: set[str], cell_data_styles: dict[str, str]) -> CellNote | None:
    value_type = cell.get(f"{_OFFICE}value-type")
    formula = cell.get(f"{_TABLE}formula")
    shown = " ".join("".join(p.itertext()) for p in cell if p.tag == f"{_TEXT}p").strip()
    if cell.get(f"{_CALCEXT}value-type") == "error":
        return CellNote(Parsed.ERROR, shown or "#?")
    error = cell.get(f"{_GNUMERIC}error-value")
    if error:
        return CellNote(Parsed.ERROR, error)
    if formula is not None:
        if value_type is None:
            return CellNote(Parsed.FORMULA, formula.split(":", 1)[-1] if formula.startswith("of:") else formula)
        result = cell.get(f"{_OFFICE}string-value", shown) if value_type == "string" else ""
        if result in EXCEL_ERRORS or _LIBREOFFICE_ERROR.match(result or ""):
            return CellNote(Parsed.ERROR, result)
    value = cell.get(f"{_OFFICE}value")
    if value_type == "percentage" or (
        value_type == "float" and cell_data_styles.get(cell.get(f"{_TABLE}style-name", "")) in percent_data_styles
    ):
        return CellNote(Parsed.PERCENT, percent_text(value or shown))
    return None


def _repeat(element: Any, what: str) -> int:
    try:
        return max(int(element.get(f"{_TABLE}number-{what}-repeated", "1")), 1)
    except ValueError:
        return 1


# ----------------------------------------------------------------------------------------- xls

def _xls_overrides(data: bytes, sheet: str) -> Overrides:
    """Read the .xls sheet with xlrd, which takes a cell's number format from the file's own FORMAT records."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    try:
        table = book.sheet_by_name(sheet)
        found: Overrides = {}
        for row in range(min(table.nrows, _MAX_ROWS)):
            for column, cell in enumerate(table.row(row)[:_MAX_COLUMNS]):
                if cell.ctype == xlrd.XL_CELL_ERROR:
                    found[(row, column)] = CellNote(Parsed.ERROR, xlrd.error_text_from_code.get(cell.value, "#?"))
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    xf = book.xf_list[cell.xf_index]
                    code = book.format_map[xf.format_key].format_str if xf.format_key in book.format_map else ""
                    if is_percent_format(code or ""):
                        found[(row, column)] = CellNote(Parsed.PERCENT, percent_text(cell.value))
                    else:
                        found[(row, column)] = float(cell.value)
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    found[(row, column)] = CellNote(Parsed.DATE, _xls_date_text(cell.value, book.datemode))
        return found
    finally:
        book.release_resources()


def _xls_date_text(serial: float, datemode: int) -> str:
    import xlrd

    try:
        moment = xlrd.xldate.xldate_as_datetime(serial, datemode)
    except Exception:  # a serial before the epoch or out of range: show the number itself
        return f"{serial}"
    return str(moment.strftime("%d/%m/%Y %H:%M" if moment.time() != dt.time() else "%d/%m/%Y"))
