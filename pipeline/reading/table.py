"""A table in a sheet as the readers find it: its header row by labels, its rows under it, what calamine hides."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pipeline.core.text import clean, fold, normalise_code
from pipeline.reading.cell_notes import Overrides
from pipeline.reading.sheet import apply_override, overrides
from pipeline.rules.layout import SCORE_COLUMNS

MAX_HEADER_SEARCH_ROWS = 40
SCORE_KEYS = frozenset(SCORE_COLUMNS)  # the columns whose cells are scores: self, appraised


class SheetRow(NamedTuple):
    """One row of the criteria table whose code cell is not empty, cells as calamine returns them."""

    row: int  # 0-based sheet row
    code: str
    title: str
    max: Any
    self_score: Any
    appraised: Any
    evidence: Any


def header_row(cells: list[list[Any]], labels: dict[str, set[str]], required: set[str]
                ) -> tuple[int, dict[str, int]] | None:
    """The first row, among the top ones, whose cells carry the `required` labels: its columns by key."""
    for row_index, row in enumerate(cells[:MAX_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for column, value in enumerate(row):
            if isinstance(value, str) and value:
                folded = fold(value)
                for key, wanted in labels.items():
                    if folded in wanted and key not in columns:
                        columns[key] = column
        if required <= columns.keys():
            return row_index, columns
    return None


def plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def sheet_overrides(data: bytes, kind: str, sheet: str, header: tuple[int, Mapping[str, int]],
                    members: Sequence[zipfile.ZipInfo] | None = None) -> Overrides:
    """What calamine hides in the table's own columns of `sheet` (sheet.overrides)."""
    return overrides(data, kind, sheet, header[1].values(), members)


def table_rows(cells: list[list[Any]], header_row: int, columns: dict[str, int],
                cell_overrides: Overrides | None = None) -> list[SheetRow]:
    """The rows of the criteria table under its header whose code cell is not empty."""
    found = cell_overrides or {}

    def get(row_index: int, key: str) -> Any:
        column = columns.get(key)
        if column is None:
            return ""
        row = cells[row_index]
        raw = row[column] if column < len(row) else ""
        if not found:
            return raw
        override = found.get((row_index, column))
        # A note (an error, a bare formula, a percent) speaks for a score cell; elsewhere only a misread
        # date is corrected, so a code, a title or an evidence cell keeps the text calamine read.
        if key not in SCORE_KEYS and not isinstance(override, float):
            return raw
        return apply_override(raw, override)

    rows = []
    for row_index in range(header_row + 1, len(cells)):
        code = normalise_code(get(row_index, "code"))
        if code:
            title = get(row_index, "criterion")
            rows.append(SheetRow(
                row_index, code, clean(title) if isinstance(title, str) else plain(title),
                get(row_index, "max"), get(row_index, "self"), get(row_index, "appraised"),
                get(row_index, "evidence"),
            ))
    return rows
