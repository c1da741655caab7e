"""Figures any output may show, computed from the rules and a run's scores, without a workbook."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest

from pipeline.core.issues import Issue
from pipeline.core.labels import text
from pipeline.rules.model import BONUS, DEDUCTIONS
from pipeline.scoring.figures import (
    bucket_limit,
    section_averages,
    section_share,
    share,
    unranked_reason,
    weighted_base_max,
)
from pipeline.scoring.rank import rank_units
from pipeline.scoring.score import score_unit
from tests.conftest import SMALL_RULES, rules_from


def test_weighted_base_max_counts_each_sections_weight():
    assert weighted_base_max(rules_from()) == Decimal(50)  # 30 + 20
    data = copy.deepcopy(SMALL_RULES)
    data["sections"][1]["weight"] = 0.5
    assert weighted_base_max(rules_from(data)) == Decimal(40)  # 30 + 0.5 × 20


def test_a_bucket_counts_up_to_its_cap_else_the_sum_of_its_items():
    rules = rules_from()
    assert (bucket_limit(rules, BONUS), bucket_limit(rules, DEDUCTIONS)) == (Decimal(3), Decimal(4))
    uncapped = rules_from(bonus={"criteria": SMALL_RULES["bonus"]["criteria"]})
    assert bucket_limit(uncapped, BONUS) == Decimal(4)  # 2 + 2


def test_shares_of_a_maximum():
    assert share(Fraction(27), Fraction(30)) == 0.9
    assert share(Fraction(1), Fraction(0)) == 0.0
    section = rules_from().sections[0]
    assert section_share(section, Fraction(15)) == 0.5


def test_section_averages_are_shares_averaged_over_the_ranked_units():
    rules = rules_from()
    full = {"1.1": Decimal(20), "1.2": Decimal(10), "2.1": Decimal(10), "2.2": Decimal(10)}
    half = {"1.1": Decimal(10), "1.2": Decimal(5), "2.1": Decimal(5), "2.2": Decimal(5)}
    ranked, _ = rank_units(rules, [score_unit(rules, "A", full), score_unit(rules, "B", half)])
    assert section_averages(rules, ranked) == {"I": 0.75, "II": 0.75}
    assert section_averages(rules, []) == {}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_why_a_unit_is_unranked_names_its_first_error_and_counts_the_rest(lang):
    first = Issue("score-above-max", file="a.xlsx", cell="D8", unit="A", criterion="1.1",
                  params={"scorer": "self-score", "value": Decimal(25), "max": Decimal(20)})
    second = Issue("empty-file", file="a2.xlsx", unit="A")
    elsewhere = Issue("empty-file", file="b.xlsx", unit="B")
    reason = unranked_reason([first, elsewhere, second], "A", lang)
    assert reason == first.message(lang) + " " + text(lang, "workbook.more_errors", count=1)
    assert unranked_reason([first], "A", lang) == first.message(lang)
    assert unranked_reason([elsewhere], "A", lang) == ""
