"""The whole job in one call: read → validate → score → rank; returns what happened (outputs.write writes it)."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pipeline import __version__
from pipeline.checking.validate import UnitStatus, Validation, validate
from pipeline.core.errors import ExitCode, InputFolderError, RulesYearError
from pipeline.core.issues import Issue, has_errors, sort_issues
from pipeline.core.labels import Label, text
from pipeline.core.text import fold
from pipeline.procedure.vote import VoteResult, count_votes
from pipeline.reading.inputs import discover, discover_records, display_name, record_name
from pipeline.reading.isolation import Reader, read_submissions
from pipeline.reading.previous_results import read_past
from pipeline.reading.read import Submission, read_submission
from pipeline.rules.layout import appraisal_filename, tally_filename
from pipeline.rules.model import Rules
from pipeline.rules.seal import Seals
from pipeline.scoring.previous_year import YearComparison, compare_years
from pipeline.scoring.rank import RankedUnit, rank_units
from pipeline.scoring.score import final_values, score_units
from pipeline.workspace.folders import ARCHIVE, BLOC, EXAMPLE, OUTPUT, Workspace, example_key_id
from pipeline.workspace.seal_keys import SEAL_FILE, read_seals

Progress = Callable[[str], None]
# (stage, done, total) as a long stage advances, for a progress bar: "read" counts files, "write" counts
# units written into the workbook (matrix, then sheets), "save" is the workbook going to disk (0/1, 1/1).
Tick = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DocumentOptions:
    """What the person running the tool may set for this one document: `run --number`, `run --date`."""

    number: str | None = None
    date: dt.date | None = None


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
    previous_year: YearComparison | None = None  # last year's results beside this year's, when found
    vote: VoteResult | None = None  # the members' vote on the proposals (rules' `vote:`), read from the tally
    # `run --number`, `run --date`: the number and signing date of the document to sign.
    document: DocumentOptions = field(default_factory=DocumentOptions)
    seals: Seals = field(default_factory=Seals)  # the bloc's keys the files' authentication codes were checked with

    @property
    def provisional(self) -> bool:
        """A ranking that misses a unit, ranks around an invalid one or lacks the bloc's appraisal or a unit's
        peer scores (cross-scoring), is not final."""
        return (any(state != UnitStatus.SCORED for state in self.status.values())
                or self.validation.appraisal_unusable or bool(self.validation.bloc_errors)
                or bool(self.validation.peers_missing) or self.validation.peers_unsettled)

    @property
    def bloc_errors(self) -> list[Issue]:
        """The errors in the bloc's own workbooks (its appraisal, the vote's tally): the bloc's to correct, no
        unit's; the run waits for them."""
        return self.validation.bloc_errors_in(self.issues)

    def bloc_errors_note(self, lang: str | None = None) -> str:
        """One sentence naming the bloc's workbook and cell to correct first, and how many errors there are;
        empty when the bloc's workbooks have none."""
        lang = lang or self.lang
        errors = self.bloc_errors
        if not errors:
            return ""
        first = errors[0]
        place = ", ".join(text(lang, f"feedback.where_{part}", **{part: value})
                          for part in ("file", "sheet", "cell") if (value := getattr(first, part)))
        return text(lang, "report.bloc_errors", count=len(errors), place=place, message=first.message(lang))

    @property
    def vote_pending(self) -> bool:
        """The rules put an award to the members' vote and its tally is not read yet (or has errors)."""
        return self.vote is not None and self.vote.pending

    @property
    def final(self) -> bool:
        """A ranking the bloc can sign: not provisional, and every configured vote tallied.

        The one decision of draft or final: the workbook's DỰ THẢO mark and signature blocks read it.
        """
        return not self.provisional and not self.vote_pending and not self.bloc_errors

    @property
    def exit_code(self) -> ExitCode:
        if not self.ranked:
            return ExitCode.USER_ERROR
        return ExitCode.DONE if self.final else ExitCode.PROBLEMS

    def award(self, placed: RankedUnit) -> str | None:
        """The award decided for a ranked unit: its proposal, or the vote's outcome where the rules vote."""
        return self.vote.award(placed) if self.vote is not None else placed.award

    def remarks(self, placed: RankedUnit, lang: str | None = None) -> str:
        """A ranked unit's remarks cell: the ranking's, then the vote's, one sentence each."""
        lang = lang or self.lang
        found = [*placed.remarks, *(self.vote.remarks.get(placed.unit_code, []) if self.vote else [])]
        return "; ".join(text(lang, label.key, **dict(label.params)) for label in found)

    @property
    def submissions(self) -> list[Submission]:
        return self.validation.submissions

    def unit_file(self, unit_code: str) -> Submission | None:
        return self.validation.used.get(unit_code)


@dataclass(frozen=True)
class RunOptions:
    """How to run: what `bloc-score run` takes besides the folders."""

    lang: str | None = None  # of messages and labels; default: the rules file's
    previous: Path | None = None  # last year's results JSON; default: results-<year-1>.json in the output folder
    document: DocumentOptions = field(default_factory=DocumentOptions)  # the number and date of the page to sign
    allow_empty: bool = False  # an empty input folder is every unit missing (reminders for all), not a mistake
    workers: int | None = None  # reading processes (default: by the number of files)
    reader: Reader = read_submission  # reads one file inside a worker (tests hand in one that crashes)
    progress: Progress | None = None  # told what the run is doing, a sentence at a time
    tick: Tick | None = None  # follows a long stage, for a progress bar
    # The inputs discovered and read by the caller: a province reads every bloc's files in one pool of workers.
    read: tuple[Inputs, list[Submission]] | None = None


@dataclass(frozen=True)
class Inputs:
    """What a run reads: the input folder's files, then the bloc's records, with the names they are shown by,
    and what discovering them found (entries skipped, a link)."""

    paths: list[Path]
    records: list[Path]
    folder_issues: list[Issue]
    names: list[str]

    @property
    def sources(self) -> list[Path]:
        return [*self.paths, *self.records]


def discover_inputs(workspace: Workspace, lang: str, *, allow_empty: bool = False) -> Inputs:
    """The files a run of `workspace` reads (raises InputFolderError for a missing or empty input folder)."""
    paths, folder_issues = _discover(workspace.input, lang, allow_empty=allow_empty)
    records = discover_records(workspace.bloc)
    names = [*(display_name(path, workspace.input) for path in paths), *map(record_name, records)]
    return Inputs(paths, records, folder_issues, names)


def run(rules: Rules, workspace: Workspace, options: RunOptions | None = None) -> RunResult:
    """Read, check, score and rank every file in the workspace's input folder (writing is outputs.write)."""
    options = options or RunOptions()
    lang = options.lang or rules.language
    say = options.progress or (lambda _message: None)
    tick = options.tick
    started_at = run_time()
    folder = workspace.input
    with paused_gc():
        inputs, submissions = options.read if options.read is not None else (
            discover_inputs(workspace, lang, allow_empty=options.allow_empty), None)
        folder_issues = [*inputs.folder_issues, *records_left_in_output(rules, workspace)]
        records = inputs.records
        say(text(lang, "report.reading", count=len(inputs.paths), folder=str(folder)))
        if submissions is None:
            total = len(inputs.sources)
            on_read = (lambda done: tick("read", done, total)) if tick else None
            submissions = read_submissions(inputs.sources, folder, workers=options.workers, on_read=on_read,
                                           reader=options.reader, names=inputs.names)
        # The records come last and are workbooks only (no e-mail is followed by its attachments among them).
        for submission in submissions[len(submissions) - len(records):]:
            submission.from_bloc_folder = True
        check_rules_year(rules, submissions, lang)
        # A folder that names no bloc folder (a program checking files) looks for no key and says nothing of it.
        seals = read_seals(workspace.bloc, lang) if workspace.bloc is not None else None
        folder_issues += example_key_used(seals, workspace) if seals is not None else []
        validation = validate(rules, submissions, folder_issues, now=started_at, seals=seals)
        status = validation.unit_status(rules)

        say(text(lang, "report.scoring"))
        valid = [code for code, state in status.items() if state == UnitStatus.SCORED]
        final = validation.final
        scores = score_units(rules, final[final["unit_code"].isin(valid)]) if valid else []
        ranked, award_issues = rank_units(rules, scores)
        previous = options.previous or last_years_results(workspace, rules.year)
        comparison, previous_issues = _compare_with_last_year(rules, ranked, previous) if previous else (None, [])
        # The tally only decides among the proposals: it never reaches a score, a rank or a grade.
        vote = count_votes(rules, ranked, validation.records)
    return RunResult(
        rules=rules, lang=lang, validation=validation, ranked=ranked,
        issues=sort_issues([*validation.issues, *award_issues, *previous_issues, *vote.issues]), status=status,
        started_at=started_at, previous_year=comparison, vote=vote, document=options.document,
        seals=seals or Seals(),
    )


def check_rules_year(rules: Rules, submissions: list[Submission], lang: str) -> None:
    """Stop when at least two of the units' files read, and at least half of them, carry one same other year
    than the rules': the rules' `year:` line is then almost certainly wrong, and no unit is to blame."""
    files = [s for s in submissions if not s.speaks_for_no_unit and s.readable and not s.from_bloc_folder]
    years = [s.identity.get("year", "") for s in files if fold(s.identity.get("bloc", "")) == fold(rules.bloc)]
    others = Counter(year for year in years if year and year != str(rules.year))
    if not others:
        return
    found, count = others.most_common(1)[0]
    if count >= 2 and count * 2 >= len(files):
        where = f"{rules.source}:{rules.year_line}" if rules.year_line else rules.source
        raise RulesYearError(text(lang, "rules.year_typo", where=where, year=rules.year, found=found,
                                  count=count, total=len(files)))


def records_left_in_output(rules: Rules, workspace: Workspace) -> list[Issue]:
    """The bloc's records where an earlier bloc-score wrote them (output/), which the bloc may have filled in
    there: never read, but never silently passed over either."""
    found: list[Issue] = []
    if workspace.output is None:
        return found
    for name, what in ((appraisal_filename(rules), "record.appraisal"), (tally_filename(rules), "record.tally")):
        in_bloc = workspace.bloc is not None and (workspace.bloc / name).exists()
        if (workspace.output / name).is_file() and not in_bloc:
            found.append(Issue("bloc-book-in-output", file=record_name(workspace.output / name),
                               params={"what": Label(what), "name": name}))
    return found


def example_key_used(seals: Seals, workspace: Workspace) -> list[Issue]:
    """The example's key is public (it ships with bloc-score): a bloc's own folder that holds it seals nothing
    a unit could not seal too."""
    example = example_key_id()
    if workspace.bloc is None or example is None or not any(key.key_id == example for key in seals.keys):
        return []
    if workspace.bloc.resolve() == (EXAMPLE / BLOC).resolve():
        return []
    return [Issue("seal-example-key", file=record_name(workspace.bloc / SEAL_FILE), params={"key_id": example})]


def output_names(year: int) -> tuple[str, str]:
    """The ranking workbook's and the results JSON's names for a year."""
    return f"ranking-{year}.xlsx", f"results-{year}.json"


def last_years_results(workspace: Workspace, year: int) -> Path | None:
    """Last year's results JSON, where last year's run wrote it in this working folder
    (`output/results-<year-1>.json`), or where `new-year --archive` moved it
    (`archive/<year-1>/output/results-<year-1>.json`); None when it is in neither."""
    if workspace.output is None:
        return None
    name = output_names(year - 1)[1]
    for path in (workspace.output / name, workspace.output.parent / ARCHIVE / str(year - 1) / OUTPUT.name / name):
        if path.is_file():
            return path
    return None


def _compare_with_last_year(rules: Rules, ranked: list[RankedUnit],
                            path: Path) -> tuple[YearComparison | None, list[Issue]]:
    past, issues = read_past(path, rules)
    if past is None:
        return None, issues
    comparison, unknown = compare_years(rules, ranked, past, str(path))
    return comparison, issues + unknown


def _discover(folder: Path, lang: str, *, allow_empty: bool) -> tuple[list[Path], list[Issue]]:
    if folder.exists() and not folder.is_dir():  # `--input results.xlsx`: name the folder that holds it
        raise InputFolderError(text(lang, "report.input_not_folder", folder=str(folder), parent=str(folder.parent)))
    if not folder.is_dir():
        raise InputFolderError(text(lang, "report.input_missing", folder=str(folder)))
    try:
        paths, folder_issues = discover(folder)
    except OSError as error:
        raise InputFolderError(text(lang, "report.input_unreadable", folder=str(folder),
                                    reason=error.strerror or str(error))) from error
    if not paths and not allow_empty and not any(i.severity == "error" for i in folder_issues):
        raise InputFolderError(text(lang, "report.input_empty", folder=str(folder)))
    return paths, folder_issues


def run_time() -> datetime:
    """Now; or, with SOURCE_DATE_EPOCH set (reproducible-builds.org), that moment in UTC, so two runs over
    the same inputs write byte-identical outputs (docs/guarantees.md)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now().astimezone()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection during a stage that builds millions of long-lived objects.

    The collector walks every live container every few thousand allocations: submissions' rows, the
    entries table, xlsxwriter's tuple per cell. None of them form cycles, yet the walks cost a fifth of
    writing the workbook and a tenth of reading and checking 10,000 submissions (bench/run.py), more once
    pandas and pandera have loaded their hundreds of thousands of objects.
    Whatever cycles appear meanwhile are collected when the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Checked:
    """What `bloc-score check` reports: every problem, and each sound unit file's self-assessed total."""

    issues: list[Issue]
    self_totals: list[tuple[str, str, Decimal]]  # (file, unit code, total) in the rules' unit order

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PROBLEMS if has_errors(self.issues) else ExitCode.DONE


def check_submissions(rules: Rules, paths: list[Path]) -> Checked:
    """Validate single submissions (a unit checking its file before sending): no ranking, no missing units;
    and the self-assessed total of each unit whose file has no errors."""
    folder_issues, files = [], []
    for path in paths:
        if path.is_dir():
            folder_issues.append(Issue("not-a-file", file=display_name(path, path.parent)))
        else:
            files.append(path)
    # A file named on the command line is the one meant, even through a link (never so in the input folder).
    submissions = read_submissions([p.resolve() if p.is_symlink() else p for p in files], Path(),
                                   names=[display_name(p, p.parent) for p in files])
    # A unit checking its own file has no key of the bloc's (or one of its own): its code is not verifiable here.
    validation = validate(rules, submissions, folder_issues, expect_every_unit=False, seals=Seals())
    sound = [code for code, state in validation.unit_status(rules).items() if state == UnitStatus.SCORED]
    entries = validation.entries
    # The unit's own claim: the one decision (final_values) over its self-scores alone, as its template shows.
    own = final_values(entries[entries["scorer"].eq("self")]) if not entries.empty else validation.final
    scores = score_units(rules, own[own["unit_code"].isin(sound)]) if sound else []
    totals = [(validation.used[s.unit_code].file, s.unit_code, s.total) for s in scores]
    return Checked(sort_issues(validation.issues), totals)
