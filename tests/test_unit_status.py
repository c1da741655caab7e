"""A unit's status in a run: scored, invalid (its file has errors) or missing (it sent nothing)."""

from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests.conftest import FULL_SMALL, values


def test_a_unit_that_sent_nothing_is_missing_not_invalid(small_rules, write_filled, tmp_path):
    write_filled(small_rules, "A", values(**FULL_SMALL))
    write_filled(small_rules, "B", values(**{**FULL_SMALL, "1.1": 25}))  # above the max of 20
    result = run(small_rules, Workspace(input=tmp_path / "input"))
    assert result.status == {"A": "scored", "B": "invalid", "C": "missing", "D": "missing"}


def test_validation_leaves_what_reading_returned_as_it_was(small_rules, write_filled, tmp_path):
    """Validating twice finds the same problems once each: it never writes into the reading stage's objects."""
    from pipeline.checking.validate import validate
    from pipeline.reading.isolation import read_submissions
    from tests.builders import drop_identity

    path = write_filled(small_rules, "A", values(**{**FULL_SMALL, "1.1": 25}))
    drop_identity(path)  # validation says so about the file: template-identity-missing
    [submission] = read_submissions([path], path.parent)
    before = list(submission.issues)
    first = validate(small_rules, [submission])
    second = validate(small_rules, [submission])
    assert submission.issues == before
    assert "template-identity-missing" in [i.code for i in first.issues]
    assert [i.code for i in first.issues] == [i.code for i in second.issues]
