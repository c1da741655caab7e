"""forking.beside: two pieces of work at once, each one's failure undoing the other's, forked or not."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pipeline import forking
from pipeline.errors import OutputError
from pipeline.forking import beside


@pytest.fixture(params=["forked", "one after the other"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "forked":
        if not forking.fork_is_safe() or (os.cpu_count() or 1) < 2:
            pytest.skip("forking is not safe here (not Linux, or Python 3.12+ with threads): beside runs in turn")
    else:
        monkeypatch.setattr(forking, "fork_is_safe", lambda: False)
    return str(request.param)


def test_both_results_come_back(mode: str, tmp_path: Path) -> None:
    side_file = tmp_path / "side.txt"

    def side() -> tuple[str, int]:
        side_file.write_text("written by the side")  # a fork shares the file system, not the memory
        return "side", os.getpid()

    undone: list[object] = []
    main_result, (name, pid) = beside(lambda: "main", side, undo_main=undone.append, undo_side=undone.append)
    assert (main_result, name) == ("main", "side")
    assert (pid != os.getpid()) == (mode == "forked")
    assert side_file.read_text() == "written by the side"
    assert undone == []


def test_a_side_failure_undoes_the_main_work_and_is_raised_as_it_was(mode: str) -> None:
    def side() -> str:
        raise OutputError("the disk is full: free some space, then run again")

    undone: list[object] = []
    with pytest.raises(OutputError) as raised:
        beside(lambda: "workbook staged", side, undo_main=undone.append, undo_side=undone.append)
    assert raised.value.message == "the disk is full: free some space, then run again"
    assert undone == ["workbook staged"]


def test_a_main_failure_undoes_the_side_work(mode: str) -> None:
    def main() -> str:
        raise OSError(28, "No space left on device")

    undone: list[object] = []
    with pytest.raises(OSError, match="No space left"):
        beside(main, lambda: ["json staged"], undo_main=undone.append, undo_side=undone.append)
    assert undone == ([["json staged"]] if mode == "forked" else [])  # in turn, the side never started


def test_an_exception_that_does_not_pickle_still_says_what_happened(mode: str) -> None:
    class Unpicklable(Exception):
        def __init__(self) -> None:
            super().__init__("what went wrong")
            self.lock = threading.Lock()

    def side() -> None:
        raise Unpicklable

    with pytest.raises(Exception, match="what went wrong"):
        beside(lambda: None, side, undo_main=lambda _: None, undo_side=lambda _: None)


@pytest.mark.skipif(not forking.fork_is_safe(), reason="no fork here: beside runs in turn, in this process")
def test_a_fork_that_dies_is_an_error_not_a_hang() -> None:

    def side() -> None:
        os._exit(7)

    undone: list[object] = []
    with pytest.raises(RuntimeError, match="exit status 7"):
        beside(lambda: "main", side, undo_main=undone.append, undo_side=undone.append)
    assert undone == ["main"]
