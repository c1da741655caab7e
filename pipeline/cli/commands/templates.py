"""`bloc-score templates`: one self-assessment template per unit, ready to e-mail."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import LANG_OPTION, folder_lock, load_rules_for, out_option, rules_option
from pipeline.workspace.folders import OUTPUT, Workspace


@click.command()
@rules_option()
@out_option("out_dir", OUTPUT / "templates", "Folder for the templates.")
@LANG_OPTION
def templates(rules_path: Path | None, out_dir: Path, lang: str | None) -> None:
    """Write one self-assessment template per unit, ready to e-mail.

    \b
    Examples:
      bloc-score templates
      bloc-score templates --rules schemas/khoi-2024.yaml --out mau/
    """
    from pipeline.core.labels import text
    from pipeline.forms.template import write_templates

    rules = load_rules_for(Workspace.here(), rules_path, lang)
    with folder_lock(out_dir, lang or rules.language):
        written = write_templates(rules, out_dir, lang=lang)
    for path in written:
        click.echo(f"  {path}")
    click.echo(text(lang or rules.language, "report.templates_written", count=len(written), folder=str(out_dir)))
