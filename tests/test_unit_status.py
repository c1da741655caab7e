"""A unit's status in a run: scored, invalid (its file has errors) or missing (it sent nothing)."""

from pipeline.run import run
from tests.conftest import FULL_SMALL, values


def test_a_unit_that_sent_nothing_is_missing_not_invalid(small_rules, write_filled, tmp_path):
    write_filled(small_rules, "A", values(**FULL_SMALL))
    write_filled(small_rules, "B", values(**{**FULL_SMALL, "1.1": 25}))  # above the max of 20
    result = run(small_rules, tmp_path / "input")
    assert result.status == {"A": "scored", "B": "invalid", "C": "missing", "D": "missing"}
