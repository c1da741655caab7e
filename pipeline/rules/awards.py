"""The rules that turn totals into grades and awards: classification thresholds and the awards' places.

Each part of the rules file is checked here with its mistakes located, as in pipeline/rules/model.py, which puts
them into `Rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pipeline.rules.yaml_nodes import Checker, Node

ShareOf = Literal["units", "eligible"]
SHARE_BASES: tuple[ShareOf, ...] = ("units", "eligible")


@dataclass(frozen=True)
class Threshold:
    """A grade: its label, the total it needs and, optionally, a floor for every criterion."""

    min: Decimal
    label: str
    min_criterion_share: Decimal | None = None  # every applicable base criterion ≥ this share of its max


@dataclass(frozen=True)
class Award:
    key: str  # "flag", "merit" or a bloc's own
    count: int | None  # at most this many places (None: only the share limits them)
    min_score: Decimal
    label: str | None = None  # the award's full title, shown instead of the built-in label
    share: Decimal | None = None  # at most this share of the base, rounded down
    share_of: ShareOf = "units"  # the base of the share: the bloc's units, or the units that qualify
    min_criterion_share: Decimal | None = None


def classification(check: Checker, node: Node | None) -> tuple[Threshold, ...]:
    thresholds: list[Threshold] = []
    for i, item in enumerate(check.sequence(node, "classification", required=False)):
        path = f"classification[{i}]"
        fields = check.mapping(item, path, {"min", "label", "min_criterion_share"}, ("min", "label"))
        minimum = check.number(fields.get("min"), f"{path}.min", minimum=Decimal(0))
        label = check.string(fields.get("label"), f"{path}.label") if "label" in fields else ""
        floor = check.share(fields.get("min_criterion_share"), f"{path}.min_criterion_share")
        if minimum is not None and thresholds and minimum >= thresholds[-1].min:
            check.problem(f"{path}.min", fields.get("min"), "thresholds_not_descending",
                          value=minimum, previous=thresholds[-1].min)
        if minimum is not None:
            thresholds.append(Threshold(minimum, label, floor))
    return tuple(thresholds)


def awards(check: Checker, node: Node | None) -> tuple[Award, ...]:
    if node is None:
        return ()
    if not isinstance(node.value, dict):
        check.problem("awards", node, "not_a_mapping")
        return ()
    awards: list[Award] = []
    for key, item in check.mapping(node, "awards", set(node.value), ()).items():
        path = f"awards.{key}"
        check.code(item, path, key)
        fields = check.mapping(item, path, {"count", "share", "share_of", "min_score", "label",
                                            "min_criterion_share"}, ())
        if "count" not in fields and "share" not in fields:
            check.problem(path, item, "award_needs_quota")
        count = check.integer(fields.get("count"), f"{path}.count", default=1, low=1, high=1000) \
            if "count" in fields else None
        share = check.share(fields.get("share"), f"{path}.share")
        share_of = check.choice(fields.get("share_of"), f"{path}.share_of", SHARE_BASES, "units")
        min_score = check.number(fields.get("min_score"), f"{path}.min_score", default=Decimal(0),
                                 minimum=Decimal(0))
        label = check.string(fields.get("label"), f"{path}.label", required=False) or None
        if label is None and key not in ("flag", "merit"):
            check.problem(f"{path}.label", item, "award_needs_label", key=key)
        elif label is None:  # the documents would print the bare generic name ("Cờ thi đua")
            check.warning(f"{path}.label", item, "award_label_missing", key=key)
        floor = check.share(fields.get("min_criterion_share"), f"{path}.min_criterion_share")
        awards.append(Award(key, count, min_score or Decimal(0), label, share, share_of, floor))
    return tuple(awards)
