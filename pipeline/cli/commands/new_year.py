"""`bloc-score new-year`: next year's rules file from this year's, and what the secretary must review in it."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import folder_lock, lang_option, out_option
from pipeline.workspace.folders import BLOC, INPUT, OUTPUT, SCHEMAS


@click.command("new-year")
@click.option("--previous", "--rules", "source", type=click.Path(path_type=Path, dir_okay=False), default=None)
@out_option("out_dir", SCHEMAS)
@click.option("--archive", is_flag=True)
@lang_option()
def new_year(source: Path | None, out_dir: Path, archive: bool, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.said import next_year_said
    from pipeline.core.labels import text
    from pipeline.forms.next_year import next_year_name, write_next_year
    from pipeline.rules.load import load_rules
    from pipeline.workspace.choice import choose_rules_file

    choice = choose_rules_file(source, SCHEMAS, INPUT, lang or "vi")  # only its path: next year starts from it
    if archive:
        this_year = load_rules(choice.path, lang=lang)
        lang = lang or this_year.language
        written = out_dir / next_year_name(choice.path, this_year.year)
        if written.exists():  # new-year was run before: archive only
            click.echo(choice.describe(lang))
            click.echo(text(lang, "next_year.already", path=str(written)))
            _archive(this_year.year, lang)
            return
    with folder_lock(out_dir, lang or "vi"):
        made = write_next_year(choice.path, out_dir, lang)
    lang = lang or made.rules.language
    click.echo(choice.describe(lang))
    click.echo("\n".join(next_year_said(made, choice.path, lang, archive_hint=not archive)))
    if archive:
        _archive(made.rules.year - 1, lang)


def _archive(year: int, lang: str) -> None:
    """Move this year's input/, output/ and the bloc's workbooks into archive/<year>/, and say so."""
    from pipeline.cli.said import archived_said
    from pipeline.forms.next_year import archive_year

    with folder_lock(OUTPUT, lang), folder_lock(BLOC, lang):  # no run or appraisal writing meanwhile
        done = archive_year(Path("."), year, lang)
    click.echo(archived_said(done, year, lang))
