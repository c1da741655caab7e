"""`bloc-score appraisal`: the bloc's appraisal workbook, made from the submissions in the input folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.commands.options import (
    LANG_OPTION,
    bloc_option,
    folder_lock,
    input_option,
    load_rules_for,
    out_option,
    rules_option,
)
from pipeline.workspace.folders import OUTPUT, Workspace


@click.command()
@rules_option()
@input_option()
@bloc_option()
@out_option("output_dir", OUTPUT)
@LANG_OPTION
def appraisal(rules_path: Path | None, input_dir: Path, bloc_dir: Path | None, output_dir: Path,
              lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.console import render_check
    from pipeline.cli.said import appraisal_said
    from pipeline.forms.appraisal_made import make_appraisal

    workspace = Workspace.of(input_dir, output_dir, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(workspace.written_to, lang):
        made = make_appraisal(rules, workspace, lang=lang)
    if made.problems:
        click.echo(render_check(made.problems, [], lang))
    click.echo("\n".join(appraisal_said(made, rules, output_dir, lang)))
    sys.exit(made.exit_code)
