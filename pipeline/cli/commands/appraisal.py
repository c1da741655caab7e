"""`bloc-score appraisal`: the bloc's appraisal workbook, made from the submissions in the input folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.commands.options import LANG_OPTION, input_option, out_option, rules_option
from pipeline.workspace.folders import OUTPUT


@click.command()
@rules_option()
@input_option("Folder holding the units' filled templates (and a filled appraisal workbook, if any).")
@out_option("output_dir", OUTPUT, "Folder for appraisal-<year>.xlsx.")
@LANG_OPTION
def appraisal(rules_path: Path | None, input_dir: Path, output_dir: Path, lang: str | None) -> None:
    """Write appraisal-<year>.xlsx: a sheet per unit for the bloc's appraised scores and reasons.

    With cross-scoring (appraisal: {by: peers} in the rules), also one peer-scores-<year>_<CODE>.xlsx per
    unit: a sheet per other unit for its peer scores.

    Appraisals already in a filled appraisal workbook in the input folder are carried over; an earlier
    appraisal-<year>.xlsx in the output folder moves to previous/, never overwritten.

    \b
    Examples:
      bloc-score appraisal
      bloc-score appraisal --input thu-ve/ --out ket-qua/ --rules schemas/khoi-2024.yaml
    """
    from pipeline.cli.console import render_check
    from pipeline.core.errors import ExitCode
    from pipeline.core.issues import has_errors
    from pipeline.core.labels import text
    from pipeline.forms.appraisal import not_carried, save_appraisal, save_peer_workbooks
    from pipeline.forms.appraisal_carry import appraisal_issues, carried_appraisals
    from pipeline.rules.load import load_rules
    from pipeline.run import run
    from pipeline.workspace.choice import choose_rules_file
    from pipeline.workspace.folders import SCHEMAS

    choice = choose_rules_file(rules_path, SCHEMAS, input_dir, lang or "vi")
    rules = load_rules(choice.path, lang=lang)
    lang = lang or rules.language
    click.echo(choice.describe(lang))
    result = run(rules, input_dir, lang=lang)
    carried = carried_appraisals(result)
    target, kept = save_appraisal(result, output_dir, lang=lang, filled=carried)
    problems = appraisal_issues(result)
    if problems:
        click.echo(render_check(problems, [], lang))
    lines = [text(lang, "appraisal.written", path=str(target))]
    if carried and result.validation.appraisal_file:
        count = sum(len(found) for found in carried.values())
        lines.append(text(lang, "appraisal.carried", count=count, file=result.validation.appraisal_file))
    if kept is not None:
        lines.append(text(lang, "appraisal.kept", path=str(kept)))
    if rules.appraisal_by == "peers":  # cross-scoring: one workbook per scoring unit besides the bloc's
        peers = save_peer_workbooks(result, output_dir, lang=lang)
        lines.append(text(lang, "peer.written", count=len(peers), folder=str(output_dir)))
        earlier = [kept for _target, kept in peers if kept is not None]
        if earlier:
            lines.append(text(lang, "peer.kept", count=len(earlier), folder=str(earlier[0].parent)))
        if result.validation.peers_missing:
            lines.append(text(lang, "peer.missing_scorers", scorers=", ".join(result.validation.peers_missing)))
    # Appraisals of a unit whose file broke since: only the earlier workbook still holds them.
    for unit, count in not_carried(result, carried).items():
        lines.append(text(lang, "appraisal.not_carried", count=count, unit=unit,
                          file=result.validation.appraisal_file or ""))
    lines.append(text(lang, "appraisal.next", folder=str(input_dir)))
    click.echo("\n".join(lines))
    sys.exit(ExitCode.PROBLEMS if has_errors(problems) else ExitCode.DONE)
