"""Writing the outputs as whole sets, never losing an earlier one: the workbook here, the JSON and the Word
documents after it (outputs/results_json.py holds the JSON's contract); commit.py puts a set in place,
lock.py keeps a second command out of the folder meanwhile."""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.core.errors import OutputError
from pipeline.core.labels import text
from pipeline.core.own_files import PREVIOUS_FOLDER as PREVIOUS_FOLDER
from pipeline.outputs.commit import commit, journal_pending, plan_commit, refused_error, staged_pattern
from pipeline.outputs.folders import is_xlsxwriter_error, sync_file, sync_folder
from pipeline.outputs.folders import output_error as output_error  # for the writers of forms/
from pipeline.outputs.folders import prepare_folder as prepare_folder
from pipeline.outputs.lock import held, writing_into
from pipeline.outputs.results_json import FINGERPRINT_KEY, json_text, results_dict
from pipeline.rules.layout import minutes_filename, proposals_filename
from pipeline.run import RunResult, Tick, output_names, paused_gc


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
    """Which Word documents a run writes: the count record once a tally was read without an error (never a
    record of a count the tally contradicts), the proposal list once the awards are decided (the ranking is
    final: every unit scored and every configured vote tallied)."""
    minutes = result.vote is not None and result.vote.tally is not None and not result.vote.tally_errors
    return minutes, result.final


Output = Literal["minutes", "proposals"]  # the documents written after the workbook and the JSON


def write_outputs(result: RunResult, output_dir: str | Path, *, tick: Tick | None = None) -> Written:
    """Write the workbook and the JSON (and the documents due) into `output_dir` as one set; the earlier
    set moves to previous/<its time>/.

    The result is only read: what was written is returned, for the caller to report. Any failure of the
    operating system is an `OutputError` naming the path and what to do; no temporary file survives it.
    """
    out = Path(output_dir)
    workbook_name, json_name = output_names(result.rules.year)
    # Built once: the Ranking page prints the fingerprint of this very document.
    results = results_dict(result)
    outputs: list[tuple[Path, Writer]] = [
        (out / workbook_name, functools.partial(_write_workbook, result, tick=tick,
                                                fingerprint=results[FINGERPRINT_KEY])),
        (out / json_name, functools.partial(_write_json, results))]
    # A document this run does not support (no tally read, a vote pending) moves to previous/ all the same:
    # the output folder never holds a proposal list the current inputs do not back.
    retired = []
    documents: tuple[Output, ...] = ("minutes", "proposals")
    for due, name, document in zip(documents_due(result), (minutes_filename, proposals_filename), documents,
                                   strict=True):
        target = out / name(result.rules)
        if due:
            outputs.append((target, functools.partial(_write_other, document, result)))
        else:
            retired.append(target)
    kept = write_set(out, outputs, result.lang, retire=retired)
    targets = [target for target, _writer in outputs]
    return Written(targets[0], targets[1], kept, tuple(targets[2:]))


Writer = Callable[[Path], object]  # writes one output at the path it is given


def write_set(folder: Path, outputs: Sequence[tuple[Path, Writer]], lang: str, *,
              retire: Sequence[Path] = ()) -> dict[str, Path]:
    """Write `outputs` (each a target in `folder` and its writer) as one set: every one is staged and flushed
    to the disk first, then all are put in place together (commit.py), the earlier ones and those of `retire`
    moved into one new subfolder of previous/. Returns each earlier output's name → where it went.

    A failure leaves the folder as it was; a kill, as it was or with the whole new set, once the next command
    writing there has started. Holds the folder's lock meanwhile (lock.py).
    """
    targets = [target for target, _writer in outputs]
    with writing_into(folder, lang):
        for target in [*targets, *retire]:
            _refuse_if_open(target, lang)
            remove_stale_temporaries(target)
        staged: list[Path] = []
        try:
            with paused_gc():  # xlsxwriter's tuple per cell: walks over them, never a cycle to find
                for target, writer in outputs:
                    staged.append(_stage(target, writer, lang))
            plan = plan_commit(folder, list(zip(staged, targets, strict=True)), retire)
            commit(plan, lang)
        finally:
            if not journal_pending(folder):  # else they are the unfinished commit's, for the next command
                for temporary in staged:
                    _discard(temporary)
    return plan.kept


def _write_workbook(result: RunResult, path: Path, *, tick: Tick | None, fingerprint: str) -> None:
    from pipeline.outputs.workbook import write_workbook

    write_workbook(result, path, tick=tick, fingerprint=fingerprint)


def _write_json(document: dict[str, Any], path: Path) -> None:
    path.write_text(json_text(document), encoding="utf-8")


def _write_other(output: Output, result: RunResult, path: Path) -> None:
    # python-docx is imported only for a run that writes a document (0.1 s of every other run).
    from pipeline.outputs.minutes import write_minutes, write_proposals

    (write_minutes if output == "minutes" else write_proposals)(result, path)


def write_file(target: Path, writer: Writer, lang: str) -> Path:
    """Write one file atomically (staged beside it, flushed, then renamed over it): for outputs without a
    previous/, such as the templates, each whole on its own."""
    with writing_into(target.parent, lang):
        remove_stale_temporaries(target)
        temporary = _stage(target, writer, lang)
        try:
            os.replace(temporary, target)
            sync_folder(target.parent)
        except OSError as error:
            raise refused_error(error, target, lang) from error
        finally:
            _discard(temporary)
    return target


def write_keeping_previous(target: Path, writer: Writer, lang: str) -> Path | None:
    """Write one output atomically; an earlier one moves to previous/<its time>/ in its folder first.
    Returns where it went: the same guarantees as `write_outputs`, for an output of its own."""
    return write_set(target.parent, [(target, writer)], lang).get(target.name)


def write_all_keeping_previous(outputs: Sequence[tuple[Path, Writer]], lang: str) -> dict[Path, Path]:
    """Write several outputs as one set per folder (`write_set`): the earlier ones of a folder go into one
    subfolder of its previous/. Returns each target whose earlier version was kept → where it went."""
    kept: dict[Path, Path] = {}
    folders = dict.fromkeys(target.parent for target, _writer in outputs)
    for folder in folders:
        mine = [(target, writer) for target, writer in outputs if target.parent == folder]
        kept.update({folder / name: path for name, path in write_set(folder, mine, lang).items()})
    return kept


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files a killed earlier command left beside `target` (this tool's pattern only).

    Only under the folder's lock (lock.py), where no other bloc-score can be writing there: without it,
    nothing is removed, since a temporary file might be another command's work in progress.
    """
    if not held(target.parent):
        return []
    pattern, removed = staged_pattern(target), []
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.stem)}-*{glob.escape(target.suffix)}"))
    except OSError:
        return []
    for candidate in candidates:
        try:
            if pattern.fullmatch(candidate.name) and candidate.is_file():
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue  # left for the next command: a stale file never stops this one
    return removed


def _stage(target: Path, writer: Writer, lang: str) -> Path:
    """Write into a temporary file beside the target and flush it to the disk, so that neither a crash nor a
    power cut ever leaves half a workbook under the target's name."""
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
        sync_file(temporary)
    except BaseException as error:
        _discard(temporary)
        if isinstance(error, OSError) or is_xlsxwriter_error(error):
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


def _refuse_if_open(target: Path, lang: str) -> None:
    """Excel and LibreOffice leave a lock file beside a workbook they have open."""
    for lock in (target.parent / f"~${target.name}", target.parent / f".~lock.{target.name}#"):
        if lock.exists():
            raise OutputError(text(lang, "report.output_lock_file", path=str(target), lock=str(lock)))

