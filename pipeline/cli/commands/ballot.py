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
    key_made_line,
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
    from pipeline.core.labels import text
    from pipeline.forms.ballot import ballot_papers

    workspace = Workspace.of(input_dir, output_dir, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(workspace.written_to, lang):
        papers = ballot_papers(rules, workspace, voters=voters, lang=lang)
    made, result = papers.made, papers.result
    if made is None:
        assert rules.vote is not None  # ballot_papers refuses rules without a vote
        click.echo(text(lang, "vote.ballot_no_candidates", awards=", ".join(rules.vote.awards)))
        sys.exit(papers.exit_code)
    lines = [text(lang, "vote.ballot_written", path=str(made.ballots), voters=made.voters, per_page=made.per_page,
                  pages=-(-made.voters // made.per_page)),
             text(lang, "vote.tally_written", path=str(made.tally))]
    if papers.key is not None and papers.key.created:
        lines.append(key_made_line(papers.key, lang))
    lines += [text(lang, "vote.kept", name=kept.name, path=str(kept)) for kept in made.kept_previous]
    if result.provisional:
        counts = {state: sum(1 for s in result.status.values() if s == state) for state in ("missing", "invalid")}
        lines.append(text(lang, "report.provisional", **counts))
    lines.append(text(lang, "vote.ballot_next", path=str(made.tally)))
    click.echo("\n".join(lines))
    sys.exit(papers.exit_code)
