"""Last year's results beside this year's: each unit's previous total and rank, the change, new and gone units.

Last year is what reading.previous_results read from its results JSON. A unit is compared
with the units its rules entry names in `previous:` (renamed or merged), else with its own code. A unit
merged from several is compared with the **mean** of their totals, rounded like a total: a merger is the
sum of its parts' work, and the mean keeps it on the same 100-point scale as every other unit, where the
best would flatter it and the sum would mean nothing. Ranks of several units do not merge into one: a merged
unit's previous rank is left empty, its predecessors' own ranks are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pipeline.core.issues import Issue
from pipeline.core.numbers import round_half_away
from pipeline.rules.model import Rules
from pipeline.scoring.rank import RankedUnit


@dataclass(frozen=True)
class PastUnit:
    """A unit as last year's results have it: its total and rank, or None when it was not ranked."""

    code: str
    name: str
    total: Decimal | None
    rank: int | None


@dataclass(frozen=True)
class PastResults:
    year: int
    bloc: str
    provisional: bool
    units: dict[str, PastUnit]


@dataclass(frozen=True)
class Previous:
    """A unit's standing last year, through the unit or units it continues."""

    year: int
    predecessors: tuple[PastUnit, ...]  # last year's units it is compared with, found in last year's results
    total: Decimal | None  # the one predecessor's total, or the mean of several ranked ones; None: none ranked
    rank: int | None  # the one predecessor's rank; None for a merger, or when it was not ranked
    total_change: Decimal | None  # this year's total minus `total`
    rank_change: int | None  # places moved up (positive) or down (negative)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.predecessors)

    @property
    def merged(self) -> bool:
        return len(self.predecessors) > 1


@dataclass(frozen=True)
class YearComparison:
    """This year's units against last year's results."""

    year: int  # last year
    file: str
    units: dict[str, Previous | None]  # every unit of this year's rules; None: new, nothing of it last year
    gone: tuple[PastUnit, ...]  # last year's units that no unit of this year continues

    @property
    def new(self) -> list[str]:
        return [code for code, found in self.units.items() if found is None]


def compare_years(rules: Rules, ranked: list[RankedUnit], past: PastResults,
                  file: str) -> tuple[YearComparison, list[Issue]]:
    """Each unit of `rules` against `past`; the `previous:` codes last year's results do not hold are issues."""
    placed = {r.unit_code: r for r in ranked}
    issues: list[Issue] = []
    units: dict[str, Previous | None] = {}
    continued: set[str] = set()
    for unit in rules.units:
        codes = unit.previous or (unit.code,)
        continued.update(codes)
        for code in unit.previous:
            if code not in past.units:
                issues.append(Issue("previous-code-unknown", file=file, unit=unit.code,
                                    params={"code": code, "year": past.year}))
        predecessors = tuple(past.units[code] for code in codes if code in past.units)
        units[unit.code] = _previous(rules, past.year, predecessors, placed.get(unit.code)) if predecessors else None
    gone = tuple(found for code, found in past.units.items() if code not in continued)
    return YearComparison(past.year, file, units, gone), issues


def _previous(rules: Rules, year: int, predecessors: tuple[PastUnit, ...], now: RankedUnit | None) -> Previous:
    totals = [p.total for p in predecessors if p.total is not None]
    total = round_half_away(sum(totals, Decimal(0)) / len(totals), rules.decimals) if totals else None
    rank = predecessors[0].rank if len(predecessors) == 1 else None
    total_change = now.score.total - total if now is not None and total is not None else None
    rank_change = rank - now.rank if now is not None and rank is not None else None
    return Previous(year, predecessors, total, rank, total_change, rank_change)
