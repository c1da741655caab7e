"""What the secretary does on the page, each the library call its command makes, under the same lock of the
folder it writes into, and told in the command's own lines (cli/said.py, cli/console.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pipeline.cli.console import render_check, render_run
from pipeline.cli.desk.jobs import Outcome, Progress
from pipeline.cli.desk.year import output_path
from pipeline.cli.said import (
    appraisal_said,
    archived_said,
    ballot_said,
    feedback_said,
    next_year_said,
    templates_said,
)
from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import text
from pipeline.core.text import fold
from pipeline.outputs.lock import writing_into
from pipeline.reading.isolation import read_submissions
from pipeline.rules.model import Rules
from pipeline.workspace.choice import choose_rules_file, rules_for
from pipeline.workspace.folders import BLOC, INPUT, OUTPUT, SCHEMAS, Workspace
from pipeline.workspace.intake import Received, save_received


def rules_of(folder: Path, lang: str | None) -> Rules:
    return rules_for(None, Workspace.at(folder), None, lang)[0]


def year_of(folder: Path, lang: str | None) -> tuple[Rules, str, Workspace]:
    """What a command starts from in the working folder: the year's rules (chosen as the commands choose),
    the language it speaks, and the folder's four folders."""
    rules = rules_of(folder, lang)
    return rules, lang or rules.language, Workspace.at(folder)


def templates_folder(folder: Path) -> Path:
    """Where `bloc-score templates` writes, run in the working folder."""
    return folder / OUTPUT / "templates"


def make_templates(folder: Path, lang: str | None) -> Outcome:
    from pipeline.forms.template import issue_templates

    rules = rules_of(folder, lang)
    lang = lang or rules.language
    out = templates_folder(folder)
    with writing_into(out, lang):
        written, key = issue_templates(rules, out, folder / BLOC, lang=lang)
    return Outcome(True, templates_said(written, key, out, lang))


def make_appraisal_book(folder: Path, lang: str | None) -> Outcome:
    from pipeline.forms.appraisal_made import make_appraisal

    rules, lang, workspace = year_of(folder, lang)
    with writing_into(workspace.written_to, lang):
        made = make_appraisal(rules, workspace, lang=lang)
    lines = [render_check(made.problems, [], lang)] if made.problems else []
    return Outcome(True, [*lines, *appraisal_said(made, rules, workspace.written_to, lang,
                                                     next_key="desk.next_appraisal")])


def make_ballots(folder: Path, lang: str | None) -> Outcome:
    from pipeline.forms.ballot import ballot_papers

    rules, lang, workspace = year_of(folder, lang)
    with writing_into(workspace.written_to, lang):
        papers = ballot_papers(rules, workspace, lang=lang)
    return Outcome(papers.made is not None, ballot_said(papers, rules, lang, next_key="desk.next_ballot"))


def make_letters(folder: Path, lang: str | None) -> Outcome:
    from pipeline.cli.commands.feedback import template_maker
    from pipeline.outputs.feedback import feedback_folder, make_feedback

    rules, lang, workspace = year_of(folder, lang)
    out = feedback_folder(workspace.written_to, rules.year)
    with writing_into(out, lang):
        made = make_feedback(rules, workspace, folder=out, lang=lang, template=template_maker(rules, workspace))
    return Outcome(True, feedback_said(made, lang))


def print_ranking(folder: Path, lang: str | None) -> Outcome:
    from pipeline.cli.commands.pdf import print_and_say

    rules = rules_of(folder, lang)
    lang = lang or rules.language
    workbook = output_path(folder, rules, "ranking")
    if not workbook.is_file():
        return Outcome(False, [text(lang, "desk.run_first")])
    target = output_path(folder, rules, "pdf")
    with writing_into(target.parent, lang):
        return Outcome(True, [print_and_say(workbook, target, all_sheets=False, lang=lang)])


def prepare_next_year(folder: Path, lang: str | None) -> Outcome:
    from pipeline.forms.next_year import write_next_year

    choice = choose_rules_file(None, folder / SCHEMAS, folder / INPUT, lang or "vi")
    with writing_into(folder / SCHEMAS, lang or "vi"):
        made = write_next_year(choice.path, folder / SCHEMAS, lang)
    lang = lang or made.rules.language
    return Outcome(True, [choice.describe(lang), *next_year_said(made, choice.path, lang, archive_hint=False,
                                                                     next_key="desk.next_next_year")])


def archive_this_year(folder: Path, lang: str | None) -> Outcome:
    from pipeline.forms.next_year import archive_year

    rules = rules_of(folder, lang)
    lang = lang or rules.language
    with writing_into(folder / OUTPUT, lang), writing_into(folder / BLOC, lang):
        done = archive_year(folder, rules.year, lang)
    return Outcome(True, [archived_said(done, rules.year, lang)])


def run_year(folder: Path, lang: str | None, progress: Progress) -> Outcome:
    """`bloc-score run` in the working folder: the ranking workbook, the JSON and the documents."""
    from pipeline.outputs.write import write_outputs
    from pipeline.run import RunOptions, run

    rules, lang, workspace = year_of(folder, lang)

    def said(message: str) -> None:
        progress.message = message

    def tick(stage: str, done: int, total: int) -> None:
        progress.stage, progress.done, progress.total = stage, done, total

    with writing_into(workspace.written_to, lang):
        result = run(rules, workspace, RunOptions(lang=lang, progress=said, tick=tick))
        written = write_outputs(result, workspace.written_to, tick=tick)
    return Outcome(True, [render_run(result, written)])


def receive(folder: Path, files: list[Received], lang: str) -> tuple[list[Path], Outcome]:
    """Dropped files into input/ (workspace/intake.py), then told where each went."""
    saved = save_received(folder / INPUT, files, lang)
    return saved, Outcome(True, [text(lang, "desk.received", name=path.name) for path in saved])


def take_back_bloc_books(saved: list[Path], refused: set[str], lang: str) -> list[str]:
    """A bloc's record dropped among the units' files by mistake is taken out of input/ again, and she is told
    where it belongs: the bloc's records are uploaded apart (never read from input/)."""
    lines = []
    for path in saved:
        if path.name in refused and path.is_file():
            path.unlink()
            lines.append(text(lang, "desk.bloc_book_dropped", name=path.name))
    return lines


def upload_record(folder: Path, record: str, received: Received, lang: str | None) -> Outcome:
    """A filled appraisal workbook or tally into bloc/ under its own name, the earlier one kept in
    bloc/previous/<time>/ (as every command keeps what it replaces). Only the bloc's record of this bloc and
    year is taken: anything else is told for what it is, and nothing is written."""
    from pipeline.outputs.write import write_set

    rules = rules_of(folder, lang)
    lang = lang or rules.language
    target = output_path(folder, rules, record)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / target.name
        copy.write_bytes(received.data)
        # A saved e-mail reads as itself and then its attachments: the first is what was uploaded.
        submission = read_submissions([copy], Path(scratch))[0]
        is_right = submission.bloc_appraisal if record == "appraisal" else submission.tally is not None
        identity = submission.identity
        if not is_right:
            raise BlocScoreError(text(lang, f"desk.not_the_{record}", name=received.name))
        if identity.get("year") != str(rules.year) or fold(identity.get("bloc", "")) != fold(rules.bloc):
            raise BlocScoreError(text(lang, "desk.record_other", name=received.name,
                                      bloc=identity.get("bloc", "?"), year=identity.get("year", "?"),
                                      expected=f"{rules.bloc} {rules.year}"))
        kept = write_set(target.parent, [(target, lambda path: shutil.copyfile(copy, path))], lang)
    lines = [text(lang, "desk.record_saved", name=received.name, path=str(target.relative_to(folder)))]
    lines += [text(lang, "vote.kept", name=name, path=str(path)) for name, path in kept.items()]
    return Outcome(True, lines)
