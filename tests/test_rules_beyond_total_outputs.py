"""The rules beyond a total as a leader reads them: each rule through a real run, in the JSON and on the
Ranking sheet (grade, award, deductions and the Ghi chú / Remarks column)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from pipeline.outputs.workbook import RankingColumns
from tests.conftest import FULL_SMALL, SMALL_RULES, rules_from, values
from tests.test_workbook import Written, header_row, write_run

GRADES = [{"min": 45, "label": "Excellent", "min_criterion_share": 0.85}, {"min": 40, "label": "Good"},
          {"min": 0, "label": "Fair"}]


def ranking_rows(written: Written) -> dict[str, dict[str, Any]]:
    """The Ranking sheet's rows by unit name: total, deductions, grade, award and remarks as printed."""
    sheet = written.ranking
    columns = RankingColumns(len(written.result.rules.sections))
    start = header_row(sheet, written.t("report.rank")) + 1
    rows = {}
    for row in sheet.iter_rows(min_row=start, values_only=True):
        if not isinstance(row[0], int):
            break
        rows[row[1]] = {"total": row[columns.total], "deductions": row[columns.deductions],
                        "grade": row[columns.classification], "award": row[columns.award] or "",
                        "remarks": row[columns.remarks] or ""}
    return rows


def json_units(written: Written) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in written.json["units"] if u["status"] == "scored"}


def run_bloc(tmp_path: Path, rules_data: dict[str, Any], filled: dict[str, dict[str, Any]]) -> Written:
    rules = rules_from(rules_data)
    return write_run(rules, tmp_path, {code: values(**scores) for code, scores in filled.items()}, lang="en")


def small(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL_RULES)
    data.update(changes)
    return data


@pytest.mark.parametrize(("count", "deducted"), [(3, 1.5), (4, 2.0), (9, 2.0)])
def test_per_occurrence_deduction_in_json_and_ranking(tmp_path, count, deducted):
    data = small(deductions={"criteria": [
        {"code": "D1", "title": "Late reports (0.5 per report)", "max": 2, "per_occurrence": 0.5}]})
    written = run_bloc(tmp_path, data, {"A": {**FULL_SMALL, "D1": count}})
    unit = json_units(written)["Đơn vị A"]
    assert (unit["deductions"], unit["total"]) == (deducted, 44.5 - deducted)
    [item] = [c for c in unit["criteria"] if c["code"] == "D1"]
    assert (item["final"], item["points"]) == (count, deducted)  # the count typed, and what it is worth
    row = ranking_rows(written)["Đơn vị A"]
    assert (row["deductions"], row["total"]) == (deducted, 44.5 - deducted)


@pytest.mark.parametrize(("policy", "total"), [("rescale", 44.5), ("full", 45.5)])
def test_na_policy_in_json_and_ranking(tmp_path, policy, total):
    data = small()
    data["sections"][0]["criteria"][1]["na"] = policy
    # 1.1 = 18 of 20, 1.2 N/A: rescaled to 27 of 30, or 18 + the full 10 = 28.
    written = run_bloc(tmp_path, data, {"A": {**FULL_SMALL, "1.2": "N/A"}})
    assert json_units(written)["Đơn vị A"]["total"] == total
    assert ranking_rows(written)["Đơn vị A"]["total"] == total


@pytest.mark.parametrize(("score", "grade", "remark"), [
    (8.5, "Excellent", ""),  # 2.1 at exactly 85 % of its max
    (8.25, "Good", "not “Excellent”: criterion 2.1 is below 85% of its max"),
])
def test_min_criterion_share_in_json_and_ranking(tmp_path, score, grade, remark):
    written = run_bloc(tmp_path, small(classification=GRADES),
                       {"A": {"1.1": 20, "1.2": 10, "2.1": score, "2.2": 10}})
    unit = json_units(written)["Đơn vị A"]
    assert (unit["classification"], unit["remarks"] or "") == (grade, remark)
    row = ranking_rows(written)["Đơn vị A"]
    assert (row["grade"], row["remarks"]) == (grade, remark)


def test_caps_grade_in_json_and_ranking(tmp_path):
    data = small(classification=GRADES, deductions={"criteria": [
        {"code": "D1", "title": "Discipline", "max": 5, "disqualifies": ["flag"], "caps_grade": "Good"}]},
        awards={"flag": {"count": 1, "min_score": 45}, "merit": {"count": 1, "min_score": 40}})
    full = {"1.1": 20, "1.2": 10, "2.1": 10, "2.2": 10}
    written = run_bloc(tmp_path, data, {"A": {**full, "D1": 1}, "B": {**full, "1.1": 18}})
    remark = ("grade at most “Good” because of deduction D1; "
              "not proposed for Emulation flag because of deduction D1")
    unit = json_units(written)["Đơn vị A"]
    assert (unit["rank"], unit["classification"], unit["award"], unit["remarks"]) == (1, "Good", "merit", remark)
    rows = ranking_rows(written)
    assert rows["Đơn vị A"] == {"total": 49, "deductions": 1, "grade": "Good", "award": "Certificate of merit",
                                "remarks": remark}
    assert (rows["Đơn vị B"]["grade"], rows["Đơn vị B"]["award"]) == ("Excellent", "Emulation flag")


@pytest.mark.slow
@pytest.mark.parametrize(("units", "flags"), [(3, 0), (9, 1), (10, 2), (11, 2)])
def test_share_quota_in_json_and_ranking(tmp_path, units, flags):
    codes = [f"U{i:02d}" for i in range(units)]
    data = small(units=[{"code": c, "name": f"Unit {c}"} for c in codes],
                 awards={"flag": {"share": 0.2, "min_score": 0}})
    written = run_bloc(tmp_path, data, {c: {**FULL_SMALL, "1.1": 20 - i} for i, c in enumerate(codes)})
    proposed = [u["code"] for u in written.json["units"] if u["award"] == "flag"]
    assert proposed == codes[:flags]
    rows = ranking_rows(written)
    assert [name for name, row in rows.items() if row["award"]] == [f"Unit {c}" for c in codes[:flags]]
    if flags:
        places = "1 place" if flags == 1 else f"{flags} places"
        assert rows[f"Unit {codes[flags]}"]["remarks"] == f"all places for Emulation flag are proposed ({places})"
    else:
        assert [i["code"] for i in written.json["issues"] if i["code"].startswith("award")] == ["award-no-places"]


def test_a_fraction_of_an_occurrence_is_an_error_at_its_cell(tmp_path):
    data = small(deductions={"criteria": [
        {"code": "D1", "title": "Late reports (0.5 per report)", "max": 2, "per_occurrence": 0.5}]})
    written = run_bloc(tmp_path, data, {"A": {**FULL_SMALL, "D1": 1.5}, "B": {**FULL_SMALL, "D1": 30}})
    [issue] = [i for i in written.json["issues"] if i["severity"] == "error" and i["code"] != "unit-missing"]
    assert (issue["code"], issue["unit"], issue["criterion"], issue["cell"]) == ("count-not-whole", "A", "D1", "D18")
    assert "1.5 is not a whole number" in issue["message"] and "each time counts 0.5 points" in issue["message"]
    assert json_units(written)["Đơn vị B"]["deductions"] == 2.0  # 30 times, capped at the item's max
