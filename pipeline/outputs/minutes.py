"""The documents the bloc files after its vote, as Word files: the minutes of the count and the proposal.

`minutes-<year>.docx` (biên bản kiểm phiếu) records the count read from the tally; `proposals-<year>.docx` is
the proposal to the upper level (Tờ trình), with the list it attaches: the units whose award is decided,
grouped by award, with their totals, ranks and grades. Both are A4, in Times New Roman, in the form of the
rules' `header` (Party or State): every line of their header and closing, and its size, comes from the
letterhead model (outputs/letterhead.py) the Ranking sheet shares.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from pipeline.core.labels import format_number, text
from pipeline.core.text import roman
from pipeline.outputs.letterhead import SIGNING_SPACE, Letterhead, Line, letterhead
from pipeline.outputs.xlsx import FONT
from pipeline.procedure.vote import meeting_date, percent_text, vote_rule_in_words
from pipeline.rules.model import Rules
from pipeline.run import DocumentOptions, RunResult
from pipeline.scoring.rank import RankedUnit, award_name, short_award_name

BLANK_RECIPIENT = "- ……………………………………"  # a line of Nơi nhận to fill in by hand
# An award's label names the body that confers it after "của" (Bằng khen của Ban Thường vụ Tỉnh ủy): the
# bloc's labels are Vietnamese whatever language the documents are printed in.
_CONFERRED_BY = " của "

BODY_SIZE = 14  # a Party document's body (Hướng dẫn 36-HD/VPTW, Phụ lục 3: 14–15); a State one's 13–14
TABLE_SIZE = 13  # a table's cells, a point under the body so that six columns fit between the margins


def write_minutes(result: RunResult, path: str | Path, *, lang: str | None = None) -> Path:
    """The count record (biên bản kiểm phiếu) the counting committee signs: the meeting's time and place, the
    units present by name, the committee, the ballots, every candidate's votes for and against with their
    shares, the result in words. Every figure comes from the tally; a version 1 tally, which knows no ballots
    or committee, leaves those to write by hand."""
    lang = lang or result.lang
    rules, vote = result.rules, result.vote
    assert vote is not None and vote.tally is not None
    tally, ballots = vote.tally, vote.ballots
    when = meeting_date(tally)
    typed = tally.date if isinstance(tally.date, str) and tally.date.strip() else None
    voted_awards = ", ".join(award_name(rules, award, lang) for award in vote.voted)
    head = letterhead(rules, lang, document="record", final=True, options=DocumentOptions(date=when),
                      summary=text(lang, "vote.minutes_subtitle", awards=voted_awards, year=rules.year))
    document = new_document()
    write_header(document, head)
    write_title(document, head)
    blank = "……"
    write_paragraph(document, text(lang, "vote.minutes_opening", date=typed or _day(lang, when),
                              time=_time(lang, tally.time) or blank, place=tally.place or blank, bloc=rules.bloc,
                              year=rules.year))
    if ballots is not None:
        present = len(ballots.present)
        names = ", ".join(_unit_name(rules, code) for code in ballots.present)
        units = f": {names}" if names else ""
    else:  # version 1: those present, as each candidate's row gave them
        present = max((c.present for c in vote.counts.values()), default=0)
        units = ""
    _plain(document, text(lang, "vote.minutes_present", members=len(rules.units), present=present, units=units))
    committee = [name for name in (tally.head, *tally.committee) if name]
    _plain(document, text(lang, "vote.minutes_committee"))
    if committee:
        for index, name in enumerate(committee):
            if index == 0 and tally.head:
                _plain(document, text(lang, "vote.minutes_committee_head", name=name))
            else:
                end = "." if index == len(committee) - 1 else ";"
                _plain(document, text(lang, "vote.minutes_committee_member", name=name, end=end))
    else:
        _plain(document, "- " + "…" * 40)
    figures = {key: f"{getattr(ballots, key):02d}" if ballots is not None else blank
               for key in ("issued", "returned", "valid", "invalid")}
    _plain(document, text(lang, "vote.minutes_ballots", **figures))
    write_paragraph(document, vote_rule_in_words(rules, lang))
    write_paragraph(document, text(lang, "vote.minutes_result_heading"), bold=True)
    # Each count beside its share, "8 (88,89%)": six columns leave the unit's name its room on one line.
    keys = ("number", "unit", "agree", "disagree", "invalid", "result")
    rows: list[list[str]] = []
    groups: dict[int, str] = {}
    for index, award in enumerate(vote.voted, start=1):
        counted = [p for p in vote.candidates.get(award, []) if p.unit_code in vote.counts]
        if counted:
            groups[len(rows)] = text(lang, "vote.minutes_group", number=index, award=award_name(rules, award, lang))
        for number, placed in enumerate(counted, start=1):
            count = vote.counts[placed.unit_code]
            against = blank if count.against is None else \
                f"{count.against} ({percent_text(count.share(rules, count.against), lang)})"
            rows.append([str(number), _unit_name(rules, placed.unit_code),
                         f"{count.votes} ({percent_text(count.share(rules), lang)})", against,
                         blank if count.spoilt is None else str(count.spoilt),
                         # What the count decided (the places and a tie count too), not the threshold alone.
                         text(lang, "vote.passed" if vote.decided.get(placed.unit_code) == award
                              else "vote.failed")])
    write_table(document, [text(lang, f"vote.column_{key}") for key in keys], rows, (13, 51, 27, 33, 19, 18), groups)
    for award in vote.voted:
        if award not in vote.tallied or not vote.candidates.get(award):
            continue
        decided = [_unit_name(rules, p.unit_code) for p in vote.candidates[award]
                   if vote.decided.get(p.unit_code) == award]
        write_paragraph(document, text(lang, "vote.minutes_result", award=award_name(rules, award, lang),
                                  units=", ".join(decided) or text(lang, "vote.nobody"), year=rules.year))
    write_paragraph(document, text(lang, "vote.minutes_closing"))
    # The closing line stays on the page of the signatures it introduces.
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    _committee_signatures(document, lang, tally.head, list(tally.committee))
    return _save(document, path, result)


def _time(lang: str, value: object) -> str:
    """The count's start time as the tally holds it: text as typed ("14 giờ 00"), or a time cell."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.timedelta):
        value = (dt.datetime.min + value).time()
    if isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value < 1:
        value = (dt.datetime.min + dt.timedelta(days=float(value))).time()
    if isinstance(value, dt.time):
        return text(lang, "vote.minutes_time", hour=value.hour, minute=value.minute)
    return ""


def _plain(document: DocumentObject, value: str) -> None:
    """A paragraph left-aligned: a list of names, or a line of dots to fill, which justification would stretch."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.first_line_indent = Mm(10)
    paragraph.add_run(value)


def _committee_signatures(document: DocumentObject, lang: str, head: str, members: list[str]) -> None:
    """The counting committee signs: its head, then each member, the name typed in the tally under the room
    to sign. The head's column is wide enough for "TỔ TRƯỞNG TỔ KIỂM PHIẾU" on one line; more than two
    members go on rows of three under it."""
    size = TABLE_SIZE
    members = members or [""]

    def block(cell: _Cell, role: str, name: str) -> None:
        _cell_lines(cell, [Line(role, bold=True, size=size), SIGNING_SPACE, Line(name, bold=True, size=size)])
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True

    head_role, member_role = text(lang, "vote.minutes_sign_head"), text(lang, "vote.minutes_sign_member")
    if len(members) <= 2:
        table = document.add_table(rows=1, cols=1 + len(members))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        block(table.cell(0, 0), head_role, head)
        for column, name in enumerate(members, start=1):
            block(table.cell(0, column), member_role, name)
        _set_widths(table, [Mm(75), *([Mm(85 / len(members))] * len(members))])
        _unsplit(document)
        return
    rows = 1 + -(-len(members) // 3)
    table = document.add_table(rows=rows, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, [Mm(53)] * 3)
    block(table.cell(0, 0).merge(table.cell(0, 2)), head_role, head)
    for index, name in enumerate(members):
        block(table.cell(1 + index // 3, index % 3), member_role, name)
    _unsplit(document)


def _unsplit(document: DocumentObject) -> None:
    """No signature block split across two pages: each row of the table just added is kept whole.

    python-docx has no setting for it: the rows are reached through the document's public XML element,
    the body's last table, rather than through a row's private one."""
    for row in document.element.body.xpath("./w:tbl[last()]/w:tr"):
        row.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def write_proposals(result: RunResult, path: str | Path, *, lang: str | None = None) -> Path:
    """The proposal (Tờ trình) to the upper level: whom it is sent to, its basis, the awards proposed in
    words; then the list it attaches, grouped by award, with each unit's total, rank and grade."""
    lang = lang or result.lang
    rules = result.rules
    groups = proposed_by_award(result)
    addressee = "; ".join(rules.addressee) or text(lang, "proposal.addressee_blank")
    forms = ", ".join(dict.fromkeys(award_form(rules, key, lang) for key, _ in groups))
    summary = text(lang, "proposal.summary", addressee=addressee, awards=forms, year=rules.year)
    head = letterhead(rules, lang, document="proposal", summary=summary, final=True)
    document = new_document()
    write_header(document, head)
    write_title(document, head)
    write_addressee(document, lang, rules.addressee)
    for line in basis_lines(result, lang):
        write_paragraph(document, line)
    write_paragraph(document, text(lang, "proposal.request", bloc=rules.bloc, addressee=addressee))
    for index, (key, units) in enumerate(groups, start=1):
        names = ", ".join(_unit_name(rules, placed.unit_code) for placed in units)
        write_paragraph(document, text(lang, "proposal.request_award", number=index, award=award_name(rules, key, lang),
                                  year=rules.year, count=len(units), units=names))
    write_paragraph(document, text(lang, "proposal.list_attached"), italic=True)
    write_paragraph(document, text(lang, "proposal.closing", addressee=addressee))
    write_closing_block(document, head)

    # The list the Tờ trình attaches, from a page of its own, grouped by award.
    number = rules.proposal.number or text(lang, "letterhead.number_blank", kind="TTr")
    signed = rules.proposal.date.strftime("%d/%m/%Y") if rules.proposal.date else text(lang, "letterhead.date_blank")
    title = write_centred(document, text(lang, "proposal.list_title"), bold=True, size=head.sizes.document_type)
    title.paragraph_format.page_break_before = True
    write_centred(document, text(lang, "proposal.list_summary", addressee=addressee, awards=forms, year=rules.year),
             bold=True, size=head.sizes.summary)
    write_centred(document, text(lang, "proposal.list_attached_to", number=number, date=signed, bloc=rules.bloc),
             italic=True, size=head.sizes.body, after=12)
    _grouped_table(document, result, groups, lang)
    return _save(document, path, result)


def proposed_by_award(result: RunResult) -> list[tuple[str, list[RankedUnit]]]:
    """The units proposed, award by award in the rules' order, each group in ranking order; no empty group."""
    decided: dict[str, list[RankedUnit]] = {}
    for placed in result.ranked:
        key = result.award(placed)
        if key is not None:
            decided.setdefault(key, []).append(placed)
    return [(rule.key, decided[rule.key]) for rule in result.rules.awards if rule.key in decided]


def award_form(rules: Rules, key: str, lang: str) -> str:
    """What an award is, in short, for a summary line: "Cờ thi đua", "Bằng khen". The bloc's label up to
    " của " (the body that confers it: "Bằng khen của Ban Thường vụ Tỉnh ủy"), else the built-in name."""
    name = short_award_name(rules, key, lang)
    return name.split(_CONFERRED_BY, 1)[0].strip() or name


def basis_lines(result: RunResult, lang: str) -> list[str]:
    """"Căn cứ …;" once per basis the rules cite, the bloc's agreement, then the scoring and the vote."""
    rules = result.rules
    cited = [cleaned for part in rules.basis.split(";") if (cleaned := part.strip().rstrip("."))]
    if rules.agreement:
        cited.append(rules.agreement)
    when = meeting_date(result.vote.tally) if result.vote and result.vote.tally else None
    results = text(lang, "proposal.basis_results", year=rules.year, bloc=rules.bloc)
    if when is not None:
        results += text(lang, "proposal.basis_vote", date=when.strftime("%d/%m/%Y"))
    lines = [text(lang, "proposal.basis", basis=basis) for basis in cited]
    return [*lines, text(lang, "proposal.basis_last", basis=results)]


# -------------------------------------------------------------- the parts of an official Word document
# Public: the province's Tờ trình (pipeline/province/proposal.py) is set down with the same page, header,
# title, body, table and closing as the bloc's documents.

def _save(document: DocumentObject, path: str | Path, result: RunResult) -> Path:
    return save_stamped(document, path, result.started_at, result.rules.bloc)


def save_stamped(document: DocumentObject, path: str | Path, started_at: dt.datetime, author: str) -> Path:
    """Save with the run's time inside and on every zip member, so SOURCE_DATE_EPOCH gives identical bytes."""
    moment = started_at.astimezone(dt.UTC).replace(tzinfo=None)
    properties = document.core_properties
    properties.author = author
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


def new_document() -> DocumentObject:
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


def _cell_lines(cell: _Cell, lines: list[Line], *, align: int = WD_ALIGN_PARAGRAPH.CENTER) -> None:
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(0)
        if line is SIGNING_SPACE:  # the room to sign and stamp: a few empty lines
            paragraph.paragraph_format.space_before = Pt(line.size * 4)
        run = paragraph.add_run(line.text)
        # Only what a line has is set: a run inherits "not bold" from its paragraph, without an element each.
        if line.bold:
            run.bold = True
        if line.italic:
            run.italic = True
        if line.underline:
            run.underline = True
        run.font.size = Pt(line.size)


def write_header(document: DocumentObject, head: Letterhead) -> None:
    """The header's two blocks side by side, as two cells of a borderless table (none for an annex)."""
    left, right = head.header()
    if not left and not right:
        return
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_lines(table.cell(0, 0), left)
    _cell_lines(table.cell(0, 1), right)
    _set_widths(table, (Mm(70), Mm(95)))


def write_title(document: DocumentObject, head: Letterhead) -> None:
    for index, line in enumerate(head.title_lines()):
        write_centred(document, line.text, bold=line.bold, italic=line.italic, size=line.size,
                 before=18 if index == 0 else 0)
    document.paragraphs[-1].paragraph_format.space_after = Pt(12)


def write_centred(document: DocumentObject, value: str, *, bold: bool = False, italic: bool = False,
             size: float = BODY_SIZE, before: float = 0, after: float = 0) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    run = paragraph.add_run(value)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    run.font.size = Pt(size)
    return paragraph


def write_addressee(document: DocumentObject, lang: str, addressee: tuple[str, ...]) -> None:
    """"Kính gửi: Ban Thường vụ Tỉnh ủy", centred; several bodies one per line; a line to fill without one."""
    label = text(lang, "proposal.addressee")
    if len(addressee) <= 1:
        write_centred(document, f"{label} {addressee[0] if addressee else text(lang, 'proposal.addressee_blank')}",
                 after=12)
        return
    write_centred(document, label)
    for index, body in enumerate(addressee):
        last = index == len(addressee) - 1
        write_centred(document, f"- {body}{'.' if last else ';'}", after=12 if last else 0)


def write_closing_block(document: DocumentObject, head: Letterhead) -> None:
    """Nơi nhận on the left and the signature blocks on the right, as the letterhead model has them."""
    recipients, signatures = head.closing()
    if not recipients:
        # Nơi nhận come from the rules only: without them, a line to fill in by hand, never a body named for
        # the bloc (a district's bloc sends to the district's council, not the province's).
        recipients, _ = replace(head, recipients=(BLANK_RECIPIENT,)).closing()
    table = document.add_table(rows=1, cols=2)
    _cell_lines(table.cell(0, 0), recipients, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_lines(table.cell(0, 1), [line for block in signatures for line in block])


def write_paragraph(document: DocumentObject, value: str, *, bold: bool = False, italic: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(value)
    if bold:
        run.bold = True
    if italic:
        run.italic = True


def write_table(document: DocumentObject, headers: list[str], rows: list[list[str]], widths: tuple[int, ...],
           groups: dict[int, str] | None = None) -> None:
    """A grid table: bold headers, the second column left-aligned; `groups` puts a heading row, merged across
    the table, before the rows it names (by their index)."""
    groups = groups or {}
    table = document.add_table(rows=1 + len(rows) + len(groups), cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # A total a little under the 165 mm between the margins: Word and LibreOffice then keep the widths.
    scale = 160 / sum(widths)
    lengths = [Mm(width * scale) for width in widths]
    _set_grid(table, lengths)
    lines: list[tuple[list[str], bool]] = [(headers, True)]
    for index, values in enumerate(rows):
        if index in groups:
            lines.append(([groups[index]], True))
        lines.append((values, False))
    # Each row's cells fetched once: python-docx walks the whole table for every cell it is asked for.
    for number, (table_row, (values, bold)) in enumerate(zip(table.rows, lines, strict=True)):
        cells = table_row.cells
        _set_cells(cells, lengths)
        if len(values) == 1:  # a group's heading, across the table
            _cell_lines(cells[0].merge(cells[-1]), [Line(values[0], bold=True, size=TABLE_SIZE)],
                        align=WD_ALIGN_PARAGRAPH.LEFT)
            continue
        for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if column == 1 and number else WD_ALIGN_PARAGRAPH.CENTER
            _cell_lines(cell, [Line(value, bold=bold, size=TABLE_SIZE)], align=align)
    document.add_paragraph()


def _set_widths(table: Table, widths: Sequence[Length]) -> None:
    """Every column's width, in the grid and in each row's cells: for a small table written whole."""
    _set_grid(table, widths)
    for row in table.rows:
        _set_cells(row.cells, widths)


def _set_grid(table: Table, widths: Sequence[Length]) -> None:
    """The column widths LibreOffice lays a table out by (its grid); Word reads each cell's (`_set_cells`)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _set_cells(cells: Sequence[_Cell], widths: Sequence[Length]) -> None:
    """A row's cells' widths; the caller fetches the row's cells once: python-docx walks the whole table
    to find them."""
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width


def _grouped_table(document: DocumentObject, result: RunResult, groups: list[tuple[str, list[RankedUnit]]],
                   lang: str) -> None:
    rules = result.rules
    keys = ("number", "unit", "total", "rank", "classification", "award")
    rows: list[list[str]] = []
    headings: dict[int, str] = {}
    for index, (key, units) in enumerate(groups, start=1):
        headings[len(rows)] = text(lang, "proposal.group", number=roman(index), award=award_name(rules, key, lang),
                                   count=len(units))
        for number, placed in enumerate(units, start=1):
            rows.append([str(number), _unit_name(rules, placed.unit_code),
                         format_number(placed.score.total, lang, rules.decimals), str(placed.rank),
                         placed.classification or "", award_name(rules, key, lang)])
    write_table(document, [text(lang, f"proposal.column_{key}") for key in keys], rows, (16, 56, 19, 18, 24, 50),
           headings)
