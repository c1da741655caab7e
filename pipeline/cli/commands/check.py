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
@click.option("--max", "limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many problems per file (default: every problem).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the problems found and the one-line summary.")
def check(files: tuple[Path, ...], rules_path: Path | None, lang: str | None, limit: int | None,
          quiet: bool) -> None:
    """Check single submissions against the rules, without ranking; exit 1 if any has errors.

    Lists every problem of every file, then a one-line summary.

    \b
    Examples:
      bloc-score check input/don-vi-A.xlsx
      bloc-score check input/*.xlsx --max 5 --quiet
    """
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
