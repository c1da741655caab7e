"""Writing the outputs atomically, never losing an earlier one: the workbook here, the JSON and the Word
documents after it (outputs/results_json.py holds the JSON's contract)."""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pipeline.core.errors import OutputError
from pipeline.core.labels import text
from pipeline.outputs.results_json import json_text, results_dict
from pipeline.rules.layout import minutes_filename, proposals_filename
from pipeline.run import RunResult, Tick, output_names, paused_gc

PREVIOUS_FOLDER = "previous"


@dataclass(frozen=True)
class Written:
    """What `write_outputs` wrote, and where the earlier outputs it replaced went."""

    workbook: Path
    results: Path
    kept_previous: dict[str, Path] = field(default_factory=dict)  # output name → its earlier version
    documents: tuple[Path, ...] = ()  # the minutes of the count and the proposal list, when written

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.workbook, self.results, *self.documents


def documents_due(result: RunResult) -> tuple[bool, bool]:
    """Which Word documents a run writes: the minutes once a tally was read, the proposal list once the
    awards are decided (the ranking is final: every unit scored and every configured vote tallied)."""
    minutes = result.vote is not None and result.vote.tally is not None
    return minutes, result.final


Output = Literal["json", "minutes", "proposals"]  # the outputs written after the workbook


def write_outputs(result: RunResult, output_dir: str | Path, *, tick: Tick | None = None) -> Written:
    """Write the workbook and the JSON into `output_dir`; an existing pair moves to `previous/`.

    The result is only read: what was written is returned, for the caller to report. Any failure of the
    operating system is an `OutputError` naming the path and what to do; no temporary file survives it.
    """
    out = Path(output_dir)
    lang = result.lang
    prepare_folder(out, lang)
    workbook_name, json_name = output_names(result.rules.year)
    targets = [out / workbook_name, out / json_name]
    for target in targets:
        _refuse_if_open(target, lang)
        remove_stale_temporaries(target)
    others: list[Output] = ["json"]
    # A document this run does not support (no tally read, a vote pending) moves to previous/ all the same:
    # the output folder never holds a proposal list the current inputs do not back.
    retired = []
    documents: tuple[Output, ...] = ("minutes", "proposals")
    for due, name, document in zip(documents_due(result), (minutes_filename, proposals_filename), documents,
                                   strict=True):
        target = out / name(result.rules)
        _refuse_if_open(target, lang)
        remove_stale_temporaries(target)
        if due:
            targets.append(target)
            others.append(document)
        elif target.exists():
            retired.append(target)
    staged: list[Path] = []
    kept_previous: dict[str, Path] = {}
    replaced: list[Path] = []
    try:
        with paused_gc():  # xlsxwriter's tuple per cell: walks over them, never a cycle to find
            staged.append(_stage(targets[0], functools.partial(_write_workbook, result, tick=tick), lang))
            for output, target in zip(others, targets[1:], strict=True):
                staged.append(_stage(target, functools.partial(_write_other, output, result), lang))
        try:
            for target in [*targets, *retired]:
                kept = keep_previous(target, lang)
                if kept:
                    kept_previous[target.name] = kept
            for temporary, target in zip(staged, targets, strict=True):
                _replace(temporary, target, lang)
                replaced.append(target)
        except OutputError:
            _put_back(kept_previous, replaced, out)  # the folder is left as it was: never half a new pair
            raise
    finally:
        for temporary in staged:
            _discard(temporary)
    return Written(targets[0], targets[1], kept_previous, tuple(targets[2:]))


def _write_workbook(result: RunResult, path: Path, *, tick: Tick | None) -> None:
    from pipeline.outputs.workbook import write_workbook

    write_workbook(result, path, tick=tick)


def _write_other(output: Output, result: RunResult, path: Path) -> None:
    if output == "json":
        path.write_text(json_text(results_dict(result)), encoding="utf-8")
        return
    # python-docx is imported only for a run that writes a document (0.1 s of every other run).
    from pipeline.outputs.minutes import write_minutes, write_proposals

    (write_minutes if output == "minutes" else write_proposals)(result, path)


def _put_back(kept_previous: dict[str, Path], replaced: list[Path], out: Path) -> None:
    for target in replaced:
        if target.name not in kept_previous:
            with contextlib.suppress(OSError):
                target.unlink()
    for name, kept in kept_previous.items():
        with contextlib.suppress(OSError):  # the earlier output is then still in previous/, named in no message
            os.replace(kept, out / name)


def write_file(target: Path, writer: Callable[[Path], object], lang: str) -> Path:
    """Write one file atomically (staged beside it, then renamed over it): for outputs without a previous/."""
    remove_stale_temporaries(target)
    temporary = _stage(target, writer, lang)
    try:
        _replace(temporary, target, lang)
    finally:
        _discard(temporary)
    return target


def write_keeping_previous(target: Path, writer: Callable[[Path], object], lang: str) -> Path | None:
    """Write one output atomically; an earlier one moves to previous/ first. Returns where it went.

    The same guarantees as `write_outputs`, for an output of its own (the bloc's appraisal workbook).
    """
    prepare_folder(target.parent, lang)
    _refuse_if_open(target, lang)
    remove_stale_temporaries(target)
    temporary = _stage(target, writer, lang)
    try:
        kept = keep_previous(target, lang)
        try:
            _replace(temporary, target, lang)
        except OutputError:
            _put_back({target.name: kept} if kept else {}, [], target.parent)
            raise
    finally:
        _discard(temporary)
    return kept


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
    cause = error.args[0] if _is_xlsxwriter_error(error) and error.args else error
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


def _is_xlsxwriter_error(error: BaseException) -> bool:
    # xlsxwriter wraps the OSError of its final write in FileCreateError, which is not an OSError.
    return type(error).__module__.startswith("xlsxwriter") and bool(error.args) and isinstance(error.args[0], OSError)


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    # mkstemp's names: the prefix, eight characters of [a-z0-9_], the suffix.
    return re.compile(rf"\.{re.escape(target.stem)}-[a-z0-9_]{{8}}{re.escape(target.suffix)}")


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files a killed earlier run left beside `target` (this tool's pattern only)."""
    pattern, removed = _temporary_pattern(target), []
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.stem)}-*{glob.escape(target.suffix)}"))
    except OSError:
        return []
    for candidate in candidates:
        try:
            # Older than this process: a run going on in parallel keeps its own.
            if pattern.fullmatch(candidate.name) and candidate.is_file() \
                    and candidate.stat().st_mtime < _PROCESS_STARTED:
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue  # left for the next run: a stale file never stops this one
    return removed


_PROCESS_STARTED = time.time()


def _stage(target: Path, writer: Callable[[Path], object], lang: str) -> Path:
    """Write into a temporary file beside the target, so a crash never leaves half a workbook."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
        os.close(handle)
    except OSError as error:
        raise output_error(error, target, lang) from error
    temporary = Path(name)
    try:
        writer(temporary)
        # mkstemp makes the file readable by its owner only; an output is for the others too.
        os.chmod(temporary, 0o666 & ~_umask())
    except BaseException as error:
        _discard(temporary)
        if isinstance(error, OSError) or _is_xlsxwriter_error(error):
            raise output_error(error, target, lang) from error
        raise
    return temporary


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _discard(temporary: Path) -> None:
    with contextlib.suppress(OSError):  # else the next run removes it (remove_stale_temporaries)
        temporary.unlink(missing_ok=True)


def keep_previous(target: Path, lang: str) -> Path | None:
    """Move an earlier output to previous/<name>-<its time>.<ext> instead of overwriting it."""
    if not target.exists():
        return None
    stamp = datetime.fromtimestamp(target.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    folder = target.parent / PREVIOUS_FOLDER
    kept = folder / f"{target.stem}-{stamp}{target.suffix}"
    counter = 1
    while kept.exists():
        counter += 1
        kept = folder / f"{target.stem}-{stamp}-{counter}{target.suffix}"
    try:
        folder.mkdir(exist_ok=True)
        os.replace(target, kept)
    except OSError as error:
        raise _replace_error(error, target, lang) from error
    return kept


def _replace(temporary: Path, target: Path, lang: str) -> None:
    try:
        os.replace(temporary, target)
    except OSError as error:
        raise _replace_error(error, target, lang) from error


def _replace_error(error: OSError, target: Path, lang: str) -> OutputError:
    if sys.platform == "win32" and isinstance(error, PermissionError):  # the file is open in Excel
        return OutputError(text(lang, "report.output_locked", path=str(target), lock=_reason(error)))
    return output_error(error, target, lang)


def _refuse_if_open(target: Path, lang: str) -> None:
    """Excel and LibreOffice leave a lock file beside a workbook they have open."""
    for lock in (target.parent / f"~${target.name}", target.parent / f".~lock.{target.name}#"):
        if lock.exists():
            raise OutputError(text(lang, "report.output_lock_file", path=str(target), lock=str(lock)))


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
