"""`bloc-score province [FOLDER]`: every bloc of a province's year, checked and consolidated (docs/province.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.commands.options import LANG_OPTION, folder_lock, out_option


@click.command("province")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."), required=False)
@out_option("output_dir", None)
@LANG_OPTION
@click.option("--quiet", "-q", is_flag=True)
@click.option("--write-blocs", "write_blocs", is_flag=True)
def province_command(folder: Path, output_dir: Path | None, lang: str | None, quiet: bool, write_blocs: bool) -> None:
    """Its help: cli.province in the locales."""
    from pipeline.cli.progress import progress_shown
    from pipeline.cli.said import province_said
    from pipeline.province.board import run_province
    from pipeline.province.gather import GatherOptions
    from pipeline.province.load import load_province
    from pipeline.province.write import write_province

    province = load_province(folder, lang=lang)  # a broken province.yaml is told, every line, before any work
    lang = lang or province.language
    out = output_dir if output_dir is not None else folder / "output"
    with folder_lock(out, lang), progress_shown(lang, quiet=quiet) as (progress, tick):
        result = run_province(province, GatherOptions(write_blocs=write_blocs, lang=lang, progress=progress,
                                                      tick=tick))
        written = write_province(result, out)
    click.echo("\n".join(province_said(result, written.paths, lang, quiet=quiet)))
    sys.exit(result.exit_code)
