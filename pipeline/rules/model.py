"""A bloc's rules for one year — units, criteria, maxima, weights, caps, thresholds, awards — as typed data.

The rules file is the single source of truth for a bloc-year; rules.load reads and checks it into these
frozen dataclasses, which nothing changes afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Literal

from pipeline.core.errors import RuleProblem
from pipeline.rules.awards import Award, Threshold
from pipeline.rules.procedure import Numbering, Reference, Signer, Vote

Kind = Literal["base", "bonus", "deduction"]
NaPolicy = Literal["rescale", "full"]
BONUS = "bonus"
DEDUCTIONS = "deductions"
HEADERS = ("party", "state")
NA_POLICIES: tuple[NaPolicy, ...] = ("rescale", "full")


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    max: Decimal
    kind: Kind
    group: str  # the section code, or "bonus" / "deductions"
    step: Decimal | None = None
    na_allowed: bool = False
    evidence_required: bool = False
    disqualifies: tuple[str, ...] = ()  # award keys a unit with points here cannot receive
    # The points of one occurrence: the unit types how many times it happened, points = count × this,
    # at most `max` (bonus and deductions only).
    per_occurrence: Decimal | None = None
    na: NaPolicy = "rescale"  # what N/A does: rescale the section, or count the full max ("không phát sinh")
    caps_grade: str | None = None  # a deduction here keeps the unit's grade at this label or below

    def points(self, entered: Decimal | Fraction) -> Decimal | Fraction:
        """The points an entered value is worth: itself, or count × per_occurrence capped at the max."""
        if self.per_occurrence is None:
            return entered
        if isinstance(entered, Fraction):  # a peers' mean count (cross-scoring), kept exact
            return min(entered * Fraction(self.per_occurrence), Fraction(self.max))
        return min(entered * self.per_occurrence, self.max)


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    weight: Decimal
    criteria: tuple[Criterion, ...]

    @cached_property
    def max(self) -> Decimal:  # cached: scoring asks for it twice per unit and section
        return sum((c.max for c in self.criteria), Decimal(0))


@dataclass(frozen=True)
class Bucket:
    """The bonus or the deduction items, with an optional cap on their sum."""

    title: str
    cap: Decimal | None
    criteria: tuple[Criterion, ...]


def addresses(written: str) -> frozenset[str]:
    """The addresses of an `email` key as written back by the rules ("a@x.vn, b@x.vn"), case-folded."""
    return frozenset(part.strip().casefold() for part in written.split(",") if part.strip())


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    email: str = ""  # where its feedback goes: one address, or several separated by commas
    previous: tuple[str, ...] = ()  # last year's codes it is compared with (renamed or merged); () = its own
    # The body the unit reports to, as its documents' header names it ("TỈNH ỦY QUẢNG TRỊ"); "" when not given.
    parent: str = ""

    @property
    def addresses(self) -> frozenset[str]:
        """Its e-mail addresses as compared with a message's sender (case does not matter in an address)."""
        return addresses(self.email)


@dataclass(frozen=True)
class TieBreaker:
    """What decides between units with the same rounded total: a section's score, fewer deductions, more bonus.

    Written in the rules file as `section:<code>`, `deductions` or `bonus`; `str()` gives that form back.
    """

    kind: Literal["section", "deductions", "bonus"]
    section: str = ""  # the section's code, for kind "section"

    def __str__(self) -> str:
        return f"section:{self.section}" if self.kind == "section" else self.kind


@dataclass(frozen=True)
class Rules:
    bloc: str
    year: int
    language: str
    decimals: int
    units: tuple[Unit, ...]
    sections: tuple[Section, ...]
    bonus: Bucket
    deductions: Bucket
    tie_breakers: tuple[TieBreaker, ...]
    classification: tuple[Threshold, ...]
    awards: tuple[Award, ...]
    issuer: str
    header: str  # "party" or "state": which national header tops official documents
    place: str
    revision: int
    basis: str
    source: str = ""
    # A changed score in the bloc's appraisal workbook needs a reason on record (`appraisal: reason_required`).
    appraisal_reason_required: bool = True
    deadline: date | None = None  # when the units' files are due: reminders say it
    # Who appraises: the bloc alone ("bloc"), or the member units scoring each other ("peers", chấm chéo)
    # with the `peer_trim` highest and lowest peer scores dropped when at least `peer_min_scorers` scored.
    appraisal_by: str = "bloc"
    peer_trim: int = 1
    peer_min_scorers: int = 3
    vote: Vote | None = None  # the members' ballot on some awards (`vote:`); None: proposals stand
    fingerprint: str = field(default="", compare=False)
    # The official document's header and signature (pipeline/outputs/letterhead.py); none of them changes a score.
    parent: str = ""  # the upper-level body above the issuer, e.g. TỈNH ỦY QUẢNG TRỊ
    document_number: str = ""  # "12-BC/KTĐ"; blank: left to fill in by hand
    date: dt.date | None = None  # the signing date; blank: left to write by hand
    # The report the ranking table is an annex of (Phụ lục, "Kèm theo …"); None: the table is a report itself.
    attached_to: Reference | None = None
    recipients: tuple[str, ...] = ()  # Nơi nhận
    signers: tuple[Signer, ...] = ()
    # The proposal (Tờ trình) to the upper level: "Kính gửi:" whom, the bloc's agreement it cites, its number.
    addressee: tuple[str, ...] = ()
    agreement: str = ""
    proposal: Numbering = field(default_factory=Numbering)
    # The bloc's own address(es) (`bloc_email`): a message from it is the secretary forwarding what she
    # received, so it says nothing of who sent the files it carries.
    bloc_email: str = ""
    # `seal: {accept_unsealed: [...], reason}`: units whose unsealed file is accepted in a sealed year, and why.
    accept_unsealed: tuple[str, ...] = ()
    accept_unsealed_reason: str = ""
    # What loading mended in the file and `bloc-score rules` says, each at its line (a line break in a name).
    warnings: tuple[RuleProblem, ...] = field(default=(), compare=False)
    year_line: int | None = field(default=None, compare=False)  # the `year:` line, which a run may name

    @property
    def bloc_addresses(self) -> frozenset[str]:
        return addresses(self.bloc_email)

    @property
    def lists_senders(self) -> bool:
        """Whether the rules give any address to compare a message's sender with."""
        return bool(self.bloc_email) or any(unit.email for unit in self.units)

    def units_of_address(self, address: str) -> tuple[Unit, ...]:
        """The units an address belongs to by the rules' `units[].email` (two units may share a mailbox)."""
        return tuple(unit for unit in self.units if address.casefold() in unit.addresses)

    @property
    def base_max(self) -> Decimal:
        return sum((s.max for s in self.sections), Decimal(0))

    def criteria(self) -> Iterator[Criterion]:
        """Every criterion in template order: sections, then bonus, then deductions."""
        for section in self.sections:
            yield from section.criteria
        yield from self.bonus.criteria
        yield from self.deductions.criteria

    @cached_property
    def criteria_by_code(self) -> dict[str, Criterion]:
        """Every criterion by its code, in template order: looked up for every row of every submission."""
        return {c.code: c for c in self.criteria()}

    def unit(self, code: str) -> Unit | None:
        return self._units_by_code.get(code)

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        # A province has thousands of units and every submission looks its unit up: a scan each time
        # made validation grow with the square of the number of units.
        return {u.code: u for u in reversed(self.units)}  # the first of a code wins, as the scan did

    def unit_position(self, code: str) -> int:
        """Where a unit comes in the rules' order of units; an unknown code after every known one."""
        return self._unit_positions.get(code, len(self.units))

    @cached_property
    def _unit_positions(self) -> dict[str, int]:
        return {u.code: i for i, u in reversed(list(enumerate(self.units)))}

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)

    def award(self, key: str) -> Award | None:
        return next((a for a in self.awards if a.key == key), None)


# ---------------------------------------------------------------------------------------------- loading
