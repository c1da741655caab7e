"""One bloc-score at a time writes into a folder (docs/guarantees.md, Writing outputs).

Every command that writes holds the lock of the folder it writes into from before it reads anything there
until it ends: the operating system's own lock (flock, or LockFileEx on Windows, through the filelock
library) on `.bloc-score.lock` in that folder. The system releases it when the process ends, however it
ends, so a killed command never leaves the folder locked. Whoever takes the lock first finishes the commit a
killed command left half-done (commit.recover); under it, a temporary file of this tool's pattern is
nobody's work in progress (write.remove_stale_temporaries).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.core.errors import OutputError
from pipeline.core.labels import text
from pipeline.core.own_files import LOCK_NAME
from pipeline.outputs.commit import recover
from pipeline.outputs.folders import output_error, prepare_folder

# How long a command waits for another one writing into the same folder: longer than a large bloc's run
# takes, short enough that a command left waiting behind a forgotten one says so and stops.
WAIT_SECONDS = 60.0

_held: dict[str, int] = {}  # the folders this process holds the lock of → how many holders inside it


def held(folder: Path) -> bool:
    """Whether this process holds the lock of `folder`."""
    return _key(folder) in _held


@contextmanager
def writing_into(folder: Path, lang: str, *, notice: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the lock of `folder` (made if missing) for the block; the commit a killed command left there is
    finished first. Another bloc-score writing there is waited for up to WAIT_SECONDS, `notice` told so once;
    then an `OutputError` says to run the command again once the other has finished.

    Taken again inside the block (a command's write holds the lock its command took), it is the same hold.
    """
    folder = Path(folder)
    prepare_folder(folder, lang)
    key = _key(folder)
    if key in _held:
        _held[key] += 1
        try:
            yield folder
        finally:
            _held[key] -= 1
        return
    lock = FileLock(folder / LOCK_NAME)
    try:
        if not _acquired(lock, 0):
            if notice is not None:
                notice(text(lang, "output.busy_waiting", folder=str(folder), seconds=f"{WAIT_SECONDS:g}"))
            if not _acquired(lock, WAIT_SECONDS):
                raise OutputError(text(lang, "output.busy", folder=str(folder), seconds=f"{WAIT_SECONDS:g}"))
    except OSError as error:  # a read-only folder, one the user may not write into
        raise output_error(error, folder, lang) from error
    _held[key] = 1
    try:
        recover(folder, lang)
        yield folder
    finally:
        del _held[key]
        lock.release()


def _acquired(lock: FileLock, timeout: float) -> bool:
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        return False
    return True


def _key(folder: Path) -> str:
    # One folder, however it is spelled: relative or absolute, through a link, in another case on Windows.
    return os.path.normcase(os.path.realpath(folder))
