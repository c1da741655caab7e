"""Two pieces of independent work on two cores: another process does one while this one does the other.

The outputs of a run are independent files. The workbook takes most of the writing time; the JSON and the
Word documents are written meanwhile by a fork, which shares the run's result without copying or pickling
it, or, in a small run, by a helper forked at the start, whose imports (python-docx) were done while this
process imported pandas; a province's Details table is rendered by a fork of its own (`Later`). Where
forking is not safe or not available, the pieces run one after the other.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import pickle
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from typing import IO, TypeVar, cast

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


def can_fork() -> bool:
    """Whether a piece of work can go to a fork of this process and run on another core."""
    return (os.cpu_count() or 1) >= 2 and fork_is_safe()


class Helper:
    """A fork of this process made early, which imports what a later piece of work needs while this process
    goes on, then does that one piece of work (`beside(..., helper=)`), or leaves when told to (`close`).

    On two cores a small run leaves the second idle while this process imports pandas: a helper made then
    has its imports done before the work is ready. A module named "module:function" has that function
    called once imported, to prepare more than the imports (the documents' empty pages). The work reaches
    it pickled, so it must be a module-level function or a `functools.partial` of one, over arguments
    that pickle.
    """

    def __init__(self, modules: Sequence[str]) -> None:
        self._jobs_read, self._jobs = os.pipe()
        # Room for the whole work in the pipe, where Linux allows it (1 MB for any process): handing it over
        # then never waits for the helper to finish its preparation and read.
        with contextlib.suppress(ImportError, AttributeError, OSError):
            import fcntl  # not on Windows, where there is no helper anyway

            fcntl.fcntl(self._jobs, fcntl.F_SETPIPE_SZ, 1 << 20)
        self._answers, answers_write = os.pipe()

        def serve() -> None:  # pragma: no cover - the helper's lines run in the fork
            os.close(self._jobs)
            os.close(self._answers)
            _prepare_then_serve(modules, self._jobs_read, answers_write)

        self.pid: int | None = _fork(serve)
        os.close(self._jobs_read)
        os.close(answers_write)

    @classmethod
    def start(cls, modules: Sequence[str]) -> Helper | None:
        """A helper importing `modules`, or None where the work could not run beside this process anyway."""
        return cls(modules) if can_fork() else None

    def send(self, work: Callable[[], object]) -> bool:
        """Hand the helper its work; False (and the helper gone) when the work does not pickle."""
        try:
            payload = pickle.dumps(work)
        except Exception:
            self.close()
            return False
        _send_framed(self._jobs, payload)
        return True

    def collect(self) -> tuple[tuple[object] | None, BaseException | None]:
        """What the work came to, as `_collect` tells it."""
        assert self.pid is not None
        pid, self.pid = self.pid, None
        return _collect(self._answers, pid)

    def close(self) -> None:
        """Tell a helper with no work to leave, and wait for it; nothing for one already collected."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        with contextlib.suppress(OSError):
            _send_framed(self._jobs, b"")  # no work: the helper leaves
        with contextlib.suppress(OSError):
            os.close(self._answers)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


class Later:
    """Text a fork of this process computes from now on, for this process to take when it needs it (`text`):
    work that needs nothing this process does meanwhile, done on the other core.

    The fork writes into an unnamed temporary file, never a pipe, so it never waits for this process to read.
    Where forking is not safe, or the fork fails (an error, a crash, its memory), the text is computed here
    when asked for: the same text, later.
    """

    def __init__(self, compute: Callable[[], str]) -> None:
        self._compute = compute
        self._pid: int | None = None
        self._file: IO[bytes] | None = None
        if not can_fork():
            return
        stored = self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by text(), after the fork

        def store() -> None:  # pragma: no cover - runs in the fork, which tells how it went by its status
            stored.write(compute().encode("utf-8"))
            stored.flush()

        self._pid = _fork(store)

    def text(self) -> str:
        """The text: the fork's, once it has ended well, else computed now."""
        pid, self._pid = self._pid, None
        stored, self._file = self._file, None
        if pid is not None and stored is not None:
            with stored, contextlib.suppress(ChildProcessError):  # reaped elsewhere: its end is unknown
                _pid, status = os.waitpid(pid, 0)
                if os.waitstatus_to_exitcode(status) == 0:
                    stored.seek(0)
                    return stored.read().decode("utf-8")
        return self._compute()


def _send_framed(pipe: int, payload: bytes) -> None:
    with os.fdopen(pipe, "wb") as stream:
        stream.write(len(payload).to_bytes(8, "little") + payload)


def _fork(child: Callable[[], object]) -> int:
    """Fork this process and run `child()` in the fork, which then ends: status 0 when it returned, 1 when
    it raised, without running anything of this process's program (atexit handlers, buffered output,
    pytest's teardown). Ctrl-C is this process's to handle: it undoes what the fork wrote. The fork's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the fork
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            child()
            status = 0
        finally:
            os._exit(status)
    return pid


def _prepare_then_serve(modules: Sequence[str], jobs: int, answers: int) -> None:  # pragma: no cover - fork
    for entry in modules:  # "module", or "module:function" to call once it is imported
        name, _, function = entry.partition(":")
        with contextlib.suppress(Exception):  # only a preparation: the work imports what it needs anyway
            module = importlib.import_module(name)
            if function:
                getattr(module, function)()
    # Framed, not read to its end: a process forked later (a reading worker) holds a copy of the writing end.
    with os.fdopen(jobs, "rb") as stream:
        size = int.from_bytes(stream.read(8) or bytes(8), "little")
        payload = stream.read(size) if size else b""
    if not payload:
        return  # no work: the helper leaves
    try:
        work = pickle.loads(payload)
    except BaseException as error:
        error_text = "".join(traceback.format_exception(error))
        work = functools.partial(_raise, RuntimeError(f"the helper could not read its work:\n{error_text}"))
    _serve(work, answers)


def _raise(error: BaseException) -> None:  # pragma: no cover - runs in the helper
    raise error


def beside(main: Callable[[], Main], side: Callable[[], Side], *, undo_main: Callable[[Main], object],
           undo_side: Callable[[Side], object], helper: Helper | None = None) -> tuple[Main, Side]:
    """`main()` here and `side()` in another process at the same time; both results, or the error.

    The other process is `helper` when one is given and `side` pickles, else a fork of this process made
    now. `side`'s result and any exception it raises come back pickled. When one of them fails, what the
    other did is undone (`undo_main`, `undo_side`: removing a file it wrote) and the failure is raised here,
    the main one first. On one core, or where forking is not safe, they run one after the other.
    """
    if helper is not None and helper.send(side):
        return _with_other(main, helper.collect, undo_main, undo_side)
    if not can_fork():
        done = main()
        try:
            return done, side()
        except BaseException:
            undo_main(done)
            raise
    reader, writer = os.pipe()

    def serve() -> None:  # pragma: no cover - runs in the fork, which reports through the pipe
        os.close(reader)
        _serve(side, writer)

    pid = _fork(serve)
    os.close(writer)
    return _with_other(main, functools.partial(_collect, reader, pid), undo_main, undo_side)


def _with_other(main: Callable[[], Main], collect: Callable[[], tuple[tuple[object] | None, BaseException | None]],
                undo_main: Callable[[Main], object], undo_side: Callable[[Side], object]) -> tuple[Main, Side]:
    """Run `main` while the other process works, then take the other's outcome (`collect`)."""
    try:
        main_done = main()
    except BaseException:
        side_done, _failure = collect()
        if side_done is not None:
            undo_side(cast(Side, side_done[0]))
        raise
    side_done, failure = collect()
    if side_done is not None:
        return main_done, cast(Side, side_done[0])
    undo_main(main_done)
    assert failure is not None
    raise failure


def _serve(side: Callable[[], object], pipe: int) -> None:  # pragma: no cover - runs in the fork
    """Run `side` and send back what came of it: its result, or the exception it raised."""
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
