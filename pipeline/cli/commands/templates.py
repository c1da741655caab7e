"""`bloc-score templates`: one self-assessment template per unit, ready to e-mail."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import (
    LANG_OPTION,
    bloc_option,
    folder_lock,
    key_made_line,
    load_rules_for,
    out_option,
    rules_option,
)
from pipeline.workspace.folders import OUTPUT, Workspace


@click.command()
@rules_option()
@out_option("out_dir", OUTPUT / "templates")
@bloc_option()
@LANG_OPTION
def templates(rules_path: Path | None, out_dir: Path, bloc_dir: Path | None, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.core.labels import text
    from pipeline.forms.template import issue_templates

    workspace = Workspace.here()
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(out_dir, lang):
        written, key = issue_templates(rules, out_dir, bloc_dir or workspace.records_to, lang=lang)
    for path in written:
        click.echo(f"  {path}")
    lines = [text(lang, "report.templates_written", count=len(written), folder=str(out_dir))]
    if key.created:
        lines.append(key_made_line(key, lang))
    lines.append(text(lang, "seal.sealed", key_id=key.key.key_id))
    click.echo("\n".join(lines))
