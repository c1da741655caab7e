"""The options every command spells the same way: --rules, --input, --bloc, --out (alias --output), --lang."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline.workspace.folders import INPUT, Workspace

if TYPE_CHECKING:
    from pipeline.rules.model import Rules
    from pipeline.workspace.seal_keys import BlocKey

FC = TypeVar("FC", bound=Callable[..., Any])
LANGUAGE_HELP = "Language of messages and labels (default: the rules file's)."


def rules_option(required: bool = False) -> Callable[[FC], FC]:
    return click.option("--rules", "rules_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        required=required,
                        help="The year's rules file (default: chosen in schemas/; the output says which and why).")


def input_option(help: str = "Folder holding the units' filled templates.") -> Callable[[FC], FC]:
    return click.option("--input", "input_dir", type=click.Path(path_type=Path), default=INPUT, show_default=True,
                        help=help)


def bloc_option() -> Callable[[FC], FC]:
    """`--bloc`: where the bloc's own records are (its appraisal workbook, the tally)."""
    return click.option("--bloc", "bloc_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                        help="Folder of the bloc's own records: appraisal-<year>.xlsx, tally-<year>.xlsx "
                             "(default: bloc/ beside the input folder).")


def out_option(name: str, default: Path | None, help: str, *, dir_okay: bool = True) -> Callable[[FC], FC]:
    """`--out`, with `--output` as its alias, on every command that writes (README.md, Commands)."""
    return click.option("--out", "--output", name, type=click.Path(path_type=Path, dir_okay=dir_okay),
                        default=default, show_default=default is not None, help=help)


def lang_option(help: str = LANGUAGE_HELP) -> Callable[[FC], FC]:
    return click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help=help)


LANG_OPTION = lang_option()


def folder_lock(folder: Path, lang: str) -> AbstractContextManager[Path]:
    """Hold the lock of the folder a command writes into for the rest of its work (pipeline.outputs.lock):
    a second bloc-score writing there waits, saying so on stderr, or stops with exit 2."""
    from pipeline.outputs.lock import writing_into

    return writing_into(folder, lang, notice=lambda line: click.echo(line, err=True))


def load_rules_for(workspace: Workspace, given: Path | None, lang: str | None,
                   submissions: Sequence[Path] | None = None, *, quiet: bool = False) -> Rules:
    """The rules a command uses (named, or chosen in schemas/ to match the input folder or `submissions`),
    saying which and why unless quiet."""
    from pipeline.workspace.choice import rules_for

    rules, choice = rules_for(given, workspace, submissions, lang)
    if not quiet:
        click.echo(choice.describe(lang or rules.language))
    return rules


def key_made_line(key: BlocKey, lang: str) -> str:
    """What a command says when it made the bloc's key: where, its id, and that it is never sent."""
    from pipeline.core.labels import text

    return text(lang, "seal.key_created", path=str(key.path), key_id=key.key.key_id)
