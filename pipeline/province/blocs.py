"""Each bloc taken as it is: a results document (sent, or made here from a working folder) read into what
the board consolidates, and every check a sent file must pass, each failure an `Issue` naming the bloc's file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pipeline.core.issues import Issue, has_errors
from pipeline.core.labels import Label
from pipeline.core.numbers import rounded
from pipeline.core.text import fold
from pipeline.outputs.results_json import FINGERPRINT_KEY, SCHEMA_VERSION, results_fingerprint
from pipeline.province.model import BlocEntry

BlocState = Literal["final", "provisional", "missing", "broken"]
# A results file is a few hundred kilobytes for a bloc of 25 units; a province-sized one a few megabytes.
MAX_RESULTS_BYTES = 64 * 1024 * 1024
# The keys a results document must hold for the board to read it (docs/results-json.md), with their types.
_TOP_TYPES: dict[str, type | tuple[type, ...]] = {
    "schema_version": int, "bloc": str, "year": int, "provisional": bool, "vote_pending": bool, "decimals": int,
    "units": list,
}
_UNIT_TYPES: dict[str, type | tuple[type, ...]] = {"code": str, "name": str, "status": str}


@dataclass(frozen=True)
class BlocUnit:
    """One unit of a bloc as its results give it."""

    code: str
    name: str
    status: str
    total: float | None = None
    total_exact: Fraction | None = None
    rank: int | None = None
    classification: str | None = None
    award: str | None = None  # the award decided by the bloc (after its vote)
    award_proposed: str | None = None  # the scores' proposal, which a vote only confirms or drops
    award_title: str | None = None
    previous: tuple[str, ...] = ()  # last year's codes it was compared with, when the bloc's run compared


@dataclass
class BlocReport:
    """What the board knows of one bloc: its state, its units, every problem found, the files read."""

    entry: BlocEntry
    state: BlocState = "missing"
    name: str = ""  # as its results name it
    units: list[BlocUnit] = field(default_factory=list)
    base_max: Fraction | None = None
    decimals: int = 2
    fingerprint: str = ""
    issues: list[Issue] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (file as shown, its SHA-256) for the Audit

    @property
    def ranked(self) -> list[BlocUnit]:
        return sorted((u for u in self.units if u.rank is not None), key=lambda u: (u.rank or 0))

    def unit(self, code: str) -> BlocUnit | None:
        return next((u for u in self.units if u.code == code), None)


def shown(path: Path, root: Path) -> str:
    """A path as the province's documents name it: from the province folder, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_sent(entry: BlocEntry, root: Path, year: int) -> BlocReport:
    """A bloc's sent results file, read as sent and checked, never recomputed."""
    assert entry.results is not None
    report = BlocReport(entry)
    name = shown(entry.results, root)
    try:
        size = entry.results.stat().st_size
        if not entry.results.is_file():
            raise IsADirectoryError(name)
    except OSError:
        report.issues.append(Issue("province-bloc-missing", file=name, params={"bloc": entry.code}))
        return report
    if size > MAX_RESULTS_BYTES:
        return _broken(report, name, "province.reason_too_large")
    try:
        raw = entry.results.read_bytes()
    except OSError as error:
        return _broken(report, name, "province.reason_unreadable", reason=error.strerror or str(error))
    report.files.append((name, hashlib.sha256(raw).hexdigest()))
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _broken(report, name, "province.reason_not_json")
    return take(report, document, name, year, sent=True)


def _broken(report: BlocReport, name: str, reason_key: str, **params: Any) -> BlocReport:
    report.state = "broken"
    report.issues.append(Issue("province-results-unusable", file=name, params={
        "bloc": report.entry.code, "reason": Label(reason_key, tuple(params.items()))}))
    return report


def take(report: BlocReport, document: Any, name: str, year: int, *, sent: bool) -> BlocReport:
    """Read a results document into the report, checking it; `sent`: a file the bloc sent, whose fingerprint
    and figures are checked (a document made here from a working folder is this tool's own)."""
    where = malformed(document)
    if where is not None:
        return _broken(report, name, "province.reason_malformed", path=where)
    code = report.entry.code
    if document["schema_version"] != SCHEMA_VERSION:
        report.state = "broken"
        report.issues.append(Issue("province-results-version", file=name, params={
            "bloc": code, "found": document["schema_version"], "expected": SCHEMA_VERSION}))
        return report
    report.name = document["bloc"]
    report.decimals = document["decimals"]
    if isinstance(document.get("base_max"), int | float) and document["base_max"] > 0:
        report.base_max = Fraction(str(document["base_max"]))
    report.units = [read_unit(u) for u in document["units"]]
    issues = report.issues
    if document["year"] != year:
        issues.append(Issue("province-results-other-year", file=name, params={
            "bloc": code, "found": document["year"], "year": year}))
    if fold(document["bloc"]) != fold(report.entry.name):
        issues.append(Issue("province-results-other-bloc", file=name, params={
            "bloc": code, "found": document["bloc"], "name": report.entry.name}))
    written = document.get(FINGERPRINT_KEY)
    report.fingerprint = results_fingerprint(document)
    if sent:
        if not isinstance(written, str) or not written:
            issues.append(Issue("province-fingerprint-absent", file=name, params={"bloc": code}))
        elif written != report.fingerprint:
            issues.append(Issue("province-fingerprint-mismatch", file=name, params={
                "bloc": code, "written": written, "found": report.fingerprint}))
        signed = report.entry.fingerprint
        if signed and not report.fingerprint.startswith(signed[:len(report.fingerprint)]):
            issues.append(Issue("province-fingerprint-not-signed", file=name, params={
                "bloc": code, "signed": signed, "found": report.fingerprint}))
        issues += consistency(report, name, provisional=document["provisional"])
    if has_errors(issues):
        report.state = "broken"
    elif document["provisional"] or document["vote_pending"]:
        report.state = "provisional"
        issues.append(Issue("province-bloc-provisional", file=name, params={
            "bloc": code, "why": Label("province.why_vote_pending" if not document["provisional"]
                                       else "province.why_provisional")}))
    else:
        report.state = "final"
    return report


def malformed(document: Any) -> str | None:
    """The first key of a results document that is missing or of the wrong type, as a path; None if sound."""
    if not isinstance(document, dict):
        return "/"
    for key, kind in _TOP_TYPES.items():
        value = document.get(key)
        # JSON's true is Python's True, an int too: a flag where a number belongs is malformed, and back.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return key
    for index, unit in enumerate(document["units"]):
        if not isinstance(unit, dict):
            return f"units[{index}]"
        for key, kind in _UNIT_TYPES.items():
            if not isinstance(unit.get(key), kind):
                return f"units[{index}].{key}"
        if unit["status"] == "scored":
            if not isinstance(unit.get("total"), int | float) or isinstance(unit.get("total"), bool):
                return f"units[{index}].total"
            if not isinstance(unit.get("rank"), int) or isinstance(unit.get("rank"), bool) or unit["rank"] < 1:
                return f"units[{index}].rank"
            try:
                Fraction(str(unit.get("total_exact")))
            except (ValueError, ZeroDivisionError):
                return f"units[{index}].total_exact"
        for key in ("award", "award_proposed", "award_title", "classification"):
            if unit.get(key) is not None and not isinstance(unit[key], str):
                return f"units[{index}].{key}"
    return None


def read_unit(data: dict[str, Any]) -> BlocUnit:
    scored = data["status"] == "scored"
    previous = data.get("previous")
    codes = previous.get("codes") if isinstance(previous, dict) else None
    return BlocUnit(
        code=data["code"], name=data["name"], status=data["status"],
        total=data["total"] if scored else None,
        total_exact=Fraction(str(data["total_exact"])) if scored else None,
        rank=data["rank"] if scored else None,
        classification=data.get("classification") if scored else None,
        award=data.get("award") if scored else None,
        award_proposed=data.get("award_proposed") if scored else None,
        award_title=data.get("award_title") if scored else None,
        previous=tuple(c for c in codes if isinstance(c, str)) if isinstance(codes, list) else (),
    )


def consistency(report: BlocReport, name: str, *, provisional: bool) -> list[Issue]:
    """A sent file's figures against each other: each total its exact value rounded, ranks in the order of
    the totals and numbered as ties are (1, 2, 2, 4), awards only to ranked units and only as proposed (the
    vote confirms or drops a proposal, never makes one), a unit not scored only in a provisional ranking.
    Nothing is recomputed from the criteria: the file is taken as the bloc signed it."""
    found: list[Issue] = []
    code = report.entry.code

    def wrong(unit: str, reason: str, **params: Any) -> None:
        found.append(Issue("province-results-inconsistent", file=name, unit=unit,
                           params={"bloc": code, "reason": Label(f"province.{reason}", tuple(params.items()))}))

    for unit in report.units:
        if unit.status != "scored":
            continue
        assert unit.total_exact is not None
        if unit.total != rounded(unit.total_exact, report.decimals):
            wrong(unit.code, "reason_total_rounding", total=unit.total, exact=str(unit.total_exact))
    ranked = report.ranked
    for position, unit in enumerate(ranked):
        expected = position + 1
        if position and unit.rank == ranked[position - 1].rank:
            continue
        if unit.rank != expected:
            wrong(unit.code, "reason_rank_numbering", rank=unit.rank, expected=expected)
        if position and (unit.total_exact or 0) > (ranked[position - 1].total_exact or 0):
            wrong(unit.code, "reason_rank_order", rank=unit.rank, above=ranked[position - 1].code)
    for unit in report.units:
        if unit.status != "scored" and unit.award is not None:
            wrong(unit.code, "reason_award_unranked", award=unit.award)
        elif unit.award is not None and unit.award != unit.award_proposed:  # a vote decides among proposals only
            wrong(unit.code, "reason_award_not_proposed", award=unit.award, proposed=unit.award_proposed or "—")
    if any(u.status != "scored" for u in report.units) and not provisional:
        first = next(u for u in report.units if u.status != "scored")
        wrong(first.code, "reason_not_provisional", status=first.status)
    return found

