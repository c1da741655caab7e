"""Readers that misbehave on unit A's file, handed to the worker processes by name (tests/test_reading_isolation.py).

They live in a module of their own, importing little, because each worker imports it to find them.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import python_calamine

from pipeline.reading.mail.messages import Attachment
from pipeline.reading.read import Submission, read_attachment, read_submission

VICTIM = "A.xlsx"


def abort(path: Path, root: Path, name: str) -> Submission:
    """A native crash, as python-calamine's Rust code aborts: SIGABRT, no Python exception, no cleanup."""
    if path.name == VICTIM:
        os.abort()
    return read_submission(path, root, name)


def allocate(path: Path, root: Path, name: str) -> Submission:
    """A runaway allocation: 8 GB, far past a worker's limit (calloc: no page is touched, so it is quick)."""
    if path.name == VICTIM:
        hoard = bytearray(8 * 1024 * 1024 * 1024)
        return Submission(name, size=len(hoard))
    return read_submission(path, root, name)


def hang(path: Path, root: Path, name: str) -> Submission:
    """A reader that never returns."""
    if path.name == VICTIM:
        time.sleep(3600)
    return read_submission(path, root, name)


def unchecked(path: Path, root: Path, name: str) -> Submission:
    """python-calamine itself, without the pre-checks, on every sheet: what the reader did before them."""
    if path.name == VICTIM:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for sheet in book.sheet_names:
            book.get_sheet_by_name(sheet).to_python()
    return read_submission(path, root, name)


def bug(path: Path, root: Path, name: str) -> Submission:
    """A mistake in the program, not in the file: it must stop the run loudly, not hide as a file problem."""
    if path.name == VICTIM:
        raise ZeroDivisionError("a bug")
    return read_submission(path, root, name)


def abort_attachment(attachment: Attachment, root: Path, name: str) -> Submission:
    """A native crash on an e-mail's attachment named A.xlsx, as `abort` on a file."""
    if name.endswith(VICTIM):
        os.abort()
    return read_attachment(attachment, root, name)
