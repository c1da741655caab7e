"""The `bloc-score` command: parse options, call one library function, render, set the exit code.

Exit codes are `errors.ExitCode`, the same for every command. Every command that writes files takes
`--out DIR` (alias `--output`).
Heavy modules are imported inside the commands so `--help` and `--version` answer at once.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline import __version__
from pipeline.cli.commands.appraisal import appraisal
from pipeline.cli.commands.ballot import ballot
from pipeline.cli.commands.feedback import feedback
from pipeline.cli.commands.init import init
from pipeline.cli.commands.new_year import new_year
from pipeline.cli.commands.options import LANG_OPTION, input_option, out_option, rules_option
from pipeline.cli.commands.pdf import pdf
from pipeline.core.errors import BlocScoreError, ExitCode
from pipeline.workspace.folders import INPUT, OUTPUT

if TYPE_CHECKING:
    from pipeline.rules.model import Rules

class _Group(click.Group):
    """Renders every user-facing error once, here; a traceback only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BlocScoreError as error:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(error.message, err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()  # with --debug too, a bug is exit 3: scripts tell it from a user error
                ctx.exit(ExitCode.BUG)
            click.echo(f"Internal error ({type(error).__name__}: {error}). "
                       "Run again with --debug and report what it prints.", err=True)
            ctx.exit(ExitCode.BUG)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bloc-score")
@click.option("--debug", is_flag=True, help="Show tracebacks (for reporting bugs).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Validate, score and rank the Excel self-assessments of an emulation bloc's units.

    \b
    Workflow: bloc-score init → edit the rules file in schemas/ →
    bloc-score templates → send one to each unit → collect the filled
    files in input/ → bloc-score run → open output/ranking-<year>.xlsx

    \b
    Exit status: 0 done, 1 done but provisional or with problems,
    2 nothing done (a problem to fix: the message says which), 3 a bug.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


main.add_command(init)
main.add_command(appraisal)
main.add_command(feedback)
main.add_command(new_year)
main.add_command(ballot)
main.add_command(pdf)


def _load(rules_path: Path | None, lang: str | None, submissions: Path | Sequence[Path], *,
          quiet: bool = False) -> Rules:
    """The rules to use (named, or chosen in schemas/ to match `submissions`), saying which and why."""
    from pipeline.rules.load import load_rules
    from pipeline.workspace.choice import choose_rules_file
    from pipeline.workspace.folders import SCHEMAS

    choice = choose_rules_file(rules_path, SCHEMAS, submissions, lang or "vi")
    rules = load_rules(choice.path, lang=lang)
    if not quiet:
        click.echo(choice.describe(lang or rules.language))
    return rules


class _ProgressBars:
    """Bars on stderr for reading and writing a large run, driven by the library's tick(stage, done, total)."""

    MIN_ITEMS = 50  # below this both stages take a blink: a bar would only flicker

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.open: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def tick(self, stage: str, done: int, total: int) -> None:
        from pipeline.core.labels import text

        if stage == "save":  # the workbook going to disk: the writing bar is full, say why it pauses
            if "write" in self.open and done < total:
                self._finish("write")
                click.echo(text(self.lang, "progress.saving"), err=True)
            return
        if total < self.MIN_ITEMS or (stage in self.done and stage not in self.open):
            return
        if stage not in self.open:
            # A redraw per file would cost more than some files take to read: about a hundred redraws in all.
            bar = click.progressbar(length=total, label=text(self.lang, f"progress.{stage}"), file=sys.stderr,
                                    update_min_steps=max(1, total // 100))
            self.open[stage] = bar.__enter__()
            self.done[stage] = 0
        self.open[stage].update(done - self.done[stage])
        self.done[stage] = done
        if stage == "read" and done >= total:  # the writing bar waits for the save
            self._finish(stage)

    def _finish(self, stage: str) -> None:
        self.open.pop(stage).__exit__(None, None, None)

    def close(self) -> None:
        for stage in list(self.open):
            self._finish(stage)


@main.command()
@rules_option()
@input_option()
@out_option("output_dir", OUTPUT, "Folder for ranking-<year>.xlsx and results-<year>.json.")
@LANG_OPTION
@click.option("--quiet", "-q", is_flag=True, help="Print only the problems found and the one-line summary.")
@click.option("--previous", "previous", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Last year's results JSON to compare with (default: results-<year-1>.json in the output folder).")
@click.option("--pdf", "to_pdf", is_flag=True,
              help="Also print the Ranking sheet to ranking-<year>.pdf with LibreOffice (every sheet with --all).")
@click.option("--all", "all_sheets", is_flag=True, help="With --pdf: print every sheet of the workbook.")
@click.option("--number", default=None, help="The document's number (Số …), e.g. 15-BC/KTĐ; default: the rules' "
              "document_number, else left blank to fill in.")
@click.option("--date", "signing_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The signing date, YYYY-MM-DD; default: the rules' date, else left blank to write by hand.")
def run(rules_path: Path | None, input_dir: Path, output_dir: Path, lang: str | None, quiet: bool,
        previous: Path | None, to_pdf: bool, all_sheets: bool, number: str | None,
        signing_date: datetime | None) -> None:
    """Score and rank every submission in the input folder; write the workbook and the JSON.

    An earlier ranking and JSON in the output folder move to previous/; a PDF of the same name is replaced.
    When last year's results-<year-1>.json is in the output folder (or named with --previous), the workbook
    and the JSON compare each unit with last year.

    \b
    Examples:
      bloc-score run
      bloc-score run --input thu-ve/ --out ket-qua/ --rules schemas/khoi-2024.yaml
      bloc-score run --previous luu-tru/results-2023.json
      bloc-score run --pdf --number 15-BC/KTĐ --date 2024-12-20
    """
    if to_pdf:
        from pipeline.outputs.pdf import require_soffice

        require_soffice(lang or "vi")  # before any work: nothing done as asked is exit 2, not a half-done run
    _refuse_file_as_folder(input_dir, lang)
    rules = _load(rules_path, lang, input_dir, quiet=quiet)

    from pipeline.cli.console import render_run
    from pipeline.outputs.write import find_previous_results, write_outputs
    from pipeline.run import DocumentOptions
    from pipeline.run import run as run_pipeline

    show_progress = not quiet and sys.stderr.isatty()

    def progress(message: str) -> None:
        if show_progress:
            click.echo(message, err=True)

    previous = previous or find_previous_results(output_dir, rules.year)
    bars = _ProgressBars(lang or rules.language) if show_progress else None
    tick = bars.tick if bars else None
    document = DocumentOptions(number=number, date=signing_date.date() if signing_date else None)
    try:
        result = run_pipeline(rules, input_dir, lang=lang, progress=progress, tick=tick, previous=previous,
                              document=document)
        written = write_outputs(result, output_dir, tick=tick)
    finally:
        if bars:
            bars.close()
    click.echo(render_run(result, written, quiet=quiet))
    if to_pdf:
        from pipeline.cli.commands.pdf import print_and_say

        workbook = written.workbook
        click.echo(print_and_say(workbook, workbook.with_suffix(".pdf"), all_sheets=all_sheets, lang=result.lang))
    sys.exit(result.exit_code)


@main.command()
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

    rules = _load(rules_path, lang, INPUT)
    written = write_templates(rules, out_dir, lang=lang)
    for path in written:
        click.echo(f"  {path}")
    click.echo(text(lang or rules.language, "report.templates_written", count=len(written), folder=str(out_dir)))


@main.command()
@click.argument("rules_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@LANG_OPTION
def rules(rules_file: Path | None, lang: str | None) -> None:
    """Check a rules file and print a readable summary of it.

    \b
    Examples:
      bloc-score rules
      bloc-score rules schemas/khoi-2024.yaml --lang en
    """
    from pipeline.cli.console import render_rules

    loaded = _load(rules_file, lang, INPUT)
    click.echo(render_rules(loaded, lang or loaded.language))


@main.command()
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
    from pipeline.core.issues import has_errors
    from pipeline.core.labels import format_number, text
    from pipeline.run import check_submissions

    loaded = _load(rules_path, lang, list(files), quiet=quiet)
    checked = check_submissions(loaded, list(files))
    shown = lang or loaded.language
    click.echo(render_check(checked.issues, [f.name for f in files], shown, limit=limit, quiet=quiet))
    if not quiet:
        for file, unit, total in checked.self_totals:
            click.echo(text(shown, "report.self_total", file=file, unit=unit,
                            total=format_number(total, shown, loaded.decimals)))
    sys.exit(ExitCode.PROBLEMS if has_errors(checked.issues) else ExitCode.DONE)


def _refuse_file_as_folder(folder: Path, lang: str | None) -> None:
    """`--input results.xlsx`: say it is a file and name the folder that holds it."""
    if folder.exists() and not folder.is_dir():
        from pipeline.core.errors import InputFolderError
        from pipeline.core.labels import text

        raise InputFolderError(text(lang or "vi", "report.input_not_folder", folder=str(folder),
                                    parent=str(folder.parent)))
