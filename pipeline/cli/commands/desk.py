"""`bloc-score desk [FOLDER]`: the secretary's desk, a page in her browser over the same working folder."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.cli.commands.options import lang_option
from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import text


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option("--no-browser", "no_browser", is_flag=True)
@lang_option()
def desk(folder: Path, no_browser: bool, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.desk.guard import Guard
    from pipeline.cli.desk.province import is_province_folder
    from pipeline.cli.desk.server import serve
    from pipeline.workspace.folders import is_working_folder

    shown = lang or "vi"
    if not is_working_folder(folder) and not is_province_folder(folder):
        named = str(folder if folder.parts else folder.resolve())
        raise BlocScoreError(text(shown, "desk.not_a_working_folder", folder=named))

    def say(guard: Guard) -> None:
        click.echo(text(shown, "desk.started", folder=str(where), address=guard.address))
        if not no_browser:
            click.echo(text(shown, "desk.browser_opened"))
        click.echo(text(shown, "desk.how_to_stop"))

    # As `cd FOLDER` before a command: every path the page shows and every output records reads as the
    # command line's run there would ("output/ranking-2024.xlsx", "schemas/khoi-2024.yaml").
    where = folder.resolve()
    os.chdir(where)
    serve(Path("."), lang=lang, open_browser=not no_browser, say=say)
    click.echo(text(shown, "desk.stopped"))
