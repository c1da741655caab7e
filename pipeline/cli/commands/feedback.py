"""`bloc-score feedback`: a draft e-mail per unit (what to fix, a receipt, a reminder) and a list to print."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from pipeline.cli.commands.options import (
    LANG_OPTION,
    bloc_option,
    folder_lock,
    input_option,
    load_rules_for,
    out_option,
    rules_option,
)
from pipeline.rules.model import Rules, Unit
from pipeline.workspace.folders import OUTPUT, Workspace


@click.command()
@rules_option()
@input_option()
@bloc_option()
@out_option("out_dir", None)
@LANG_OPTION
def feedback(rules_path: Path | None, input_dir: Path, bloc_dir: Path | None, out_dir: Path | None,
             lang: str | None) -> None:
    """Its help: cli.<command> in the locales."""
    from pipeline.cli.said import feedback_said
    from pipeline.outputs.feedback import feedback_folder, make_feedback

    workspace = Workspace.of(input_dir, OUTPUT, bloc_dir)
    rules = load_rules_for(workspace, rules_path, lang)
    lang = lang or rules.language
    folder = out_dir or feedback_folder(workspace.written_to, rules.year)
    with folder_lock(folder, lang):
        made = make_feedback(rules, workspace, folder=folder, lang=lang, template=template_maker(rules, workspace))
    click.echo("\n".join(feedback_said(made, lang)))
    sys.exit(made.exit_code)


def template_maker(rules: Rules, workspace: Workspace) -> Callable[[Unit], bytes]:
    """A unit's current template, sealed with the bloc's key when `bloc/seal.key` is there (never made here)."""
    from pipeline.forms.template import write_template
    from pipeline.workspace.seal_keys import SEAL_FILE, read_key

    key_file = workspace.bloc / SEAL_FILE if workspace.bloc is not None else None
    key = read_key(key_file, rules.language) if key_file is not None and key_file.is_file() else None

    def make(unit: Unit) -> bytes:
        with tempfile.TemporaryDirectory() as scratch:
            return write_template(rules, unit, Path(scratch) / "template.xlsx", key=key).read_bytes()

    return make
