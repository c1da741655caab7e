"""The collector pauses during the heavy stages and always comes back as it was."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from pipeline.reading.isolation import read_submissions
from pipeline.reading.read import Submission
from pipeline.run import paused_gc, run
from pipeline.workspace.folders import Workspace
from tests.conftest import FULL_SMALL, values


def _failing_stage() -> None:
    with paused_gc():
        assert not gc.isenabled()
        raise RuntimeError("a stage failed")


def test_paused_then_restored_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        _failing_stage()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_run_leaves_the_collector_on(small_rules, write_filled, tmp_path):
    write_filled(small_rules, "A", values(**FULL_SMALL))
    run(small_rules, Workspace(input=tmp_path / "input"))
    assert gc.isenabled()


def test_a_reading_worker_collects_its_own_garbage(tmp_path):
    """The CLI pauses the collector before the workers start; a worker turns it back on for itself."""
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a workbook")
    gc.disable()
    try:
        [submission] = read_submissions([path], tmp_path, workers=1, reader=_collector_state)
    finally:
        gc.enable()
    assert submission.sheet == "collector on"


def _collector_state(path: Path, root: Path, name: str) -> Submission:
    submission = Submission(name)
    submission.sheet = "collector on" if gc.isenabled() else "collector off"
    return submission
