"""A province's year as its board describes it in `province.yaml` (docs/province.md): the blocs and where
their results are, the province-level awards and their quotas, the board's decisions, its letterhead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pipeline.rules.awards import ShareOf
from pipeline.rules.procedure import Numbering, Signer

PROVINCE_FILE = "province.yaml"
# How many years back `province` looks for a bloc's past results when `past_years:` is not given.
DEFAULT_PAST_YEARS = 4


@dataclass(frozen=True)
class BlocEntry:
    """One bloc of the province's year: its working folder, or the results file it sent."""

    code: str  # the board's short name for it: sheet names, `decided:` entries
    name: str
    folder: Path | None = None  # a working folder, scored as `bloc-score run` would
    results: Path | None = None  # the results-<year>.json the bloc sent, read as sent
    fingerprint: str = ""  # as printed on the bloc's signed Ranking page, when the board has it
    archive: Path | None = None  # where its past years' results are (default: beside its folder or file)
    line: int | None = None  # its place in province.yaml

    @property
    def where(self) -> Path:
        """The folder or file that holds the bloc's results."""
        found = self.folder if self.folder is not None else self.results
        assert found is not None
        return found


@dataclass(frozen=True)
class Decision:
    """One entry of an award's `decided:` list: a bloc's unit the board chose, where the file says so."""

    bloc: str
    unit: str
    line: int | None = None


@dataclass(frozen=True)
class ProvinceAward:
    """A province-level award: the blocs' awards (or an earlier province award) whose recipients are its
    candidates, its places (a count, a share rounded down, or both, as a bloc's award) and the board's choice."""

    key: str
    label: str
    sources: tuple[str, ...]  # blocs' award keys, or the key of a province award listed before it
    count: int | None = None
    share: Decimal | None = None
    share_of: ShareOf = "units"  # of every unit of the blocs read, or of the candidates (`eligible`)
    decided: tuple[Decision, ...] | None = None  # None: the board has not decided (no `decided:` key)
    line: int | None = None


@dataclass(frozen=True)
class Province:
    """What `province.yaml` says, checked (pipeline.province.load)."""

    province: str  # the upper-level body, as the documents' header names it (TỈNH ỦY QUẢNG TRỊ)
    board: str  # the board that consolidates (the issuer of the Tờ trình)
    year: int
    blocs: tuple[BlocEntry, ...]
    awards: tuple[ProvinceAward, ...]
    root: Path  # the province folder: every relative path of the file is from here
    source: str = PROVINCE_FILE
    language: str = "vi"
    decimals: int = 2  # of shares shown as percentages
    header: str = "party"
    place: str = ""
    document_number: str = ""
    date: dt.date | None = None
    proposal: Numbering = field(default_factory=Numbering)
    addressee: tuple[str, ...] = ()
    basis: str = ""
    recipients: tuple[str, ...] = ()
    signers: tuple[Signer, ...] = ()
    past_years: int = DEFAULT_PAST_YEARS

    def bloc(self, code: str) -> BlocEntry | None:
        return next((b for b in self.blocs if b.code == code), None)

    def award(self, key: str) -> ProvinceAward | None:
        return next((a for a in self.awards if a.key == key), None)
