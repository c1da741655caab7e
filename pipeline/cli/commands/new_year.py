"""`bloc-score new-year`: next year's rules file from this year's, and what the secretary must review in it."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.commands.options import folder_lock, lang_option, out_option
from pipeline.workspace.folders import INPUT, SCHEMAS


@click.command("new-year")
@click.option("--previous", "--rules", "source", type=click.Path(path_type=Path, dir_okay=False), default=None)
@out_option("out_dir", SCHEMAS)
@lang_option()
def new_year(source: Path | None, out_dir: Path, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.core.labels import text
    from pipeline.forms.next_year import write_next_year
    from pipeline.workspace.choice import choose_rules_file

    choice = choose_rules_file(source, SCHEMAS, INPUT, lang or "vi")  # only its path: next year starts from it
    with folder_lock(out_dir, lang or "vi"):
        made = write_next_year(choice.path, out_dir, lang)
    lang = lang or made.rules.language
    click.echo(choice.describe(lang))
    lines = [text(lang, "next_year.written", path=str(made.path)),
             text(lang, f"next_year.comments_{'kept' if made.comments_kept else 'lost'}", source=str(choice.path)),
             "", text(lang, "next_year.review_heading"), *(f"  - {item}" for item in made.review), "",
             text(lang, "next_year.this_year", source=str(choice.path)),
             text(lang, "next_year.next", path=str(made.path), previous=made.rules.year - 1, year=made.rules.year)]
    click.echo("\n".join(lines))
