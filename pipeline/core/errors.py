"""The one hierarchy of problems that stop a command; the CLI renders them, nothing else does.

Problems *inside* submissions are not exceptions: they are collected as `Issue` rows (see issues.py)
so one run reports all of them. These exceptions are for what makes a whole command impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """What every command's exit status means, present and future (README.md, Exit codes)."""

    DONE = 0  # the work is complete: a final ranking, a file with no errors, outputs written
    PROBLEMS = 1  # done, but provisional or with problems found: read the report
    USER_ERROR = 2  # nothing could be done as asked: bad rules, bad or unwritable folders, a missing tool
    BUG = 3  # an internal error: run again with --debug and report what it prints


class BlocScoreError(Exception):
    """A problem the user can fix; `message` is already in the user's language."""

    exit_code = ExitCode.USER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RuleProblem:
    """One mistake in a rules file, located by line and by path (`sections[0].criteria[2].max`)."""

    path: str
    line: int | None
    message: str

    def render(self, source: str) -> str:
        # `file:line` is what editors and terminals recognise, and needs no translation.
        where = f"{source}:{self.line}" if self.line else source
        return f"{where} ({self.path}): {self.message}" if self.path else f"{where}: {self.message}"


class RulesError(BlocScoreError):
    """The rules file cannot be used; carries every problem found, not just the first."""

    def __init__(self, source: str, problems: list[RuleProblem], heading: str) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [heading] + [f"  - {p.render(source)}" for p in self.problems]
        super().__init__("\n".join(lines))


class RulesYearError(BlocScoreError):
    """The units' files agree on another year than the rules': the rules' `year:` is almost certainly a typo."""


class InputFolderError(BlocScoreError):
    """The input folder is missing, empty or holds nothing that can be read."""


class OutputError(BlocScoreError):
    """An output file cannot be written (open in Excel, read-only folder, disk full)."""
