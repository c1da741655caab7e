"""The members' vote on the proposed awards: the candidates, the tally read back, and what it decides.

A score only proposes; where the rules say `vote:`, an award goes to the candidates that pass the threshold,
in ranking order within the award's places. The tally is the bloc's workbook (ballot.py writes it, read.py
reads it) saved into the input folder; each of its problems is an issue at its cell. A tally never changes a
score, a rank or a grade: only which proposed award is decided.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pipeline.core.cells import cell_address
from pipeline.core.issues import Issue
from pipeline.core.labels import LANGUAGES, Label, format_number, text
from pipeline.core.numbers import Parsed, parse_score
from pipeline.core.text import fold
from pipeline.reading.bloc_books import TallyBook, TallyRow
from pipeline.reading.identify import check_template, distinct_copies
from pipeline.reading.read import Submission
from pipeline.rules.awards import Award
from pipeline.rules.layout import (
    IDENTITY_SHEET,
    TALLY_BALLOT_CELLS,
    TALLY_DATE_CELL,
    TALLY_PRESENT_CELL,
    tally_filename,
)
from pipeline.rules.model import Rules
from pipeline.scoring.rank import RankedUnit, award_label, award_name, percent


@dataclass(frozen=True)
class Count:
    """One candidate's count: the members present, the votes for, and whether that passes the threshold."""

    award: str
    present: int
    votes: int
    passed: bool
    against: int | None = None  # from a version 2 tally: the disagree votes
    spoilt: int | None = None  # and the ballots invalid for this candidate

    def share(self, rules: Rules, votes: int | None = None) -> Fraction:
        """The votes (or `votes`, the disagree ones) as a share of the threshold's base (those present, or
        every member unit)."""
        base = self.present if rules.vote is None or rules.vote.of == "present" else len(rules.units)
        return Fraction(self.votes if votes is None else votes, base) if base else Fraction(0)


@dataclass(frozen=True)
class Ballots:
    """A version 2 tally's count block, read without an error: the members present and the ballots."""

    present: tuple[str, ...]  # the member units marked present, in the members' list's order
    issued: int
    returned: int
    valid: int
    invalid: int


@dataclass
class VoteResult:
    """What the vote decided, award by award; `pending` while a voted award with candidates is not tallied."""

    voted: tuple[str, ...]  # the award keys the members vote on (rules' `vote.awards`)
    candidates: dict[str, list[RankedUnit]]  # award → its candidates, in ranking order
    tally: TallyBook | None = None  # the tally that was read, when one was usable
    tally_file: str | None = None
    tallied: set[str] = field(default_factory=set)  # awards whose count was read without an error
    counts: dict[str, Count] = field(default_factory=dict)  # unit → its count
    ballots: Ballots | None = None  # a version 2 tally's count block, when read without an error
    tally_errors: bool = False  # the tally that was read has an error: no count record is written from it
    decided: dict[str, str] = field(default_factory=dict)  # unit → the award the vote gave it
    remarks: dict[str, list[Label]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return any(award not in self.tallied for award in self.voted if self.candidates.get(award))

    def award(self, placed: RankedUnit) -> str | None:
        """The unit's award once decided: its proposal where no vote applies, else the vote's outcome (None
        while that vote is not tallied)."""
        if placed.award not in self.voted:
            return placed.award
        if placed.award not in self.tallied:
            return None
        return self.decided.get(placed.unit_code)

    def vote_record(self, unit_code: str) -> dict[str, Any] | None:
        """The JSON's `vote`: {present, for, passed}, or None when the unit was not voted on."""
        found = self.counts.get(unit_code)
        return None if found is None else {"present": found.present, "for": found.votes, "passed": found.passed}


def candidates(rules: Rules, ranked: Iterable[RankedUnit]) -> dict[str, list[RankedUnit]]:
    """The units the members vote on, per voted award: those proposed for it, which include every unit tied
    at the boundary of its places (rank.py proposes them all)."""
    voted = rules.vote.awards if rules.vote else ()
    ranked = list(ranked)
    return {key: [p for p in ranked if p.award == key] for key in voted}


def passes(rules: Rules, present: int, votes: int) -> bool:
    """More than (strict) or at least the threshold's share of those present, or of every member unit."""
    vote = rules.vote
    assert vote is not None
    base = present if vote.of == "present" else len(rules.units)
    needed = Fraction(vote.threshold) * base
    return votes > needed if vote.strict else votes >= needed


def count_votes(rules: Rules, ranked: list[RankedUnit], submissions: Iterable[Submission]) -> VoteResult:
    """Read the tally among `submissions` (the bloc's records, recognised by content) and decide every voted award."""
    result = VoteResult(rules.vote.awards if rules.vote else (), candidates(rules, ranked))
    books = sorted((s for s in submissions if s.tally is not None), key=lambda s: s.file)
    if not books:
        return result
    if rules.vote is None:
        result.issues += [Issue("tally-no-vote", file=book.file) for book in books]
        return result
    book = _choose(rules, books, result.issues)
    if book is None:
        return result
    tally = book.tally
    assert tally is not None
    result.tally, result.tally_file = tally, book.file
    before = len(result.issues)
    blank = tally.date is None or (isinstance(tally.date, str) and not tally.date.strip())
    if not blank and meeting_date(tally) is None:
        # Never dropped silently: the proposal list and the minutes would lose the meeting's date.
        result.issues.append(Issue("tally-date-invalid", file=book.file, sheet=tally.sheet, cell=TALLY_DATE_CELL,
                                   params={"value": str(tally.date).strip()}))
    _read_counts(rules, book, tally, result)
    result.tally_errors = any(issue.severity == "error" for issue in result.issues[before:])
    for award in result.voted:
        if award in result.tallied:
            decide_award(rules, award, result)
    return result


# ------------------------------------------------------------------------------------------- internals

def _choose(rules: Rules, books: list[Submission], issues: list[Issue]) -> Submission | None:
    """The one tally that counts: the same file twice is used once; two different ones are both set aside."""
    usable: list[Submission] = []
    for book in books:
        before = len(book.issues)
        check_template(rules, book, template=tally_filename(rules))
        issues += book.issues[before:]
        if not any(i.severity == "error" for i in book.issues):
            usable.append(book)
    if not usable:
        return None
    chosen = distinct_copies(usable, "tally-duplicate", issues)
    for other in chosen[1:]:
        issues.append(Issue("tally-conflict", file=chosen[0].file, params={"other": other.file}))
    return chosen[0] if len(chosen) == 1 else None


def _award_keys(rules: Rules) -> dict[str, str]:
    """An award as the tally names it (its label in either language, or its key) → its key."""
    names: dict[str, str] = {}
    for award in rules.awards:
        names[fold(award.key)] = award.key
        for lang in LANGUAGES:
            names[fold(award_name(rules, award.key, lang))] = award.key
    return names


def _whole(raw: Any) -> tuple[str, int | None]:
    """A count cell: ("ok", n) for a whole number ≥ 0, ("blank", None), or ("invalid", None)."""
    kind, value = parse_score(raw)
    if kind is Parsed.BLANK:
        return "blank", None
    if value is None or value < 0 or value != value.to_integral_value():
        return "invalid", None
    return "ok", int(value)


def _read_counts(rules: Rules, book: Submission, tally: TallyBook, result: VoteResult) -> None:
    """Check every row of the tally; an award with no error is tallied, with a count per candidate."""
    issues = result.issues
    place: dict[str, Any] = {"file": book.file, "sheet": tally.sheet}
    if tally.header_row is None:
        issues.append(Issue("tally-table-missing", **place))
        return
    members = len(rules.units)
    wrong: set[str] = set()
    for award in result.voted:
        made = tally.candidates.get(award)
        current = [p.unit_code for p in result.candidates[award]]
        if made is not None and sorted(made) != sorted(current):
            issues.append(Issue("tally-other-run", file=book.file, sheet=IDENTITY_SHEET,
                                cell=tally.candidates_cell.get(award), params={
                                    "award": award_label(_award(rules, award)), "found": ", ".join(made) or "—",
                                    "expected": ", ".join(current) or "—"}))
            wrong.add(award)
    names = _award_keys(rules)
    seen: dict[tuple[str, str], TallyRow] = {}
    # (award, unit) → present, votes for, against, invalid for it (the last two from a version 2 tally)
    counted: dict[tuple[str, str], tuple[int, int, int | None, int | None]] = {}
    for row in tally.rows:
        key = names.get(fold(row.award))
        code_cell = row.cells.get("code")
        if key is None or key not in result.voted:
            issues.append(Issue("tally-award-unknown", **place, cell=row.cells.get("award", code_cell), params={
                "found": row.award or "—", "known": ", ".join(result.voted)}))
            continue
        label = award_label(_award(rules, key))
        if row.code not in {p.unit_code for p in result.candidates[key]}:
            issues.append(Issue("tally-candidate-unknown", **place, cell=code_cell,
                                params={"found": row.code, "award": label}))
            wrong.add(key)
            continue
        if (key, row.code) in seen:
            issues.append(Issue("tally-candidate-duplicate", **place, cell=code_cell, params={
                "found": row.code, "award": label, "row": seen[(key, row.code)].row + 1}))
            wrong.add(key)
            continue
        seen[(key, row.code)] = row
        found = f"{row.code}, {label}"
        columns = ("present", "votes") if tally.version == 1 else ("votes", "against", "spoilt")
        numbers = {column: number for column in columns
                   if (number := _count(getattr(row, column), row.cells.get(column), found, place, issues)) is not None}
        if len(numbers) < len(columns):
            wrong.add(key)
            continue
        if tally.version == 1:
            present, votes = numbers["present"], numbers["votes"]
            if present > members:
                issues.append(Issue("tally-present-above-members", **place, cell=row.cells.get("present"),
                                    params={"present": present, "members": members}))
                wrong.add(key)
            if votes > present:
                issues.append(Issue("tally-votes-above-present", **place, cell=row.cells.get("votes"),
                                    params={"votes": votes, "present": present, "found": row.code}))
                wrong.add(key)
            counted[(key, row.code)] = (present, votes, None, None)
        else:
            counted[(key, row.code)] = (0, numbers["votes"], numbers["against"], numbers["spoilt"])
    last = max((r.row for r in tally.rows), default=tally.header_row)
    for award in result.voted:
        for placed in result.candidates[award]:
            if (award, placed.unit_code) not in seen:
                issues.append(Issue("tally-candidate-missing", **place,
                                    cell=cell_address(last + 1, tally.columns.get("code", 0)),
                                    params={"found": placed.unit_code, "award": award_label(_award(rules, award))}))
                wrong.add(award)
    if tally.version > 1:
        result.ballots = _read_ballots(rules, tally, place, issues, any(
            not _empty_cell(value) for row in tally.rows for value in (row.votes, row.against, row.spoilt)))
        if result.ballots is None:
            wrong.update(result.voted)
        else:
            valid, present = result.ballots.valid, len(result.ballots.present)
            for (award, code), (_, votes, against, spoilt) in list(counted.items()):
                assert against is not None and spoilt is not None
                if votes + against + spoilt != valid:
                    issues.append(Issue("tally-candidate-sum", **place, cell=seen[(award, code)].cells.get("votes"),
                                        params={"found": code, "award": award_label(_award(rules, award)),
                                                "votes": votes, "against": against, "spoilt": spoilt,
                                                "total": votes + against + spoilt, "valid": valid}))
                    wrong.add(award)
                counted[(award, code)] = (present, votes, against, spoilt)
    for award in result.voted:
        if award in wrong:
            continue
        result.tallied.add(award)
        for placed in result.candidates[award]:
            present, votes, against, spoilt = counted[(award, placed.unit_code)]
            result.counts[placed.unit_code] = Count(award, present, votes, passes(rules, present, votes),
                                                    against, spoilt)


def _count(raw: Any, cell: str | None, found: str, place: dict[str, Any], issues: list[Issue]) -> int | None:
    """A count cell as a whole number ≥ 0; a blank or anything else is an issue at its cell."""
    kind, number = _whole(raw)
    if kind == "blank":
        issues.append(Issue("tally-value-missing", **place, cell=cell, params={"found": found}))
    elif number is None:
        issues.append(Issue("tally-value-invalid", **place, cell=cell, params={"found": found, "value": raw}))
    return number


def _read_ballots(rules: Rules, tally: TallyBook, place: dict[str, Any], issues: list[Issue],
                  counted: bool) -> Ballots | None:
    """A version 2 tally's count block: the members marked present and the ballots, each checked against
    the next (valid + invalid = returned ≤ issued ≤ present); None when any is missing or inconsistent."""
    if tally.members_row is None:
        issues.append(Issue("tally-table-missing", **place))
        return None
    present: list[str] = []
    errors = len(issues)
    for member in tally.members:
        if _empty_cell(member.mark) or rules.unit(member.code) is None or member.code in present:
            continue
        if isinstance(member.mark, str) and fold(member.mark) == "x":
            present.append(member.code)
        else:
            issues.append(Issue("tally-mark-invalid", **place, cell=member.cell,
                                params={"found": member.name or member.code, "value": member.mark}))
    numbers = {key: _count(tally.ballots.get(key), address, text(rules.language, f"vote.tally_{key}").rstrip(":"),
                           place, issues) for key, address in TALLY_BALLOT_CELLS.items()}
    counted = counted or any(not _empty_cell(value) for value in tally.ballots.values())
    if not present and counted:
        issues.append(Issue("tally-nobody-present", **place, cell=TALLY_PRESENT_CELL))
    issued, returned, valid, invalid = (numbers[key] for key in ("issued", "returned", "valid", "invalid"))
    if issued is not None and present and issued > len(present):
        issues.append(Issue("tally-issued-above-present", **place, cell=TALLY_BALLOT_CELLS["issued"],
                            params={"issued": issued, "present": len(present)}))
    if returned is not None and issued is not None and returned > issued:
        issues.append(Issue("tally-returned-above-issued", **place, cell=TALLY_BALLOT_CELLS["returned"],
                            params={"returned": returned, "issued": issued}))
    if valid is not None and invalid is not None and returned is not None and valid + invalid != returned:
        issues.append(Issue("tally-ballots-sum", **place, cell=TALLY_BALLOT_CELLS["invalid"], params={
            "valid": valid, "invalid": invalid, "total": valid + invalid, "returned": returned}))
    if len(issues) > errors or issued is None or returned is None or valid is None or invalid is None:
        return None
    return Ballots(tuple(present), issued, returned, valid, invalid)


def _empty_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _award(rules: Rules, key: str) -> Award:
    found = rules.award(key)
    assert found is not None
    return found


def decide_award(rules: Rules, award: str, result: VoteResult) -> None:
    """The passing candidates in ranking order fill the places; votes break a tie at the boundary."""
    label = award_label(_award(rules, award))
    group = result.candidates[award]
    places = group[0].places if group else 0
    remaining = places
    passing = []
    for placed in group:
        count = result.counts[placed.unit_code]
        if count.passed:
            passing.append(placed)
        else:
            result.remarks.setdefault(placed.unit_code, []).append(Label("remark.vote_failed", (
                ("award", label), ("votes", count.votes), ("present", count.present))))
    ranks = list(dict.fromkeys(p.rank for p in passing))
    for rank in ranks:
        tied = [p for p in passing if p.rank == rank]
        if remaining <= 0:
            for placed in tied:
                result.remarks.setdefault(placed.unit_code, []).append(Label("remark.vote_outside_quota", (
                    ("award", label), ("places", places))))
            continue
        if len(tied) <= remaining:
            chosen = tied
        else:
            # More units share this rank than places are left: the votes decide; an equal count does not.
            ordered = sorted(tied, key=lambda p: -result.counts[p.unit_code].votes)
            boundary = result.counts[ordered[remaining - 1].unit_code].votes
            chosen = [p for p in ordered if result.counts[p.unit_code].votes > boundary]
            level = [p for p in ordered if result.counts[p.unit_code].votes == boundary]
            if len(chosen) + len(level) <= remaining:
                chosen += level
            else:
                result.issues.append(Issue("vote-tie", params={
                    "award": label, "units": ", ".join(p.unit_code for p in level), "votes": boundary,
                    "places": remaining - len(chosen)}))
                for placed in level:
                    result.remarks.setdefault(placed.unit_code, []).append(Label("remark.vote_tie", (
                        ("award", label), ("votes", boundary))))
            for placed in chosen:
                result.remarks.setdefault(placed.unit_code, []).append(Label("remark.vote_tie_broken", (
                    ("award", label), ("votes", result.counts[placed.unit_code].votes))))
            for placed in tied:
                if placed not in chosen and placed not in level:
                    result.remarks.setdefault(placed.unit_code, []).append(Label("remark.vote_outside_quota", (
                        ("award", label), ("places", places))))
        for placed in chosen:
            result.decided[placed.unit_code] = award
        remaining -= len(tied)


def percent_text(share: Fraction, lang: str) -> str:
    """A share of votes as the minutes and the Ranking sheet show it: `66,67%` (no space before the sign)."""
    value = (Decimal(share.numerator) * 100 / Decimal(share.denominator)) if share.denominator else Decimal(0)
    return f"{format_number(value.quantize(Decimal('0.01')), lang, 2)}%"


def vote_rule_in_words(rules: Rules, lang: str) -> str:
    """"Cờ thi đua: a unit is proposed with votes for more than 50 % of the members present …" for legends."""
    vote = rules.vote
    assert vote is not None
    awards = ", ".join(award_name(rules, key, lang) for key in vote.awards)
    rule = text(lang, "vote.minutes_threshold",
                comparison=text(lang, "vote.minutes_more_than" if vote.strict else "vote.minutes_at_least"),
                share=percent(vote.threshold), base=text(lang, f"vote.minutes_base_{vote.of}"))
    return f"{awards}: {rule}"


def meeting_date(tally: TallyBook | None) -> dt.date | None:
    """The date the counting committee wrote on the tally: a date cell, or a date typed as text the Vietnamese
    or the ISO way (18/12/2026, 8/1/2026, 2026-12-18); None when blank or not a date (`count_votes` says so)."""
    value = tally.date if tally else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return typed_date(value)
    return value if isinstance(value, dt.date) else None


_TYPED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")


def typed_date(value: str) -> dt.date | None:
    """DD/MM/YYYY, D/M/YYYY or YYYY-MM-DD as a date (never month first); None for anything else."""
    found = _TYPED_DATE.fullmatch(value.strip())
    if found is None:
        return None
    day, month, year = (found[1], found[2], found[3]) if found[1] else (found[6], found[5], found[4])
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:  # 31/02/2026
        return None
