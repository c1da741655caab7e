"""Random edits of valid submissions: the pipeline never crashes and never ranks a unit that breaks a rule.

The oracle below judges each edited cell on its own, from the rules, without the pipeline's code.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.rules.layout import template_filename
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.conftest import FULL_SMALL, rules_from, values

RULES = rules_from()
CRITERIA = {c.code: c for c in RULES.criteria()}


@pytest.fixture(scope="session")
def good_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four valid submissions, built once; each example edits a copy of unit A's."""
    folder = tmp_path_factory.mktemp("fuzz-good")
    for code in ("A", "B", "C", "D"):
        builders.template_for(RULES, code, folder / template_filename(RULES, RULES.unit(code)), values(**FULL_SMALL))
    return folder


# What a person might leave in a score cell, each with a verdict the oracle can reach on its own.
cell_values = st.one_of(
    st.decimals(min_value=-5, max_value=30, places=2).map(float),
    st.integers(min_value=-3, max_value=25),
    st.sampled_from(["N/A", "n/a", "", None, "8,5", "1.000", "đã trừ 0,5", "x", "=1+1", "-", True,
                     dt.datetime(2024, 5, 8)]),
)
evidence_values = st.sampled_from(["", None, "Báo cáo số 5", "=HYPERLINK(\"http://x\")", "@SUM(1)"])
score_cells = st.tuples(st.sampled_from(sorted(CRITERIA)), st.sampled_from(["D", "E"]), cell_values)
evidence_cells = st.tuples(st.sampled_from(sorted(CRITERIA)), st.just("F"), evidence_values)
edits = st.lists(st.one_of(score_cells, evidence_cells), min_size=1, max_size=4)


def as_number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str) and value.strip().replace(",", ".").replace(".", "", 1).lstrip("-").isdigit() \
            and not (value.count(".") == 1 and len(value.split(".")[1]) == 3):
        return Decimal(value.strip().replace(",", "."))
    return None


def breaks_a_rule(cells: dict[tuple[str, str], object]) -> bool:
    """Judge the unit's final cells from the rules alone.

    Column E, where older templates had the appraisal, never counts in a unit's own file: whatever it holds
    is only a warning (`appraisal-in-unit-file`), so the oracle judges the self-scores.
    """
    def blank(value) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    final_na: dict[str, bool] = {}
    for code, criterion in CRITERIA.items():
        for column in ("D",):
            value = cells[(code, column)]
            if blank(value):
                if column == "D" and criterion.kind == "base":
                    return True  # a blank self-score
                continue
            if isinstance(value, str) and value.strip().casefold() == "n/a":
                if not (criterion.na_allowed and criterion.kind == "base"):
                    return True
                continue
            number = as_number(value)
            if number is None or number < 0 or number > criterion.max:
                return True
            if criterion.step and number % criterion.step:
                return True
            if criterion.evidence_required and number > 0 and blank(cells[(code, "F")]):
                return True
        own = cells[(code, "D")]
        final_na[code] = isinstance(own, str) and own.strip().casefold() == "n/a"
    return any(all(final_na[c.code] for c in section.criteria) for section in RULES.sections)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=edits)
def test_random_edits_never_crash_and_never_rank_a_broken_unit(good_folder, changes):
    # The same 60 examples on every run (the `repeatable` profile in conftest.py); a scratch copy for each.
    with tempfile.TemporaryDirectory(dir=good_folder.parent) as scratch:
        folder = Path(scratch) / "input"
        shutil.copytree(good_folder, folder)
        path = folder / template_filename(RULES, RULES.unit("A"))
        good = values(**FULL_SMALL)
        cells: dict[tuple[str, str], object] = {}
        for code in CRITERIA:
            filled = good.get(code)
            cells[(code, "D")] = float(filled.self_score) if filled else None
            cells[(code, "E")] = None
            cells[(code, "F")] = filled.evidence if filled else ""
        addresses = {}
        for code, column, value in changes:
            cells[(code, column)] = value
            addresses[f"{column}{builders.criterion_row(RULES, code)}"] = value
        builders.edit(path, addresses)

        result = run(RULES, Workspace(input=folder))  # must not raise, whatever the cells hold

        ranked = {r.unit_code for r in result.ranked}
        assert {"B", "C", "D"} <= ranked
        if breaks_a_rule(cells):
            assert "A" not in ranked, [(i.code, i.cell) for i in result.issues if i.unit == "A"]
            assert result.status["A"] == "invalid"
        else:
            assert "A" in ranked, [(i.code, i.cell, i.params) for i in result.issues if i.severity == "error"]
