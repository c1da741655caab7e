"""Years side by side: each unit's totals, ranks and awards over the years its bloc's past results were
kept, renamed and merged units followed through `previous:` (docs/province.md, Years side by side)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.issues import Issue
from pipeline.province.blocs import BlocReport, BlocUnit, malformed, read_unit, shown
from pipeline.province.model import Province
from pipeline.workspace.folders import ARCHIVE, OUTPUT

OLDEST_READABLE = 3  # the results' schema_version from which a unit's totals, ranks and awards read the same


@dataclass(frozen=True)
class PastStanding:
    """What a unit's predecessors (itself, or the units it continues) had in one past year."""

    year: int
    units: tuple[BlocUnit, ...]  # one, or several for a merger; () when none was found that year


@dataclass(frozen=True)
class UnitYears:
    bloc: str
    unit: BlocUnit
    past: tuple[PastStanding, ...]  # newest first, one per year of `History.years`


@dataclass(frozen=True)
class History:
    years: tuple[int, ...] = ()  # the past years found for at least one bloc, newest first
    rows: tuple[UnitYears, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (file as shown, SHA-256)
    issues: tuple[Issue, ...] = field(default_factory=tuple)


def past_results(report: BlocReport, year: int) -> list[Path]:
    """Where a bloc's results of a past year may be: its `archive:`, else beside its folder or sent file."""
    entry = report.entry
    name = f"results-{year}.json"
    bases = [entry.archive] if entry.archive is not None else []
    bases.append(entry.folder if entry.folder is not None else entry.where.parent)
    found = []
    for base in bases:
        assert base is not None
        found += [base / ARCHIVE / str(year) / OUTPUT / name, base / str(year) / OUTPUT / name,
                  base / OUTPUT / name, base / name]
    return found


def history(province: Province, reports: list[BlocReport]) -> History:
    """Every unit of every bloc read, with its predecessors' standing in each past year found."""
    files: list[tuple[str, str]] = []
    issues: list[Issue] = []
    by_bloc: dict[str, dict[int, dict[str, BlocUnit]]] = {}
    years_found: set[int] = set()
    for report in reports:
        if report.state not in ("final", "provisional"):
            continue
        kept: dict[int, dict[str, BlocUnit]] = {}
        for year in range(province.year - 1, province.year - province.past_years - 1, -1):
            path = next((p for p in past_results(report, year) if p.is_file()), None)
            if path is None:
                continue
            name = shown(path, province.root)
            units = _read_past(path, year, name, report.entry.code, files, issues)
            if units is not None:
                kept[year] = units
                years_found.add(year)
        by_bloc[report.entry.code] = kept
    years = tuple(sorted(years_found, reverse=True))
    rows = []
    for report in reports:
        if report.entry.code not in by_bloc:
            continue
        for unit in report.units:
            rows.append(UnitYears(report.entry.code, unit, _follow(unit, by_bloc[report.entry.code], years)))
    return History(years, tuple(rows), tuple(files), tuple(issues))


def _follow(unit: BlocUnit, kept: dict[int, dict[str, BlocUnit]], years: tuple[int, ...]) -> tuple[PastStanding, ...]:
    """Back one year at a time: a unit's codes the year before are its `previous:` (or its own code), and
    each of those units' own `previous` the year before that."""
    codes: tuple[str, ...] = unit.previous or (unit.code,)
    past = []
    for year in years:
        found = kept.get(year, {})
        units = tuple(found[c] for c in codes if c in found)
        past.append(PastStanding(year, units))
        if units:
            codes = tuple(dict.fromkeys(p for u in units for p in (u.previous or (u.code,))))
    return tuple(past)


def _read_past(path: Path, year: int, name: str, bloc: str, files: list[tuple[str, str]],
               issues: list[Issue]) -> dict[str, BlocUnit] | None:
    try:
        raw = path.read_bytes()
        document: Any = json.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        issues.append(Issue("province-history-unusable", file=name, params={"bloc": bloc, "year": year}))
        return None
    files.append((name, hashlib.sha256(raw).hexdigest()))
    if (malformed(document) is not None or document["year"] != year
            or document["schema_version"] < OLDEST_READABLE):
        issues.append(Issue("province-history-unusable", file=name, params={"bloc": bloc, "year": year}))
        return None
    return {u["code"]: read_unit(u) for u in document["units"]}
