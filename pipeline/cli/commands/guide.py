"""`bloc-score guide`: open the secretary's guide (huong-dan.html) in the default browser."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import lang_option


@click.command()
@click.option("--print-path", is_flag=True)
@lang_option()
def guide(print_path: bool, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    import webbrowser

    from pipeline.core.labels import text
    from pipeline.workspace.folders import guide_path

    path = guide_path(Path(".")).resolve()
    lang = lang or "vi"
    if print_path:
        click.echo(str(path))
        return
    opened = webbrowser.open(path.as_uri())
    click.echo(text(lang, "guide.opened" if opened else "guide.not_opened", path=str(path)))
