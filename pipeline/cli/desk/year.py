"""The year on one page: where every unit, the bloc's records and the run stand, read from the working folder
by the same library calls as the commands (the rules' choice, `run`), nothing written.

The desk keeps no store of its own: this is computed again whenever a file in the folder changed, so the
terminal and the page can be used in turn at any moment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from pipeline.checking.validate import UnitStatus
from pipeline.core.errors import BlocScoreError
from pipeline.core.issues import Issue
from pipeline.core.labels import format_number, text
from pipeline.reading.mail.messages import SEPARATOR
from pipeline.rules.layout import (
    appraisal_filename,
    ballots_filename,
    minutes_filename,
    proposals_filename,
    tally_filename,
)
from pipeline.rules.model import Rules
from pipeline.run import RunOptions, RunResult, output_names, run
from pipeline.scoring.rank import award_name
from pipeline.workspace.choice import RulesChoice, rules_for
from pipeline.workspace.folders import BLOC, INPUT, OUTPUT, SCHEMAS, Workspace
from pipeline.workspace.intake import ACCEPTED_SUFFIXES

# The files the page offers to download, by the name the page asks for them with: never a path from a request.
# Each is the output a command writes under this name in the working folder (bloc/seal.key is not among them).
OUTPUTS = ("ranking", "pdf", "results", "minutes", "proposals", "ballots")
RECORDS = ("appraisal", "tally")
RUN_READS = ACCEPTED_SUFFIXES | {".yaml", ".yml"}


def output_path(folder: Path, rules: Rules, name: str) -> Path:
    """Where the output or bloc record called `name` (OUTPUTS, RECORDS) is in the working folder."""
    ranking, results = output_names(rules.year)
    paths = {
        "ranking": OUTPUT / ranking, "pdf": OUTPUT / Path(ranking).with_suffix(".pdf"), "results": OUTPUT / results,
        "minutes": OUTPUT / minutes_filename(rules), "proposals": OUTPUT / proposals_filename(rules),
        "ballots": OUTPUT / ballots_filename(rules),
        "appraisal": BLOC / appraisal_filename(rules), "tally": BLOC / tally_filename(rules),
    }
    return folder / paths[name]


@dataclass(frozen=True)
class UnitRow:
    """One unit as the page shows it: its state, the file that speaks for it, its problems, its place."""

    code: str
    name: str
    state: str  # "missing", "received" (read, not ranked yet), "invalid" or "scored"
    file: str | None = None
    sender: str | None = None
    errors: int = 0
    warnings: int = 0
    total: str | None = None
    rank: int | None = None
    classification: str | None = None
    award: str | None = None


@dataclass(frozen=True)
class Present:
    """An output or record the page can offer: whether it is there, and when it was last written."""

    name: str
    file: str
    modified: datetime | None

    @property
    def exists(self) -> bool:
        return self.modified is not None


@dataclass
class Year:
    """The working folder's year, or why it cannot be read (`rules_problem`)."""

    folder: Path
    lang: str
    rules: Rules | None = None
    choice: RulesChoice | None = None
    rules_problem: str | None = None
    result: RunResult | None = None
    units: list[UnitRow] = field(default_factory=list)
    outputs: list[Present] = field(default_factory=list)
    records: list[Present] = field(default_factory=list)
    appraisal_filled: bool = False
    tally_filled: bool = False

    @property
    def state(self) -> str | None:
        """"final", "vote_pending" or "provisional": what the ranking would be if run now."""
        if self.result is None:
            return None
        if self.result.final:
            return "final"
        return "vote_pending" if self.result.vote_pending and not self.result.provisional else "provisional"

    def unit_issues(self, code: str) -> list[Issue]:
        return [i for i in self.result.issues if i.unit == code] if self.result else []

    def unit_files(self, code: str) -> list[str]:
        """The files of input/ that speak, or try to speak, for a unit: the one in use and those its problems
        name (both of a unit's two versions), as they are named directly in input/."""
        if self.result is None:
            return []
        named = [self.result.validation.used[code].file] if code in self.result.validation.used else []
        for issue in self.unit_issues(code):
            named += [str(value) for value in (issue.file, issue.params.get("other")) if value]
        found = []
        for name in named:
            top = name.split(SEPARATOR, 1)[0]  # an e-mail's attachment: the saved message is the file
            if top not in found and "/" not in top and (self.folder / INPUT / top).is_file():
                found.append(top)
        return found

    @property
    def ranking_state(self) -> str:
        """"never" (no ranking written), "stale" (a file arrived or a record changed since) or "current"."""
        ranking = next((o for o in self.outputs if o.name == "ranking"), None)
        if ranking is None or ranking.modified is None:
            return "never"
        # The files a run reads: the rules, the units' files, the bloc's records (not its key or notes).
        read = [stamp for name, _size, stamp in fingerprint(self.folder)
                if not name.startswith(str(OUTPUT)) and Path(name).suffix.casefold() in RUN_READS]
        return "stale" if max(read, default=0) > ranking.modified.timestamp() * 1e9 else "current"

    @property
    def other_issues(self) -> list[Issue]:
        """The problems of no unit: the bloc's records, files of nobody's, the folders."""
        return [i for i in self.result.issues if i.unit is None and i.severity != "info"] if self.result else []


def read_year(folder: Path, lang: str | None) -> Year:
    """Everything the page shows of the working folder, by the commands' own calls; a broken or missing rules
    file is told (`rules_problem`), never raised."""
    workspace = Workspace.at(folder)
    try:
        rules, choice = rules_for(None, workspace, None, lang)
    except BlocScoreError as error:
        return Year(folder, lang or "vi", rules_problem=error.message)
    shown = lang or rules.language
    year = Year(folder, shown, rules, choice)
    try:
        year.result = run(rules, workspace, RunOptions(lang=shown, allow_empty=True))
    except BlocScoreError as error:
        year.rules_problem = error.message
        return year
    year.units = list(_units(rules, year.result, shown))
    year.outputs = [_present(folder, rules, name) for name in OUTPUTS]
    year.records = [_present(folder, rules, name) for name in RECORDS]
    entries = year.result.validation.entries
    year.appraisal_filled = not entries.empty and bool(entries["scorer"].eq("appraised").any())
    year.tally_filled = year.result.vote is not None and year.result.vote.tally is not None
    return year


def _units(rules: Rules, result: RunResult, lang: str) -> Iterator[UnitRow]:
    placed = {p.unit_code: p for p in result.ranked}
    used = result.validation.used
    for unit in rules.units:
        issues = [i for i in result.issues if i.unit == unit.code]
        submission = used.get(unit.code)
        state = result.status[unit.code]
        sender = submission.envelope.sender if submission is not None and submission.envelope else None
        file = submission.file if submission is not None else next((i.file for i in issues if i.file), None)
        row = UnitRow(unit.code, unit.name, str(state), file, sender,
                      sum(i.severity == "error" for i in issues), sum(i.severity == "warning" for i in issues))
        ranked = placed.get(unit.code)
        if state == UnitStatus.SCORED and ranked is not None:
            award = result.award(ranked)
            if award is not None:
                shown: str | None = award_name(rules, award, lang)
            elif result.vote is not None and ranked.award in result.vote.voted \
                    and ranked.award not in result.vote.tallied:  # proposed, put to the vote, not counted yet
                shown = f"{award_name(rules, ranked.award, lang)} ({text(lang, 'vote.pending_cell').lower()})"
            else:
                shown = None
            row = replace(row, total=format_number(ranked.score.total, lang, rules.decimals), rank=ranked.rank,
                          classification=ranked.classification, award=shown)
        elif state == UnitStatus.SCORED:  # sound, but not ranked: a run without any ranking (no criteria read)
            row = replace(row, state="received")
        yield row


def _present(folder: Path, rules: Rules, name: str) -> Present:
    path = output_path(folder, rules, name)
    try:
        modified: datetime | None = datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        modified = None
    return Present(name, path.name, modified)


WORKING_FOLDERS = (SCHEMAS, INPUT, BLOC, OUTPUT)


def fingerprint(folder: Path, tops: tuple[Path, ...] = WORKING_FOLDERS) -> tuple[tuple[str, int, int], ...]:
    """What the year's state depends on: every file's name, size and time in `tops` (a working folder's four;
    a province folder as a whole), earlier versions aside. A change in any of them, by the page or by a
    command, makes the page read the year again."""
    seen: list[tuple[str, int, int]] = []
    for top in tops:
        base = folder / top
        for root, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if d != "previous"]
            for name in files:
                path = Path(root, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                seen.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(seen))
