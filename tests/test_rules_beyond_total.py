"""The bloc's rules beyond a total: per-occurrence items, N/A policy, criterion floors, grade caps, share quotas."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from pipeline.core.errors import RulesError
from pipeline.rules.awards import Award
from pipeline.scoring.rank import places, rank_units, remarks_text
from pipeline.scoring.score import score_unit
from tests.conftest import SMALL_RULES, rules_from

D = Decimal
FULL = {"1.1": D(20), "1.2": D(10), "2.1": D(10), "2.2": D(10)}


def small(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL_RULES)
    data.update(changes)
    return data


def with_deductions(*criteria: dict[str, Any], cap: int | None = None) -> dict[str, Any]:
    bucket: dict[str, Any] = {"criteria": list(criteria)}
    if cap is not None:
        bucket["cap"] = cap
    return bucket


# ------------------------------------------------------------------------------- per occurrence

@pytest.mark.parametrize(("count", "points"), [
    (0, "0"), (1, "0.5"), (3, "1.5"),
    (4, "2"),  # at the cap: 4 × 0.5 = the max of 2
    (7, "2"),  # over it: capped at the criterion's max
])
def test_per_occurrence_deduction_is_count_times_value_capped_at_its_max(count, points):
    rules = rules_from(deductions=with_deductions(
        {"code": "D1", "title": "Chậm báo cáo (trừ 0,5 điểm/lần)", "max": 2, "per_occurrence": 0.5}))
    score = score_unit(rules, "A", {**FULL, "D1": D(count)})
    assert score.deductions == Fraction(points)
    assert score.total == D(50) - D(points)


def test_per_occurrence_bonus_counts_too():
    rules = rules_from(bonus={"criteria": [{"code": "B1", "title": "Sáng kiến", "max": 3, "per_occurrence": 1}]})
    assert score_unit(rules, "A", {**FULL, "B1": D(2)}).bonus == 2
    assert score_unit(rules, "A", {**FULL, "B1": D(5)}).bonus == 3


# ---------------------------------------------------------------------------------- N/A policy

@pytest.mark.parametrize(("policy", "section_I"), [
    ("rescale", Fraction(18 * 30, 20)),  # 18 of the 20 applicable points, scaled up to 30
    ("full", Fraction(18 + 10)),  # "không phát sinh": the N/A criterion counts its full 10
])
def test_na_policy_per_criterion(policy, section_I):
    data = small()
    data["sections"][0]["criteria"][1]["na"] = policy
    rules = rules_from(data)
    score = score_unit(rules, "A", {**FULL, "1.1": D(18), "1.2": None})
    assert score.section("I").score == section_I


def test_na_policy_per_section_applies_to_its_criteria_unless_they_say_otherwise():
    data = small()
    data["sections"][1]["na"] = "full"
    rules = rules_from(data)
    assert [c.na for c in rules.sections[1].criteria] == ["full", "full"]
    assert [c.na for c in rules.sections[0].criteria] == ["rescale", "rescale"]
    score = score_unit(rules, "A", {**FULL, "2.1": D(8), "2.2": None})
    assert score.section("II").score == 18


# ------------------------------------------------------------------------- conditions on grades

GRADES = [{"min": 45, "label": "Xuất sắc", "min_criterion_share": 0.85}, {"min": 40, "label": "Tốt"},
          {"min": 0, "label": "Khá"}]


@pytest.mark.parametrize(("lowest", "grade"), [
    (D("8.5"), "Xuất sắc"),  # exactly 85 % of criterion 2.1's max of 10: meets the floor
    (D("8.25"), "Tốt"),  # just below it: the total of 48.25 is not enough on its own
])
def test_min_criterion_share_at_the_boundary(lowest, grade):
    rules = rules_from(classification=GRADES)
    score = score_unit(rules, "A", {**FULL, "2.1": lowest})
    [placed], _ = rank_units(rules, [score])
    assert placed.classification == grade
    if grade == "Tốt":
        assert remarks_text(placed, "vi") == "chưa xếp loại “Xuất sắc”: tiêu chí 2.1 đạt dưới 85% điểm tối đa"
    else:
        assert placed.remarks == ()


def test_na_criteria_do_not_count_against_the_floor():
    rules = rules_from(classification=GRADES)
    score = score_unit(rules, "A", {**FULL, "1.2": None})
    [placed], _ = rank_units(rules, [score])
    assert placed.classification == "Xuất sắc"


def test_caps_grade_keeps_a_disciplined_unit_below_the_top_grade():
    rules = rules_from(classification=GRADES, deductions=with_deductions(
        {"code": "D1", "title": "Chậm báo cáo", "max": 3},
        {"code": "D2", "title": "Kỷ luật", "max": 5, "disqualifies": ["flag"], "caps_grade": "Tốt"}))
    clean = score_unit(rules, "A", {**FULL, "D1": D(1)})
    disciplined = score_unit(rules, "B", {**FULL, "D2": D(1)})
    ranked, _ = rank_units(rules, [clean, disciplined])
    by_unit = {r.unit_code: r for r in ranked}
    assert by_unit["A"].classification == "Xuất sắc"
    assert by_unit["B"].score.total == 49 and by_unit["B"].classification == "Tốt"
    assert by_unit["B"].award == "merit"
    assert remarks_text(by_unit["B"], "en") == (
        "grade at most “Tốt” because of deduction D2; not proposed for Emulation flag because of deduction D2")


def test_a_grade_cap_only_lowers():
    rules = rules_from(classification=GRADES, deductions=with_deductions(
        {"code": "D2", "title": "Kỷ luật", "max": 5, "caps_grade": "Tốt"}))
    score = score_unit(rules, "A", {**FULL, "1.1": D(5), "D2": D(1)})  # 34: already below "Tốt"
    [placed], _ = rank_units(rules, [score])
    assert placed.classification == "Khá" and placed.remarks == ()


def test_award_min_criterion_share():
    rules = rules_from(awards={"flag": {"count": 1, "min_score": 45, "min_criterion_share": 0.9},
                               "merit": {"count": 1, "min_score": 40}})
    uneven = score_unit(rules, "A", {**FULL, "2.2": D(8)})  # 48, but 2.2 at 80 %
    even = score_unit(rules, "B", {**FULL, "1.1": D(18), "2.2": D(9)})  # 47, every criterion ≥ 90 %
    ranked, _ = rank_units(rules, [uneven, even])
    by_unit = {r.unit_code: r for r in ranked}
    assert (by_unit["A"].rank, by_unit["A"].award) == (1, "merit")
    assert (by_unit["B"].rank, by_unit["B"].award) == (2, "flag")
    assert remarks_text(by_unit["A"], "en") == "not proposed for Emulation flag: criterion 2.2 is below 90% of its max"


# ---------------------------------------------------------------------------------------- quotas

@pytest.mark.parametrize(("units", "expected"), [(3, 0), (9, 1), (10, 2), (11, 2)])
def test_a_share_of_the_units_rounds_down(units, expected):
    award = Award("flag", None, D(0), share=D("0.2"))
    assert places(award, units, eligible=units) == expected


@pytest.mark.parametrize(("count", "share", "share_of", "units", "eligible", "expected"), [
    (3, "0.2", "units", 10, 10, 2),  # the share is stricter
    (1, "0.2", "units", 10, 10, 1),  # the count is stricter
    (None, "0.5", "eligible", 10, 3, 1),  # half of the three that qualify
    (5, None, "units", 10, 10, 5),
])
def test_the_stricter_of_count_and_share_applies(count, share, share_of, units, eligible, expected):
    award = Award("flag", count, D(0), share=D(share) if share else None, share_of=share_of)
    assert places(award, units, eligible) == expected


@pytest.mark.parametrize(("units", "flags"), [(3, 0), (9, 1), (10, 2), (11, 2)])
def test_share_quota_in_a_ranking(units, flags):
    codes = [f"U{i:02d}" for i in range(units)]
    rules = rules_from(units=[{"code": c, "name": f"Đơn vị {c}"} for c in codes],
                       awards={"flag": {"share": 0.2, "min_score": 0}})
    scores = [score_unit(rules, code, {**FULL, "1.1": D(20 - i)}) for i, code in enumerate(codes)]
    ranked, issues = rank_units(rules, scores)
    assert [r.unit_code for r in ranked if r.award == "flag"] == codes[:flags]
    if flags:
        places = "1 place" if flags == 1 else f"{flags} places"
        assert remarks_text(ranked[flags], "en") == f"all places for Emulation flag are proposed ({places})"
    else:
        assert [i.code for i in issues] == ["award-no-places"]
        assert "20% of 3 units gives no place" in issues[0].message("en")


# ------------------------------------------------------------------------------ the rules file

def test_new_keys_used_wrongly_are_each_located():
    data = small(
        classification=[{"min": 45, "label": "Xuất sắc", "min_criterion_share": 1.5}, {"min": 0, "label": "Khá"}],
        awards={"flag": {"min_score": 45}, "merit": {"count": 1, "share": 0, "share_of": "all"}},
        deductions=with_deductions({"code": "D1", "title": "t", "max": 2, "per_occurrence": 0.5, "step": 0.5},
                                   {"code": "D2", "title": "t", "max": 5, "caps_grade": "Tốt"}),
    )
    data["sections"][0]["na"] = "zero"
    data["sections"][0]["criteria"][0]["per_occurrence"] = 1
    with pytest.raises(RulesError) as caught:
        rules_from(data)
    found = {p.path: p.message for p in caught.value.problems}
    assert set(found) == {
        "classification[0].min_criterion_share", "awards.flag", "awards.merit.share", "awards.merit.share_of",
        "deductions.criteria[0].step", "deductions.criteria[1].caps_grade", "sections[0].na",
        "sections[0].criteria[0].per_occurrence",
    }
    assert all(p.line for p in caught.value.problems)
    assert "Xuất sắc, Khá" in found["deductions.criteria[1].caps_grade"]
    assert "unknown key 'per_occurrence'" in found["sections[0].criteria[0].per_occurrence"]
