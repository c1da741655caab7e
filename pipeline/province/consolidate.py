"""The consolidation: per province-level award its candidates (each bloc's recipients, never ranked against
another bloc's: their tables differ), the places its quota allows, and who is proposed. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pipeline.core.issues import Issue
from pipeline.province.blocs import BlocReport
from pipeline.province.model import PROVINCE_FILE, Province, ProvinceAward
from pipeline.rules.awards import Award
from pipeline.scoring.rank import places

# fits: every candidate has a place; decided: the board's valid `decided:` list; undecided: more candidates
# than places and no list; refused: a `decided:` list the quota or the candidates refuse; no_places: the quota
# allows none (20 % of 4 candidates), whoever is proposed.
Outcome = Literal["fits", "decided", "undecided", "refused", "no_places"]


@dataclass(frozen=True)
class Candidate:
    """A unit a bloc proposes (or an earlier province award chose), as its own bloc ranked it."""

    bloc: str
    bloc_name: str
    unit: str
    name: str
    source: str  # the bloc's award key, or the province award it was chosen for
    total: float
    total_exact: Fraction
    base_max: Fraction | None  # its own table's maximum
    rank: int
    bloc_units: int

    @property
    def share(self) -> Fraction | None:
        """Its total as a share of its own table's maximum; None when the sent file does not say the maximum."""
        return self.total_exact / self.base_max if self.base_max else None

    @property
    def key(self) -> tuple[str, str]:
        return self.bloc, self.unit


@dataclass(frozen=True)
class Consolidated:
    """One province-level award, consolidated."""

    award: ProvinceAward
    candidates: tuple[Candidate, ...]
    places: int
    base: int  # what the share was taken of: every unit of the blocs read, or the candidates
    outcome: Outcome
    proposed: tuple[Candidate, ...]
    issues: tuple[Issue, ...] = field(default_factory=tuple)


def unit_count(reports: list[BlocReport]) -> int:
    """Every unit of the blocs whose results were read (final or provisional), for a share `of: units`."""
    return sum(len(r.units) for r in reports if r.state in ("final", "provisional"))


def consolidate(province: Province, reports: list[BlocReport]) -> list[Consolidated]:
    """Every province-level award in the order of province.yaml; an award drawn from an earlier one takes
    that one's proposed units as its candidates."""
    done: dict[str, Consolidated] = {}
    units = unit_count(reports)
    for award in province.awards:
        candidates = candidates_for(award, reports, done)
        done[award.key] = decide(award, candidates, units)
    return list(done.values())


def candidates_for(award: ProvinceAward, reports: list[BlocReport],
                   done: dict[str, Consolidated]) -> tuple[Candidate, ...]:
    """The candidates of an award: the units of every final bloc whose decided award is one of `from:`, in
    the order of the blocs, then of each bloc's rank; and those an earlier province award proposed."""
    found: dict[tuple[str, str], Candidate] = {}
    for report in reports:
        if report.state != "final":
            continue
        for unit in report.ranked:
            if unit.award in award.sources and unit.total is not None and unit.total_exact is not None:
                assert unit.rank is not None
                found.setdefault((report.entry.code, unit.code), Candidate(
                    report.entry.code, report.name or report.entry.name, unit.code, unit.name, unit.award,
                    unit.total, unit.total_exact, report.base_max, unit.rank, len(report.units)))
    for source in award.sources:
        if source in done:
            for candidate in done[source].proposed:
                found.setdefault(candidate.key, replace(candidate, source=source))
    order = {r.entry.code: index for index, r in enumerate(reports)}
    return tuple(sorted(found.values(), key=lambda c: (order.get(c.bloc, 0), c.rank, c.unit)))


def decide(award: ProvinceAward, candidates: tuple[Candidate, ...], units: int) -> Consolidated:
    """The places the quota allows, rounded down as a bloc's are (scoring.rank.places), and who is proposed:
    every candidate where they fit, else the board's `decided:` list once checked against the quota."""
    quota = Award(award.key, award.count, Decimal(0), award.label, award.share, award.share_of)
    base = units if award.share_of == "units" else len(candidates)
    allowed = places(quota, units, len(candidates)) if (award.count is not None or award.share is not None) \
        else len(candidates)
    if allowed == 0 and not award.decided:
        return Consolidated(award, candidates, allowed, base, "no_places", ())
    if award.decided is None:
        if len(candidates) <= allowed:
            return Consolidated(award, candidates, allowed, base, "fits", candidates)
        issue = Issue("province-award-undecided", file=_where(award.line), params={
            "award": award.label, "candidates": len(candidates), "places": allowed})
        return Consolidated(award, candidates, allowed, base, "undecided", (), (issue,))
    by_key = {c.key: c for c in candidates}
    issues: list[Issue] = []
    chosen: list[Candidate] = []
    for decision in award.decided:
        where = _where(decision.line)
        named = f"{decision.bloc}/{decision.unit}"
        if (decision.bloc, decision.unit) not in by_key:
            issues.append(Issue("province-decided-not-candidate", file=where, params={
                "award": award.label, "unit": named}))
        elif any(c.key == (decision.bloc, decision.unit) for c in chosen):
            issues.append(Issue("province-decided-twice", file=where, params={"award": award.label, "unit": named}))
        else:
            chosen.append(by_key[(decision.bloc, decision.unit)])
    if len(award.decided) > allowed:
        issues.append(Issue("province-decided-over-quota", file=_where(award.decided[allowed].line), params={
            "award": award.label, "count": len(award.decided), "places": allowed}))
    if issues:
        return Consolidated(award, candidates, allowed, base, "refused", (), tuple(issues))
    return Consolidated(award, candidates, allowed, base, "decided", tuple(chosen))


def _where(line: int | None) -> str:
    return f"{PROVINCE_FILE}:{line}" if line else PROVINCE_FILE
