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
@LANG_OPTION
def appraisal(rules_path: Path | None, input_dir: Path, bloc_dir: Path | None, output_dir: Path,
              lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.console import render_check
    from pipeline.core.labels import text
    from pipeline.forms.appraisal_made import make_appraisal

    workspace = Workspace.of(input_dir, output_dir, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    with folder_lock(workspace.written_to, lang):
        made = make_appraisal(rules, workspace, lang=lang)
    if made.problems:
        click.echo(render_check(made.problems, [], lang))
    found = made.result.validation
    lines = [text(lang, "appraisal.written", path=str(made.path))]
    if made.key.created:
        lines.append(key_made_line(made.key, lang))
    if made.carried:
        lines.append(text(lang, "appraisal.carried", count=made.carried, file=found.appraisal_file))
    if made.kept is not None:
        lines.append(text(lang, "appraisal.kept", path=str(made.kept)))
    if rules.appraisal_by == "peers":  # cross-scoring: one workbook per scoring unit besides the bloc's
        lines.append(text(lang, "peer.written", count=len(made.peers), folder=str(output_dir)))
        earlier = [kept for _target, kept in made.peers if kept is not None]
        if earlier:
            lines.append(text(lang, "peer.kept", count=len(earlier), folder=str(earlier[0].parent)))
        if found.peers_missing:
            lines.append(text(lang, "peer.missing_scorers", scorers=", ".join(found.peers_missing)))
    # Appraisals of a unit whose file broke since: only the earlier workbook still holds them.
    for unit, count in made.not_carried.items():
        lines.append(text(lang, "appraisal.not_carried", count=count, unit=unit))
    lines.append(text(lang, "appraisal.next", path=str(made.path)))
    click.echo("\n".join(lines))
    sys.exit(made.exit_code)
