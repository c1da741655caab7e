"""Last year's results, read from the results JSON its run wrote (`results-<year-1>.json`, any schema version).

A file that cannot be used is an issue, never a failure: the comparison is a courtesy, not part of the score.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.text import fold
from pipeline.rules.model import Rules
from pipeline.scoring.previous_year import PastResults, PastUnit


def read_past(path: Path, rules: Rules) -> tuple[PastResults | None, list[Issue]]:
    """Last year's results at `path`, with what makes them doubtful; None (and why) when they cannot be used."""
    shown = str(path)

    def unusable(key: str, **params: Any) -> tuple[None, list[Issue]]:
        reason = Label(f"previous.{key}", tuple(params.items()))
        return None, [Issue("previous-results-unusable", file=shown, params={"reason": reason})]

    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return unusable("unreadable", detail=getattr(error, "strerror", None) or str(error))
    if not isinstance(data, dict) or not isinstance(data.get("units"), list) \
            or not isinstance(data.get("year"), int) or isinstance(data.get("year"), bool):
        return unusable("not_results")
    if data["year"] >= rules.year:
        return unusable("not_earlier", year=data["year"])
    units: dict[str, PastUnit] = {}
    for entry in data["units"]:
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            units[entry["code"]] = PastUnit(entry["code"], str(entry.get("name") or ""), _decimal(entry.get("total")),
                                            _rank(entry.get("rank")))
    bloc = str(data.get("bloc") or "")
    past = PastResults(data["year"], bloc, data.get("provisional") is True, units)
    issues = []
    if fold(bloc) != fold(rules.bloc):
        issues.append(Issue("previous-results-other-bloc", file=shown, params={"found": bloc, "expected": rules.bloc}))
    if past.provisional:
        issues.append(Issue("previous-results-provisional", file=shown, params={"year": past.year}))
    return past, issues


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _rank(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
