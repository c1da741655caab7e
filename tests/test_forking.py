"""forking.beside: two pieces of work at once, each one's failure undoing the other's, forked or not."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
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


# ------------------------------------------------------------------------------ a helper started early

HELPER_ONLY = "wave"  # a module of the standard library nothing here imports: the helper's preparation


def _report(value: str) -> tuple[str, int, bool]:
    return value, os.getpid(), HELPER_ONLY in sys.modules


def _refuse(message: str) -> None:
    raise OutputError(message)


needs_fork = pytest.mark.skipif(not forking.can_fork(), reason="no fork here: there is no helper to start")


@needs_fork
def test_a_helper_prepares_its_imports_then_does_the_work() -> None:
    assert HELPER_ONLY not in sys.modules
    helper = forking.Helper.start([HELPER_ONLY])
    assert helper is not None
    main_result, (value, pid, prepared) = beside(lambda: "main", functools.partial(_report, "side"),
                                                 undo_main=lambda _: None, undo_side=lambda _: None, helper=helper)
    assert (main_result, value) == ("main", "side")
    assert pid != os.getpid()
    assert prepared and HELPER_ONLY not in sys.modules  # imported there, not here
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # gone, and reaped by beside
    helper.close()  # nothing left to do


def _prepared_documents() -> int:
    from pipeline import minutes

    return len(minutes._PREPARED)


@needs_fork
def test_a_helper_calls_the_preparation_it_is_named_with() -> None:
    helper = forking.Helper.start(["pipeline.minutes:prepare", "no.such.module:nothing"])
    assert helper is not None
    _, prepared = beside(lambda: None, _prepared_documents, undo_main=lambda _: None, undo_side=lambda _: None,
                         helper=helper)
    assert prepared == 2  # made there, before the work came; a preparation that fails is only skipped


@needs_fork
def test_a_failure_in_the_helper_undoes_the_main_work() -> None:
    helper = forking.Helper.start([])
    undone: list[object] = []
    with pytest.raises(OutputError, match="the disk is full"):
        beside(lambda: "workbook staged", functools.partial(_refuse, "the disk is full"),
               undo_main=undone.append, undo_side=undone.append, helper=helper)
    assert undone == ["workbook staged"]


@needs_fork
def test_work_that_does_not_pickle_goes_to_a_fork_and_the_helper_leaves() -> None:
    helper = forking.Helper.start([])
    assert helper is not None
    pid = helper.pid
    main_result, side_result = beside(lambda: 1, lambda: 2, undo_main=lambda _: None, undo_side=lambda _: None,
                                      helper=helper)
    assert (main_result, side_result) == (1, 2)
    assert helper.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid or 0, os.WNOHANG)  # told to leave, and reaped


@needs_fork
def test_a_helper_never_needed_leaves_even_with_a_later_fork_holding_its_pipes() -> None:
    """A reading worker forked after the helper holds copies of its pipes: the helper still hears it may
    leave, and does its work when it has one (framed messages, never read to their end)."""
    helper = forking.Helper.start([])
    assert helper is not None
    holder = os.fork()
    if holder == 0:  # pragma: no cover - a stand-in for a reading worker
        time.sleep(30)
        os._exit(0)
    signal.alarm(10)  # a helper waiting for the end of its pipe would hang here
    try:
        helper.close()
        second = forking.Helper.start([])
        assert beside(lambda: "a", functools.partial(_report, "b"), undo_main=lambda _: None,
                      undo_side=lambda _: None, helper=second)[1][0] == "b"
    finally:
        signal.alarm(0)
        os.kill(holder, signal.SIGKILL)
        os.waitpid(holder, 0)


@needs_fork
def test_ctrl_c_is_the_parents_to_handle() -> None:
    """A Ctrl-C reaches every process of the terminal's group: the helper leaves it to the parent, which
    tells it to leave or collects its work."""
    helper = forking.Helper.start([])
    assert helper is not None and helper.pid is not None
    time.sleep(0.2)  # the helper has set itself up by then
    os.kill(helper.pid, signal.SIGINT)
    assert beside(lambda: "a", functools.partial(_report, "b"), undo_main=lambda _: None, undo_side=lambda _: None,
                  helper=helper)[1][0] == "b"


# ----------------------------------------------------------------------------------- text for later

def _pid_text() -> str:
    return str(os.getpid())


@needs_fork
def test_later_text_is_computed_by_a_fork_meanwhile() -> None:
    later = forking.Later(_pid_text)
    assert later.text() not in ("", str(os.getpid()))


@needs_fork
def test_later_text_is_computed_here_when_the_fork_fails() -> None:
    parent = os.getpid()

    def only_here() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the fork dies as a native crash would take it
        return "computed here"

    assert forking.Later(only_here).text() == "computed here"


@needs_fork
def test_later_text_is_computed_here_when_something_else_reaped_the_fork() -> None:
    later = forking.Later(lambda: "computed")
    assert later._pid is not None
    os.waitpid(later._pid, 0)  # an embedding program's SIGCHLD handler, say
    assert later.text() == "computed"


def test_later_text_without_a_fork_is_computed_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "can_fork", lambda: False)
    asked: list[int] = []

    def compute() -> str:
        asked.append(os.getpid())
        return "Đủ"

    later = forking.Later(compute)
    assert asked == []
    assert later.text() == "Đủ" and asked == [os.getpid()]
