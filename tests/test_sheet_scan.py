"""The second reading's short cut for formulas without a result gives exactly the full parse's notes."""

from __future__ import annotations

from defusedxml.ElementTree import fromstring, iterparse
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.numbers import Parsed
from pipeline.reading.sheet import _all_cells, _uncached_formula_cells, _xlsx_may_hide

_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_TAIL = b"</sheetData></worksheet>"

# The shapes a formula cell takes in files from Excel, LibreOffice, WPS and xlsxwriter, and plain cells.
_CELLS = [
    b'<c r="{ref}"><f>SUM(A1:A2)</f><v>3</v></c>',
    b'<c r="{ref}"><f>SUM(A1:A2)</f><v></v></c>',  # xlsxwriter's blank result, numeric type
    b'<c r="{ref}" t="str"><f>IF(A1="","",A1)</f><v></v></c>',  # an empty text result: a value
    b'<c r="{ref}" t="str"><f>A1</f></c>',  # text type, no result at all
    b'<c r="{ref}"><f>A1*2</f></c>',
    b'<c r="{ref}" s="3"><f t="shared" si="0"/></c>',
    b'<c r="{ref}"><f t="shared" si="0"/><v>2</v></c>',
    b'<c r="{ref}"><f>B1</f><v> </v></c>',
    b'<c r="{ref}"><v>7.5</v></c>',
    b'<c r="{ref}" t="s"><v>0</v></c>',
    b'<c r="{ref}"/>',
]


def _sheet(rows: list[list[int]]) -> bytes:
    parts = [_HEAD]
    for number, cells in enumerate(rows, start=1):
        parts.append(f'<row r="{number}">'.encode())
        for column, shape in enumerate(cells):
            ref = f"{chr(ord('A') + column)}{number}".encode()
            parts.append(_CELLS[shape].replace(b"{ref}", ref))
        parts.append(b"</row>")
    parts.append(_TAIL)
    return b"".join(parts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(_CELLS) - 1), min_size=1, max_size=6), min_size=1, max_size=6))
def test_the_short_cut_finds_what_the_full_parse_finds(rows: list[list[int]]) -> None:
    content = _sheet(rows)
    if _xlsx_may_hide(content, frozenset()) != "formulas":
        assert _all_cells(content, frozenset(), iterparse) == {}
        return
    assert _uncached_formula_cells(content, frozenset(), fromstring) == _all_cells(content, frozenset(), iterparse)


def test_a_filled_templates_check_column_costs_no_full_parse() -> None:
    content = _sheet([[8, 1, 2], [8, 4, 0]])
    assert _xlsx_may_hide(content, frozenset()) == "formulas"
    notes = _uncached_formula_cells(content, frozenset(), fromstring)
    assert notes is not None
    assert set(notes) == {(0, 1), (1, 1)}
    assert all(note.kind == Parsed.FORMULA for note in notes.values())


def test_what_the_short_cut_cannot_isolate_goes_to_the_full_parse() -> None:
    without_reference = _HEAD + b'<row r="1"><c><f>A1*2</f></c></row>' + _TAIL
    prefixed = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
                b'<x:row r="1"><x:c r="A1"><x:f>A1*2</x:f></x:c></x:row></x:sheetData></x:worksheet>')
    assert _uncached_formula_cells(without_reference, frozenset(), fromstring) is None
    assert _uncached_formula_cells(prefixed, frozenset(), fromstring) is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(_CELLS) - 1), min_size=1, max_size=6), min_size=1, max_size=6),
       st.frozensets(st.integers(0, 5)))
def test_asking_for_some_columns_gives_those_columns_notes(rows: list[list[int]], columns: frozenset[int]) -> None:
    content = _sheet(rows)
    every = _all_cells(content, frozenset(), iterparse)
    some = _uncached_formula_cells(content, frozenset(), fromstring, columns)
    if _xlsx_may_hide(content, frozenset()) == "formulas":
        assert some == {cell: note for cell, note in every.items() if cell[1] in columns}
