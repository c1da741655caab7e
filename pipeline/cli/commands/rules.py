"""`bloc-score rules [FILE]`: check a rules file and print a readable summary of it."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import LANG_OPTION, load_rules_for
from pipeline.workspace.folders import Workspace


@click.command()
@click.argument("rules_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@LANG_OPTION
def rules(rules_file: Path | None, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    import datetime as dt

    from pipeline.cli.console import render_rules
    from pipeline.rules.load import with_year_warning

    loaded = with_year_warning(load_rules_for(Workspace.here(), rules_file, lang), dt.date.today(), lang)
    click.echo(render_rules(loaded, lang or loaded.language))
