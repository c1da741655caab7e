"""`bloc-score init [DIR]`: a working folder for a bloc (schemas/, input/, bloc/, output/), or a copy of the example."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipeline.cli.commands.options import lang_option, out_option
from pipeline.cli.said import key_made_line


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path, dir_okay=True))
@out_option("out_dir", None)
@click.option("--example", is_flag=True)
@lang_option()
def init(folder: Path | None, out_dir: Path | None, example: bool, lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.core.labels import text
    from pipeline.workspace.folders import INPUT, init_folder

    if folder is not None and out_dir is not None and folder != out_dir:
        raise click.UsageError("Name the folder once: FOLDER or --out, not both.")
    target = folder or out_dir or Path(".")
    lang = lang or "vi"
    made = init_folder(target, example=example, lang=lang)
    # "." says nothing in a message: name the folder itself.
    lines = [text(lang, "init.made", folder=str(target if target.parts else target.resolve()))]
    lines += [text(lang, "init.written", path=str(path)) for path in made.written]
    if made.key is not None and made.key.created:
        lines.append(key_made_line(made.key, lang))
    if os.path.abspath(target) != os.getcwd():
        lines.append(text(lang, "init.cd", folder=str(target)))
    rules = str(made.rules_file.relative_to(target))
    if example:
        count = sum(1 for path in made.written if path.parent == target / INPUT)
        lines.append(text(lang, "init.next_example", rules=rules, count=count))
    else:
        lines.append(text(lang, "init.next_starter", rules=rules))
    click.echo("\n".join(lines))
