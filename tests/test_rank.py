"""Ranking, tie-breakers, classification and awards, as the core issue states them."""

from decimal import Decimal

import pytest

from pipeline.scoring.rank import rank_units
from pipeline.scoring.score import score_unit
from tests.conftest import rules_from

D = Decimal


def unit(rules, code, i11=20, i12=10, ii21=10, ii22=10, b1=0, d1=0, d2=0):
    values = {"1.1": D(str(i11)), "1.2": D(str(i12)) if i12 is not None else None, "2.1": D(str(ii21)),
              "2.2": D(str(ii22)) if ii22 is not None else None, "B1": D(str(b1)), "D1": D(str(d1)),
              "D2": D(str(d2))}
    return score_unit(rules, code, values)


def ranking(rules, *scores):
    ranked, issues = rank_units(rules, list(scores))
    return [(r.unit_code, r.rank) for r in ranked], {r.unit_code: r for r in ranked}, issues


@pytest.fixture
def rules():
    return rules_from(awards={"flag": {"count": 1, "min_score": 45}, "merit": {"count": 1, "min_score": 40}})


def test_higher_total_first_and_equal_units_share_a_rank(rules):
    # A 49; B and C 45 with identical breakdowns; D 40: ranks 1, 2, 2, 4.
    order, _, _ = ranking(rules, unit(rules, "D", ii21=0), unit(rules, "B", ii22=5), unit(rules, "A", ii22=9),
                          unit(rules, "C", ii22=5))
    assert order == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]


@pytest.mark.parametrize(("b", "c", "winner", "why"), [
    # equal totals of 45: section I decides (higher first)
    ({"i11": 20, "ii22": 5}, {"i11": 19, "ii22": 6}, "B", "section:I"),
    # equal totals and section I: fewer deductions first
    ({"ii22": 6, "d1": 1}, {"ii22": 7, "d1": 2}, "B", "deductions"),
    # equal totals, section I and deductions: more bonus first
    ({"ii22": 3, "b1": 2}, {"ii22": 4, "b1": 1}, "B", "bonus"),
])
def test_tie_breakers_in_order(rules, b, c, winner, why):
    order, placed, _ = ranking(rules, unit(rules, "C", **c), unit(rules, "B", **b))
    assert placed["B"].score.total == placed["C"].score.total == D(45), why
    assert order[0] == (winner, 1)
    assert order[1][1] == 2


def test_tie_breakers_follow_the_rules_order():
    rules = rules_from(tie_breakers=["bonus", "deductions"])
    # B has more bonus but also more deductions: with bonus first, B wins.
    order, _, _ = ranking(rules, unit(rules, "C", ii22=6), unit(rules, "B", ii22=6, b1=2, d1=2))
    assert order == [("B", 1), ("C", 2)]


def test_no_tie_breakers_means_shared_rank():
    rules = rules_from(tie_breakers=[])
    order, _, _ = ranking(rules, unit(rules, "B", i11=19, ii22=6), unit(rules, "A", i11=20, ii22=5))
    assert order == [("A", 1), ("B", 1)]  # A listed first: the rules' unit order


def test_ties_compare_the_rounded_total():
    rules = rules_from(decimals=1, tie_breakers=[])
    # 45.04 and 44.96 both show as 45.0: leadership sees a tie, so the ranking has one.
    order, placed, _ = ranking(rules, unit(rules, "A", ii22=5.04), unit(rules, "B", ii22=4.96))
    assert placed["A"].score.total == placed["B"].score.total == D("45.0")
    assert order == [("A", 1), ("B", 1)]
    # ... and B's 44.96 reaches the 45 threshold, because 45.0 is what is shown
    assert placed["B"].classification == "Excellent"


def test_tie_breakers_compare_exact_values():
    rules = rules_from(decimals=1, tie_breakers=["section:I"])
    # Same rounded total (45.0); section I differs only in the exact value: 29.99 vs 29.98.
    a = unit(rules, "A", i11=20, i12=9.98, ii22=5.02)
    b = unit(rules, "B", i11=20, i12=9.99, ii22=5.0)
    order, _, _ = ranking(rules, a, b)
    assert order == [("B", 1), ("A", 2)]


@pytest.mark.parametrize(("ii21", "ii22", "label"), [
    (10, 10, "Excellent"),  # 50
    (10, 5, "Excellent"),  # 45: a threshold is reached at equality
    (10, 4.99, "Good"),  # 44.99
    (10, 0, "Good"),  # 40
    (0, 9.99, "Fair"),  # 39.99
])
def test_classification_uses_first_threshold_reached(rules, ii21, ii22, label):
    _, placed, _ = ranking(rules, unit(rules, "A", ii21=ii21, ii22=ii22))
    assert placed["A"].classification == label


def test_awards_go_in_rank_order_with_minimum_scores(rules):
    _, placed, issues = ranking(rules, unit(rules, "A"), unit(rules, "B", ii22=5), unit(rules, "C", ii22=2),
                                unit(rules, "D", ii21=0, ii22=0))
    assert placed["A"].award == "flag"  # 50
    assert placed["B"].award == "merit"  # 45: flag taken, merit next
    assert placed["C"].award is None  # 42: merit count is 1
    assert placed["D"].award is None  # 30
    assert not [i for i in issues if i.code == "award-tie"]


def test_flag_needs_its_min_score(rules):
    _, placed, issues = ranking(rules, unit(rules, "A", ii22=4), unit(rules, "B", ii22=3))
    assert placed["A"].award == "merit"  # 44 < 45: no flag at all
    assert placed["B"].award is None
    unfilled = [i for i in issues if i.code == "award-unfilled"]
    assert unfilled and unfilled[0].params["found"] == 0


def test_disqualifying_deduction_excludes_from_flag_only(rules):
    _, placed, issues = ranking(rules, unit(rules, "A", d2=1), unit(rules, "B", ii22=7),
                                unit(rules, "C", ii22=2))
    assert placed["A"].rank == 1  # 49: still ranked first
    assert placed["A"].award == "merit"  # not the flag, but still eligible for merit
    assert placed["B"].award == "flag"  # 47
    warning = [i for i in issues if i.code == "award-disqualified"]
    assert warning and warning[0].unit == "A" and warning[0].params["criteria"] == "D2"


def test_shared_rank_for_the_last_place_proposes_all_and_warns(rules):
    _, placed, issues = ranking(rules, unit(rules, "A", ii22=8), unit(rules, "B", ii22=8),
                                unit(rules, "C", ii22=5))
    assert placed["A"].award == placed["B"].award == "flag"
    assert placed["C"].award == "merit"  # merit still gets its own count after the tie
    ties = [i for i in issues if i.code == "award-tie"]
    assert len(ties) == 1
    assert ties[0].params["units"] == "A, B" and ties[0].params["rank"] == 1
    assert ties[0].severity == "warning"
    assert "vote" in ties[0].message("en")


TWO_FLAGS = {"flag": {"count": 2, "min_score": 45}}


def test_a_tie_for_the_second_of_two_places_proposes_both_and_warns():
    rules = rules_from(awards=TWO_FLAGS)
    _, placed, issues = ranking(rules, unit(rules, "A", ii22=9), unit(rules, "B", ii22=8),
                                unit(rules, "C", ii22=8))
    assert placed["A"].award == placed["B"].award == placed["C"].award == "flag"
    ties = [i for i in issues if i.code == "award-tie"]
    assert [(t.params["units"], t.params["rank"], t.params["count"]) for t in ties] == [("B, C", 2, 2)]


def test_a_tie_that_fills_the_places_exactly_is_not_a_contest():
    rules = rules_from(awards=TWO_FLAGS)
    ranks, placed, issues = ranking(rules, unit(rules, "A", ii22=8), unit(rules, "B", ii22=8),
                                    unit(rules, "C", ii22=7))
    assert ranks == [("A", 1), ("B", 1), ("C", 3)]
    assert placed["A"].award == placed["B"].award == "flag"
    assert placed["C"].award is None  # above its min score, but both places went to A and B
    assert [i.code for i in issues if i.code == "award-tie"] == []


def test_award_min_score_compares_the_rounded_total():
    rules = rules_from(decimals=0, awards={"flag": {"count": 1, "min_score": 45}})
    _, placed, _ = ranking(rules, unit(rules, "A", ii22=4.5))  # 44.5 shows as 45
    assert placed["A"].score.total == D(45)
    assert placed["A"].award == "flag"
