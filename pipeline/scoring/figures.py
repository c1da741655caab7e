"""Figures derived from the rules and a run's scores, for any output to show: maxima, shares, averages, reasons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from pipeline.core.issues import Issue
from pipeline.core.labels import text
from pipeline.rules.model import BONUS, Rules, Section
from pipeline.scoring.rank import RankedUnit


def weighted_base_max(rules: Rules) -> Decimal:
    """The most the base can reach: each section's max times its weight."""
    return sum((s.max * s.weight for s in rules.sections), Decimal(0))


def bucket_limit(rules: Rules, bucket_name: str) -> Decimal:
    """The most a bonus or deduction bucket can count: its cap, else the sum of its items."""
    bucket = rules.bonus if bucket_name == BONUS else rules.deductions
    return bucket.cap if bucket.cap is not None else sum((c.max for c in bucket.criteria), Decimal(0))


def section_possible(section: Section) -> Fraction:
    """The most a section can count once weighted."""
    return Fraction(section.max) * Fraction(section.weight)


def share(score: Fraction, possible: Fraction) -> float:
    """`score` as a share of `possible` (0.875 for 87.5 %); 0 when nothing was possible."""
    return float(score / possible) if possible else 0.0


def section_share(section: Section, score: Fraction) -> float:
    """A section score as a share of the section's weighted maximum."""
    return share(score, section_possible(section))


def section_averages(rules: Rules, ranked: Sequence[RankedUnit]) -> dict[str, float]:
    """Each section's bloc average over the ranked units, as a share of the section's maximum."""
    scores = [r.score for r in ranked]
    if not scores:
        return {}
    return {
        section.code: sum(section_share(section, s.section(section.code).score) for s in scores) / len(scores)
        for section in rules.sections
    }


def unit_errors(issues: Iterable[Issue], unit_code: str) -> list[Issue]:
    """The errors that keep a unit out of the ranking, in the run's issue order."""
    return [i for i in issues if i.unit == unit_code and i.severity == "error" and not i.code.startswith("peer-")]


def unranked_reason(issues: Iterable[Issue], unit_code: str, lang: str) -> str:
    """Why a unit is not ranked: its first error, and how many more there are ("" when it has none)."""
    errors = unit_errors(issues, unit_code)
    if not errors:
        return ""
    more = len(errors) - 1
    return errors[0].message(lang) + (" " + text(lang, "workbook.more_errors", count=more) if more else "")
