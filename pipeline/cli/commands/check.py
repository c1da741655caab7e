"""`bloc-score check FILE…`: check single submissions against the rules, without ranking."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.commands.options import LANG_OPTION, load_rules_for, rules_option
from pipeline.workspace.folders import Workspace


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@rules_option()
@LANG_OPTION
@click.option("--max", "limit", type=click.IntRange(min=1), default=None)
@click.option("--quiet", "-q", is_flag=True)
def check(files: tuple[Path, ...], rules_path: Path | None, lang: str | None, limit: int | None,
          quiet: bool) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.console import render_check
    from pipeline.core.labels import format_number, text
    from pipeline.run import check_submissions

    rules = load_rules_for(Workspace.here(), rules_path, lang, list(files), quiet=quiet)
    checked = check_submissions(rules, list(files))
    shown = lang or rules.language
    click.echo(render_check(checked.issues, [f.name for f in files], shown, limit=limit, quiet=quiet))
    if not quiet:
        for file, unit, total in checked.self_totals:
            click.echo(text(shown, "report.self_total", file=file, unit=unit,
                            total=format_number(total, shown, rules.decimals)))
    sys.exit(checked.exit_code)
