"""Ranking, classification and award proposals over the scored units.

Ties, thresholds and award minima compare the *rounded* total, the number leadership sees; the
tie-breakers then compare exact values. Units still equal share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from pipeline.core.issues import Issue
from pipeline.core.labels import Label, catalogue, text
from pipeline.rules.awards import Award
from pipeline.rules.model import Rules
from pipeline.scoring.score import UnitScore


@dataclass(frozen=True)
class RankedUnit:
    score: UnitScore
    rank: int
    classification: str | None
    award: str | None  # award key, or None
    remarks: tuple[Label, ...] = ()  # why the unit got or missed a grade or an award, in any language
    places: int = 0  # how many places the proposed award has (rank.places), for the members' vote to fill

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


def short_award_name(rules: Rules, key: str | None, lang: str) -> str:
    """A built-in award by its short name ("Cờ thi đua"), any other as `award_name` gives it."""
    if key and f"award.{key}" in catalogue(lang):
        return text(lang, f"award.{key}")
    return award_name(rules, key, lang)


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
    """`section:I, deductions` → "section I higher; fewer deductions", as a leader reads it, in turn."""
    words = []
    for breaker in rules.tie_breakers:
        if breaker.kind == "section":
            words.append(text(lang, "summary.breaker_section", code=breaker.section))
        else:
            words.append(text(lang, f"summary.breaker_{breaker.kind}"))
    return "; ".join(words)


def classify(rules: Rules, score: UnitScore) -> tuple[str | None, list[Label]]:
    """The unit's grade and, when a condition kept it from a better one its total reaches, why."""
    remarks: list[Label] = []
    labels = [t.label for t in rules.classification]
    ceiling = min((labels.index(grade) for _, grade in score.grade_capped_by), default=0)
    for position, threshold in enumerate(rules.classification):
        if score.total < threshold.min:
            continue
        if position < ceiling:
            code, grade = next((c, g) for c, g in score.grade_capped_by if labels.index(g) == ceiling)
            if not remarks:
                remarks.append(Label("remark.grade_capped", (("grade", grade), ("criterion", code))))
            continue
        floor = threshold.min_criterion_share
        if floor is not None and score.lowest_share is not None and score.lowest_share < floor:
            remarks.append(Label("remark.grade_floor", (
                ("grade", threshold.label), ("criterion", score.lowest_criterion or ""), ("share", percent(floor)))))
            continue
        return threshold.label, remarks
    return None, remarks


def places(award: Award, units: int, eligible: int) -> int:
    """How many units an award may go to: its count, the share of its base rounded down, the stricter of both.

    20 % of 3 units is 0 places, of 10 is 2, of 11 is 2: a share never rounds up past what the rule allows.
    """
    limits = [award.count] if award.count is not None else []
    if award.share is not None:
        base = units if award.share_of == "units" else eligible
        limits.append(int((award.share * base).to_integral_value(rounding=ROUND_FLOOR)))
    return min(limits)


def rank_units(rules: Rules, scores: list[UnitScore]) -> tuple[list[RankedUnit], list[Issue]]:
    """Rank, classify and propose awards; returns the units best first and the award warnings."""
    keyed = sorted(((_order_key(rules, s), rules.unit_position(s.unit_code), s) for s in scores),
                   key=lambda item: (item[0], item[1]))
    ranks: list[int] = []
    for position, (key, _, _) in enumerate(keyed):
        ranks.append(ranks[-1] if position and key == keyed[position - 1][0] else position + 1)
    ordered = [(rank, score) for rank, (_, _, score) in zip(ranks, keyed, strict=True)]

    awarded, remarks, issues, quotas = _propose_awards(rules, ordered)
    ranked = []
    for rank, score in ordered:
        grade, grade_remarks = classify(rules, score)
        award = awarded.get(score.unit_code)
        ranked.append(RankedUnit(score, rank, grade, award, (*grade_remarks, *remarks.get(score.unit_code, [])),
                                 quotas.get(award or "", 0)))
    return ranked, issues


def _propose_awards(rules: Rules, ordered: list[tuple[int, UnitScore]]
                    ) -> tuple[dict[str, str], dict[str, list[Label]], list[Issue], dict[str, int]]:
    awarded: dict[str, str] = {}
    quotas: dict[str, int] = {}
    remarks: dict[str, list[Label]] = {}
    issues: list[Issue] = []
    for award in rules.awards:
        label = award_label(award)
        reaching = [(r, s) for r, s in ordered if s.unit_code not in awarded and s.total >= award.min_score]
        candidates = []
        for rank, score in reaching:
            floor = award.min_criterion_share
            if award.key in score.disqualified_from:
                issues.append(Issue("award-disqualified", unit=score.unit_code, params={
                    "rank": rank, "award": label, "criteria": ", ".join(score.disqualified_by)}))
                remarks.setdefault(score.unit_code, []).append(Label("remark.award_disqualified", (
                    ("award", label), ("criteria", ", ".join(score.disqualified_by)))))
            elif floor is not None and score.lowest_share is not None and score.lowest_share < floor:
                remarks.setdefault(score.unit_code, []).append(Label("remark.award_floor", (
                    ("award", label), ("criterion", score.lowest_criterion or ""), ("share", percent(floor)))))
            else:
                candidates.append((rank, score))
        count = quotas[award.key] = places(award, len(rules.units), len(candidates))
        chosen = candidates[:count]
        if chosen and len(candidates) > count and candidates[count][0] == chosen[-1][0]:
            # Units sharing a rank compete for the last place: propose them all; the bloc votes.
            last_rank = chosen[-1][0]
            tied = [s.unit_code for r, s in candidates if r == last_rank]
            chosen = [(r, s) for r, s in candidates if r <= last_rank]
            issues.append(Issue("award-tie", params={
                "award": label, "units": ", ".join(tied), "rank": last_rank, "count": count}))
            for code in tied:
                remarks.setdefault(code, []).append(Label("remark.award_tie", (("award", label),)))
        if count == 0 and candidates:
            issues.append(Issue("award-no-places", params={
                "award": label, "share": percent(award.share or Decimal(0)),
                "base": len(rules.units) if award.share_of == "units" else len(candidates)}))
        elif len(chosen) < count:
            issues.append(Issue("award-unfilled", params={
                "award": label, "found": len(chosen), "count": count, "min_score": award.min_score}))
        for _, score in chosen:
            awarded[score.unit_code] = award.key
        for _, score in candidates[len(chosen):]:
            if award.share is not None:  # a count alone explains itself; a share is worth spelling out
                remarks.setdefault(score.unit_code, []).append(Label("remark.award_quota", (
                    ("award", label), ("places", count))))
    return awarded, remarks, issues, quotas


def award_rule_in_words(rules: Rules, award: Award, lang: str) -> str:
    """"Cờ thi đua: up to 1 unit(s), with a total of at least 95." — one award's rule, for legends."""
    floor = text(lang, "summary.floor", share=percent(award.min_criterion_share)) \
        if award.min_criterion_share else ""
    return text(lang, "workbook.legend_award", award=award_name(rules, award.key, lang),
                quota=quota_in_words(award, lang), min_score=award.min_score, floor=floor)


def quota_in_words(award: Award, lang: str) -> str:
    """"up to 1 unit(s) and 20 % of the bloc's units": an award's places as the rules file sets them."""
    parts = [text(lang, "summary.quota_count", count=award.count)] if award.count is not None else []
    if award.share is not None:
        parts.append(text(lang, f"summary.quota_share_{award.share_of}", share=percent(award.share)))
    return text(lang, "summary.and").join(parts)


def percent(share: Decimal) -> str:
    """0.85 → `85%`, as the rules' shares are shown (no space before the sign)."""
    return f"{(share * 100).normalize():f}%"


def remarks_text(placed: RankedUnit, lang: str) -> str:
    """The Remarks cell of a ranked unit: its remarks as one sentence each, in `lang`."""
    return "; ".join(text(lang, label.key, **dict(label.params)) for label in placed.remarks)
