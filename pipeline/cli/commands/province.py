"""`bloc-score province [FOLDER]`: every bloc of a province's year, checked and consolidated (docs/province.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.commands.options import LANG_OPTION, folder_lock, out_option

if TYPE_CHECKING:
    from pipeline.province.board import ProvinceResult


@click.command("province")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."), required=False)
@out_option("output_dir", None)
@LANG_OPTION
@click.option("--quiet", "-q", is_flag=True)
@click.option("--write-blocs", "write_blocs", is_flag=True)
def province_command(folder: Path, output_dir: Path | None, lang: str | None, quiet: bool, write_blocs: bool) -> None:
    """Its help: cli.province in the locales."""
    from pipeline.cli.progress import progress_shown
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


def province_said(result: ProvinceResult, paths: tuple[Path, ...], lang: str, *, quiet: bool) -> list[str]:
    """What `province` says when done: each bloc's state and problems, each award's places and proposals,
    the files written (warnings left out when quiet)."""
    from pipeline.core.labels import text

    lines = []
    for report in result.blocs:
        lines.append(text(lang, "province.said_bloc", bloc=report.entry.code, name=report.entry.name,
                          state=text(lang, f"province.state_{report.state}")))
        lines += [f"  {'x' if i.severity == 'error' else '!'} [{i.code}] {i.message(lang)}" for i in report.issues
                  if not quiet or i.severity == "error"]
    for consolidated in result.awards:
        proposed = ", ".join(f"{c.bloc}/{c.unit}" for c in consolidated.proposed) or "—"
        lines.append(text(lang, "province.said_award", award=consolidated.award.label, places=consolidated.places,
                          candidates=len(consolidated.candidates), proposed=proposed,
                          outcome=text(lang, f"province.outcome_{consolidated.outcome}")))
        lines += [f"  ! [{i.code}] {i.message(lang)}" for i in consolidated.issues]
    lines += [text(lang, "province.said_written", path=str(path)) for path in paths]
    return lines
