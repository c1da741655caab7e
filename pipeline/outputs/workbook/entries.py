"""Each criterion of each unit as the workbook shows it: each scorer's cell as read, and the one that counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from pipeline.rules.model import Criterion

SELF, APPRAISED = "self", "appraised"  # the scorers the workbook has a column for


@dataclass(frozen=True, slots=True)
class Shown:
    """One (unit, criterion): a Decimal, "N/A", a cell's text as typed, or None when blank, per column.

    `final` is the cell that decided (score.final_values, carried as Validation.final), shown as read.
    """

    self_value: object = None
    appraised: object = None
    final: object = None
    evidence: str = ""
    changed: bool = False  # another scorer than the unit decided, with a value other than the unit's own
    reason: str = ""  # the bloc's reason for its appraisal


NOTHING_SHOWN = Shown()  # a criterion nobody entered: every column blank


def shown_entries(entries: pd.DataFrame, final: pd.DataFrame) -> dict[tuple[str, str], Shown]:
    """(unit, criterion) → its cells as shown, from the run's entries and final values (pipeline.checking.validate)."""
    if entries.empty:
        return {}
    # N/A is a verdict, shown as such; a cell that is not a number is shown as the unit typed it.
    shown = [None if is_blank else "N/A" if is_na else value if value is not None else str(raw)
             for value, is_na, is_blank, raw in zip(entries["value"], entries["is_na"], entries["is_blank"],
                                                    entries["raw"], strict=True)]
    cells: dict[tuple[str, str], dict[str, object]] = {}
    for unit_code, code, scorer, cell, evidence, reason in zip(
            entries["unit_code"], entries["criterion_code"], entries["scorer"], shown, entries["evidence"],
            entries["reason"], strict=True):
        slot = cells.setdefault((unit_code, code), {})
        slot[scorer] = cell
        if scorer == SELF:
            slot["evidence"] = evidence or ""
        elif scorer == APPRAISED:
            slot["reason"] = reason or ""
    deciding: dict[tuple[str, str], tuple[str, object]] = {}
    positions = entries.index.get_indexer(pd.Index(final["entry"]))
    for unit_code, code, scorer, position, value in zip(final["unit_code"], final["criterion_code"],
                                                        final["scorer"], positions, final["value"], strict=True):
        # The peers' mean (cross-scoring) is in no single cell: it is shown as decided, exact.
        deciding[(unit_code, code)] = (scorer, shown[position] if position >= 0 else value)
    lookup = {}
    for key, slot in cells.items():
        scorer, value = deciding.get(key, (SELF, None))
        own = slot.get(SELF)
        lookup[key] = Shown(own, slot.get(APPRAISED), value, str(slot.get("evidence", "")),
                            scorer != SELF and value != own, str(slot.get("reason", "")))
    return lookup


def counted_points(criterion: Criterion, value: object) -> object:
    """A shown value in points: a `per_occurrence` item is entered as a count, which is not its points.

    A count (a number) becomes count × per_occurrence, capped at the max (`Criterion.points`); anything else
    (N/A, text as typed, a blank) is shown as it is.
    """
    if criterion.per_occurrence is None or not is_number(value):
        return value
    exact = value if isinstance(value, Decimal | Fraction) else Decimal(str(value))
    return criterion.points(exact)


def is_number(value: object) -> bool:
    return isinstance(value, Decimal | Fraction | int | float) and not isinstance(value, bool)
