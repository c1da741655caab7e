"""The province's JSON, `province-<year>.json` (docs/province.md): every bloc's state and decided awards,
each province-level award consolidated, the years side by side, every problem. Every number equals the
province workbook's."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pipeline.core.numbers import rounded
from pipeline.outputs.results_json import fingerprinted
from pipeline.province.blocs import BlocUnit
from pipeline.province.board import ProvinceResult
from pipeline.province.consolidate import Candidate, Consolidated
from pipeline.province.history import PastStanding

PROVINCE_SCHEMA_VERSION = 1


def share_shown(share: Fraction | None, decimals: int) -> float | None:
    """A share of a table's maximum as a percentage, rounded as a total is (88.89 for 8/9)."""
    return None if share is None else rounded(share * 100, decimals)


def province_dict(result: ProvinceResult) -> dict[str, Any]:
    province, lang = result.province, result.lang
    decimals = province.decimals
    return fingerprinted({
        "schema_version": PROVINCE_SCHEMA_VERSION,
        "province": province.province,
        "board": province.board,
        "year": province.year,
        "provisional": result.provisional,
        "language": lang,
        "generated_at": result.started_at.isoformat(timespec="seconds"),
        "tool_version": result.tool_version,
        "blocs": [{
            "code": r.entry.code, "name": r.entry.name, "results_name": r.name or None, "state": r.state,
            "source": "folder" if r.entry.folder is not None else "results",
            "units": len(r.units), "ranked": len(r.ranked), "base_max": _number(r.base_max),
            "fingerprint": r.fingerprint or None, "signed_fingerprint": r.entry.fingerprint or None,
            "awards": _bloc_awards(r.units),
            "issues": [i.code for i in r.issues],
        } for r in result.blocs],
        "awards": [_award(a, decimals) for a in result.awards],
        "history": {
            "years": list(result.history.years),
            "units": [{"bloc": row.bloc, "code": row.unit.code, "name": row.unit.name,
                       "total": row.unit.total, "rank": row.unit.rank, "award": row.unit.award,
                       "past": [_past(p) for p in row.past]} for row in result.history.rows],
        },
        "issues": [{**i.to_dict(lang), "bloc": i.params.get("bloc")} for i in result.issues],
        "files": [{"file": name, "sha256": sha} for name, sha in _files(result)],
    })


def _files(result: ProvinceResult) -> list[tuple[str, str]]:
    return [*(f for r in result.blocs for f in r.files), *result.history.files]


def _number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _bloc_awards(units: list[BlocUnit]) -> dict[str, list[str]]:
    """Each award the bloc decided → its units' codes, in rank order."""
    found: dict[str, list[str]] = {}
    for unit in sorted(units, key=lambda u: (u.rank is None, u.rank or 0)):
        if unit.award:
            found.setdefault(unit.award, []).append(unit.code)
    return found


def _candidate(candidate: Candidate, decimals: int) -> dict[str, Any]:
    return {"bloc": candidate.bloc, "unit": candidate.unit, "name": candidate.name, "from": candidate.source,
            "total": candidate.total, "total_exact": str(candidate.total_exact),
            "base_max": _number(candidate.base_max),
            "share": share_shown(candidate.share, decimals), "rank": candidate.rank, "of": candidate.bloc_units}


def _award(consolidated: Consolidated, decimals: int) -> dict[str, Any]:
    award = consolidated.award
    return {"key": award.key, "label": award.label, "from": list(award.sources), "count": award.count,
            "share": None if award.share is None else float(award.share), "share_of": award.share_of,
            "base": consolidated.base, "places": consolidated.places, "outcome": consolidated.outcome,
            "candidates": [_candidate(c, decimals) for c in consolidated.candidates],
            "proposed": [f"{c.bloc}/{c.unit}" for c in consolidated.proposed]}


def _past(standing: PastStanding) -> dict[str, Any]:
    return {"year": standing.year, "codes": [u.code for u in standing.units],
            "totals": [u.total for u in standing.units], "ranks": [u.rank for u in standing.units],
            "awards": [u.award for u in standing.units]}
