"""`bloc-score pdf`: print a ranking workbook to PDF through LibreOffice, the Ranking sheet or every sheet."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import folder_lock, lang_option, out_option


@click.command()
@click.argument("workbook", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--all", "all_sheets", is_flag=True)
@out_option("out", None, dir_okay=False)
@lang_option()
def pdf(workbook: Path, all_sheets: bool, out: Path | None, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    target = out or workbook.with_suffix(".pdf")
    with folder_lock(target.parent, lang or "vi"):
        click.echo(print_and_say(workbook, target, all_sheets=all_sheets, lang=lang or "vi"))


def print_and_say(workbook: Path, target: Path, *, all_sheets: bool, lang: str) -> str:
    """Print `workbook` to `target`; the line saying where and how many pages. `PrintError` says why not."""
    from pipeline.core.labels import text
    from pipeline.outputs.pdf import print_pdf

    printed = print_pdf(workbook, target, all_sheets=all_sheets, lang=lang)
    import pypdf

    return text(lang, "paper.written", path=str(printed), pages=len(pypdf.PdfReader(str(printed)).pages))
