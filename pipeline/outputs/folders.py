"""An output folder made, files and folders flushed to the disk, and the operating system's refusals
turned into messages that say what to do."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from pipeline.core.errors import OutputError
from pipeline.core.labels import text


def prepare_folder(out: Path, lang: str) -> None:
    """Make the output folder, or say in the user's language why it cannot be one."""
    if out.exists() and not out.is_dir():
        raise OutputError(text(lang, "output.not_a_folder", path=str(out)))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(error, out, lang) from error


def output_error(error: BaseException, path: Path, lang: str) -> OutputError:
    """The message for an operating system's refusal to write `path`: what happened and what to do."""
    cause = error.args[0] if is_xlsxwriter_error(error) and error.args else error
    number = cause.errno if isinstance(cause, OSError) else None
    key = _ERRNO_KEYS.get(number) if number is not None else None
    if number in (errno.ENOTDIR, errno.EEXIST):  # name the file that stands where a folder should be
        path = next((p for p in (path, *path.parents) if p.is_file()), path)
    if key:
        return OutputError(text(lang, key, path=str(path)))
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    return OutputError(text(lang, "report.output_failed", path=str(path), reason=reason))


# errno → message key; EPERM is also what an immutable file or folder (chattr +i) answers.
_ERRNO_KEYS = {
    errno.EROFS: "output.read_only",
    errno.EACCES: "output.denied",
    errno.EPERM: "output.denied",
    errno.ENOSPC: "output.full",
    errno.EDQUOT: "output.full",
    errno.ENOTDIR: "output.not_a_folder",
    errno.EEXIST: "output.not_a_folder",
}


def is_xlsxwriter_error(error: BaseException) -> bool:
    # xlsxwriter wraps the OSError of its final write in FileCreateError, which is not an OSError.
    return type(error).__module__.startswith("xlsxwriter") and bool(error.args) and isinstance(error.args[0], OSError)


def sync_file(path: Path) -> None:
    """Wait until the file's bytes are on the disk, not only in the system's cache: renamed into place
    before that, a power cut could leave an output of the right name and no content."""
    # Opened for writing: Windows flushes a file only through a handle that may write it.
    handle = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# What a file system answers when it cannot flush a folder (some network shares, FUSE): nothing to wait for.
_NO_FOLDER_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EISDIR,
                             errno.EACCES, errno.EPERM})


def sync_folder(folder: Path) -> None:
    """Wait until the names in `folder` (files made, renamed or removed) are on the disk.

    Windows cannot open a folder as a file, and NTFS journals its renames itself: nothing to do there.
    """
    if sys.platform == "win32":
        return
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        if error.errno in _NO_FOLDER_SYNC:
            return
        raise
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in _NO_FOLDER_SYNC:
            raise
    finally:
        os.close(handle)
