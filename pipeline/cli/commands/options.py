"""The options every command spells the same way: --rules, --input, --bloc, --out (alias --output), --lang.

Their help is in the locales (`cli.option.*`, or `cli.<command>.*`), set by `pipeline.cli.language.localise`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline.core.labels import text
from pipeline.workspace.folders import INPUT, Workspace

if TYPE_CHECKING:
    from pipeline.rules.model import Rules

FC = TypeVar("FC", bound=Callable[..., Any])


def rules_option(required: bool = False) -> Callable[[FC], FC]:
    return click.option("--rules", "rules_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        required=required)


def input_option() -> Callable[[FC], FC]:
    return click.option("--input", "input_dir", type=click.Path(path_type=Path), default=INPUT, show_default=True)


def bloc_option() -> Callable[[FC], FC]:
    """`--bloc`: where the bloc's own records are (its appraisal workbook, the tally)."""
    return click.option("--bloc", "bloc_dir", type=click.Path(path_type=Path, file_okay=False), default=None)


def out_option(name: str, default: Path | None, *, dir_okay: bool = True) -> Callable[[FC], FC]:
    """`--out`, with `--output` as its alias, on every command that writes (README.md, Commands)."""
    return click.option("--out", "--output", name, type=click.Path(path_type=Path, dir_okay=dir_okay),
                        default=default, show_default=default is not None)


def lang_option() -> Callable[[FC], FC]:
    return click.option("--lang", type=click.Choice(["vi", "en"]), default=None)


LANG_OPTION = lang_option()


class SigningDate(click.ParamType[date]):
    """A date as it is written in Vietnam, day first (20/12/2024, 5/1/2025), or as ISO 8601 (2024-12-20);
    never month first."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        import re
        from datetime import datetime

        written = str(value).strip()
        with contextlib.suppress(ValueError):
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
                return datetime.strptime(written, "%Y-%m-%d").date()
            if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", written):
                return datetime.strptime(written, "%d/%m/%Y").date()
        from pipeline.cli.language import current

        self.fail(text(current(), "cli.date_invalid", value=written), param, ctx)


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
