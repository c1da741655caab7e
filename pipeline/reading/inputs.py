"""The input folder: which entries are read, the name each is shown by, and what became of each one."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.own_files import OWN_FILES, PREVIOUS_FOLDER
from pipeline.reading.mail.messages import MAIL_SUFFIXES
from pipeline.reading.recognise import LOCK_PREFIXES, is_lock_file, is_workbook, name_suffix

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_STRAY_NAMES = {"desktop.ini": "desktop.ini", "thumbs.db": "Thumbs.db", ".ds_store": ".DS_Store"}
# What a skipped entry is, said in the reader's language when the issue is rendered.
_STRAY_KINDS = {"~$": "stray.excel_lock", ".~lock.": "stray.libreoffice_lock", "._": "stray.mac_metadata"}
# The folder's own note (input/README.txt says what to put there) and git's placeholder: not worth a line;
# nor bloc-score's own lock and journal (core/own_files.py), there when a command writes into the folder.
_FOLDER_NOTES = frozenset({"readme.txt", "readme.md", ".gitkeep"})
# The folder issues that name an entry of the input folder which was not read (docs/results-json.md, `inputs[]`).
# An attachment of a saved e-mail that is not a spreadsheet is such an entry too.
SKIPPED_CODES = frozenset({"stray-file", "not-a-spreadsheet", "not-a-file", "symlink-skipped",
                           "mail-attachment-skipped"})
# What became of each input, in the JSON's `inputs` (docs/results-json.md).
OUTCOMES = ("used", "duplicate-copy", "conflicting", "superseded", "unattributed", "refused", "skipped", "opened",
            "blank")


def display_name(path: Path, root: Path) -> str:
    """The name shown to users: relative, forward slashes, NFC (macOS hands out NFD names)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return unicodedata.normalize("NFC", relative.as_posix())


def display_names(paths: Sequence[Path], root: Path) -> tuple[list[str], list[tuple[int, str]]]:
    """One name per path, all different, and (index, name it looks like) for each renamed one.

    Two names that differ only in how a Vietnamese letter is encoded (NFC/NFD: one copied from a Mac, say)
    look the same: the one already in NFC (else the first by its bytes) keeps the name, the others get
    " [2]", " [3]" … so that each file keeps its own unit and its own line in the outputs.
    """
    return distinct_names([display_name(path, root) for path in paths], paths)


def distinct_names(names: list[str], paths: Sequence[Path]) -> tuple[list[str], list[tuple[int, str]]]:
    """`display_names` for names already made: equal ones told apart by the order of their paths' bytes."""
    names = list(names)
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        groups.setdefault(name, []).append(index)
    taken = set(names)
    renamed: list[tuple[int, str]] = []
    for name, indices in groups.items():
        if len(indices) < 2:
            continue
        ordered = sorted(indices, key=lambda i: (not unicodedata.is_normalized("NFC", paths[i].name),
                                                 os.fsencode(paths[i].name)))
        number = 1
        for index in ordered[1:]:
            candidate = name
            while candidate in taken:
                number += 1
                candidate = f"{name} [{number}]"
            taken.add(candidate)
            names[index] = candidate
            renamed.append((index, name))
    return names, renamed


def discover(folder: Path) -> tuple[list[Path], list[Issue]]:
    """The spreadsheet and saved e-mail files directly inside `folder`, and a line for every entry skipped.

    A file is read when its name says it is a spreadsheet or a saved e-mail (a trailing space or dot aside), or
    when its content shows a workbook whatever its name (`recognise.is_workbook`: no extension, say). A `~$…`
    or `.~lock.…` name is a lock file only when its content is one (`recognise.is_lock_file`).
    A symbolic link is never followed (it could lead anywhere on the disk): it is skipped with a warning
    naming where it points, and nothing is read from its target. Its previous/ holds the files the secretary
    set aside (a unit's earlier file, once it sent a corrected one): kept, never read.
    """
    entries = sorted(folder.iterdir(), key=lambda p: (unicodedata.normalize("NFC", p.name), os.fsencode(p.name)))
    names, _renamed = display_names(entries, folder)
    files: list[Path] = []
    issues: list[Issue] = []
    for entry, name in zip(entries, names, strict=True):
        lower = unicodedata.normalize("NFC", entry.name).casefold()
        if (lower in _FOLDER_NOTES or entry.name in OWN_FILES) and entry.is_file() and not entry.is_symlink():
            continue
        if entry.name == PREVIOUS_FOLDER and entry.is_dir() and not entry.is_symlink():
            continue  # the files the secretary set aside (the desk): kept, never read
        stray = _stray_kind(lower)
        if stray is not None and lower.startswith(LOCK_PREFIXES) and entry.is_file() and not entry.is_symlink() \
                and not is_lock_file(entry):
            stray = None  # a workbook a unit named like a lock file: read like any other file
        suffix = name_suffix(entry.name)
        if entry.is_symlink() or _is_junction(entry):
            issues.append(Issue("symlink-skipped", file=name, params={"target": _link_target(entry)}))
        elif stray:
            issues.append(Issue("stray-file", file=name, params={"what": stray}))
        elif entry.is_dir():
            if suffix in SPREADSHEET_SUFFIXES:
                issues.append(Issue("not-a-file", file=name))
            else:
                issues.append(Issue("stray-file", file=name, params={"what": Label("stray.folder")}))
        elif not entry.is_file():
            issues.append(Issue("stray-file", file=name, params={"what": Label("stray.special")}))
        elif suffix in SPREADSHEET_SUFFIXES or suffix in MAIL_SUFFIXES or is_workbook(entry):
            files.append(entry)
        else:
            issues.append(Issue("not-a-spreadsheet", file=name))
    return files, issues


def _is_junction(entry: Path) -> bool:
    is_junction = getattr(entry, "is_junction", None)  # Python 3.12+: a Windows directory junction
    return bool(is_junction()) if is_junction is not None else False


def _link_target(entry: Path) -> str:
    try:
        return unicodedata.normalize("NFC", os.readlink(entry))
    except OSError:
        return "?"


def _stray_kind(lower_name: str) -> Label | None:
    for prefix, key in _STRAY_KINDS.items():
        if lower_name.startswith(prefix):
            return Label(key)
    if lower_name in _STRAY_NAMES:
        return Label("stray.system", (("name", _STRAY_NAMES[lower_name]),))
    if lower_name.startswith("."):
        return Label("stray.hidden")
    return None


@dataclass(frozen=True)
class FileContent:
    """A regular file's bytes (None past the size limit), with its size, time and SHA-256."""

    data: bytes | None
    size: int
    modified: float
    sha256: str


def read_regular(path: Path, limit: int | None = None) -> FileContent:
    """Read a regular file without following a link: a file swapped for a link after `discover` still fails.

    Past `limit` bytes only the hash is taken, in blocks, and `data` is None.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        size = 0
        while block := os.read(handle, 1 << 20):
            digest.update(block)
            size += len(block)
            if limit is None or size <= limit:
                chunks.append(block)
            else:
                chunks.clear()
        data = b"".join(chunks) if limit is None or size <= limit else None
        return FileContent(data, size, _shown_time(info.st_mtime), digest.hexdigest())
    finally:
        os.close(handle)


def _shown_time(modified: float) -> float:
    """A file's time, or 0.0 (unknown) when it cannot be shown as a local date: Windows refuses times before
    1970, and no datetime holds one past year 9999; the Audit sheet and the JSON show a file's time."""
    try:
        datetime.fromtimestamp(modified)
    except (OverflowError, OSError, ValueError):
        return 0.0
    return modified


def discover_records(folder: Path | None) -> list[Path]:
    """The workbooks directly inside the bloc's folder (bloc/), where its own records are kept.

    Nothing else there is news: its README.txt, what later features keep beside the records, the earlier
    versions in previous/, the lock file Excel leaves while a record is open. A link is not followed.
    """
    if folder is None or not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: (unicodedata.normalize("NFC", p.name), os.fsencode(p.name))):
        lower = unicodedata.normalize("NFC", entry.name).casefold()
        if _stray_kind(lower) is None and entry.suffix.casefold() in SPREADSHEET_SUFFIXES \
                and not entry.is_symlink() and entry.is_file():
            found.append(entry)
    return found


def record_name(path: Path) -> str:
    """A bloc record's name in every output: its folder's name and its own, "bloc/appraisal-2024.xlsx", so
    that it is never taken for a file of the input folder."""
    return unicodedata.normalize("NFC", f"{path.parent.resolve().name}/{path.name}")
