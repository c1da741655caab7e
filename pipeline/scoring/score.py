"""Scoring: from each unit's final criterion values to exact section scores, base, bonus, deductions, total.

Arithmetic is exact (Fraction): weights such as 0.6 and N/A rescaling such as 50/35 never pass through
binary floats. The total is rounded once, at the end, half away from zero, as Excel's ROUND does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from fractions import Fraction

import pandas as pd

from pipeline.core.numbers import round_half_away
from pipeline.rules.model import Bucket, Rules

# Who may set a criterion's final value, strongest first: an appraisal overrides the self-score.
# Later scorers (the provincial board, cross-scoring by peers) slot in here without touching the rest.
# Cross-scoring (chấm chéo) gives one "peers" value per criterion, the trimmed mean of the peers' scores.
SCORER_PRECEDENCE: tuple[str, ...] = ("appraised", "peers", "self")

NOT_APPLICABLE = None  # a final value of None means the criterion does not apply to the unit


@dataclass(frozen=True)
class SectionScore:
    code: str
    score: Fraction  # weight × points × max ÷ applicable_max
    points: Fraction  # the sum of the applicable criteria's final values
    applicable_max: Decimal
    max: Decimal
    weight: Decimal
    not_applicable: tuple[str, ...]  # criterion codes marked N/A

    @property
    def rescaled(self) -> bool:
        return self.applicable_max != self.max


@dataclass(frozen=True)
class UnitScore:
    unit_code: str
    sections: tuple[SectionScore, ...]
    base: Fraction
    bonus_entered: Fraction
    bonus: Fraction  # after the cap
    deductions_entered: Fraction
    deductions: Fraction  # after the cap, as positive points
    total_exact: Fraction
    total: Decimal  # rounded once to the rules' decimals
    disqualified_from: tuple[str, ...]  # award keys this unit cannot receive
    disqualified_by: tuple[str, ...]  # the deduction criteria that caused it
    # The applicable base criterion furthest below its max, as a share of that max (None: all N/A).
    lowest_share: Fraction | None = None
    lowest_criterion: str | None = None
    grade_capped_by: tuple[tuple[str, str], ...] = ()  # (deduction code, the best grade it allows)

    def section(self, code: str) -> SectionScore:
        return next(s for s in self.sections if s.code == code)


class SectionNotApplicable(ValueError):
    """Every criterion of a section is N/A: there is nothing to rescale from. Validation reports it first."""


# Decimal addition at this precision never rounds, so summing a unit's scores as decimals and converting
# the sum once is as exact as adding Fractions one by one, and several times faster for a province.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def exact_sum(values: Sequence[Decimal | int | Fraction]) -> Fraction:
    """The exact sum of scores as a Fraction (decimal arithmetic when every value is a Decimal or an int)."""
    total = Decimal(0)
    for value in values:
        if isinstance(value, Fraction):  # a Fraction from a caller: add them all as fractions
            return sum((Fraction(v) for v in values), Fraction(0))
        total = _EXACT.add(total, value)
    return Fraction(total)


def _product(a: Decimal | Fraction, b: Decimal) -> Decimal | Fraction:
    """a × b exactly: in decimal when both are decimals (a peers' mean may be a Fraction such as 25/3)."""
    return _EXACT.multiply(a, b) if isinstance(a, Decimal) else a * Fraction(b)


def _sum(values: Mapping[str, Decimal | None], bucket: Bucket) -> Fraction:
    # A per-occurrence item's value is a count: its points are count × value, capped at its max.
    return exact_sum([c.points(values.get(c.code) or Decimal(0)) for c in bucket.criteria])


def _scaled(points: Fraction, weight: Decimal, maximum: Decimal, applicable_max: Decimal) -> Fraction:
    """weight × points × maximum ÷ applicable_max, exactly: one Fraction built from integers instead of
    four multiplied and divided (each normalised by a gcd), for every section of every unit."""
    weight_n, weight_d = weight.as_integer_ratio()
    max_n, max_d = maximum.as_integer_ratio()
    applicable_n, applicable_d = applicable_max.as_integer_ratio()
    return Fraction(weight_n * points.numerator * max_n * applicable_d,
                    weight_d * points.denominator * max_d * applicable_n)


def _capped(entered: Fraction, cap: Decimal | None) -> Fraction:
    return entered if cap is None else min(entered, Fraction(cap))


def score_unit(rules: Rules, unit_code: str, values: Mapping[str, Decimal | None]) -> UnitScore:
    """Score one unit from its final values (criterion code → value, None for N/A).

    A bonus or deduction absent from `values` counts as 0; a base criterion must be present.
    """
    sections: list[SectionScore] = []
    lowest: tuple[Decimal | Fraction, Decimal, str] | None = None  # (value, max, code) of the lowest share
    for section in rules.sections:
        entered: list[Decimal] = []
        applicable_max = Decimal(0)
        not_applicable: list[str] = []
        for criterion in section.criteria:
            value = values[criterion.code]
            if value is NOT_APPLICABLE:
                not_applicable.append(criterion.code)
                if criterion.na == "full":  # "không phát sinh": the task did not arise, full points
                    entered.append(criterion.max)
                    applicable_max += criterion.max
                continue
            entered.append(value)
            applicable_max += criterion.max
            # value/max < lowest_value/lowest_max, cross-multiplied (maxima are positive): one Fraction
            # division per unit instead of one per criterion, a fifth of a province's scoring time.
            if lowest is None or _product(value, lowest[1]) < _product(lowest[0], criterion.max):
                lowest = (value, criterion.max, criterion.code)
        points = exact_sum(entered)
        if applicable_max == 0:
            raise SectionNotApplicable(f"{unit_code}: every criterion of section {section.code} is N/A")
        # N/A never penalises a unit: the applicable criteria are scaled up to the section's full max.
        score = _scaled(points, section.weight, section.max, applicable_max)
        sections.append(SectionScore(section.code, score, points, applicable_max, section.max, section.weight,
                                     tuple(not_applicable)))

    base = sum((s.score for s in sections), Fraction(0))
    bonus_entered = _sum(values, rules.bonus)
    deductions_entered = _sum(values, rules.deductions)
    bonus = _capped(bonus_entered, rules.bonus.cap)
    deductions = _capped(deductions_entered, rules.deductions.cap)
    total_exact = base + bonus - deductions

    incurred = [c for c in rules.deductions.criteria if (values.get(c.code) or 0) > 0]
    disqualifying = [c for c in incurred if c.disqualifies]
    disqualified_from = tuple(dict.fromkeys(key for c in disqualifying for key in c.disqualifies))
    return UnitScore(
        unit_code=unit_code, sections=tuple(sections), base=base,
        bonus_entered=bonus_entered, bonus=bonus,
        deductions_entered=deductions_entered, deductions=deductions,
        total_exact=total_exact, total=round_half_away(total_exact, rules.decimals),
        disqualified_from=disqualified_from, disqualified_by=tuple(c.code for c in disqualifying),
        lowest_share=Fraction(lowest[0]) / Fraction(lowest[1]) if lowest else None,
        lowest_criterion=lowest[2] if lowest else None,
        grade_capped_by=tuple((c.code, c.caps_grade) for c in incurred if c.caps_grade),
    )


@dataclass(frozen=True)
class PeerResult:
    """The peer scores of one (unit, criterion), which of them were dropped, and the exact mean that counts."""

    scores: tuple[tuple[str, Decimal], ...]  # (scorer's unit code, score) in the rules' order of units
    dropped: frozenset[str]  # scorers whose score was trimmed away (the highest and the lowest)
    mean: Fraction | None  # None: no peer scored the criterion, the self-score stands
    trimmed: bool  # whether enough peers scored it for the extremes to be dropped


def trimmed_mean(scores: Sequence[tuple[str, Decimal]], trim: int, min_scorers: int) -> PeerResult:
    """Drop the `trim` highest and lowest scores when at least `min_scorers` scored; the exact mean of the rest.

    Below `min_scorers` every score counts (a plain mean). Among equal scores at a boundary, which scorer is
    marked dropped follows the scorers' order; the mean is the same whichever is marked.
    """
    if not scores:
        return PeerResult((), frozenset(), None, False)
    trimmed = len(scores) >= min_scorers and trim > 0 and len(scores) > 2 * trim
    ordered = sorted(scores, key=lambda pair: pair[1])  # stable: equal scores keep the scorers' order
    kept = ordered[trim:len(ordered) - trim] if trimmed else ordered
    dropped = frozenset(code for code, _ in ordered[:trim] + ordered[len(ordered) - trim:]) if trimmed \
        else frozenset()
    mean = exact_sum([value for _, value in kept]) / len(kept)
    return PeerResult(tuple(scores), dropped, mean, trimmed)


def peer_results(rules: Rules, peer_scores: Sequence[tuple[str, str, str, Decimal]]
                 ) -> dict[tuple[str, str], PeerResult]:
    """(unit, criterion) → its PeerResult, from (unit, criterion, scorer, score) rows of usable peer cells."""
    grouped: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
    for unit, criterion, scorer, value in peer_scores:
        grouped.setdefault((unit, criterion), []).append((scorer, value))
    return {key: trimmed_mean(sorted(found, key=lambda pair: rules.unit_position(pair[0])), rules.peer_trim,
                              rules.peer_min_scorers)
            for key, found in grouped.items()}


def as_value(mean: Fraction) -> Decimal | Fraction:
    """A mean as a final value: a Decimal when it has a finite decimal expansion, else the exact Fraction."""
    denominator = mean.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return mean
    return _EXACT.divide(Decimal(mean.numerator), Decimal(mean.denominator))


def final_values(entries: pd.DataFrame,
                 peers: Mapping[tuple[str, str], PeerResult] | None = None) -> pd.DataFrame:
    """The one decision of which value counts: per (unit, criterion), the strongest scorer who entered one.

    `entries` is long: unit_code, criterion_code, scorer, value (Decimal or None), is_na, is_blank.
    Returns unit_code, criterion_code, scorer (who decided), value (Decimal, or None for N/A), is_na, and
    `entry`, the index of the deciding row in `entries`, so a writer can show that very cell as read.
    A criterion nobody entered has no row. Computed once per run (`Validation.final`); everything that
    shows or scores a final value reads it from there.

    `peers` (cross-scoring) adds a "peers" value per (unit, criterion) some peer scored: the exact trimmed
    mean (a Decimal, or a Fraction such as 25/3), between the bloc's appraisal and the self-score; its
    `entry` is -1, since no single cell holds it. A criterion the unit marked N/A keeps its N/A.
    """
    columns = ["unit_code", "criterion_code", "scorer", "value", "is_na", "entry"]
    if entries.empty:
        return pd.DataFrame(columns=columns)
    entered = entries.loc[~entries["is_blank"], ["unit_code", "criterion_code", "scorer", "value", "is_na"]]
    if peers:
        own_na = set(zip(entered["unit_code"][entered["is_na"] & entered["scorer"].eq("self")],
                         entered["criterion_code"][entered["is_na"] & entered["scorer"].eq("self")], strict=True))
        rows = [{"unit_code": unit, "criterion_code": code, "scorer": "peers", "value": as_value(result.mean),
                 "is_na": False} for (unit, code), result in peers.items()
                if result.mean is not None and (unit, code) not in own_na]
        if rows:
            added = pd.DataFrame(rows, index=pd.RangeIndex(-len(rows), 0))
            entered = pd.concat([entered, added.astype({"value": object, "is_na": bool})])
    strength = {scorer: rank for rank, scorer in enumerate(SCORER_PRECEDENCE)}
    entry = [index if index >= 0 else -1 for index in entered.index]
    entered = entered.assign(_strength=entered["scorer"].map(strength), entry=entry).sort_values(
        ["unit_code", "criterion_code", "_strength"], kind="stable"
    )
    final = entered.drop_duplicates(["unit_code", "criterion_code"], keep="first")
    values = final["value"].where(~final["is_na"].astype(bool), None)
    return final.assign(value=values)[columns].reset_index(drop=True)


def score_units(rules: Rules, final: pd.DataFrame) -> list[UnitScore]:
    """Score every unit present in `final` (the output of `final_values`), in unit order of the rules."""
    by_unit: dict[str, dict[str, Decimal | None]] = {}
    for unit_code, criterion_code, value in zip(
        final["unit_code"], final["criterion_code"], final["value"], strict=True
    ):
        by_unit.setdefault(unit_code, {})[criterion_code] = value
    return [score_unit(rules, code, by_unit[code]) for code in sorted(by_unit, key=rules.unit_position)]
