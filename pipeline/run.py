"""The whole job in one call: read → validate → score → rank, then write; returns what happened."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.errors import ExitCode, InputFolderError
from pipeline.issues import Issue, sort_issues
from pipeline.labels import text
from pipeline.rank import RankedUnit, rank_units
from pipeline.read import Submission, discover, display_name, read_submission, read_submissions
from pipeline.rules import Rules
from pipeline.score import score_units
from pipeline.validate import UnitStatus, Validation, validate

Progress = Callable[[str], None]
# (stage, done, total) as a long stage advances, for a progress bar: "read" counts files, "write" counts
# units written into the workbook (matrix, then sheets), "save" is the workbook going to disk (0/1, 1/1).
Tick = Callable[[str, int, int], None]


@dataclass
class RunResult:
    """Everything a run found and decided; the writers and the CLI only read it."""

    rules: Rules
    lang: str
    validation: Validation
    ranked: list[RankedUnit]
    issues: list[Issue]
    status: dict[str, UnitStatus]  # every unit of the rules, in their order
    started_at: datetime
    tool_version: str = __version__

    @property
    def provisional(self) -> bool:
        """A ranking that misses a unit, or ranks around an invalid one, is not final."""
        return any(state != UnitStatus.SCORED for state in self.status.values())

    @property
    def exit_code(self) -> ExitCode:
        if not self.ranked:
            return ExitCode.USER_ERROR
        return ExitCode.PROBLEMS if self.provisional else ExitCode.DONE

    @property
    def submissions(self) -> list[Submission]:
        return self.validation.submissions

    def unit_file(self, unit_code: str) -> Submission | None:
        return self.validation.used.get(unit_code)


def run(
    rules: Rules, input_dir: str | Path, *, lang: str | None = None, progress: Progress | None = None,
    workers: int | None = None, tick: Tick | None = None,
) -> RunResult:
    """Read, check, score and rank every submission in `input_dir` (writing is `write.write_outputs`)."""
    with paused_gc():
        return _run(rules, input_dir, lang=lang, progress=progress, workers=workers, tick=tick)


def _run(
    rules: Rules, input_dir: str | Path, *, lang: str | None, progress: Progress | None, workers: int | None,
    tick: Tick | None,
) -> RunResult:
    lang = lang or rules.language
    say = progress or (lambda _message: None)
    started_at = run_time()
    folder = Path(input_dir)
    if not folder.is_dir():
        raise InputFolderError(text(lang, "report.input_missing", folder=str(folder)))
    try:
        paths, folder_issues = discover(folder)
    except OSError as error:
        raise InputFolderError(text(lang, "report.input_unreadable", folder=str(folder),
                                    reason=error.strerror or str(error))) from error
    if not paths and not any(i.severity == "error" for i in folder_issues):
        raise InputFolderError(text(lang, "report.input_empty", folder=str(folder)))

    say(text(lang, "report.reading", count=len(paths), folder=str(folder)))
    on_read = (lambda done: tick("read", done, len(paths))) if tick else None
    submissions = read_submissions(paths, folder, workers=workers, on_read=on_read)
    validation = validate(rules, submissions, folder_issues)
    status = validation.unit_status(rules)

    say(text(lang, "report.scoring"))
    valid = [code for code, state in status.items() if state == UnitStatus.SCORED]
    final = validation.final
    scores = score_units(rules, final[final["unit_code"].isin(valid)]) if valid else []
    ranked, award_issues = rank_units(rules, scores)
    return RunResult(
        rules=rules, lang=lang, validation=validation, ranked=ranked,
        issues=sort_issues([*validation.issues, *award_issues]), status=status, started_at=started_at,
    )


def run_time() -> datetime:
    """Now; or, with SOURCE_DATE_EPOCH set (reproducible-builds.org), that moment in UTC, so two runs over
    the same inputs write byte-identical outputs (README › Limits and guarantees)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now().astimezone()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection during a stage that builds millions of long-lived objects.

    The collector walks every live container every few thousand allocations: submissions' rows, the
    entries table, xlsxwriter's tuple per cell. None of them form cycles, yet the walks cost a fifth of
    writing the workbook and a tenth of reading and checking 10,000 submissions (bench/run.py).
    Whatever cycles appear meanwhile are collected when the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_files(rules: Rules, paths: list[Path]) -> list[Issue]:
    """Validate single submissions (a unit checking its file before sending): no ranking, no missing units."""
    submissions, folder_issues = [], []
    for path in paths:
        if path.is_dir():
            folder_issues.append(Issue("not-a-file", file=display_name(path, path.parent)))
        else:
            submissions.append(read_submission(path, path.parent))
    validation = validate(rules, submissions, folder_issues, expect_every_unit=False)
    return sort_issues(validation.issues)
