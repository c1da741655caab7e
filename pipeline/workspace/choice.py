"""Which rules file a command uses when none is named, and why (docs/rules.md, Which rules file).

One file in schemas/ → that one. Several → the one whose bloc and year the submissions carry in their
template identity, else the newest year. A secretary keeps last year's file beside this year's for weeks,
so the choice must follow the files being scored, and always be said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import Label, text
from pipeline.core.text import fold
from pipeline.reading.inputs import SPREADSHEET_SUFFIXES, discover
from pipeline.reading.isolation import read_submissions
from pipeline.reading.mail.messages import MAIL_SUFFIXES
from pipeline.reading.recognise import name_suffix
from pipeline.rules.load import load_rules
from pipeline.rules.model import Rules
from pipeline.workspace.folders import SCHEMAS, Workspace, is_working_folder

# Submissions whose identity is read to choose: all of a bloc's files come from one template, so a few
# tell the year; reading every file of a province (3 ms each) would double the run's reading time.
IDENTITY_SAMPLE = 20
# A command run outside a working folder names those nearby: up to three levels above (output/templates/ is
# two deep), its subfolders below (the first few hundred, so a Documents folder answers at once), five named.
NEARBY_LEVELS_UP = 3
NEARBY_CHILDREN_LOOKED = 500
NEARBY_SHOWN = 5


@dataclass(frozen=True)
class Candidate:
    """A rules file in schemas/ with the bloc, year and revision it declares (None when unreadable)."""

    path: Path
    bloc: str | None = None
    year: int | None = None
    revision: int = 1


@dataclass(frozen=True)
class RulesChoice:
    """The rules file to use, and the reason in words: `given`, `only`, `submissions` or `newest`."""

    path: Path
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self, lang: str) -> str:
        return text(lang, f"choice.{self.reason}", file=str(self.path), **self.params)


def rules_for(given: Path | None, workspace: Workspace, submissions: Sequence[Path] | None = None,
              lang: str | None = None) -> tuple[Rules, RulesChoice]:
    """The rules a command uses, and why that file: `given` if named, else chosen in the workspace's schemas/
    to match `submissions` (default: the files in its input folder). Raises RulesError for a broken file."""
    folder = workspace.schemas if workspace.schemas is not None else SCHEMAS
    found = submissions if submissions is not None else workspace.input
    choice = choose_rules_file(given, folder, found, lang or "vi")
    return load_rules(choice.path, lang=lang), choice


def choose_rules_file(
    given: Path | None, folder: Path, submissions: Path | Iterable[Path] | None, lang: str = "vi",
) -> RulesChoice:
    """The rules file for a command: `given` if named; else from `folder`, matched against `submissions`
    (an input folder, or the files a command was given). Raises BlocScoreError when none can be chosen."""
    if given is not None:
        return RulesChoice(given, "given")
    paths = rules_files(folder)
    if not paths:
        raise BlocScoreError(no_rules_message(folder, lang))
    if len(paths) == 1:
        return RulesChoice(paths[0], "only", {"folder": str(folder)})

    candidates = [read_candidate(path) for path in paths]
    names = ", ".join(path.name for path in paths)
    identities, read = submission_identities(submissions)
    votes = {c.path: sum(n for key, n in identities.items() if _matches(c, key)) for c in candidates}
    best = max(votes.values())
    if best:
        chosen = [c for c in candidates if votes[c.path] == best]
        if len(chosen) > 1:  # one bloc-year twice: the submissions' revision may still tell them apart
            by_revision = [c for c in chosen if any(_matches(c, key, revision=True) for key in identities)]
            chosen = by_revision or chosen
        if len(chosen) == 1:
            winner = chosen[0]
            return RulesChoice(winner.path, "submissions", {
                "count": best, "read": read, "input": _where(submissions), "bloc": winner.bloc, "year": winner.year,
                "folder": str(folder), "others": _others(paths, winner.path)})
        raise BlocScoreError(text(lang, "choice.ambiguous", folder=str(folder), files=names))

    years = [c.year for c in candidates if c.year is not None]
    newest = max(years, default=None)
    chosen = [c for c in candidates if newest is not None and c.year == newest]
    if len(chosen) != 1:
        raise BlocScoreError(text(lang, "choice.ambiguous", folder=str(folder), files=names))
    return RulesChoice(chosen[0].path, "newest", {"year": newest, "count": len(paths), "folder": str(folder),
                                                  "input": _where(submissions),
                                                  "others": _others(paths, chosen[0].path)})


def no_rules_message(folder: Path, lang: str) -> str:
    """Why no rules file was found, to the secretary: a `schemas/` folder that is empty, or a command run
    outside a working folder — then the folder it looked in, and the working folders just above or below."""
    if folder.is_dir():
        return text(lang, "choice.none", folder=str(folder.resolve()))
    here = folder.resolve().parent
    near = nearby_working_folders(here)
    if not near:
        return text(lang, "choice.not_here", here=str(here), schemas=folder.name)
    return text(lang, "choice.not_here_near", here=str(here), schemas=folder.name,
                folders="; ".join(str(path) for path in near), first=str(near[0]))


def nearby_working_folders(here: Path) -> list[Path]:
    """The working folders just above `here` (its parents, nearest first: run in `output/` or
    `output/templates/`) and just below it (its subfolders: run in the folder that holds the bloc's)."""
    above = [parent for parent in list(here.parents)[:NEARBY_LEVELS_UP] if is_working_folder(parent)]
    try:
        children = sorted(p for p in here.iterdir() if not p.name.startswith((".", "~")) and p.is_dir())
    except OSError:
        children = []
    below = [child for child in children[:NEARBY_CHILDREN_LOOKED] if is_working_folder(child)]
    return (above + below)[:NEARBY_SHOWN]


def rules_files(folder: Path) -> list[Path]:
    """The rules files in `folder` (`*.yaml`, `*.yml`), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.casefold() in (".yaml", ".yml") and p.is_file()
                  and not p.name.startswith((".", "~")))


def read_candidate(path: Path) -> Candidate:
    """Bloc, year and revision of a rules file, without checking the rest: a broken file is only
    reported in full if it is the one chosen."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return Candidate(path)
    if not isinstance(data, dict):
        return Candidate(path)
    bloc, year, revision = data.get("bloc"), data.get("year"), data.get("revision", 1)
    return Candidate(
        path,
        bloc=bloc if isinstance(bloc, str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        revision=revision if isinstance(revision, int) else 1,
    )


def submission_identities(submissions: Path | Iterable[Path] | None) -> tuple[Counter[tuple[str, str, str]], int]:
    """(folded bloc, year, revision) → number of files carrying it, over at most IDENTITY_SAMPLE files;
    and how many files were read."""
    if submissions is None:
        return Counter(), 0
    if isinstance(submissions, Path):
        try:
            paths = discover(submissions)[0] if submissions.is_dir() else []
        except OSError:
            paths = []
    else:
        paths = [p for p in submissions if name_suffix(p.name) in SPREADSHEET_SUFFIXES | MAIL_SUFFIXES and p.is_file()]
    found: Counter[tuple[str, str, str]] = Counter()
    sample = paths[:IDENTITY_SAMPLE]
    # Read in a worker like any run: a hostile file must not take the command down before it starts.
    for submission in read_submissions(sample, Path("."), names=[p.name for p in sample]):
        identity = submission.identity
        if identity.get("bloc") and identity.get("year"):
            found[(fold(identity["bloc"]), identity["year"], identity.get("revision", ""))] += 1
    return found, len(sample)


def _matches(candidate: Candidate, key: tuple[str, str, str], *, revision: bool = False) -> bool:
    bloc, year, found_revision = key
    if candidate.bloc is None or candidate.year is None:
        return False
    same = fold(candidate.bloc) == bloc and str(candidate.year) == year
    return same and (not revision or str(candidate.revision) == found_revision)


def _where(submissions: Path | Iterable[Path] | None) -> str | Label:
    return str(submissions) if isinstance(submissions, Path) else Label("choice.files_given")


def _others(paths: list[Path], chosen: Path) -> str:
    return ", ".join(p.name for p in paths if p != chosen)
