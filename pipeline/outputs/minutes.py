"""The documents the bloc files after its vote, as Word files: the minutes of the count and the proposal list.

`minutes-<year>.docx` (biên bản kiểm phiếu) records the count read from the tally; `proposals-<year>.docx`
(danh sách đề nghị) lists the units whose award is decided, with their totals and grades. Both are A4, in
Times New Roman, topped by the official header of the rules' `header` (Party or State), whose lines come
from one function (`header_lines`), drawn from the letterhead model (outputs/letterhead.py) every writer shares.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

from pipeline.core.labels import format_number, text
from pipeline.outputs.letterhead import letterhead
from pipeline.outputs.xlsx import FONT
from pipeline.procedure.vote import meeting_date, percent_text, vote_rule_in_words
from pipeline.rules.model import Rules
from pipeline.run import DocumentOptions, RunResult
from pipeline.scoring.rank import RankedUnit, award_name

BODY_SIZE = 13  # the size of an administrative document's body text (Nghị định 30/2020/NĐ-CP: 13–14)


@dataclass(frozen=True)
class HeaderLine:
    """One line of an official header, with how it is set."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


def header_lines(rules: Rules, lang: str, options: DocumentOptions, *,
                 numbered: bool) -> tuple[list[HeaderLine], list[HeaderLine]]:
    """The two blocks of the official header, from the letterhead model every document shares: the upper body,
    the issuing body, its mark (and the number, for a document the bloc numbers) on the left; the Party or
    State header with the place and date on the right."""
    head = letterhead(rules, lang, title="", final=True, options=options)
    left = [HeaderLine(head.parent)] if head.parent else []
    left += [HeaderLine(head.issuer, bold=True), HeaderLine(head.mark)]
    if numbered:
        left.append(HeaderLine(head.number))
    right = [HeaderLine(line, bold=True, underline=index == len(head.national) - 1)
             for index, line in enumerate(head.national)]
    right.append(HeaderLine(head.place_date, italic=True))
    return left, right


def write_minutes(result: RunResult, path: str | Path, *, lang: str | None = None) -> Path:
    """The minutes of the count: the meeting, those present, every candidate's votes and share, the result."""
    lang = lang or result.lang
    rules, vote = result.rules, result.vote
    assert vote is not None and vote.tally is not None
    when = meeting_date(vote.tally)
    typed = vote.tally.date if isinstance(vote.tally.date, str) and vote.tally.date.strip() else None
    document = _document()
    _header(document, *header_lines(rules, lang, DocumentOptions(date=when), numbered=False))
    _title(document, text(lang, "vote.minutes_title"),
           text(lang, "vote.minutes_subtitle", year=rules.year, bloc=rules.bloc))
    present = max((c.present for c in vote.counts.values()), default=0)
    _paragraph(document, text(lang, "vote.minutes_opening", date=typed or _day(lang, when),
                              place=vote.tally.place or "……", bloc=rules.bloc, year=rules.year))
    _paragraph(document, text(lang, "vote.minutes_present", members=len(rules.units), present=present))
    _paragraph(document, text(lang, "vote.minutes_committee"))
    _paragraph(document, text(lang, "vote.minutes_ballots"))
    _paragraph(document, vote_rule_in_words(rules, lang))
    _paragraph(document, text(lang, "vote.minutes_result_heading"), bold=True)
    keys = ("number", "unit", "award", "votes", "percent", "result")
    rows = []
    number = 0
    for award in vote.voted:
        for placed in vote.candidates.get(award, []):
            count = vote.counts.get(placed.unit_code)
            if count is None:
                continue
            number += 1
            rows.append([str(number), _unit_name(rules, placed.unit_code), award_name(rules, award, lang),
                         f"{count.votes}/{count.present}", percent_text(count.share(rules), lang),
                         text(lang, "vote.passed" if count.passed else "vote.failed")])
    _table(document, [text(lang, f"vote.column_{key}") for key in keys], rows, (12, 55, 45, 22, 22, 22))
    for award in vote.voted:
        if award not in vote.tallied or not vote.candidates.get(award):
            continue
        decided = [_unit_name(rules, p.unit_code) for p in vote.candidates[award]
                   if vote.decided.get(p.unit_code) == award]
        _paragraph(document, text(lang, "vote.minutes_result", award=award_name(rules, award, lang),
                                  units=", ".join(decided) or text(lang, "vote.nobody")))
    _paragraph(document, text(lang, "vote.minutes_closing"))
    _signatures(document, [text(lang, "vote.minutes_sign_head"), text(lang, "vote.minutes_sign_member"),
                           text(lang, "vote.minutes_sign_secretary")], text(lang, "vote.sign_hint"))
    return _save(document, path, result)


def write_proposals(result: RunResult, path: str | Path, *, lang: str | None = None) -> Path:
    """The proposal list: the units whose award is decided, award by award, with their totals and grades."""
    lang = lang or result.lang
    rules = result.rules
    when = meeting_date(result.vote.tally) if result.vote else None
    document = _document()
    _header(document, *header_lines(rules, lang, result.document, numbered=True))
    _title(document, text(lang, "vote.proposals_title"),
           text(lang, "vote.proposals_subtitle", year=rules.year, bloc=rules.bloc))
    voted = text(lang, "vote.proposals_voted", date=_day(lang, when)) if when else ""
    _paragraph(document, text(lang, "vote.proposals_intro", voted=voted, bloc=rules.bloc))
    keys = ("number", "unit", "total", "classification", "award")
    rows: list[list[str]] = []
    decided: list[tuple[str, RankedUnit]] = [(award, placed) for placed in result.ranked
                                             if (award := result.award(placed)) is not None]
    for rule in rules.awards:
        for key, placed in decided:
            if key == rule.key:
                rows.append([str(len(rows) + 1), _unit_name(rules, placed.unit_code),
                             format_number(placed.score.total, lang, rules.decimals), placed.classification or "",
                             award_name(rules, key, lang)])
    _table(document, [text(lang, f"vote.column_{key}") for key in keys], rows, (12, 70, 25, 25, 48))
    table = document.add_table(rows=1, cols=2)
    # Nơi nhận and the signature, as the letterhead model has them for every document of the bloc.
    head = letterhead(rules, lang, title="", final=True, options=result.document)
    # Nơi nhận come from the rules (`recipients:`) only: without them, a line to fill in by hand, never a body
    # named for the bloc (a district's bloc sends to the district's council, not the province's).
    recipients = [HeaderLine(line) for line in head.recipients] or [
        HeaderLine(text(lang, key)) for key in ("vote.proposals_recipient_blank", "vote.proposals_recipient_file")]
    _cell_lines(table.cell(0, 0), [HeaderLine(head.recipients_heading, bold=True, italic=True), *recipients],
                align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
    signature: list[HeaderLine] = []
    for block in head.signatures:
        signature += [HeaderLine(block.capacity, bold=True), HeaderLine(block.position, bold=True),
                      HeaderLine(block.hint, italic=True), HeaderLine(""), HeaderLine(""), HeaderLine(""),
                      HeaderLine(block.name, bold=True)]
    _cell_lines(table.cell(0, 1), signature)
    return _save(document, path, result)


# ------------------------------------------------------------------------------------------- internals

def _save(document: DocumentObject, path: str | Path, result: RunResult) -> Path:
    """Save with the run's time inside and on every zip member, so SOURCE_DATE_EPOCH gives identical bytes."""
    moment = result.started_at.astimezone(dt.UTC).replace(tzinfo=None)
    properties = document.core_properties
    properties.author = result.rules.bloc
    properties.created = properties.modified = properties.last_printed = moment
    saved = io.BytesIO()
    document.save(saved)
    # python-docx dates each zip member with the clock: the same members again, dated with the run's time.
    stamp = max(moment, dt.datetime(1980, 1, 1)).timetuple()[:6]  # a zip cannot hold a date before 1980
    path = Path(path)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w") as stamped:
        for member in source.infolist():
            stamped.writestr(zipfile.ZipInfo(member.filename, date_time=stamp), source.read(member),
                             compress_type=zipfile.ZIP_DEFLATED)
    return path


def _day(lang: str, when: dt.date | None) -> str:
    if when is None:
        return text(lang, "vote.minutes_day_blank")
    months = text(lang, "workbook.month_names").split(",")
    return text(lang, "vote.minutes_day", day=when.day, month=months[when.month - 1].strip(), year=when.year)


def _unit_name(rules: Rules, code: str) -> str:
    unit = rules.unit(code)
    return unit.name if unit else code


def _document() -> DocumentObject:
    """An empty A4 document in Times New Roman, with the margins of an administrative document."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_SIZE)
    # Word picks the font of Vietnamese letters from the East Asian and complex-script slots too.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(4)
    return document


def _cell_lines(cell: _Cell, lines: list[HeaderLine], *, align: int = WD_ALIGN_PARAGRAPH.CENTER,
                size: float = BODY_SIZE) -> None:
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(line.text)
        # Only what a line has is set: a run inherits "not bold" from its paragraph, without an element each.
        if line.bold:
            run.bold = True
        if line.italic:
            run.italic = True
        if line.underline:
            run.underline = True
        run.font.size = Pt(size)


def _header(document: DocumentObject, left: list[HeaderLine], right: list[HeaderLine]) -> None:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_lines(table.cell(0, 0), left)
    _cell_lines(table.cell(0, 1), right)
    for cell, width in zip(table.rows[0].cells, (Mm(70), Mm(95)), strict=True):
        cell.width = width


def _title(document: DocumentObject, title: str, subtitle: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(18)
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(title)
    run.bold, run.font.size = True, Pt(14)
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(12)
    paragraph.add_run(subtitle).bold = True


def _paragraph(document: DocumentObject, value: str, *, bold: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    paragraph.add_run(value).bold = bold


def _table(document: DocumentObject, headers: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # A total a little under the 165 mm between the margins: Word and LibreOffice then keep the widths.
    scale = 160 / sum(widths)
    # Each row's cells fetched once: python-docx walks the whole table for every cell it is asked for.
    for index, (table_row, values) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
        for column, (cell, value, width) in enumerate(zip(table_row.cells, values, widths, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column == 1 and index else WD_ALIGN_PARAGRAPH.CENTER
            _cell_lines(cell, [HeaderLine(value, bold=not index)], align=align, size=12)
            cell.width = Mm(width * scale)
    document.add_paragraph()


def _signatures(document: DocumentObject, roles: list[str], hint: str) -> None:
    table = document.add_table(rows=1, cols=len(roles))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, role in enumerate(roles):
        _cell_lines(table.cell(0, column), [HeaderLine(role, bold=True), HeaderLine(hint, italic=True)], size=12)
