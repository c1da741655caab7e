"""The second reading of an .ods or .xls sheet (see pipeline/reading/sheet.py): error values, bare formulas, percent
cells, and in .xls the numbers xlrd knows are not dates."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from pipeline.core.numbers import CellNote, Parsed
from pipeline.reading.cell_notes import NOTE_COLUMNS, NOTE_ROWS, Overrides, is_percent_format, percent_text

# Error values as Excel shows them; LibreOffice shows its own as Err:502 and the like.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"})
_LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_GNUMERIC = "{http://www.gnumeric.org/odf-extension/1.0}"


# ----------------------------------------------------------------------------------------- ods

def ods_overrides(data: bytes, sheet: str) -> Overrides:
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
                    if in_sheet and row < NOTE_ROWS:
                        note = _ods_cell(element, percent_data_styles, cell_data_styles)
                        if note is not None:
                            for offset in range(min(repeat, max(NOTE_COLUMNS - column, 0))):
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

def xls_overrides(data: bytes, sheet: str) -> Overrides:
    """Read the .xls sheet with xlrd, which takes a cell's number format from the file's own FORMAT records."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    try:
        table = book.sheet_by_name(sheet)
        found: Overrides = {}
        for row in range(min(table.nrows, NOTE_ROWS)):
            for column, cell in enumerate(table.row(row)[:NOTE_COLUMNS]):
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
