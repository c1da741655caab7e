"""The `bloc-score` command: each command (commands/) parses its options, calls one library function,
renders what happened and sets the exit code; every error for the user is rendered here, once.

Exit codes are `core.errors.ExitCode`, the same for every command. Every command that writes files takes
`--out DIR` (alias `--output`). Heavy modules are imported inside the commands so `--help` answers at once.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from pipeline import __version__
from pipeline.cli.commands.appraisal import appraisal
from pipeline.cli.commands.ballot import ballot
from pipeline.cli.commands.check import check
from pipeline.cli.commands.desk import desk
from pipeline.cli.commands.feedback import feedback
from pipeline.cli.commands.guide import guide
from pipeline.cli.commands.init import init
from pipeline.cli.commands.new_year import new_year
from pipeline.cli.commands.pdf import pdf
from pipeline.cli.commands.province import province_command
from pipeline.cli.commands.rules import rules
from pipeline.cli.commands.run import run_command
from pipeline.cli.commands.templates import templates
from pipeline.cli.language import click_speaks, current, decide, localise
from pipeline.core.errors import BlocScoreError, ExitCode
from pipeline.core.labels import text


class _Group(click.Group):
    """Renders every user-facing error once, here; a traceback only with --debug. Before click reads the
    command line, the language is decided (pipeline.cli.language) and the help and click's texts set in it."""

    def main(self, args: Sequence[str] | None = None, *extra: Any, **options: Any) -> Any:
        given = list(sys.argv[1:] if args is None else args)
        lang = decide(given)
        localise(self, lang)
        with click_speaks(lang):
            return super().main(given, *extra, **options)

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
            click.echo(text(current(), "cli.interrupted"), err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()  # with --debug too, a bug is exit 3: scripts tell it from a user error
                ctx.exit(ExitCode.BUG)
            click.echo(text(current(), "cli.internal_error", detail=f"{type(error).__name__}: {error}"), err=True)
            ctx.exit(ExitCode.BUG)


def _version(ctx: click.Context, shown: bool) -> None:
    """`--version`: "bloc-score, phiên bản 0.1.0", in the command line's language."""
    if shown and not ctx.resilient_parsing:
        click.echo(text(current(), "click.version_line") % {"prog": "bloc-score", "version": __version__})
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _, shown: _version(ctx, shown))
@click.option("--debug", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None)
@click.pass_context
def main(ctx: click.Context, debug: bool, lang: str | None) -> None:
    """Its help: cli.main in the locales; --lang here is read by pipeline.cli.language.decide."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


for command in (init, desk, rules, templates, check, appraisal, run_command, ballot, feedback, new_year, pdf,
                guide, province_command):
    main.add_command(command)


def write_any_letter() -> None:
    """Every stream the program prints to writes Vietnamese: one that cannot (a file redirected on Windows, in
    its ANSI code page cp1258 or cp1252; a legacy console) is switched to UTF-8 if it is not a terminal, else
    to its own code page with "?" for a letter it lacks. The terminal never fails a run: the outputs are
    written whatever it can show."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "ệ".encode(encoding)
            continue
        except (UnicodeEncodeError, LookupError):
            pass
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            terminal = stream.isatty()
        except (OSError, ValueError):
            terminal = False
        with contextlib.suppress(OSError, ValueError):
            reconfigure(errors="replace") if terminal else reconfigure(encoding="utf-8", errors="replace")


def entry() -> NoReturn:
    """The `bloc-score` program (and `python -m pipeline`): the command, then the process ends at once.

    Python's own shutdown walks and frees, one by one, the objects pandas and pandera loaded: 0.15–0.2 s
    after the example, 15 % of its whole run, for nothing once the process is gone (docs/performance.md:
    the example's budget of 1.3 s is not met without this). What the shutdown does that matters is done
    here — the exit handlers run (the reading workers', temporary files'), the output is flushed — and the
    process ends with the command's status as `sys.exit` gives it. A program that calls `main` itself ends
    as it pleases.
    """
    write_any_letter()
    try:
        main()
        status: object = 0
    except SystemExit as stop:  # click ends every command so
        status = stop.code
    code = 0 if status is None else status if isinstance(status, int) else 1
    try:
        if not isinstance(status, int | None):
            print(status, file=sys.stderr)  # sys.exit("message") prints its message, as there
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None where no console is attached (pythonw)
                stream.flush()
    except BaseException:  # an output closed early (a pipe to `head`): Python's own shutdown says 120
        code = 120
    os._exit(code)
