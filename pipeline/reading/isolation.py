"""Reading untrusted files in worker processes, so that a crash, a runaway allocation or a hang costs one file."""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import traceback
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from pipeline.reading.archive import MAX_FILE_BYTES
from pipeline.reading.inputs import display_names, distinct_names, read_regular
from pipeline.reading.mail.messages import MAIL_SUFFIXES, Attachment, Opened
from pipeline.reading.read import Submission, read_attachment, read_submission
from pipeline.reading.recognise import name_suffix

# A filled template reads in a few milliseconds; the largest file the limits let through, in about two seconds.
READ_TIME_LIMIT = 30.0  # seconds per file, wall clock
# What a worker may add to its address space while reading one file (Linux only: docs/files.md, Safety limits).
READ_MEMORY_LIMIT = 1024 * 1024 * 1024
MAX_BATCH = 16  # files handed to a worker at once; their answers come back together
# From this many files on, one worker per core (up to 4); below it one worker: more cost more than they save.
PARALLEL_THRESHOLD = 64

# (path, root, display name) → what was read. A test hands in one that crashes on a chosen file.
Reader = Callable[[Path, Path, str], Submission]
# What a worker reads: a file of the input folder, or a spreadsheet an e-mail file held (read_attachment).
Source = Path | Attachment
_ALLOCATION_FAILED = b"memory allocation of"  # what Rust prints before aborting when an allocation fails


def read_submissions(
    paths: Iterable[Path], root: Path, *, workers: int | None = None, on_read: Callable[[int], None] | None = None,
    reader: Reader = read_submission, names: Sequence[str] | None = None,
) -> list[Submission]:
    """Read every file, each in a worker process, in the order of `paths`; `on_read(done)` follows along.

    Files are shown by their name relative to `root`, or by `names`. `workers` is the number of reading
    processes (default: by the number of files); 0 reads in this process, unprotected: for measuring what
    the workers cost, never for a run. Each e-mail file is followed by the spreadsheets it held.
    """
    return read_batches([Batch(list(paths), root, names)], workers=workers, on_read=on_read, reader=reader)[0]


@dataclass(frozen=True)
class Batch:
    """One folder's files among others' (a province's blocs): named, checked for look-alike names and
    followed by their e-mails' spreadsheets on their own, read in the same pool as the others."""

    paths: Sequence[Path]
    root: Path
    names: Sequence[str] | None = None


def read_batches(
    batches: Sequence[Batch], *, workers: int | None = None, on_read: Callable[[int], None] | None = None,
    reader: Reader = read_submission,
) -> list[list[Submission]]:
    """Read the files of every batch in one pool of workers (as `read_submissions` reads one folder's): what
    was read, batch by batch. `on_read(done)` counts the files of all batches together."""
    jobs: list[tuple[Path, str, Path]] = []
    named: list[tuple[int, list[tuple[int, str]], Path]] = []
    for batch in batches:
        paths = list(batch.paths)
        if batch.names is None:
            shown, renamed = display_names(paths, batch.root)
        else:
            shown, renamed = distinct_names(list(batch.names), paths)
        jobs += [(path, name, batch.root) for path, name in zip(paths, shown, strict=True)]
        named.append((len(paths), renamed, batch.root))
    if workers is None:
        workers = _worker_count(len(jobs))
    if not jobs:
        read: list[Submission] = []
    elif workers <= 0:
        read = []
        for path, name, root in jobs:
            read.append(reader(path, root, name))
            if on_read is not None:
                on_read(len(read))
    else:  # every job carries its display name: the root only names a file that has none
        read = read_isolated([(path, name) for path, name, _root in jobs], jobs[0][2], workers=workers,
                             reader=reader, on_read=on_read)
    found, start = [], 0
    for count, renamed, root in named:
        submissions = read[start:start + count]
        start += count
        for index, looks_like in renamed:
            submissions[index].issue("name-lookalike", params={"other": looks_like})
        found.append(_with_attachments(submissions, root, workers))
    return found


def _worker_count(files: int) -> int:
    """One worker per core (up to 4) from PARALLEL_THRESHOLD files on, else one."""
    return min(os.cpu_count() or 1, 4) if files >= PARALLEL_THRESHOLD else 1


def _with_attachments(submissions: list[Submission], root: Path, workers: int) -> list[Submission]:
    """Each e-mail file followed by its spreadsheets, read the same way as the files: in workers, but for
    `workers` = 0. The e-mail files were opened in workers too (Python's e-mail parser has been quadratic
    on some hostile headers), so what is read here is only what they handed back."""
    jobs = [(attachment, attachment.name) for s in submissions if s.mail for attachment in s.mail.attachments]
    if not jobs:
        return submissions
    if workers <= 0:
        read = [read_attachment(attachment, root, name) for attachment, name in jobs]
    else:
        read = read_isolated(jobs, root, workers=_worker_count(len(jobs)), reader=read_attachment)
    by_message = iter(read)
    flat: list[Submission] = []
    for submission in submissions:
        flat.append(submission)
        if submission.mail:
            flat += [next(by_message) for _ in submission.mail.attachments]
            submission.mail.attachments = []  # their bytes are read; the outputs need only what was found
    return flat


def read_isolated(
    jobs: Sequence[tuple[Source, str]], root: Path, *, workers: int,
    reader: Callable[..., Submission] = read_submission, on_read: Callable[[int], None] | None = None,
) -> list[Submission]:
    """Read each (source, display name) in one of `workers` processes; the results in the order of `jobs`."""
    pool = _Pool(jobs, root, workers=max(1, min(workers, len(jobs))), reader=reader, time_limit=READ_TIME_LIMIT,
                 memory_limit=READ_MEMORY_LIMIT, on_read=on_read)
    try:
        return pool.run()
    finally:
        pool.close()


def start_method() -> str:
    """How worker processes start: a fork of this process where that is safe and cheap, else a fork of a
    small server process that has imported only the reader (forkserver), else a fresh interpreter (spawn).

    A fork is safe on Linux under Python 3.11, which forks a process running other threads as
    ProcessPoolExecutor always did, or with no other thread running (Python 3.12 warns about forking with
    threads, since a child may inherit a lock held by one for ever).
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and (sys.version_info < (3, 12) or _one_thread()):
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _one_thread() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    log: Path  # the worker's stderr: Rust's last words before an abort say whether memory ran out
    # (index of the file being read, when it began): written by the worker before each file, so that a
    # worker answering a batch at once can still be timed, and blamed, file by file.
    progress: Any = None
    queue: deque[int] = field(default_factory=deque)  # indices handed over and not yet answered
    started: float = 0.0  # when the current batch was handed over

    def reading(self) -> tuple[int, float]:
        """The file this worker is reading (an index of its queue) and since when."""
        index, since = int(self.progress[0]), float(self.progress[1])
        if index in self.queue:
            return index, max(since, self.started)
        return self.queue[0], self.started  # the batch not begun yet: its first file, from when it was sent


class _Pool:
    """Reads each (path, display name) of `jobs` in one of `workers` processes; the results in their order.

    A worker that dies (a native abort, a segfault, an allocation past its limit) or overruns the time limit
    costs the file it was reading: that file gets `reader-crashed` or `file-too-complex`, the worker is
    replaced and the files queued behind it are read by the others.
    """

    def __init__(self, jobs: Sequence[tuple[Source, str]], root: Path, *, workers: int,
                 reader: Callable[..., Submission],
                 time_limit: float, memory_limit: int, on_read: Callable[[int], None] | None) -> None:
        self.jobs, self.root, self.size, self.reader = jobs, root, workers, reader
        self.time_limit, self.memory_limit, self.on_read = time_limit, memory_limit, on_read
        self.results: list[Submission | None] = [None] * len(jobs)
        self.pending: deque[int] = deque(range(len(jobs)))
        self.workers: list[_Worker] = []
        self.done = 0

    def run(self) -> list[Submission]:
        while self.done < len(self.jobs):
            self._step()
        return [result for result in self.results if result is not None]

    def _step(self) -> None:
        """Hand out files, then wait for one answer or a time limit."""
        self._hand_out()
        busy = [w for w in self.workers if w.queue]
        now = time.monotonic()
        wait_for = max(0.0, min(w.reading()[1] + self.time_limit for w in busy) - now)
        ready = wait([w.connection for w in busy], timeout=wait_for)
        for worker in busy:
            if worker.connection in ready:
                self._receive(worker)
            elif time.monotonic() >= worker.reading()[1] + self.time_limit:
                self._lose(worker, "file-too-complex", {"limit": f"{self.time_limit:g} s"})

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in self.workers:
            worker.process.join(timeout=1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
            worker.log.unlink(missing_ok=True)
        self.workers = []

    def _hand_out(self) -> None:
        idle = [w for w in self.workers if not w.queue]
        while self.pending and len(self.workers) < self.size:
            idle.append(self._start())
        for worker in idle:
            if not self.pending:
                break
            # Small batches near the end keep both workers busy until the last file.
            count = max(1, min(MAX_BATCH, len(self.pending) // (2 * self.size)))
            batch = [self.pending.popleft() for _ in range(min(count, len(self.pending)))]
            worker.connection.send([(index, *self.jobs[index]) for index in batch])
            worker.queue.extend(batch)
            worker.started = time.monotonic()

    def _start(self) -> _Worker:
        # Decided at each start: a worker replaced after pandas has started its threads may need a forkserver.
        method = start_method()
        context: BaseContext = multiprocessing.get_context(method)
        if method == "forkserver":
            # The server imports the reader once; each worker is then a cheap fork of it.
            context.set_forkserver_preload(["pipeline.reading.read"])
        ours, theirs = context.Pipe()
        progress = context.RawArray("d", [-1.0, 0.0])
        handle, log = tempfile.mkstemp(prefix="bloc-score-reader-", suffix=".log")
        os.close(handle)
        process = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(theirs, self.reader, self.root, self.memory_limit, log, progress), daemon=True,
        )
        with _main_module_hidden():
            process.start()
        theirs.close()
        worker = _Worker(process, ours, Path(log), progress)
        self.workers.append(worker)
        return worker

    def _receive(self, worker: _Worker) -> None:
        try:
            answers = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            self._lose(worker, *self._cause_of_death(worker))
            return
        for index, outcome, payload in answers:
            expected = worker.queue.popleft()
            assert index == expected, (index, expected)
            if outcome == "bug":
                raise RuntimeError(f"reading {self.jobs[index][1]} failed:\n{payload}")
            if outcome == "ok":
                self._store(index, payload)
            elif outcome == "panic":
                self._store(index, self._refused(index, "reader-crashed", {"detail": payload}))
            else:
                self._store(index, self._refused(index, "file-too-complex", self._memory_params()))

    def _cause_of_death(self, worker: _Worker) -> tuple[str, dict[str, Any]]:
        try:
            with worker.log.open("rb") as log:
                last_words = log.read(1 << 16)
        except OSError:
            last_words = b""
        if _ALLOCATION_FAILED in last_words:
            return "file-too-complex", self._memory_params()
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit status {code}"
        return "reader-crashed", {"detail": how}

    def _memory_params(self) -> dict[str, Any]:
        return {"limit": f"{self.memory_limit // (1024 * 1024)} MB"}

    def _lose(self, worker: _Worker, code: str, params: dict[str, Any]) -> None:
        """The worker is gone or hung: blame the file it was reading, requeue the rest (those read before it
        in the batch too: their answers went with the worker), forget the worker."""
        index = worker.reading()[0]
        worker.queue.remove(index)
        self.pending.extendleft(reversed(worker.queue))
        worker.queue.clear()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.connection.close()
        worker.log.unlink(missing_ok=True)
        self.workers.remove(worker)
        self._store(index, self._refused(index, code, params))

    def _refused(self, index: int, code: str, params: dict[str, Any]) -> Submission:
        path, name = self.jobs[index]
        submission = Submission(name)
        if isinstance(path, Attachment):
            submission.size, submission.sha256, submission.envelope = path.size, path.sha256, path.envelope
        else:
            if name_suffix(path.name) in MAIL_SUFFIXES:
                submission.mail = Opened()  # an e-mail file that could not be opened: still no unit's file
            try:
                content = read_regular(path, limit=MAX_FILE_BYTES)
            except OSError:
                pass
            else:
                submission.size, submission.modified = content.size, content.modified
                submission.sha256 = content.sha256
        submission.issue(code, params=params)
        return submission

    def _store(self, index: int, submission: Submission) -> None:
        self.results[index] = submission
        self.done += 1
        if self.on_read is not None:
            self.on_read(self.done)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a worker without it importing the program's main module again.

    A forkserver or spawn child re-imports `__main__` (the `bloc-score` script, pytest, a benchmark) before
    running its target: a quarter of a second under pytest, for nothing, since the workers need only
    `pipeline.reading.isolation` and the reader, both importable by name. multiprocessing offers no option for
    this, so the module is hidden from it while the worker starts.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _serve(connection: Connection, reader: Callable[..., Submission], root: Path, memory_limit: int,
           log: str, progress: Any) -> None:
    """A worker: read the batches it is handed, one answer per batch, until it is handed None.

    Before each file it writes which and since when into `progress`, which the parent reads to time it and,
    should this process die, to blame it. One message per batch instead of per file halves what the parent
    spends taking the answers, at the same time as it imports pandas.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    gc.enable()  # whatever the parent does: a worker reads thousands of files, damaged ones raising errors
    faulthandler.disable()  # a crash is reported as the file's issue, not dumped on the terminal
    with open(log, "wb") as stderr:
        os.dup2(stderr.fileno(), 2)
    _limit_memory(memory_limit)
    while True:
        batch = connection.recv()
        if batch is None:
            return
        answers = []
        for index, path, name in batch:
            os.ftruncate(2, 0)  # the log holds what the current file made the reader say, nothing older
            os.lseek(2, 0, os.SEEK_SET)
            progress[1] = time.monotonic()
            progress[0] = index
            answers.append((index, *_read_one(reader, path, root, name)))
        connection.send(answers)


def _read_one(reader: Callable[..., Submission], path: Source, root: Path, name: str) -> tuple[str, Any]:
    try:
        return "ok", reader(path, root, name)
    except (MemoryError, RecursionError):
        return "too-complex", None
    except Exception:
        return "bug", traceback.format_exc()
    except BaseException as error:
        # pyo3 turns a panic inside the Rust reader into PanicException, which derives from BaseException.
        if type(error).__name__ == "PanicException":
            return "panic", (str(error).strip().splitlines() or ["panic"])[0][:160]
        raise


def _limit_memory(limit: int) -> None:
    """Cap the address space at what the worker has now plus `limit`; Linux only, where the cap is enforced."""
    if not sys.platform.startswith("linux") or limit <= 0:
        return
    import resource

    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = current + limit
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (OSError, ValueError):
        pass


