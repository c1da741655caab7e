"""The working folder (schemas/, input/, bloc/, output/), the example bloc-year shipped in the package, and init."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.core.errors import BlocScoreError
from pipeline.workspace.seal_keys import SEAL_FILE, BlocKey, bloc_key, read_key

# Every command reads and writes these, relative to the folder it runs in, unless told otherwise. Four kinds
# of trust: the rules (schemas/), what units send (input/, never trusted to decide anything), the bloc's own
# records (bloc/: its appraisal workbook and the vote's tally, the only place they are read from) and what the
# tool writes (output/).
SCHEMAS = Path("schemas")
INPUT = Path("input")
BLOC = Path("bloc")
OUTPUT = Path("output")
# Past years, each in archive/<year>/ (its input/, output/ and the bloc's workbooks), moved by `new-year --archive`.
ARCHIVE = Path("archive")


@dataclass(frozen=True)
class Workspace:
    """The folders of a bloc's year: what arrives (input/), the bloc's own records (bloc/), what the tool
    writes (output/), the rules files (schemas/). Commands use those of the folder they run in
    (`Workspace.here()`) unless told otherwise; a program may name only some (a test, a folder of files to
    check): a folder left None is not looked in."""

    input: Path
    output: Path | None = None
    schemas: Path | None = None
    bloc: Path | None = None

    @classmethod
    def here(cls) -> Workspace:
        """The working folder a command runs in: its schemas/, input/, bloc/ and output/."""
        return cls(INPUT, OUTPUT, SCHEMAS, BLOC)

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        """The four folders of the working folder `folder`, as a command run inside it uses them (the desk, a
        province's bloc)."""
        return cls(folder / INPUT, folder / OUTPUT, folder / SCHEMAS, folder / BLOC)

    @classmethod
    def of(cls, input_dir: Path, output_dir: Path | None, bloc_dir: Path | None = None) -> Workspace:
        """The folders a command was given (`--input`, `--out`, `--bloc`): the bloc's records are in the
        `bloc/` beside the input folder unless named, so that `--input other/input` brings its own."""
        return cls(input_dir, output_dir, SCHEMAS, bloc_dir if bloc_dir is not None else input_dir.parent / BLOC)

    @property
    def written_to(self) -> Path:
        """Where a command writes: the output folder, or output/ of the current folder when none is named."""
        return self.output if self.output is not None else OUTPUT

    @property
    def records_to(self) -> Path:
        """Where the bloc's records are made (its appraisal workbook, the tally): the bloc folder, or bloc/ of
        the current folder when none is named."""
        return self.bloc if self.bloc is not None else BLOC


_PACKAGE = Path(__file__).resolve().parent.parent
# The example bloc-year is a working folder of its own (schemas/, input/, and what later features add),
# inside the package so that an installed command carries it too.
EXAMPLE = _PACKAGE / "examples" / "quang-tri-2024"
_STARTER = Path(__file__).resolve().parent / "starter"
# The rules-file reference, shipped in the package (a copy of docs/rules.md): the starter rules file names it.
RULES_REFERENCE = _PACKAGE / "docs" / "rules.md"
# The secretary's guide, in Vietnamese (one HTML file, printed on at most four A4 pages): init writes it into
# the working folder under this name, `bloc-score guide` opens it.
GUIDE_NAME = "huong-dan.html"
GUIDE = _STARTER / GUIDE_NAME
# What the secretary double-clicks on Windows to open the desk in this folder (init writes it; docs/desk.md).
# An ASCII name: it survives any zip tool or old file share the folder is copied through.
DESK_SHORTCUT_NAME = "Mo ban lam viec.cmd"
# Files of the example that describe it where it is shipped, not part of a working folder.
_EXAMPLE_ONLY = frozenset({"README.md"})
MAX_NAMES_SHOWN = 5  # of the files init would replace: enough to see which folder it is


def is_working_folder(path: Path) -> bool:
    """A folder holding `schemas/` and `input/`, as `bloc-score init` makes it."""
    try:
        return (path / SCHEMAS).is_dir() and (path / INPUT).is_dir()
    except OSError:
        return False


def enclosing_working_folder(folder: Path) -> tuple[Path, Path] | None:
    """The working folder whose `input/`, `output/` or `bloc/` holds `folder` (or is it), with that subfolder."""
    resolved = folder.resolve()
    for path in (resolved, *resolved.parents):
        if path.name in (INPUT.name, OUTPUT.name, BLOC.name) and is_working_folder(path.parent):
            return path.parent, path
    return None


@dataclass(frozen=True)
class InitResult:
    """What `init_folder` made: the folder, the files written, and the rules file to edit."""

    folder: Path
    written: list[Path]
    rules_file: Path
    key: BlocKey | None = None  # the bloc's key (bloc/seal.key), made by init unless it was there


def example_rules() -> Path:
    """The example's rules file."""
    return next(iter(sorted((EXAMPLE / "schemas").glob("*.yaml"))))


def example_files() -> dict[Path, Path]:
    """Each file of the example by its place in a working folder (`input/…`, `schemas/…`)."""
    files: dict[Path, Path] = {}
    for path in sorted(EXAMPLE.rglob("*")):
        relative = path.relative_to(EXAMPLE)
        if path.is_file() and relative.as_posix() not in _EXAMPLE_ONLY and "__pycache__" not in relative.parts:
            files[relative] = path
    return files


def bloc_readme() -> str:
    """bloc/README.txt: what the bloc's folder is for, in the secretary's language (init writes it)."""
    return (_STARTER / "bloc-README.txt").read_text(encoding="utf-8")


def starter_rules(lang: str, year: int) -> str:
    """A commented rules file for a new bloc, valid as it stands, for the secretary to edit."""
    source = (_STARTER / f"rules.{lang}.yaml").read_text(encoding="utf-8")
    return string.Template(source).substitute(year=year, next=year + 1, reference=RULES_REFERENCE)


def init_folder(folder: Path, *, example: bool = False, lang: str = "vi", year: int | None = None) -> InitResult:
    """Make a working folder: schemas/ with a rules file (the starter, or the example's with its submissions
    and the bloc's records), input/, bloc/ with its README.txt and the bloc's key, and output/. Writes nothing
    at all if any file it would write is already there."""
    from pipeline.core.labels import text  # here: the CLI imports this module's folder names for --help

    year = year or date.today().year
    inside = enclosing_working_folder(folder)
    if inside is not None:  # run in output/ by mistake: a second working folder there would mix two blocs' files
        raise BlocScoreError(text(lang, "init.inside", folder=str(folder.resolve()), working=str(inside[0]),
                                  sub=inside[1].name))
    planned: dict[Path, bytes] = {}
    if example:
        for relative, source in example_files().items():
            planned[relative] = source.read_bytes()
        rules_file = SCHEMAS / example_rules().name
    else:
        rules_file = SCHEMAS / f"rules-{year}.yaml"
        planned[rules_file] = starter_rules(lang, year).encode("utf-8")
    # A note, not the bloc's data: one already there (a clone of the project has its own) is kept as it is.
    notes = {BLOC / "README.txt": bloc_readme().encode("utf-8"), Path(GUIDE_NAME): GUIDE.read_bytes(),
             Path(DESK_SHORTCUT_NAME): desk_shortcut()}

    folders = [folder, folder / SCHEMAS, folder / INPUT, folder / BLOC, folder / OUTPUT]
    blocked = [path for path in folders if path.exists() and not path.is_dir()]
    blocked += [folder / relative for relative in planned if (folder / relative).exists()]
    if blocked:
        names = ", ".join(_shown(path, folder) for path in blocked[:MAX_NAMES_SHOWN])
        if len(blocked) > MAX_NAMES_SHOWN:
            names += f" … (+{len(blocked) - MAX_NAMES_SHOWN})"
        raise BlocScoreError(text(lang, "init.exists", folder=str(folder), files=names))

    try:
        for path in folders:
            path.mkdir(parents=True, exist_ok=True)
        written = []
        planned |= {relative: content for relative, content in notes.items()
                    if relative not in planned and not (folder / relative).exists()}
        for relative, content in planned.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as handle:  # "x": never replace a file that appeared meanwhile
                handle.write(content)
            written.append(target)
    except OSError as error:
        raise BlocScoreError(text(lang, "init.failed", folder=str(folder),
                                  reason=error.strerror or str(error))) from error
    # The bloc's key, before anything is issued (the example brings its own, which is public).
    key = bloc_key(folder / BLOC, lang)
    return InitResult(folder=folder, written=written, rules_file=folder / rules_file, key=key)


def desk_shortcut(python: str | None = None) -> bytes:
    """The Windows command file that opens the desk in its own folder: with the Python that ran init (where
    bloc-score is installed), else with `bloc-score` on the PATH. CRLF line ends, as cmd.exe reads them; UTF-8
    after `chcp 65001`, so a path with Vietnamese letters is read whole."""
    import sys

    template = (_STARTER / "desk.cmd").read_bytes().decode("utf-8")  # as written: its CRLF line ends
    return template.replace("{python}", python or sys.executable).encode("utf-8")


def _shown(path: Path, folder: Path) -> str:
    return str(folder) if path == folder else path.relative_to(folder).as_posix()


def example_key_id() -> str | None:
    """The short id of the example's key, which is public: it ships with bloc-score."""
    try:
        return read_key(EXAMPLE / BLOC / SEAL_FILE, "en").key_id
    except BlocScoreError:
        return None


def guide_path(folder: Path) -> Path:
    """The guide to open: the working folder's copy when there is one, else the package's."""
    here = folder / GUIDE_NAME
    return here if here.is_file() else GUIDE
