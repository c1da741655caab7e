"""`bloc-score run`: score and rank every file in the input folder, write the workbook, the JSON, the documents."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from pipeline.cli.commands.options import (
    LANG_OPTION,
    SigningDate,
    bloc_option,
    folder_lock,
    input_option,
    load_rules_for,
    out_option,
    rules_option,
)
from pipeline.workspace.folders import OUTPUT, Workspace


@click.command("run")
@rules_option()
@input_option()
@bloc_option()
@out_option("output_dir", OUTPUT)
@LANG_OPTION
@click.option("--quiet", "-q", is_flag=True)
@click.option("--previous", "previous", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None)
@click.option("--pdf", "to_pdf", is_flag=True)
@click.option("--all", "all_sheets", is_flag=True)
@click.option("--number", default=None)
@click.option("--date", "signing_date", type=SigningDate(), default=None)
def run_command(rules_path: Path | None, input_dir: Path, bloc_dir: Path | None, output_dir: Path, lang: str | None,
                quiet: bool, previous: Path | None, to_pdf: bool, all_sheets: bool, number: str | None,
                signing_date: date | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.outputs.pdf import require_soffice

    if to_pdf:
        require_soffice(lang or "vi")  # before any work: nothing done as asked is exit 2, not a half-done run
    workspace = Workspace.of(input_dir, output_dir, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang, quiet=quiet)  # a broken file is told before pandas loads
    from pipeline.cli.commands.pdf import print_and_say
    from pipeline.cli.console import render_run
    from pipeline.cli.progress import progress_shown
    from pipeline.outputs.write import write_outputs
    from pipeline.run import DocumentOptions, RunOptions, run

    document = DocumentOptions(number=number, date=signing_date)
    # From before last year's results are read in the output folder until the PDF is printed there.
    with folder_lock(output_dir, lang or rules.language):
        with progress_shown(lang or rules.language, quiet=quiet) as (progress, tick):
            options = RunOptions(lang=lang, previous=previous, document=document, progress=progress, tick=tick)
            result = run(rules, workspace, options)
            written = write_outputs(result, output_dir, tick=tick)
        click.echo(render_run(result, written, quiet=quiet))
        if to_pdf:
            pdf = written.workbook.with_suffix(".pdf")
            click.echo(print_and_say(written.workbook, pdf, all_sheets=all_sheets, lang=result.lang))
    sys.exit(result.exit_code)
