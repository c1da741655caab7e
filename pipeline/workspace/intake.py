"""Files handed to the working folder by the desk: a unit's workbook or a saved e-mail into input/, under a
name fit for any file system and never over a file already there.

The name is cleaned as an e-mail attachment's is (the last path component only, NFC, no control or
direction characters, at most 100 characters); a name already taken gets " (2)", " (3)"… before its
suffix, as Windows Explorer names a second copy. The limits are the reader's: a file it would refuse to read
is refused here, before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_UP, Decimal
from pathlib import Path

from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import format_number, text
from pipeline.core.own_files import PREVIOUS_FOLDER, STAMP_FORMAT
from pipeline.reading.archive import MAX_FILE_BYTES
from pipeline.reading.inputs import SPREADSHEET_SUFFIXES
from pipeline.reading.mail.messages import MAIL_SUFFIXES, clean_name
from pipeline.reading.read import MAX_MAIL_BYTES

# Files in one drop: a bloc's units and their resent copies, with room; a province's thousands go in by hand.
MAX_FILES_PER_DROP = 100
ACCEPTED_SUFFIXES = SPREADSHEET_SUFFIXES | MAIL_SUFFIXES
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Received:
    """A file as it arrived: the name it was given (from the browser, never trusted) and its bytes."""

    name: str
    data: bytes


def largest(suffix: str) -> int:
    """The largest file of this kind the reader reads: a saved e-mail may hold several workbooks."""
    return MAX_MAIL_BYTES if suffix in MAIL_SUFFIXES else MAX_FILE_BYTES


def refusal(files: Sequence[Received], lang: str) -> str | None:
    """Why this drop is refused as a whole (nothing of it is written), or None."""
    if len(files) > MAX_FILES_PER_DROP:
        return text(lang, "desk.drop_too_many", count=len(files), limit=MAX_FILES_PER_DROP)
    for received in files:
        if any(mark in received.name for mark in ("/", "\\")) or received.name.strip() in (".", ".."):
            # A browser sends a file's own name, never a path: this was not made by choosing a file.
            return text(lang, "desk.drop_path", name=clean_name(received.name, "?"))
        name = clean_name(received.name, "")
        suffix = Path(name).suffix.casefold()
        if suffix not in ACCEPTED_SUFFIXES:
            return text(lang, "desk.drop_not_accepted", name=name or "?",
                        suffixes=", ".join(sorted(ACCEPTED_SUFFIXES)))
        if len(received.data) > largest(suffix):
            # Rounded up: a file just over the limit never reads as the limit itself.
            size = (Decimal(len(received.data)) / MEGABYTE).quantize(Decimal("0.1"), ROUND_UP)
            return text(lang, "desk.drop_too_large", name=name, size=format_number(size, lang),
                        limit=format_number(largest(suffix) // MEGABYTE, lang))
    return None


def save_received(folder: Path, files: Sequence[Received], lang: str) -> list[Path]:
    """Write each file into `folder` (input/) under its cleaned, unused name; returns where each went.
    Raises BlocScoreError for a drop the reader would refuse, before writing anything."""
    refused = refusal(files, lang)
    if refused is not None:
        raise BlocScoreError(refused)
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for received in files:
        target = unused_name(folder, clean_name(received.name, "tep.xlsx"))
        # "x": never over a file, even one that appeared since the name was chosen.
        with open(target, "xb") as out:
            out.write(received.data)
            out.flush()
            os.fsync(out.fileno())
        saved.append(target)
    return saved


def unused_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name (2).xlsx`, `name (3).xlsx`… when taken (whatever its letters' case: Windows
    and macOS see one file)."""
    taken = {entry.name.casefold() for entry in folder.iterdir()} if folder.is_dir() else set()
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}){suffix}"
    return folder / candidate


def set_aside(folder: Path, name: str, lang: str) -> Path:
    """Move the file `name` of `folder` (input/) into `folder/previous/<now>/`: a unit's earlier file, once it
    sent a corrected one, is kept but no longer read. Only a file directly in `folder`, named exactly."""
    source = folder / name
    if Path(name).name != name or name in ("", ".", "..") or not source.is_file() or source.is_symlink():
        raise BlocScoreError(text(lang, "desk.set_aside_unknown", name=name))
    target = folder / PREVIOUS_FOLDER / datetime.now().strftime(STAMP_FORMAT)
    target.mkdir(parents=True, exist_ok=True)
    moved = unused_name(target, name)
    source.rename(moved)
    return moved
