"""What a template shows a unit before sending: the pipeline's own decision and scores, and the formulas
that make a spreadsheet compute the same from the cells the unit types.

Both halves come from the same definitions: `score.SCORER_PRECEDENCE` decides which entered value counts,
`numbers.NOT_APPLICABLE_TOKENS` what reads as N/A, `numbers.parse_score` what is blank. Where a spreadsheet
cannot compute what the pipeline will (a number typed as text such as `8,5`, a note in a score cell), the
totals show a "check cell …" marker instead of a different total.
The formulas use only functions that Excel 2010, LibreOffice and WPS Spreadsheets share, and no arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from pipeline.core.numbers import NOT_APPLICABLE_TOKENS, Parsed, parse_score
from pipeline.rules.model import Criterion, Rules
from pipeline.scoring.score import SCORER_PRECEDENCE, SectionNotApplicable, final_values, score_unit

# ------------------------------------------------------------------------------------- the formulas


def quoted(value: str) -> str:
    """A text as a formula's string literal."""
    return '"' + value.replace('"', '""') + '"'


def blank_test(cell: str) -> str:
    """True where the pipeline reads the cell as blank: nothing, or only spaces (non-breaking ones too)."""
    # The non-breaking space is written as itself: CHAR(160) depends on the system's code page in Calc.
    return f'LEN(TRIM(SUBSTITUTE({cell},"\u00a0"," ")))=0'


def not_applicable_test(cell: str) -> str:
    """True where the pipeline reads the cell as N/A: one of the N/A words, any case, spaces aside."""
    squeezed = f'SUBSTITUTE(LOWER(TRIM({cell}))," ","")'
    tokens = sorted({token.replace(" ", "") for token in NOT_APPLICABLE_TOKENS})
    return f"AND(NOT(ISNUMBER({cell})),OR({','.join(f'{squeezed}={quoted(t)}' for t in tokens)}))"


def unreadable_test(cell: str, criterion: Criterion) -> str:
    """True where the cell holds something a spreadsheet cannot add up the way the pipeline will."""
    allowed_na = f",NOT({not_applicable_test(cell)})" if criterion.na_allowed and criterion.kind == "base" else ""
    text_found = f"AND(NOT(ISNUMBER({cell})),NOT({blank_test(cell)}){allowed_na})"
    if criterion.per_occurrence is None:
        return text_found
    # A count of occurrences must be whole: the pipeline refuses 2.5 times.
    return f"OR({text_found},AND(ISNUMBER({cell}),{cell}<>INT({cell})))"


def final_formula(cells: Mapping[str, str]) -> str:
    """The value that counts on a row: the strongest scorer's non-blank cell, else "" (blank).

    `cells` maps each scorer of SCORER_PRECEDENCE present in the sheet to its cell; built innermost first.
    """
    formula = '""'
    for scorer in reversed(SCORER_PRECEDENCE):
        if scorer in cells:
            cell = cells[scorer]
            formula = f"IF({blank_test(cell)},{formula},{cell})"
    return formula


def applicable_formula(value: str, max_cell: str) -> str:
    """The max a base row contributes to its section's applicable max: 0 when its value is N/A."""
    return f"IF({not_applicable_test(value)},0,{max_cell})"


def points_formula(value: str, criterion: Criterion) -> str:
    """The points a bonus or deduction row adds: its number, or count × per_occurrence capped at its max."""
    if criterion.per_occurrence is None:
        return f"IF(ISNUMBER({value}),{value},0)"
    return f"IF(ISNUMBER({value}),MIN({value}*{criterion.per_occurrence},{criterion.max}),0)"


def check_formula(previous: str | None, cells: list[tuple[str, str]]) -> str:
    """The first unreadable cell so far, as its address ("" when none): chained down the rows.

    `cells` are (address, unreadable test) of this row; `previous` is the same formula's cell one row up.
    """
    formula = '""'
    for address, test in reversed(cells):
        formula = f"IF({test},{quoted(address)},{formula})"
    return f'IF({previous}<>"",{previous},{formula})' if previous else formula


def marked(check_cell: str, marker: str, formula: str) -> str:
    """`formula`, unless a cell is unreadable: then the marker text, where `{cell}` names that cell."""
    before, _, after = marker.partition("{cell}")
    shown = f"{quoted(before)}&{check_cell}&{quoted(after)}" if after else f"{quoted(before)}&{check_cell}"
    return f'IF({check_cell}<>"",{shown},{formula})'


# ------------------------------------------------------------------------------ the cached results


@dataclass(frozen=True)
class Preview:
    """The figures a template's formulas show, as the pipeline computes them from the same cells."""

    sections: dict[str, float]
    base: float
    bonus: float
    deductions: float
    total: float
    unreadable: str | None  # the first cell the spreadsheet cannot add up, if any

    def get(self, key: str) -> float:
        if key in ("base", "bonus", "deductions", "total"):
            return float(getattr(self, key))
        return self.sections.get(key, 0.0)


def preview(rules: Rules, cells: Mapping[str, Mapping[str, object]], addresses: Mapping[str, Mapping[str, str]],
            scorers: tuple[str, ...]) -> Preview | None:
    """The pipeline's figures from the cells of one template, counting only `scorers`' columns.

    `cells` maps criterion code → scorer → the cell's content as written; `addresses` the same → address.
    A criterion nobody entered counts 0 here (the pipeline would report it missing). None when every
    criterion of a section is N/A, where there is nothing to show.
    """
    records = []
    unreadable: str | None = None
    for criterion in rules.criteria():
        for scorer, raw in cells.get(criterion.code, {}).items():
            kind, value = parse_score(raw)
            na_ok = criterion.na_allowed and criterion.kind == "base"
            partial_count = criterion.per_occurrence is not None and value is not None and value % 1 != 0
            if unreadable is None and (kind not in (Parsed.NUMBER, Parsed.BLANK, Parsed.NOT_APPLICABLE)
                                       or (kind is Parsed.NOT_APPLICABLE and not na_ok) or partial_count):
                unreadable = addresses[criterion.code][scorer]
            if scorer in scorers:
                if kind not in (Parsed.NUMBER, Parsed.NOT_APPLICABLE, Parsed.BLANK):
                    value = Decimal(0)  # text, as a spreadsheet's SUM adds it up (the totals show the marker)
                records.append({"unit_code": "", "criterion_code": criterion.code, "scorer": scorer,
                                "value": value, "is_na": kind is Parsed.NOT_APPLICABLE,
                                "is_blank": kind is Parsed.BLANK})
    entries = pd.DataFrame.from_records(
        records, columns=["unit_code", "criterion_code", "scorer", "value", "is_na", "is_blank"])
    decided: dict[str, Decimal | None] = {c.code: Decimal(0) for c in rules.criteria()}
    final = final_values(entries)
    decided.update(zip(final["criterion_code"], final["value"], strict=True))
    try:
        scored = score_unit(rules, "", decided)
    except SectionNotApplicable:
        return None
    return Preview(
        sections={s.code: float(s.score) for s in scored.sections}, base=float(scored.base),
        bonus=float(scored.bonus), deductions=float(scored.deductions), total=float(scored.total),
        unreadable=unreadable,
    )


def stored_result(cached: Preview | None, key: str, marker: str | None = None) -> float | str:
    """A formula's stored result: the pipeline's figure, or the marker where a total cannot be trusted."""
    if cached is None:
        return 0
    if marker is not None and cached.unreadable:
        return marker.replace("{cell}", cached.unreadable)
    return cached.get(key)


def as_written(value: object) -> object:
    """A filled value as a reader finds it in the cell `xlsx.write_value` writes: a float, text, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return float(value)
    return value if isinstance(value, str) else str(value)
