"""Putting a set of staged outputs in place so that a kill, a crash or a full disk never leaves half of it
(docs/guarantees.md, Writing outputs).

A write stages every new file beside its target and flushes it to the disk (write.py); the commit then

1. flushes the folder, so the staged files' names are on the disk too;
2. writes the journal, `.bloc-score.journal`: every move of the commit, each earlier output into
   `previous/<its time>/` first, then each staged file onto its target. Written under a name of its own,
   flushed and renamed into place, it is the commit point;
3. makes the moves in that order, each an atomic rename, and flushes the folders;
4. removes the journal.

Killed before the journal is in place, a command leaves only staged files: the next command under the
folder's lock (lock.py) removes them (`recover`), and the earlier set stands. Killed after, the next command under the
lock first finishes the moves (`recover`): the new set stands, the earlier one in previous/. Every move is
made at most once, whenever the process stops, because its source is gone once it is made: the staged
files still there say the earlier outputs have not all moved yet. A move the operating system refuses (a
file open in Excel on Windows, a full disk making previous/) is undone at once and the folder is as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.core.errors import OutputError
from pipeline.core.labels import text
from pipeline.core.own_files import JOURNAL_DRAFT_NAME, JOURNAL_NAME, PREVIOUS_FOLDER, STAMP_FORMAT
from pipeline.outputs.folders import output_error, sync_file, sync_folder

_JOURNAL_VERSION = 1

Move = tuple[str, str]  # from → to, relative to the folder, with '/' between parts


@dataclass(frozen=True)
class Plan:
    """The moves of one commit into `folder`, in the order they are made."""

    folder: Path
    earlier: tuple[Move, ...]  # an earlier output → previous/<stamp>/<its name>
    staged: tuple[Move, ...]  # a staged file → its target

    @property
    def kept(self) -> dict[str, Path]:
        """Each earlier output's name → where it goes."""
        return {source: self._path(kept) for source, kept in self.earlier}

    def _path(self, relative: str) -> Path:
        return self.folder.joinpath(*PurePosixPath(relative).parts)

    def paths(self, moves: Sequence[Move]) -> Iterator[tuple[Path, Path]]:
        return ((self._path(source), self._path(target)) for source, target in moves)


def plan_commit(folder: Path, staged: Sequence[tuple[Path, Path]], retired: Sequence[Path]) -> Plan:
    """The plan that puts each staged file onto its target, after moving every earlier output there (and each
    `retired` output that exists) into one new subfolder of previous/."""
    earlier = [path.name for path in (*(target for _temporary, target in staged), *retired) if path.exists()]
    keep_in = previous_subfolder(folder, folder / earlier[0]) if earlier else ""
    return Plan(folder, tuple((name, f"{keep_in}/{name}") for name in earlier),
                tuple((temporary.name, target.name) for temporary, target in staged))


def previous_subfolder(folder: Path, first: Path) -> str:
    """`previous/2026-12-06 09.30.00`: the time the first earlier output was last written, that is when the
    set it belongs to was made; ` (2)`, ` (3)`… after it when two sets were made within the same second."""
    stamp = datetime.fromtimestamp(first.stat().st_mtime).strftime(STAMP_FORMAT)
    name, number = stamp, 1
    while (folder / PREVIOUS_FOLDER / name).exists():
        number += 1
        name = f"{stamp} ({number})"
    return f"{PREVIOUS_FOLDER}/{name}"


class _Refused(Exception):
    """A move the operating system refused: its error, and the output it concerns."""

    def __init__(self, error: OSError, path: Path) -> None:
        super().__init__(error)
        self.error = error
        self.path = path


def commit(plan: Plan, lang: str) -> None:
    """Make the moves of `plan`, all of them or, when the operating system refuses one, none."""
    folder = plan.folder
    try:
        sync_folder(folder)
        _write_journal(plan)
    except OSError as error:
        with contextlib.suppress(OSError):
            (folder / JOURNAL_DRAFT_NAME).unlink(missing_ok=True)
        raise output_error(error, folder, lang) from error
    try:
        _roll_forward(plan)
    except _Refused as refused:
        if _roll_back(plan):  # else the journal stays: the next command finishes the moves
            _remove_journal(folder)
        raise refused_error(refused.error, refused.path, lang) from refused.error
    _remove_journal(folder)


def refused_error(error: OSError, path: Path, lang: str) -> OutputError:
    """The message for a rename the operating system refused."""
    if sys.platform == "win32" and isinstance(error, PermissionError):  # the file is open in Excel
        return OutputError(text(lang, "report.output_locked", path=str(path), lock=error.strerror or str(error)))
    return output_error(error, path, lang)


def journal_pending(folder: Path) -> bool:
    """Whether a commit in `folder` is unfinished: its staged files are then the journal's to move."""
    return (folder / JOURNAL_NAME).exists()


def recover(folder: Path, lang: str) -> bool:
    """Finish the commit a killed command left in `folder`, if any: the moves its journal names that were
    not made yet. Called by the next command that writes there, under the folder's lock, before anything else.
    Returns whether there was one."""
    with contextlib.suppress(OSError):  # a journal never put in place: its commit never started
        (folder / JOURNAL_DRAFT_NAME).unlink(missing_ok=True)
    pending = journal_pending(folder)
    plan = _read_journal(folder) if pending else None
    if plan is not None:
        try:
            _roll_forward(plan)
        except _Refused as refused:
            reason = refused.error.strerror or str(refused.error)
            raise OutputError(text(lang, "output.recovery_failed", folder=str(folder), path=str(refused.path),
                                   reason=reason)) from refused.error
    if pending:
        _remove_journal(folder)
    remove_staged(folder)  # of a write killed before its commit: the earlier set stands
    return pending


# mkstemp's names for a staged output (write.py): a dot, the target's stem, '-', eight characters of
# [a-z0-9_], the target's suffix.
def staged_pattern(target: Path) -> re.Pattern[str]:
    """The names of the files staged for `target`."""
    return re.compile(rf"\.{re.escape(target.stem)}-[a-z0-9_]{{8}}{re.escape(target.suffix)}")


# Any output's: the suffixes bloc-score stages (a workbook, the JSON, a Word document, a draft e-mail).
_ANY_STAGED = re.compile(r"\..+-[a-z0-9_]{8}\.(xlsx|json|docx|eml)")


def remove_staged(folder: Path) -> list[Path]:
    """Remove every staged file in `folder`: only under the folder's lock, where none is anyone's work in
    progress and a pending journal's have been moved."""
    removed = []
    try:
        candidates = [path for path in folder.iterdir() if _ANY_STAGED.fullmatch(path.name)]
    except OSError:
        return []
    for candidate in candidates:
        try:
            if candidate.is_file() and not candidate.is_symlink():
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue  # left for the next command: a stale file never stops this one
    return removed


def _write_journal(plan: Plan) -> None:
    draft = plan.folder / JOURNAL_DRAFT_NAME
    content = {"bloc-score journal": _JOURNAL_VERSION, "earlier": plan.earlier, "staged": plan.staged}
    with open(draft, "w", encoding="utf-8") as file:
        json.dump(content, file, ensure_ascii=False, indent=1)
    sync_file(draft)
    os.replace(draft, plan.folder / JOURNAL_NAME)
    sync_folder(plan.folder)


def _read_journal(folder: Path) -> Plan | None:
    """The plan a journal names; None for one this tool did not write (unreadable, or naming a path outside
    the folder), which is then only removed: nothing is moved on its word."""
    try:
        content = json.loads((folder / JOURNAL_NAME).read_text(encoding="utf-8"))
        if content.get("bloc-score journal") != _JOURNAL_VERSION:
            return None
        earlier, staged = _moves(content["earlier"]), _moves(content["staged"])
    except (OSError, ValueError, AttributeError, KeyError):
        return None
    return None if earlier is None or staged is None else Plan(folder, earlier, staged)


def _moves(found: object) -> tuple[Move, ...] | None:
    if not isinstance(found, list):
        return None
    moves: list[Move] = []
    for move in found:
        if not (isinstance(move, list) and len(move) == 2 and all(isinstance(p, str) and _inside(p) for p in move)):
            return None
        moves.append((move[0], move[1]))
    return tuple(moves)


def _inside(relative: str) -> bool:
    """Whether `relative` names something inside the folder, read as Windows would read it too."""
    windows = PureWindowsPath(relative)
    return bool(relative) and not (PurePosixPath(relative).is_absolute() or windows.anchor or ".." in windows.parts)


def _roll_forward(plan: Plan) -> None:
    """The moves not made yet, in order. The earlier outputs all move before the first staged file does:
    so while every staged file is still there, an earlier output at its place has not moved yet."""
    folder = plan.folder
    if all(temporary.exists() for temporary, _target in plan.paths(plan.staged)):
        kept_in: set[Path] = set()
        for source, kept in plan.paths(plan.earlier):
            if source.exists() and not kept.exists():
                try:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, kept)
                except OSError as error:
                    raise _Refused(error, source) from error
                kept_in.add(kept.parent)
        try:  # the earlier outputs are safe in previous/ before a new file takes their place
            for subfolder in kept_in:
                sync_folder(subfolder)
                sync_folder(subfolder.parent)
        except OSError as error:
            raise _Refused(error, folder) from error
    for temporary, target in plan.paths(plan.staged):
        if temporary.exists():
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise _Refused(error, target) from error
    try:
        sync_folder(folder)
    except OSError as error:
        raise _Refused(error, folder) from error


def _roll_back(plan: Plan) -> bool:
    """Undo the moves made, the last first: each new file back to its staged name, each earlier output back
    to its place, but never over a file that is there. Returns whether every one was undone."""
    undone = True
    for temporary, target in reversed(list(plan.paths(plan.staged))):
        if not temporary.exists() and target.exists():
            undone = _undo(target, temporary) and undone
    for source, kept in reversed(list(plan.paths(plan.earlier))):
        if kept.exists() and not source.exists():
            undone = _undo(kept, source) and undone
    for subfolder in {kept.parent for _source, kept in plan.paths(plan.earlier)}:
        with contextlib.suppress(OSError):  # made for this commit, and empty again
            subfolder.rmdir()
    with contextlib.suppress(OSError):
        sync_folder(plan.folder)
    return undone


def _undo(source: Path, target: Path) -> bool:
    try:
        os.replace(source, target)
    except OSError:
        return False
    return True


def _remove_journal(folder: Path) -> None:
    # Once removed, the commit is over; were it to survive a power cut, finishing it again moves nothing.
    with contextlib.suppress(OSError):
        (folder / JOURNAL_NAME).unlink(missing_ok=True)
        sync_folder(folder)
