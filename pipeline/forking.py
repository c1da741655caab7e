"""Two pieces of independent work on two cores: a fork of this process does one while this one does the other.

The outputs of a run are independent files. The workbook takes most of the writing time; the JSON and the
Word documents are written meanwhile by a fork, which shares the run's result without copying or pickling
it. Where forking is not safe or not available, the two pieces simply run one after the other.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar, cast

Main = TypeVar("Main")
Side = TypeVar("Side")


def fork_is_safe() -> bool:
    """Whether this process may fork: Linux, where a fork is cheap, and either Python 3.11 (which forks a
    process running other threads as ProcessPoolExecutor always did) or no other thread running (Python
    3.12 warns about forking with threads, since a child may inherit a lock held by one for ever)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    return sys.version_info < (3, 12) or _one_thread()


def _one_thread() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def beside(main: Callable[[], Main], side: Callable[[], Side], *,
           undo_main: Callable[[Main], object], undo_side: Callable[[Side], object]) -> tuple[Main, Side]:
    """`main()` here and `side()` in a fork of this process, at the same time; both results, or the error.

    `side`'s result and any exception it raises come back pickled. When one of them fails, what the other
    did is undone (`undo_main`, `undo_side`: removing a file it wrote) and the failure is raised here, the
    main one first. On one core, or where forking is not safe, they run one after the other.
    """
    if (os.cpu_count() or 1) < 2 or not fork_is_safe():
        done = main()
        try:
            return done, side()
        except BaseException:
            undo_main(done)
            raise
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's lines run in the fork, which reports through the pipe
        os.close(reader)
        _serve(side, writer)
    os.close(writer)
    try:
        main_done = main()
    except BaseException:
        side_done, _failure = _collect(reader, pid)
        if side_done is not None:
            undo_side(cast(Side, side_done[0]))
        raise
    side_done, failure = _collect(reader, pid)
    if side_done is not None:
        return main_done, cast(Side, side_done[0])
    undo_main(main_done)
    assert failure is not None
    raise failure


def _serve(side: Callable[[], object], pipe: int) -> None:  # pragma: no cover - runs in the fork
    """The fork's whole life: run `side`, send back what came of it, and leave without running anything
    of the parent's (atexit handlers, buffered output, pytest's teardown)."""
    status = 0
    try:
        try:
            outcome: tuple[str, object] = ("ok", side())
        except BaseException as error:
            error.add_note(f"(in the writing fork)\n{traceback.format_exc()}")
            outcome = ("error", error)
        try:
            payload = pickle.dumps(outcome)
        except Exception:  # a result or an exception that does not pickle: what happened still comes back
            what = outcome[1]
            told = "".join(traceback.format_exception(what)) if isinstance(what, BaseException) else repr(what)
            payload = pickle.dumps(("error", RuntimeError(f"the writing fork's answer does not pickle:\n{told}")))
        with os.fdopen(pipe, "wb") as stream:
            stream.write(payload)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _collect(reader: int, pid: int) -> tuple[tuple[object] | None, BaseException | None]:
    """What the fork sent: ((its result,), None), or (None, the exception it raised)."""
    with os.fdopen(reader, "rb") as stream:
        payload = stream.read()
    _pid, status = os.waitpid(pid, 0)
    if not payload:
        how = os.waitstatus_to_exitcode(status)
        return None, RuntimeError(f"the writing fork ended without an answer (exit status {how})")
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return (value,), None
    return None, value if isinstance(value, BaseException) else RuntimeError(str(value))
