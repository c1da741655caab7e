"""Scoring rules of the core issue, one table row per rule."""

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.scoring.score import SectionNotApplicable, exact_sum, final_values, score_unit
from tests.conftest import rules_from

D = Decimal
NA = None
BASE = {"1.1": D(18), "1.2": D(9), "2.1": D("9.5"), "2.2": D(8)}


@pytest.mark.parametrize(
    ("changes", "section_I", "section_II", "base", "bonus", "deductions", "total"),
    [
        # plain sums: I = 18 + 9, II = 9.5 + 8
        ({}, "27", "17.5", "44.5", "0", "0", "44.50"),
        # N/A never penalises: I = 18 × 30/20 = 27 (rescaled from 20 applicable points to 30)
        ({"1.2": NA}, "27", "17.5", "44.5", "0", "0", "44.50"),
        # II = 9.5 × 20/10 = 19
        ({"2.2": NA}, "27", "19", "46", "0", "0", "46.00"),
        # bonus summed then capped at 3; deductions summed then capped at 4
        ({"B1": D(2), "B2": D("1.5")}, "27", "17.5", "44.5", "3", "0", "47.50"),
        ({"B1": D(1)}, "27", "17.5", "44.5", "1", "0", "45.50"),
        ({"D1": D(3), "D2": D(2)}, "27", "17.5", "44.5", "0", "4", "40.50"),
        ({"D1": D("0.5")}, "27", "17.5", "44.5", "0", "0.5", "44.00"),
        # a blank bonus or deduction is 0: leaving them out changes nothing
        ({"B1": D(0), "D1": D(0)}, "27", "17.5", "44.5", "0", "0", "44.50"),
    ],
)
def test_scoring_rules(small_rules, changes, section_I, section_II, base, bonus, deductions, total):
    score = score_unit(small_rules, "A", {**BASE, **changes})
    assert score.section("I").score == Fraction(section_I)
    assert score.section("II").score == Fraction(section_II)
    assert score.base == Fraction(base)
    assert score.bonus == Fraction(bonus)
    assert score.deductions == Fraction(deductions)
    assert score.total == D(total)
    assert str(score.total) == total  # rounded once, to the rules' decimals


def test_weighted_sections_equal_on_paper_are_equal_in_the_ranking():
    rules = rules_from(sections=[
        {"code": "I", "title": "t", "weight": 0.6, "criteria": [{"code": "1", "title": "t", "max": 10}]},
        {"code": "II", "title": "t", "weight": 0.7, "criteria": [{"code": "2", "title": "t", "max": 10}]},
    ], tie_breakers=[], bonus={"criteria": [{"code": "B1", "title": "b", "max": 1}]},
        deductions={"criteria": [{"code": "D1", "title": "d", "max": 1}]})
    # Both are 0.2 by hand; binary floats would make A 0.19999999999999998 and B 0.2, and rank B first.
    a = score_unit(rules, "A", {"1": D("0.1"), "2": D("0.2")})  # 0.6 × 0.1 + 0.7 × 0.2
    b = score_unit(rules, "B", {"1": D("0.31"), "2": D("0.02")})  # 0.6 × 0.31 + 0.7 × 0.02
    assert a.base == b.base == Fraction(1, 5)
    assert a.total_exact == b.total_exact
    assert str(a.total) == str(b.total) == "0.20"


def test_total_rounds_half_away_from_zero_on_the_exact_value():
    rules = rules_from(decimals=2, sections=[
        {"code": "I", "title": "t", "weight": 0.5, "criteria": [{"code": "1", "title": "t", "max": 50}]},
    ], tie_breakers=[], bonus={"criteria": [{"code": "B1", "title": "b", "max": 1}]},
        deductions={"criteria": [{"code": "D1", "title": "d", "max": 1}]})
    score = score_unit(rules, "A", {"1": D("39.65")})
    assert score.total_exact == Fraction("19.825")
    assert score.total == D("19.83")  # never 19.82


def test_rescaling_with_a_remainder_stays_exact():
    rules = rules_from(sections=[{"code": "I", "title": "t", "criteria": [
        {"code": "1", "title": "t", "max": 15}, {"code": "2", "title": "t", "max": 20, "na_allowed": True},
        {"code": "3", "title": "t", "max": 15}]}], tie_breakers=[],
        bonus={"criteria": [{"code": "B1", "title": "b", "max": 1}]},
        deductions={"criteria": [{"code": "D1", "title": "d", "max": 1}]})
    score = score_unit(rules, "A", {"1": D(14), "2": NA, "3": D(13)})
    assert score.section("I").score == Fraction(27) * 50 / 30  # 45 exactly
    score = score_unit(rules, "A", {"1": D(14), "2": NA, "3": D("12.5")})
    assert score.section("I").score == Fraction("26.5") * 50 / 30
    assert score.total == D("44.17")
    assert score.section("I").rescaled
    assert score.section("I").not_applicable == ("2",)


def test_section_with_every_criterion_na_is_refused():
    rules = rules_from(sections=[{"code": "I", "title": "t", "criteria": [
        {"code": "1", "title": "t", "max": 10, "na_allowed": True}]}], tie_breakers=[],
        bonus={"criteria": [{"code": "B1", "title": "b", "max": 1}]},
        deductions={"criteria": [{"code": "D1", "title": "d", "max": 1}]})
    with pytest.raises(SectionNotApplicable):
        score_unit(rules, "A", {"1": NA})


def test_disqualifying_deduction(small_rules):
    assert score_unit(small_rules, "A", {**BASE, "D2": D(1)}).disqualified_from == ("flag",)
    assert score_unit(small_rules, "A", {**BASE, "D1": D(1)}).disqualified_from == ()
    assert score_unit(small_rules, "A", {**BASE, "D2": D(0)}).disqualified_from == ()


def test_no_cap_means_sum():
    rules = rules_from(bonus={"criteria": [{"code": "B1", "title": "b", "max": 2},
                                           {"code": "B2", "title": "b", "max": 2}]})
    assert score_unit(rules, "A", {**BASE, "B1": D(2), "B2": D(2)}).bonus == 4


def _entries(rows):
    frame = pd.DataFrame(rows, columns=["unit_code", "criterion_code", "scorer", "value", "is_na", "is_blank"])
    return frame


def test_appraised_score_overrides_self_score():
    final = final_values(_entries([
        ("A", "1.1", "self", D(18), False, False),
        ("A", "1.1", "appraised", D(16), False, False),
        ("A", "1.2", "self", D(9), False, False),
        ("A", "1.2", "appraised", None, False, True),  # blank appraisal: the self-score stands
        ("A", "2.2", "self", None, True, False),
        ("A", "2.2", "appraised", D(5), False, False),  # the bloc scores a criterion the unit called N/A
        ("A", "2.1", "self", D(7), False, False),
        ("A", "2.1", "appraised", None, True, False),  # the bloc marks it N/A
    ]))
    decided = {c: (s, v) for c, s, v in zip(final["criterion_code"], final["scorer"], final["value"], strict=True)}
    assert decided == {"1.1": ("appraised", D(16)), "1.2": ("self", D(9)), "2.2": ("appraised", D(5)),
                       "2.1": ("appraised", None)}


SMALL = rules_from()
scores = st.decimals(min_value=0, max_value=10, places=2)


@settings(max_examples=200, deadline=None)
@given(a=scores, b=st.one_of(st.none(), scores), c=scores, d=st.one_of(st.none(), scores),
       b1=scores, d1=scores)
def test_invariants(a, b, c, d, b1, d1):
    """Whatever the values: sections never exceed their max, caps hold, and the total is exact."""
    small_rules = SMALL
    values = {"1.1": a, "1.2": b, "2.1": c, "2.2": d, "B1": min(b1, D(2)), "D1": min(d1, D(3))}
    score = score_unit(small_rules, "A", values)
    for section in score.sections:
        assert 0 <= section.score <= section.max * section.weight
    assert score.bonus <= 3 and score.deductions <= 4
    assert score.total_exact == score.base + score.bonus - score.deductions
    assert abs(Fraction(score.total) - score.total_exact) <= Fraction(1, 200)


@settings(deadline=None)
@given(st.lists(st.one_of(st.decimals(allow_nan=False, allow_infinity=False), st.integers()), max_size=30))
def test_exact_sum_is_the_fraction_sum(values):
    """Decimal addition at unlimited precision loses nothing, even across far-apart exponents."""
    assert exact_sum(values) == sum((Fraction(v) for v in values), Fraction(0))


def test_exact_sum_takes_fractions_too():
    assert exact_sum([D("0.1"), Fraction(1, 3)]) == Fraction(1, 10) + Fraction(1, 3)
    assert exact_sum([D("1E+30"), D("1E-30"), D(-1) * D("1E+30")]) == Fraction(1, 10**30)
