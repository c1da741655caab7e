"""Who decided each criterion's score, and why: the results JSON's `criteria` list per unit.

Read from the run's entries and `Validation.final` (score.final_values), never decided again here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from pipeline.rules.model import Rules
from pipeline.scoring.score import PeerResult

NOT_APPLICABLE = "N/A"
# `source` in the JSON, by the scorer who decided (score.SCORER_PRECEDENCE).
SOURCES = {"self": "self", "appraised": "appraisal", "peers": "peers"}


def _number(value: Decimal | Fraction) -> int | float:
    if isinstance(value, Fraction):  # a peers' mean: exact in `final_exact` and `peer_mean`
        return int(value) if value.denominator == 1 else float(value)
    return int(value) if value == value.to_integral_value() else float(value)


@functools.lru_cache(maxsize=4096)
def _final(value: Decimal | Fraction) -> tuple[int | float, str]:
    """A final value as the JSON has it, and exactly, as a fraction in lowest terms ("11/4", "3").

    Cached: a province's twenty thousand final values are a few hundred distinct scores.
    """
    numerator, denominator = value.as_integer_ratio()  # in lowest terms, as Fraction prints them
    return _number(value), str(numerator) if denominator == 1 else f"{numerator}/{denominator}"


def _cell_value(value: Any, is_na: bool, is_blank: bool) -> int | float | str | None:
    """A score as the JSON has it: a number, "N/A", or None (blank, or not a number at all)."""
    if is_blank:
        return None
    if is_na:
        return NOT_APPLICABLE
    return _number(value) if isinstance(value, Decimal) else None


def criteria_by_unit(rules: Rules, entries: pd.DataFrame, final: pd.DataFrame,
                     peers: Mapping[tuple[str, str], PeerResult] | None = None) -> dict[str, list[dict[str, Any]]]:
    """unit → [{code, self, appraised, final, final_exact, source, reason}] in the rules' order of criteria.

    With cross-scoring (`appraisal.by: peers`) each entry also has `peers` ([{scorer, score}], the usable peer
    scores in the units' order) and `peer_mean` (the exact mean that counts, as a fraction, or null).
    """
    cross = rules.appraisal_by == "peers"
    peers = peers or {}
    if entries.empty:
        return {}
    cells: dict[tuple[str, str, str], tuple[int | float | str | None, str]] = {}
    for unit, code, scorer, value, is_na, is_blank, reason in zip(
            entries["unit_code"], entries["criterion_code"], entries["scorer"], entries["value"], entries["is_na"],
            entries["is_blank"], entries["reason"], strict=True):
        cells[(unit, code, scorer)] = (_cell_value(value, bool(is_na), bool(is_blank)), reason or "")
    decided: dict[tuple[str, str], tuple[str, Decimal | Fraction | None]] = {}
    for unit, code, scorer, value in zip(final["unit_code"], final["criterion_code"], final["scorer"],
                                         final["value"], strict=True):
        decided[(unit, code)] = (scorer, value)
    units = dict.fromkeys(unit for unit, _code, _scorer in cells)
    criteria = list(rules.criteria())
    listed: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        rows = []
        for criterion in criteria:
            own = cells.get((unit, criterion.code, "self"), (None, ""))
            appraisal = cells.get((unit, criterion.code, "appraised"))
            found = (unit, criterion.code) in decided
            # A bonus or deduction left blank counts 0; a base criterion nobody scored counts nothing.
            scorer, value = decided.get((unit, criterion.code), ("self", Decimal(0)))
            value = value if value is None or isinstance(value, Decimal) else Fraction(value)
            found = found or criterion.kind != "base"
            shown, exact = (_final(value) if value is not None else (NOT_APPLICABLE, NOT_APPLICABLE)) if found \
                else (None, None)
            row: dict[str, Any] = {
                "code": criterion.code, "self": own[0], "appraised": appraisal[0] if appraisal else None,
                "final": shown, "final_exact": exact, "source": SOURCES.get(scorer, scorer),
                "reason": (appraisal[1] or None) if appraisal else None,
            }
            if cross:
                peer = peers.get((unit, criterion.code))
                row["peers"] = [{"scorer": scorer_code, "score": _number(score)}
                                for scorer_code, score in (peer.scores if peer else ())]
                row["peer_mean"] = str(peer.mean) if peer is not None and peer.mean is not None else None
            if criterion.per_occurrence is not None and found and value is not None:
                # The scores of a per-occurrence item are counts: say what the final count is worth.
                row["points"] = _number(criterion.points(value))
            rows.append(row)
        listed[unit] = rows
    return listed
