"""`bloc-score ballot`: the ballot papers and the tally workbook, made from the current run's proposals."""

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
@click.option("--voters", type=click.IntRange(1, 1000), default=None)
@LANG_OPTION
def ballot(rules_path: Path | None, input_dir: Path, bloc_dir: Path | None, output_dir: Path, voters: int | None,
           lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.said import ballot_said
    from pipeline.forms.ballot import ballot_papers

    workspace = Workspace.of(input_dir, output_dir, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(workspace.written_to, lang):
        papers = ballot_papers(rules, workspace, voters=voters, lang=lang)
    click.echo("\n".join(ballot_said(papers, rules, lang)))
    sys.exit(papers.exit_code)
