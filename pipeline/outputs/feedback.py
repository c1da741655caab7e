"""Feedback to every unit after a run: an e-mail draft each (what to fix, a receipt, a reminder), a list to print."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pipeline.checking.validate import UnitStatus
from pipeline.core.errors import ExitCode
from pipeline.core.issues import Issue
from pipeline.core.labels import format_number, text
from pipeline.core.text import one_line
from pipeline.outputs.write import prepare_folder, write_all_keeping_previous
from pipeline.outputs.xlsx import BASE_SIZE, Formats, fit_row, new_workbook, page_footer, print_setup, row_height
from pipeline.rules.layout import template_filename
from pipeline.rules.model import Rules, Unit
from pipeline.run import RunOptions, RunResult, run
from pipeline.workspace.folders import Workspace

# fix: the unit's file has errors, it must send it again; received: nothing to fix (notes maybe);
# reminder: no file speaks for the unit yet.
Kind = Literal["fix", "received", "reminder"]
KINDS: tuple[Kind, ...] = ("fix", "received", "reminder")
# The drafts say where each problem is in these words, in this order.
_PLACE = ("file", "sheet", "cell")


@dataclass(frozen=True)
class Feedback:
    """One unit's message: what kind, the issues it lists, and the text as it will be sent."""

    unit: Unit
    kind: Kind
    issues: tuple[Issue, ...]
    subject: str
    body: str
    summary: str  # one line for the printed list: what this message says
    total: Fraction | None = None  # shown only when the run is final
    rank: int | None = None
    attach_template: bool = False  # the unit's file is of another year's template: this year's goes with the letter

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def notes(self) -> int:
        return len(self.issues) - self.errors


@dataclass(frozen=True)
class FeedbackWritten:
    """The drafts and the summary written, and where their earlier versions went."""

    folder: Path
    drafts: list[Path]
    summary: Path
    kept: list[Path]
    messages: list[Feedback]


@dataclass(frozen=True)
class FeedbackMade:
    """What `make_feedback` wrote, and the run it wrote from."""

    result: RunResult
    folder: Path
    written: FeedbackWritten

    @property
    def exit_code(self) -> ExitCode:
        """Drafts are written either way; whether the units' files are all in and sound is the run's finality."""
        return ExitCode.PROBLEMS if self.result.provisional else ExitCode.DONE


def make_feedback(rules: Rules, workspace: Workspace, *, folder: Path | None = None,
                  lang: str | None = None, template: TemplateMaker | None = None) -> FeedbackMade:
    """`bloc-score feedback`: a draft e-mail per unit and the list of them, in `folder` (default: the
    output folder's feedback-<year>/). An empty input folder gets every unit a reminder. `template` makes a
    unit's current template, attached to a letter asking the unit to use it."""
    result = run(rules, workspace, RunOptions(lang=lang, allow_empty=True))
    folder = folder or feedback_folder(workspace.written_to, rules.year)
    return FeedbackMade(result, folder, write_feedback(result, folder, template=template))


def feedback_folder(output_dir: Path, year: int) -> Path:
    """`output/feedback-2024/`: the year's drafts and their summary."""
    return output_dir / f"feedback-{year}"


def draft_name(unit: Unit) -> str:
    """`VPTU.eml`; a character a file system refuses in a code becomes `_`."""
    return (re.sub(r"[^\w.-]", "_", unit.code).strip(".") or "_") + ".eml"


def summary_name(year: int) -> str:
    return f"feedback-{year}.xlsx"


def unit_issues(result: RunResult) -> dict[str, list[Issue]]:
    """Each unit's problems: every issue found in a file that speaks for it, in the run's order.

    Problems of the bloc's own appraisal workbook, of files no unit could be told from and of the awards are
    the bloc's to settle: they go to no unit (`bloc_issues`).
    """
    file_units = result.validation.file_units
    found: dict[str, list[Issue]] = {unit.code: [] for unit in result.rules.units}
    for issue in result.issues:
        owner = file_units.get(issue.file) if issue.file else None
        if owner in found:
            found[owner].append(issue)
    return found


def bloc_issues(result: RunResult) -> list[Issue]:
    """The errors and warnings sent to no unit (a missing unit gets its reminder instead)."""
    file_units = result.validation.file_units
    return [i for i in result.issues if i.severity != "info" and i.code != "unit-missing"
            and not (i.file and i.file in file_units)]


# A unit's file made from another year's template (or an earlier revision of this year's): the letter says one
# thing, use this year's template, which goes with it.
OTHER_TEMPLATE = frozenset({"wrong-year", "old-template"})
# A unit's current template as bytes (pipeline.forms.template, which this layer cannot import: the CLI hands it in).
TemplateMaker = Callable[[Unit], bytes]

# A unit's file refused for its authentication code: the unit (if the file was its own) is asked to use its template.
SEAL_REFUSALS = frozenset({"seal-mismatch", "seal-required"})


def feedback_messages(result: RunResult) -> list[Feedback]:
    """One message per unit of the rules, in their order."""
    rules, lang = result.rules, result.lang
    found = unit_issues(result)
    ranked = {r.unit_code: r for r in result.ranked}
    files: dict[str, list[str]] = {}
    for file, code in result.validation.file_units.items():
        files.setdefault(code, []).append(file)
    # A unit's file that could not be read or told apart may be why a unit seems to have sent nothing.
    unidentified = any(s.appraisal is None and s.file not in result.validation.file_units
                       for s in result.submissions)
    deadline = _deadline(rules, lang)
    messages = []
    for unit in rules.units:
        t = _Texts(rules, lang, unit)
        issues = tuple(found[unit.code])
        sealed_out = [i for i in result.issues if i.code in SEAL_REFUSALS
                      and result.validation.refused_claims.get(i.file or "") == unit.code]
        if result.status[unit.code] == UnitStatus.MISSING and sealed_out:
            # Its only file does not carry the bloc's code: the unit is asked to use the template it was sent.
            lines = [t("fix_intro", files=", ".join(i.file or "" for i in sealed_out), count=len(sealed_out)),
                     _listing(tuple(sealed_out), lang),
                     t("fix_seal_action", template=template_filename(rules, unit), deadline=deadline)]
            messages.append(Feedback(unit, "fix", tuple(sealed_out), t("subject_fix"), t.letter(lines),
                                     t("letter_fix", count=len(sealed_out))))
            continue
        if result.status[unit.code] == UnitStatus.MISSING:
            lines = [t("reminder", today=_date(result.started_at.date(), lang),
                       template=template_filename(rules, unit), deadline=deadline)]
            if unidentified:
                lines.append(t("reminder_unidentified"))
            messages.append(Feedback(unit, "reminder", issues, t("subject_reminder"), t.letter(lines),
                                     t("letter_reminder", deadline=deadline)))
            continue
        sent = ", ".join(files.get(unit.code, []))
        if any(i.severity == "error" for i in issues):
            other_template = any(i.code in OTHER_TEMPLATE for i in issues)
            action = t("fix_template_action", template=template_filename(rules, unit), deadline=deadline) \
                if other_template else t("fix_action", deadline=deadline)
            lines = [t("fix_intro", files=sent, count=len(issues)), _listing(issues, lang), action]
            count = sum(1 for i in issues if i.severity == "error")
            messages.append(Feedback(unit, "fix", issues, t("subject_fix"), t.letter(lines),
                                     t("letter_fix", count=count), attach_template=other_template))
            continue
        lines = [t("received_intro", files=sent)]
        if issues:
            lines += [t("notes_intro", count=len(issues)), _listing(issues, lang)]
        placed = ranked.get(unit.code)
        # RunResult.provisional is the one place that says whether totals and ranks may be told.
        if placed is not None and not result.provisional:
            total = format_number(placed.score.total_exact, lang, rules.decimals)
            lines.append(t("result_final", total=total, rank=placed.rank, count=len(result.ranked)))
            summary = t("letter_final", total=total, rank=placed.rank, count=len(result.ranked))
            messages.append(Feedback(unit, "received", issues, t("subject_received"), t.letter(lines), summary,
                                     placed.score.total_exact, placed.rank))
        else:
            lines.append(t("result_pending"))
            messages.append(Feedback(unit, "received", issues, t("subject_received"), t.letter(lines),
                                     t("letter_received")))
    return messages


class _Texts:
    """The catalogue's `feedback.*` texts, with the bloc, year and unit every one of them may name."""

    def __init__(self, rules: Rules, lang: str, unit: Unit) -> None:
        self.lang = lang
        self.common = {"bloc": rules.bloc, "year": rules.year, "unit": unit.name, "code": unit.code}

    def __call__(self, key: str, **params: object) -> str:
        return text(self.lang, f"feedback.{key}", **{**self.common, **params})

    def letter(self, paragraphs: list[str]) -> str:
        return "\n\n".join([self("greeting"), *paragraphs, self("closing")]) + "\n"


def where(issue: Issue, lang: str) -> str:
    """`Tệp X.xlsx, trang Tự chấm điểm, ô D8`: the parts of the issue's place that are known."""
    parts = [text(lang, f"feedback.where_{part}", **{part: value})
             for part in _PLACE if (value := getattr(issue, part))]
    joined = ", ".join(parts)
    return joined[:1].upper() + joined[1:]


def _listing(issues: tuple[Issue, ...], lang: str) -> str:
    # The message is the Issues sheet's own text: one wording for a problem, wherever it is shown.
    return "\n\n".join(
        text(lang, "feedback.item", number=number, where=where(issue, lang) or "—",
             severity=text(lang, f"workbook.severity_{issue.severity}")) + "\n   " + issue.message(lang)
        for number, issue in enumerate(issues, start=1)
    )


def _date(day: date, lang: str) -> str:
    return text(lang, "feedback.date", day=day.day, month=day.month, year=day.year)


def _deadline(rules: Rules, lang: str) -> str:
    return text(lang, "feedback.deadline", date=_date(rules.deadline, lang)) if rules.deadline else ""


def draft(message: Feedback, rules: Rules, template: TemplateMaker | None = None) -> EmailMessage:
    """The message as an unsent draft: UTF-8, the subject encoded for any mail client, `X-Unsent: 1` so Outlook
    opens it ready to edit and send; addressed to the unit's `email` when the rules give one; with the unit's
    current template attached when the letter asks the unit to use it."""
    mail = EmailMessage(policy=SMTP)
    recipients = _recipients(message.unit)
    if recipients:
        # Each name in encoded words (a comma or a quote in it stays text), its address on a line of its own.
        mail.set_raw("To", ",\n ".join(f"{encoded_words(a.display_name, plain=False)}\n <{a.addr_spec}>"
                                          for a in recipients))
    mail.set_raw("Subject", encoded_words(header_text(message.subject), len("Subject: ")))
    mail["X-Unsent"] = "1"
    mail.set_content(message.body, charset="utf-8", cte="quoted-printable")
    if message.attach_template and template is not None:
        mail.add_attachment(template(message.unit), maintype="application", subtype=XLSX_SUBTYPE,
                            filename=template_filename(rules, message.unit))
    return mail


XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bytes of UTF-8 per encoded word: "=?utf-8?b?" + 56 base64 characters + "?=" is 68, so a header's first line
# ("Subject: " and one word) and every folded line (a space and one word) stay within 78 characters.
_WORD_BYTES = 42


def encoded_words(value: str, indent: int = 0, *, plain: bool = True) -> str:
    """`value` as RFC 2047 encoded words, one per line, each holding whole characters, spaces included.

    The e-mail package folds a long header between encoded words and leaves the space between two words of
    text outside them, as folding white space, which every reader drops ("Ban Tổ chứcTỉnh ủy"): a space kept
    inside an encoded word is always decoded. Plain ASCII that fits after `indent` characters is left as it
    is, if `plain`.
    """
    if plain and value.isascii() and indent + len(value) <= 78 and "=?" not in value:
        return value
    # Each encoded word ends after a space where one fits, so a reader that (wrongly) puts a space between
    # two encoded words still shows every word whole: "Ban Tổ chức " + "Tỉnh ủy", never "K" + "iểm".
    words, chunk = [], b""
    for character in value:
        encoded = character.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > _WORD_BYTES:
            cut = chunk.rfind(b" ") + 1
            if 0 < cut < len(chunk):
                words.append(chunk[:cut])
                chunk = chunk[cut:]
            else:
                words.append(chunk)
                chunk = b""
        chunk += encoded
    if chunk or not words:
        words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def header_text(value: str) -> str:
    """Every text a draft's header carries passes here: one line, whatever a rules file or a unit's file held.

    The e-mail package refuses a header holding a line or paragraph separator (U+000B from Word, U+2028 …)
    with an exception; the rules already read names on one line, and this keeps any other way in closed.
    """
    return one_line(value)


def _recipients(unit: Unit) -> list[Address]:
    """The unit's addresses as the draft's To; one the e-mail package refuses is left for the secretary to type
    (the rules check addresses the same way, so none should be)."""
    found = []
    for address in filter(None, unit.email.split(", ")):
        try:
            found.append(Address(display_name=header_text(unit.name), addr_spec=address))
        except Exception:  # its own defects (ValueError subclasses), and AttributeError on "a@[b.vn"
            continue
    return found


def write_feedback(result: RunResult, folder: Path, *, template: TemplateMaker | None = None) -> FeedbackWritten:
    """Write `<CODE>.eml` per unit and the summary into `folder` as one set; the earlier ones move to one
    subfolder of its previous/."""
    lang, rules = result.lang, result.rules
    prepare_folder(folder, lang)
    messages = feedback_messages(result)
    drafts = [folder / draft_name(message.unit) for message in messages]
    summary = folder / summary_name(rules.year)
    outputs: list[tuple[Path, Callable[[Path], object]]] = [
        (target, _eml_writer(draft(message, rules, template)))
        for target, message in zip(drafts, messages, strict=True)]
    outputs.append((summary, lambda path: write_summary(result, messages, path, folder)))
    kept = list(write_all_keeping_previous(outputs, lang).values())
    return FeedbackWritten(folder, drafts, summary, kept, messages)


def _eml_writer(mail: EmailMessage) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(mail.as_bytes())


_COLUMNS = (("number", 5), ("code", 10), ("unit", 28), ("to", 28), ("letter", 42), ("errors", 7),
            ("notes", 7), ("draft", 13), ("sent", 12))


def write_summary(result: RunResult, messages: list[Feedback], path: Path, folder: Path) -> None:
    """One row per unit, what its message says, and a column for the day it was sent: printed, A4 landscape."""
    rules, lang = result.rules, result.lang

    def t(key: str, **params: object) -> str:
        return text(lang, f"feedback.{key}", **params)

    # Dated by the run, as the ranking workbook is: with SOURCE_DATE_EPOCH, two runs write the same bytes.
    created = result.started_at.astimezone(UTC).replace(tzinfo=None)  # UTC, as docProps/core.xml holds it
    book = new_workbook(path, {"title": t("summary_title", year=rules.year), "author": rules.bloc,
                               "created": created})
    fmt = Formats(book)
    # Centred in their rows, so a one-line cell beside a wrapped name does not hug the row's top border.
    cell = fmt.get(border=1, text_wrap=True, valign="vcenter")
    centred = fmt.get(border=1, align="center", valign="vcenter")
    sheet = book.add_worksheet(t("sheet"))
    last = len(_COLUMNS) - 1
    sheet.merge_range(0, 0, 0, last, t("summary_title", year=rules.year), fmt.get(bold=True, align="center",
                                                                                  font_size=14))
    sheet.set_row(0, row_height(1, 14))
    note = t("summary_note", folder=str(folder))
    sheet.merge_range(1, 0, 1, last, note, fmt.get(italic=True, text_wrap=True, font_size=11))
    fit_row(sheet, 1, [(note, sum(w for _, w in _COLUMNS) * BASE_SIZE / 11)], size=11)
    header = fmt.get(border=1, bold=True, align="center", text_wrap=True, bg_color="#D9E1F2")
    for column, (key, width) in enumerate(_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(3, column, t(f"col_{key}"), header)
    sheet.set_row(3, row_height(2))
    row = 4
    for number, message in enumerate(messages, start=1):
        to = message.unit.email or t("no_address")
        values = [str(number), message.unit.code, message.unit.name, to, message.summary]
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, centred if column in (0, 1) else cell)
        sheet.write_number(row, 5, message.errors, centred)
        sheet.write_number(row, 6, message.notes, centred)
        sheet.write_string(row, 7, draft_name(message.unit), cell)
        sheet.write_blank(row, 8, None, cell)
        fit_row(sheet, row, [(values[i], _COLUMNS[i][1]) for i in (2, 3, 4)])
        row += 1
    others = bloc_issues(result)
    if others:
        row += 1
        sheet.merge_range(row, 0, row, last, t("bloc_title"), fmt.get(bold=True))
        row += 1
        for issue in others:
            line = f"{where(issue, lang) or '—'}: {issue.message(lang)}"
            sheet.merge_range(row, 0, row, last, line, fmt.get(text_wrap=True, valign="top", font_size=11))
            fit_row(sheet, row, [(line, sum(w for _, w in _COLUMNS) * BASE_SIZE / 11)], size=11)
            row += 1
    print_setup(sheet, repeat=(3, 3), footer=page_footer(text(lang, "workbook.page_footer", page="&P",
                                                                    pages="&N")))
    book.close()
