"""Writing the outputs: the JSON contract and the workbook, atomically, never losing an earlier output."""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pipeline.decided import criteria_by_unit
from pipeline.errors import OutputError
from pipeline.forking import Helper, beside
from pipeline.inputs import SKIPPED_CODES
from pipeline.issues import Issue
from pipeline.labels import text
from pipeline.layout import minutes_filename, proposals_filename
from pipeline.numbers import SECTION_DECIMALS, rounded
from pipeline.previous_year import Previous, YearComparison
from pipeline.read import Submission
from pipeline.run import RunResult, Tick, paused_gc
from pipeline.validate import Validation

PREVIOUS_FOLDER = "previous"
# The results JSON's contract version: raised whenever a key is removed or changes meaning (README › Outputs).
SCHEMA_VERSION = 3  # 2: per unit `criteria`, `kind` of each input; 3: `previous_year`, per unit `previous`,
# peers, mail; per unit `award` is the award decided (after the members' vote), `award_proposed` the scores'
# proposal, `vote` the unit's count; `vote_pending` at the top


def output_names(year: int) -> tuple[str, str]:
    return f"ranking-{year}.xlsx", f"results-{year}.json"


def results_dict(result: RunResult) -> dict[str, Any]:
    """The JSON contract (README › Output files); every number equals the workbook's."""
    rules, lang = result.rules, result.lang
    ranked = {r.unit_code: r for r in result.ranked}
    validation = result.validation
    criteria = criteria_by_unit(rules, validation.entries, validation.final, validation.peers)
    units = []
    for unit in rules.units:
        entry: dict[str, Any] = {"code": unit.code, "name": unit.name, "status": result.status[unit.code].value}
        submission = result.unit_file(unit.code)
        entry["file"] = submission.file if submission else None
        entry["criteria"] = criteria.get(unit.code, [])
        placed = ranked.get(unit.code)
        if placed:
            score = placed.score
            entry.update(
                total=rounded(score.total_exact, rules.decimals),
                base=rounded(score.base, rules.decimals),
                bonus=rounded(score.bonus, rules.decimals),
                deductions=rounded(score.deductions, rules.decimals),
                sections={s.code: rounded(s.score, SECTION_DECIMALS) for s in score.sections},
                rank=placed.rank, classification=placed.classification, award_proposed=placed.award,
                vote=result.vote.vote_record(unit.code) if result.vote else None, award=result.award(placed),
                remarks=result.remarks(placed) or None,
                total_exact=str(score.total_exact),
                disqualified_from=list(score.disqualified_from),
            )
        else:
            entry.update(total=None, base=None, bonus=None, deductions=None, sections={}, rank=None,
                         classification=None, award_proposed=None, vote=None, award=None, remarks=None)
        entry["previous"] = _previous(result.previous_year.units.get(unit.code)) if result.previous_year else None
        units.append(entry)
    inputs = input_records(
        result.submissions, result.validation, result.issues,
        lambda modified: datetime.fromtimestamp(modified).astimezone().isoformat(timespec="seconds"),
        result.vote.tally_file if result.vote else None,
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "bloc": rules.bloc,
        "year": rules.year,
        "provisional": result.provisional,
        "vote_pending": result.vote_pending,
        "language": lang,
        "decimals": rules.decimals,
        "generated_at": result.started_at.isoformat(timespec="seconds"),
        "tool_version": result.tool_version,
        "rules": {"file": rules.source, "fingerprint": rules.fingerprint, "revision": rules.revision},
        "units": units,
        "previous_year": _previous_year(result.previous_year),
        "issues": [i.to_dict(lang) for i in result.issues],
        "inputs": inputs,
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_text(document: Mapping[str, Any]) -> str:
    """The results JSON as text: a key of the top object per line, and each record of its lists
    (a unit, an issue, an input) on a line of its own, so that `grep` finds a unit's whole record.

    Python's indenting encoder is pure Python, twenty times slower than the compact one: at province scale
    it cost a quarter of a second, for whitespace no program reads.
    """
    encode = _ENCODER.encode
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(encode(item) for item in value)
            lines.append(f"  {encode(key)}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _previous(found: Previous | None) -> dict[str, Any] | None:
    """A unit's standing last year (README › Outputs); None for a unit new this year."""
    if found is None:
        return None
    return {"year": found.year, "codes": list(found.codes), "total": _number(found.total), "rank": found.rank,
            "total_change": _number(found.total_change), "rank_change": found.rank_change,
            "predecessors": [{"code": p.code, "name": p.name, "total": _number(p.total), "rank": p.rank}
                             for p in found.predecessors]}


def _previous_year(comparison: YearComparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {"year": comparison.year, "file": comparison.file, "new": comparison.new,
            "gone": [{"code": p.code, "name": p.name, "total": _number(p.total), "rank": p.rank}
                     for p in comparison.gone]}


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


# Modules the writing of the JSON and the Word documents needs: a helper (forking.Helper) started early
# imports them while the run imports pandas.
SIDE_MODULES = ("pipeline.write", "pipeline.minutes")
Side = Literal["json", "minutes", "proposals"]  # the outputs written beside the workbook


def write_outputs(result: RunResult, output_dir: str | Path, *, tick: Tick | None = None,
                  helper: Helper | None = None) -> Written:
    """Write the workbook and the JSON into `output_dir`; an existing pair moves to `previous/`.

    The result is only read: what was written is returned, for the caller to report. Any failure of the
    operating system is an `OutputError` naming the path and what to do; no temporary file survives it.
    `helper` (started with SIDE_MODULES) writes the JSON and the documents while this process writes the
    workbook; without one, a fork made now does.
    """
    out = Path(output_dir)
    lang = result.lang
    prepare_folder(out, lang)
    workbook_name, json_name = output_names(result.rules.year)
    targets = [out / workbook_name, out / json_name]
    for target in targets:
        _refuse_if_open(target, lang)
        remove_stale_temporaries(target)
    sides: list[Side] = ["json"]
    # A document this run does not support (no tally read, a vote pending) moves to previous/ all the same:
    # the output folder never holds a proposal list the current inputs do not back.
    retired = []
    documents: tuple[Side, ...] = ("minutes", "proposals")
    for due, name, document in zip(documents_due(result), (minutes_filename, proposals_filename), documents,
                                   strict=True):
        target = out / name(result.rules)
        _refuse_if_open(target, lang)
        remove_stale_temporaries(target)
        if due:
            targets.append(target)
            sides.append(document)
        elif target.exists():
            retired.append(target)
    staged: list[Path] = []
    kept_previous: dict[str, Path] = {}
    replaced: list[Path] = []
    try:
        with paused_gc():
            workbook, rest = beside(
                functools.partial(_stage, targets[0], functools.partial(_write_workbook, result, tick=tick), lang),
                functools.partial(_stage_sides, result, list(zip(sides, targets[1:], strict=True)), lang),
                undo_main=_discard, undo_side=_discard_all, helper=helper)
            staged += [workbook, *rest]
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
    from pipeline.workbook import write_workbook

    write_workbook(result, path, tick=tick)


def _stage_sides(result: RunResult, sides: list[tuple[Side, Path]], lang: str) -> list[Path]:
    """Stage the outputs written beside the workbook, in a helper or a fork (forking.beside): a module-level
    function over what pickles, so a helper started before the result existed can be handed it."""
    staged: list[Path] = []
    try:
        for side, target in sides:
            staged.append(_stage(target, functools.partial(_write_side, side, result), lang))
    except BaseException:
        _discard_all(staged)
        raise
    return staged


def _write_side(side: Side, result: RunResult, path: Path) -> None:
    if side == "json":
        path.write_text(json_text(results_dict(result)), encoding="utf-8")
        return
    # python-docx is imported only for a run that writes a document (0.1 s of every other run).
    from pipeline.minutes import write_minutes, write_proposals

    (write_minutes if side == "minutes" else write_proposals)(result, path)


def _discard_all(temporaries: list[Path]) -> None:
    for temporary in temporaries:
        _discard(temporary)


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


def _outcome(submission: Submission, validation: Validation, copies: set[str | None],
             superseded: set[str | None], vote_file: str | None = None, issues: Iterable[Issue] = ()) -> str:
    """What became of a file that was read (README › Outputs: `outcome`)."""
    if submission.is_mail:  # a saved e-mail: its spreadsheets have records of their own
        return "refused" if any(i.code in ("mail-malformed", *_REFUSALS) and i.file == submission.file
                                for i in submission.issues) else "opened"
    if not submission.readable:
        return "refused"
    if submission.peer:  # a unit's cross-scoring workbook: its scores counted, or not
        return _peer_outcome(submission, validation)
    if submission.tally is not None:  # the bloc's tally of the vote: its counts were read, or not
        if vote_file is not None and submission.file == vote_file:
            return "used"
        named = {(i.code, i.file) for i in issues} | {(i.code, i.params.get("other")) for i in issues}
        if ("tally-duplicate", submission.file) in named:
            return "duplicate-copy"
        return "conflicting" if ("tally-conflict", submission.file) in named else "refused"
    if submission.appraisal is not None:  # the bloc's appraisal workbook: its appraisals counted, or not
        if submission.file == validation.appraisal_file:
            return "used"
        named = {(i.code, i.file) for i in validation.issues}
        named |= {(i.code, i.params.get("other")) for i in validation.issues}
        if ("appraisal-duplicate", submission.file) in named:
            return "duplicate-copy"
        return "conflicting" if ("appraisal-conflict", submission.file) in named else "refused"
    unit_code = validation.file_units.get(submission.file)
    if unit_code is None:
        return "unattributed"
    if validation.used.get(unit_code) is submission:
        return "used"
    if submission.file in copies:
        return "duplicate-copy"
    if submission.file in superseded:
        return "superseded"
    return "conflicting"


def _peer_outcome(submission: Submission, validation: Validation) -> str:
    if any(book is submission for book in validation.peer_books.values()):
        return "used"
    named = {(i.code, i.file) for i in validation.issues} | {(i.code, i.params.get("other")) for i in validation.issues}
    if ("peer-duplicate", submission.file) in named:
        return "duplicate-copy"
    return "conflicting" if ("peer-conflict", submission.file) in named else "refused"


# What keeps an e-mail file itself from being opened at all (its size, the disk, the worker).
_REFUSALS = ("file-too-large", "corrupt-file", "empty-file", "reader-crashed", "file-too-complex")


def _mail_record(submission: Submission | None, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The message a spreadsheet came attached to (README › Outputs: `mail`), or None."""
    if submission is not None and submission.envelope is not None:
        params = submission.envelope.params()
    if not params or "message" not in params:
        return None
    return {"message": params["message"], "sender": params["sender"],
            "date": None if params["date"] == "?" else params["date"], "subject": params["subject"]}


def input_records(submissions: Iterable[Submission], validation: Validation, folder_issues: Iterable[Issue],
                  modified: Callable[[float], str], vote_file: str | None = None) -> list[dict[str, Any]]:
    """One record per entry of the input folder: each file read, then each entry skipped, by name.

    `modified` renders a file's time. A skipped entry carries no hash, size or time: nothing of it was read.
    """
    copies = {i.file for i in validation.issues if i.code == "duplicate-copy"}
    superseded = {i.file for i in validation.issues if i.code == "mail-superseded"}
    folder_issues = list(folder_issues)  # read once per file below (the run's issues: the tally's are there)
    records: list[dict[str, Any]] = [
        {"file": s.file, "sha256": s.sha256, "size": s.size,
         "modified": modified(s.modified) if s.modified else None,
         "unit": validation.file_units.get(s.file),
         "outcome": _outcome(s, validation, copies, superseded, vote_file, folder_issues),
         "kind": ("peer" if s.peer else "appraisal" if s.appraisal is not None else "tally" if s.tally is not None
                  else "mail" if s.is_mail else "unit"),
         "mail": _mail_record(s)}
        for s in submissions
    ]
    for issue in folder_issues:
        if issue.code in SKIPPED_CODES and issue.file:
            # Every record has the same keys: a skipped entry's are null, since nothing of it was read.
            records.append({"file": issue.file, "sha256": None, "size": None, "modified": None, "unit": None,
                            "kind": None, "outcome": "skipped", "mail": _mail_record(None, issue.params)})
    return records
