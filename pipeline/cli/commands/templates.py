"""`bloc-score templates`: one self-assessment template per unit, ready to e-mail."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import (
    LANG_OPTION,
    bloc_option,
    folder_lock,
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
    from pipeline.cli.said import templates_said
    from pipeline.forms.template import issue_templates

    workspace = Workspace.here()
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(out_dir, lang):
        written, key = issue_templates(rules, out_dir, bloc_dir or workspace.records_to, lang=lang)
    click.echo("\n".join(templates_said(written, key, out_dir, lang)))
