"""Cells that hold something other than a number are never read as blank, and a second table is never ignored.

Each case builds its workbook in code (openpyxl edits of a real template, or an .ods package written by
hand), runs the pipeline or the reader, and asserts the code, the file, the sheet and the cell.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.core.numbers import CellNote, Parsed, parse_score
from pipeline.reading.cell_notes import is_percent_format, percent_text
from pipeline.reading.read import Submission, read_workbook
from pipeline.reading.sheet import apply_override, open_book, overrides
from tests import builders
from tests.test_hostile import GOOD, RULES, assert_others_scored, found, go, good_file, one

SHEET = "Self-assessment"


@pytest.fixture
def folder(tmp_path) -> Path:
    """Good files for units B, C and D; each test adds unit A's file its own way."""
    return builders.good_files(tmp_path / "input", RULES, "BCD", GOOD)


def _edit(path: Path, changes: dict[str, object], formats: dict[str, str] | None = None) -> Path:
    """Set cells as Excel would store them: "#DIV/0!" is an error value, "=…" a formula (no cached result)."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for address, value in changes.items():
        sheet[address] = value
    for address, number_format in (formats or {}).items():
        sheet[address].number_format = number_format
    book.save(path)
    return path


def _case(folder: Path, changes: dict[str, object], formats: dict[str, str] | None = None):
    _edit(good_file(folder), changes, formats)
    return go(folder)


def _assert_at(result, code: str, cell: str, shown: str | None = None):
    issue = one(result, code)
    assert (issue.file, issue.sheet, issue.cell, issue.unit) == ("A.xlsx", SHEET, cell, "A")
    assert issue.severity == "error"
    assert cell in issue.message("en") and cell in issue.message("vi")
    if shown is not None:
        assert issue.params["value"] == shown
        assert shown in issue.message("en")
    assert result.status["A"] == "invalid"
    assert_others_scored(result)
    return issue


# ------------------------------------------------------------------------ error values, bare formulas

@pytest.mark.parametrize(("cell", "error"), [
    ("D8", "#DIV/0!"),  # a self-score
    ("D15", "#REF!"),  # a bonus (B1, under the sections' total A)
    ("D18", "#VALUE!"),  # a deduction (D1): must not count as 0
])
def test_error_value_in_a_score_cell(folder, cell, error):
    result = _case(folder, {cell: error})
    _assert_at(result, "cell-error", cell, error)
    assert not found(result, "score-missing")
    entries = result.validation.entries
    assert [str(raw) for raw in entries.loc[entries["cell"].eq(cell) & entries["unit_code"].eq("A"), "raw"]] == [error]


@pytest.mark.parametrize(("cell", "formula"), [
    ("D8", "=19+0.5"), ("D16", "=1+1"), ("D18", "=2*2"),
])
def test_formula_saved_without_its_result(folder, cell, formula):
    result = _case(folder, {cell: formula})  # openpyxl, like many generators, writes no cached value
    _assert_at(result, "formula-without-value", cell, formula)


@pytest.mark.parametrize(("value", "code"), [("#N/A", "cell-error"), ("=D7-1", "formula-without-value")])
def test_an_appraisal_that_is_not_a_number_is_the_blocs_to_correct_and_the_run_waits(folder, value, code):
    good_file(folder)
    book = builders.appraise(RULES, folder, {"A": {"1.2": (value, "Thiếu minh chứng")}})
    result = go(folder)
    issue = one(result, code)
    # The bloc's own cell (issue #28): A is not blamed; its self-score stands meanwhile, and the run is not final.
    assert (issue.file, issue.sheet, issue.cell, issue.unit) == (builders.shown(book), "A", "E7", None)
    assert result.status["A"] == "scored" and result.provisional and not result.final
    assert_others_scored(result)


def test_formula_with_a_cached_result_is_read(folder):
    path = good_file(folder)
    _edit(path, {"D18": "=1+1"})
    _cache_formula_result(path, "D18", "2")
    result = go(folder)
    assert not found(result, "formula-without-value")
    a = next(r for r in result.ranked if r.unit_code == "A").score
    assert a.deductions == 2


def _cache_formula_result(path: Path, cell: str, value: str) -> None:
    """Give a formula cell the cached result Excel would have saved with it."""

    def cache(body: bytes) -> bytes:
        text = body.decode()
        start = text.index(f'<c r="{cell}"')
        end = text.index("</c>", start)
        return (text[:start] + text[start:end].replace("<v />", "").replace("<v/>", "")
                + f"<v>{value}</v>" + text[end:]).encode()

    path.write_bytes(builders.edited_part(path, "xl/worksheets/sheet1.xml", cache))


# ----------------------------------------------------------------------------- percents and dates

def test_percent_typed_into_a_score_cell(folder):
    # Excel stores "4,5%" typed into a cell as 0.045 with a percent format: accepted silently until now.
    result = _case(folder, {"D11": 0.045}, {"D11": "0.0%"})
    issue = _assert_at(result, "score-percent", "D11")
    assert "(4.5%)" in issue.message("en") and "(4,5%)" in issue.message("vi")


def test_percent_typed_as_text(folder):
    result = _case(folder, {"D11": "4,5%"})
    issue = _assert_at(result, "score-percent", "D11")
    assert "(4.5%)" in issue.message("en") and "(4,5%)" in issue.message("vi")
    assert not found(result, "not-a-number")


@pytest.mark.parametrize(("cell", "number_format", "shown"), [
    ("D8", "dd/mm/yyyy", "19/01/1900"),
    ("D18", "dd/mm/yyyy hh:mm", "01/01/1900 12:00"),
])
def test_score_cell_formatted_as_a_date(folder, cell, number_format, shown):
    value = 19 if cell == "D8" else 1.5
    result = _case(folder, {cell: value}, {cell: number_format})
    _assert_at(result, "score-date", cell, shown)


def test_plain_number_formats_are_numbers(folder):
    result = _case(folder, {"D11": 9.5}, {"D11": "0.##"})
    assert result.status["A"] == "scored"


# --------------------------------------------------------------------------------- a second table

def _copy_sheet(path: Path, changes: dict[str, object]) -> str:
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book.worksheets[0])
    for address, value in changes.items():
        copy[address] = value
    book.save(path)
    return copy.title


def test_second_filled_table_with_other_scores(folder):
    path = good_file(folder)
    copy = _copy_sheet(path, {"D11": 7})
    result = go(folder)
    issue = one(result, "second-table")
    assert (issue.file, issue.sheet, issue.cell, issue.unit) == ("A.xlsx", copy, "D11", "A")
    assert issue.params["first"] == SHEET
    assert SHEET in issue.message("vi") and copy in issue.message("en")
    assert result.status["A"] == "invalid"
    assert_others_scored(result)


def test_blank_copy_and_other_tables_are_left_alone(folder):
    path = good_file(folder)
    blank = {f"{column}{row}": None for column in "DE" for row in (8, 9, 11, 12, 14, 15, 17, 18)}
    _copy_sheet(path, blank)  # a blank template kept beside the filled one
    _copy_sheet(path, {f"A{row}": f"X{row}" for row in (8, 9, 11, 12, 14, 15, 17, 18)})  # other codes
    result = go(folder)
    assert not found(result, "second-table")
    assert result.status["A"] == "scored"


def test_identical_copy_of_the_table_changes_nothing(folder):
    _copy_sheet(good_file(folder), {})
    result = go(folder)
    assert not found(result, "second-table")
    assert result.status["A"] == "scored"


# ------------------------------------------------------------------- reading pieces, without programs

def test_parse_score_understands_cell_notes():
    assert parse_score(CellNote(Parsed.ERROR, "#N/A")) == (Parsed.ERROR, None)
    assert parse_score("12,5 %")[0] is Parsed.PERCENT
    assert parse_score("1.000%")[0] is Parsed.INVALID  # ambiguous digits are not guessed at


@pytest.mark.parametrize(("code", "percent"), [
    ("0%", True), ("0.00%", True), ("#,##0.0%;[Red]-0%", True), ('0.0"%"', False), ("0\\%", False),
    ("0.##", False), ("General", False), ("[$%-409]0", False),
])
def test_percent_formats(code, percent):
    assert is_percent_format(code) is percent


def test_a_number_corrects_only_a_misread_date():
    import datetime as dt

    assert apply_override(dt.datetime(1900, 1, 19, 12), 19.5) == 19.5
    assert apply_override(19, 19.0) == 19
    assert apply_override("", CellNote(Parsed.FORMULA, "=A1")) == CellNote(Parsed.FORMULA, "=A1")
    assert percent_text("0.0450000000000000000016") == "4.5%"


_ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'xmlns:gnm="http://www.gnumeric.org/odf-extension/1.0" office:version="1.2"'
)


def _text(value: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def _number(value: str) -> str:
    return (f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>")


def ods_package(rows: list[list[str]], *, indent: bool) -> bytes:
    """A minimal .ods whose one sheet holds `rows` of cell XML, indented the way Gnumeric writes it."""
    gap = "\n          " if indent else ""
    body = gap.join(f"<table:table-row>{gap}{gap.join(cells)}{gap}</table:table-row>" for cells in rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NAMESPACES}>'
        '<office:automatic-styles><number:percentage-style style:name="ND-0"><number:number/>'
        '<number:text>%</number:text></number:percentage-style>'
        '<style:style style:name="ACE-1" style:family="table-cell" style:data-style-name="ND-0"/>'
        f'</office:automatic-styles><office:body><office:spreadsheet>{gap}'
        f'<table:table table:name="{SHEET}">{gap}{body}{gap}</table:table>{gap}'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                         '<manifest:file-entry manifest:full-path="/" '
                         'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                         '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                         "</manifest:manifest>")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


_ODS_ROWS = [
    [_text("Code"), _text("Criterion"), _text("Max points"), _text("Self-score"), _text("Appraised score")],
    [_text("1.1"), _text("a"), _number("20"), _number("18"),
     '<table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" '
     'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'],
    [_text("1.2"), _text("b"), _number("10"),
     '<table:table-cell gnm:error-value="#N/A" table:formula="of:=NA()" office:value-type="string" '
     'office:string-value="#N/A"><text:p>#N/A</text:p></table:table-cell>'],
    [_text("2.1"), _text("c"), _number("10"), '<table:table-cell table:formula="of:=[.C4]-1"/>'],
    [_text("2.2"), _text("d"), _number("10"),
     '<table:table-cell table:style-name="ACE-1" office:value-type="float" office:value="0.045"><text:p>4.5%'
     "</text:p></table:table-cell>",
     '<table:table-cell office:value-type="percentage" office:value="0.05"><text:p>5%</text:p></table:table-cell>'],
]


def test_indented_ods_is_opened_after_the_layout_whitespace_is_removed():
    import python_calamine

    data = ods_package(_ODS_ROWS, indent=True)
    with pytest.raises(python_calamine.CalamineError):  # what calamine alone says of Gnumeric's .ods
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    book = open_book(data, "ods")
    assert book.get_sheet_by_name(SHEET).to_python()[1][:4] == ["1.1", "a", 20.0, 18.0]


def test_damaged_ods_stays_damaged():
    whole = ods_package(_ODS_ROWS, indent=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(buffer, "w") as copy:
        for item in source.infolist():
            body = source.read(item)
            copy.writestr(item, body[: len(body) // 2] if item.filename == "content.xml" else body)
    data = buffer.getvalue()
    submission = Submission("A.ods")
    read_workbook(submission, data)
    assert [i.code for i in submission.issues if i.severity == "error"] == ["corrupt-file"]


@pytest.mark.parametrize("indent", [False, True])
def test_ods_cells_that_hide_their_content(indent):
    data = ods_package(_ODS_ROWS, indent=indent)
    assert overrides(data, "ods", SHEET) == {
        (1, 4): CellNote(Parsed.ERROR, "#DIV/0!"),  # LibreOffice's error cell
        (2, 3): CellNote(Parsed.ERROR, "#N/A"),  # Gnumeric's
        (3, 3): CellNote(Parsed.FORMULA, "=[.C4]-1"),
        (4, 3): CellNote(Parsed.PERCENT, "4.5%"),  # a float in a percent style
        (4, 4): CellNote(Parsed.PERCENT, "5%"),
    }
    submission = Submission("A.ods")
    read_workbook(submission, data)
    assert submission.sheet == SHEET and not [i for i in submission.issues if i.severity == "error"]
    by_code = {row.code: row for row in submission.rows}
    assert by_code["1.1"].appraised == CellNote(Parsed.ERROR, "#DIV/0!")
    assert by_code["2.1"].self_score == CellNote(Parsed.FORMULA, "=[.C4]-1")


def test_unreadable_second_reading_leaves_the_first():
    assert overrides(b"PK not a zip", "xlsx", SHEET) == {}
    assert overrides(b"\xd0\xcf\x11\xe0 not ole", "xls", SHEET) == {}


def test_outputs_show_what_the_cell_holds(folder, tmp_path):
    from pipeline.outputs.write import write_outputs

    result = _case(folder, {"D18": "#DIV/0!", "E9": "=D9-1"})
    written = write_outputs(result, tmp_path / "out")
    workbook = written.workbook
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:  # a read-only workbook keeps its file open until closed
        texts = {str(cell.value) for sheet in book.worksheets
                 for row in sheet.iter_rows() for cell in row if cell.value is not None}
    finally:
        book.close()
    assert not any("CellNote" in value for value in texts)
    assert any("#DIV/0!" in value for value in texts) and any("=D9-1" in value for value in texts)


def _with_cell_xml(path: Path, cell: str, xml: str) -> bytes:
    """The workbook's bytes with one cell of its first sheet written as `xml`, as other writers do."""
    import re

    def rewrite(body: bytes) -> bytes:
        pattern = rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)'.encode()
        body, count = re.subn(pattern, xml.encode(), body, count=1, flags=re.S)
        assert count == 1
        return body

    return builders.edited_part(path, "xl/worksheets/sheet1.xml", rewrite)


@pytest.mark.parametrize(("xml", "expected"), [
    ("""<c r="D17" t='e'><v>#REF!</v></c>""", CellNote(Parsed.ERROR, "#REF!")),
    ('<c r="D17" t="e"/>', CellNote(Parsed.ERROR, "#?")),
    ('<c r="D17"><f>1+1</f></c>', CellNote(Parsed.FORMULA, "=1+1")),
    ('<c r="D17"><f>1+1</f><v/></c>', CellNote(Parsed.FORMULA, "=1+1")),
    ('<c r="D17"><f t="shared" si="0"/></c>', CellNote(Parsed.FORMULA, "=…")),
    ('<c r="D17"><f>1+1</f>\n  <v>2</v></c>', None),  # cached, after a line break
    ('<c r="D17" t="str"><f>""</f><v></v></c>', None),  # a text result that is empty: blank, not unknown
    ('<c r="D17"><f t="shared" si="0"/><v>2</v></c>', None),
])
def test_xlsx_cells_as_other_writers_write_them(xml, expected, tmp_path):
    path = good_file(tmp_path, "A.xlsx")
    found = overrides(_with_cell_xml(path, "D17", xml), "xlsx", SHEET)
    assert found.get((16, 3)) == expected


def test_byte_scans_err_towards_reading_the_xml():
    from pipeline.reading.sheet import _xlsx_may_hide

    assert _xlsx_may_hide(b'<x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c>', frozenset())  # a prefix: parse
    assert _xlsx_may_hide(b'<c r="A1" s="3"><v>0.5</v></c>', frozenset({3}))
    assert not _xlsx_may_hide(b'<c r="A1" s="3"><f>1+1</f><v>2</v></c>', frozenset({4}))
