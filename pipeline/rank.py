"""Ranking, classification and award proposals over the scored units.

Ties, thresholds and award minima compare the *rounded* total, the number leadership sees; the
tie-breakers then compare exact values. Units still equal share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pipeline.issues import Issue
from pipeline.labels import Label, text
from pipeline.rules import Award, Rules
from pipeline.score import UnitScore


@dataclass(frozen=True)
class RankedUnit:
    score: UnitScore
    rank: int
    classification: str | None
    award: str | None  # award key, or None

    @property
    def unit_code(self) -> str:
        return self.score.unit_code


def award_label(award: Award) -> Label | str:
    """What an award is called: the bloc's own label, else the built-in one in the user's language."""
    return award.label or Label(f"award.{award.key}")


def award_name(rules: Rules, key: str | None, lang: str) -> str:
    """An award key as a reader sees it in `lang`; "" for no award, the key itself if the rules lack it."""
    if not key:
        return ""
    award = rules.award(key)
    label = award_label(award) if award else key
    return label if isinstance(label, str) else text(lang, label.key)


def _order_key(rules: Rules, score: UnitScore) -> tuple[Fraction, ...]:
    key: list[Fraction] = [-Fraction(score.total)]
    for breaker in rules.tie_breakers:
        if breaker.kind == "deductions":
            key.append(score.deductions)  # fewer first
        elif breaker.kind == "bonus":
            key.append(-score.bonus)
        else:
            key.append(-score.section(breaker.section).score)
    return tuple(key)


def tie_breakers_in_words(rules: Rules, lang: str) -> str:
    """`section:I, deductions` → "section I higher, fewer deductions", as a leader reads it."""
    words = []
    for breaker in rules.tie_breakers:
        if breaker.kind == "section":
            words.append(text(lang, "summary.breaker_section", code=breaker.section))
        else:
            words.append(text(lang, f"summary.breaker_{breaker.kind}"))
    return ", ".join(words)


def classify(rules: Rules, score: UnitScore) -> str | None:
    return next((t.label for t in rules.classification if score.total >= t.min), None)


def rank_units(rules: Rules, scores: list[UnitScore]) -> tuple[list[RankedUnit], list[Issue]]:
    """Rank, classify and propose awards; returns the units best first and the award warnings."""
    keyed = sorted(((_order_key(rules, s), rules.unit_position(s.unit_code), s) for s in scores),
                   key=lambda item: (item[0], item[1]))
    ranks: list[int] = []
    for position, (key, _, _) in enumerate(keyed):
        ranks.append(ranks[-1] if position and key == keyed[position - 1][0] else position + 1)
    ordered = [(rank, score) for rank, (_, _, score) in zip(ranks, keyed, strict=True)]

    awarded, issues = _propose_awards(rules, ordered)
    ranked = [
        RankedUnit(score, rank, classify(rules, score), awarded.get(score.unit_code))
        for rank, score in ordered
    ]
    return ranked, issues


def _propose_awards(rules: Rules, ordered: list[tuple[int, UnitScore]]) -> tuple[dict[str, str], list[Issue]]:
    awarded: dict[str, str] = {}
    issues: list[Issue] = []
    for award in rules.awards:
        label = award_label(award)
        reaching = [(r, s) for r, s in ordered if s.unit_code not in awarded and s.total >= award.min_score]
        for rank, score in reaching:
            if award.key in score.disqualified_from:
                issues.append(Issue("award-disqualified", unit=score.unit_code, params={
                    "rank": rank, "award": label, "criteria": ", ".join(score.disqualified_by)}))
        candidates = [(r, s) for r, s in reaching if award.key not in s.disqualified_from]
        chosen = candidates[: award.count]
        if chosen and len(candidates) > award.count and candidates[award.count][0] == chosen[-1][0]:
            # Units sharing a rank compete for the last place: propose them all; the bloc votes.
            last_rank = chosen[-1][0]
            tied = [s.unit_code for r, s in candidates if r == last_rank]
            chosen = [(r, s) for r, s in candidates if r <= last_rank]
            issues.append(Issue("award-tie", params={
                "award": label, "units": ", ".join(tied), "rank": last_rank, "count": award.count}))
        if len(chosen) < award.count:
            issues.append(Issue("award-unfilled", params={
                "award": label, "found": len(chosen), "count": award.count, "min_score": award.min_score}))
        for _, score in chosen:
            awarded[score.unit_code] = award.key
    return awarded, issues
