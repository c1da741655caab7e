"""The header and closing of an official document, whatever writes it: from the rules and the run's options.

The bloc writes in the Party's form (Hướng dẫn 36-HD/VPTW, Phụ lục 3) or the State's (Nghị định 30/2020/NĐ-CP):
which lines go where, in what type and at what size is decided here once, and the Word documents
(outputs/minutes.py) and the Ranking sheet (outputs/workbook/official.py) only set the lines down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pipeline.core.labels import text
from pipeline.rules.model import Rules
from pipeline.rules.procedure import Reference
from pipeline.run import DocumentOptions

# What official documents put under the issuing body: Party documents a star (Hướng dẫn 36-HD/VPTW),
# State documents a short solid rule a third to a half as long as the name (Nghị định 30/2020/NĐ-CP).
STATE_RULE_CHARACTER = "\u2500"

# The documents the bloc issues: the ranking table (a report, or an annex of one), the proposal to the
# upper level (Tờ trình) and the record of a meeting (biên bản), which is not numbered.
Document = Literal["report", "proposal", "record"]
_NUMBER_KIND = {"report": "BC", "proposal": "TTr", "record": "BB"}


@dataclass(frozen=True)
class Line:
    """One line of a document's header or closing, with how it is set; `size` in points on a Word page."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    size: float = 14


@dataclass(frozen=True)
class Sizes:
    """Point sizes of a form's parts in a Word document."""

    national: float  # ĐẢNG CỘNG SẢN VIỆT NAM, or the State's two lines
    bodies: float  # the upper-level body, the issuer, its mark, the number
    place_date: float
    document_type: float  # BÁO CÁO, TỜ TRÌNH, BIÊN BẢN, PHỤ LỤC
    summary: float  # "về …", under the document type
    body: float
    recipients_heading: float
    recipients: float
    signature: float


# Hướng dẫn 36-HD/VPTW, Phụ lục 3: ĐẢNG CỘNG SẢN VIỆT NAM 15 bold; the bodies 14; the place and date 14
# italic; the document type 15–16 bold; its summary 14–15 bold; the body 14–15; Nơi nhận 14, its lines 12.
PARTY_SIZES = Sizes(national=15, bodies=14, place_date=14, document_type=16, summary=14, body=14,
                    recipients_heading=14, recipients=12, signature=14)
# Nghị định 30/2020/NĐ-CP, Phụ lục I: the national header 12–13 and 13–14, the bodies 12–13, the document type
# 13–14, the body 13–14, Nơi nhận 12 bold italic and its lines 11.
STATE_SIZES = Sizes(national=13, bodies=13, place_date=14, document_type=14, summary=14, body=14,
                    recipients_heading=12, recipients=11, signature=14)


@dataclass(frozen=True)
class SignatureBlock:
    capacity: str  # T/M KHỐI THI ĐUA
    position: str  # KHỐI TRƯỞNG
    office: str  # CHÁNH VĂN PHÒNG TỈNH ỦY: the signer's own office, whose seal is used; may be blank
    name: str  # blank: written by hand


@dataclass(frozen=True)
class Letterhead:
    """Every line of the header and the closing of one document, in the document's language."""

    party: bool  # the Party's form (Hướng dẫn 36-HD/VPTW); else the State's (Nghị định 30/2020/NĐ-CP)
    annex: bool  # part of another document (Phụ lục): no header, number, recipients or signature of its own
    parent: str  # the upper-level body, upper case; may be blank
    issuer: str  # upper case
    mark: str  # "*" under a Party issuer, a short rule under a State one
    number: str  # "Số 12-BC/KTĐ", or the same left blank to fill in; blank for an annex or a record
    national: tuple[str, ...]  # the right-hand header, line by line; the last is underlined
    place_date: str  # the signing date, or blanks to write it by hand: never the run's date; blank for an annex
    document_type: str  # BÁO CÁO, TỜ TRÌNH, PHỤ LỤC …: the first line of the title
    title: str  # the summary under it
    attached_to: str  # "(Kèm theo …)" under the title, or blank
    recipients_heading: str
    recipients: tuple[str, ...]  # each "- …"; empty: no Nơi nhận block
    draft: str  # "DỰ THẢO" until the document is final, else blank
    signatures: tuple[SignatureBlock, ...]  # none on a draft or an annex: nobody signs either

    @property
    def final(self) -> bool:
        return not self.draft

    @property
    def sizes(self) -> Sizes:
        return PARTY_SIZES if self.party else STATE_SIZES

    def header(self) -> tuple[list[Line], list[Line]]:
        """The two blocks of the header, line for line: the left holds the upper-level body, the issuer, its
        mark and the number; the right the Party's or the State's header. The Party puts the place and date
        straight under the rule below ĐẢNG CỘNG SẢN VIỆT NAM; the State on the number's line. An annex has
        none of it."""
        if self.annex:
            return [], []
        sizes = self.sizes
        left = [Line(self.parent, size=sizes.bodies)] if self.parent else []
        left += [Line(self.issuer, bold=True, size=sizes.bodies), Line(self.mark, size=sizes.bodies)]
        if self.number:
            left.append(Line(self.number, size=sizes.bodies))
        last = len(self.national) - 1
        right = [Line(line, bold=True, underline=index == last, size=sizes.national)
                 for index, line in enumerate(self.national)]
        if not self.party:
            right += [Line("", size=sizes.bodies)] * max(0, len(left) - 1 - len(right))
        right.append(Line(self.place_date, italic=True, size=sizes.place_date))
        return left, right

    def title_lines(self) -> list[Line]:
        """The document type, the summary and the "(Kèm theo …)" line, as printed (the draft mark is set above
        them by each writer)."""
        sizes = self.sizes
        lines = [Line(self.document_type, bold=True, size=sizes.document_type)]
        if self.title:
            lines.append(Line(self.title, bold=True, size=sizes.summary))
        if self.attached_to:
            lines.append(Line(self.attached_to, italic=True, size=sizes.body))
        return lines

    def closing(self) -> tuple[list[Line], list[list[Line]]]:
        """Nơi nhận (heading and lines) on the left; a block of lines per signer on the right, each with one
        empty line where the signature and the seal go (`SIGNING_SPACE` marks it)."""
        sizes = self.sizes
        recipients: list[Line] = []
        if self.recipients:
            # The Party underlines "Nơi nhận:"; the State sets it bold italic.
            heading = (Line(self.recipients_heading, underline=True, size=sizes.recipients_heading) if self.party
                       else Line(self.recipients_heading, bold=True, italic=True, size=sizes.recipients_heading))
            recipients = [heading, *(Line(line, size=sizes.recipients) for line in self.recipients)]
        blocks = []
        for block in self.signatures:
            lines = [Line(block.capacity, bold=True, size=sizes.signature),
                     Line(block.position, bold=True, size=sizes.signature)]
            if block.office:
                lines.append(Line(block.office, bold=True, size=sizes.signature))
            blocks.append([*lines, SIGNING_SPACE, Line(block.name, bold=True, size=sizes.signature)])
        return recipients, blocks


# The room a signature and its seal take in a signature block: the writers leave it blank, a few lines high.
SIGNING_SPACE = Line("")


def letterhead(rules: Rules, lang: str, *, document: Document, summary: str, final: bool,
               options: DocumentOptions | None = None) -> Letterhead:
    """The header and closing of a `document` of `rules`' bloc about `summary` ("kết quả chấm điểm …"); `final`
    from `RunResult.final`, `options` the run's `--number` and `--date` (the ranking report's, or a record's
    date).

    The ranking report is an annex (Phụ lục) when the rules give `attached_to`: it is then part of that
    report, which is numbered, addressed and signed, and has none of them itself.
    """
    options = options or DocumentOptions()
    party = rules.header == "party"
    form = "party" if party else "state"
    issuer = rules.issuer.upper()
    annex = document == "report" and rules.attached_to is not None
    if document == "proposal":
        number, signed_on = rules.proposal.number, rules.proposal.date
    else:
        number, signed_on = options.number or rules.document_number, options.date or rules.date
    if annex or document == "record":
        number_line = ""
    else:
        blank = text(lang, "letterhead.number_blank", kind=_NUMBER_KIND[document])
        number_line = text(lang, f"letterhead.number_{form}", number=number or blank)
    signs = not annex and final
    return Letterhead(
        party=party,
        annex=annex,
        parent=rules.parent.upper(),
        issuer=issuer,
        mark="*" if party else STATE_RULE_CHARACTER * max(6, len(issuer) // 3),
        number=number_line,
        national=tuple(national_header(rules.header, lang).split("\n")),
        place_date="" if annex else place_date(rules.place, signed_on, lang),
        document_type=text(lang, "letterhead.annex" if annex else f"letterhead.type_{document}"),
        title=summary.upper() if annex else summary,
        attached_to=attached_line(rules.attached_to, lang) if annex and rules.attached_to else "",
        recipients_heading=text(lang, "letterhead.recipients"),
        recipients=() if annex else tuple(f"- {recipient}" for recipient in rules.recipients),
        draft="" if final else text(lang, "letterhead.draft"),
        signatures=_signatures(rules, lang, form) if signs else (),
    )


def attached_line(reference: Reference, lang: str) -> str:
    """"(Kèm theo Báo cáo số 15-BC/KTĐ ngày 10/01/2025)": the number and date left to fill in when not given;
    a reference written as plain text in the rules is kept whole."""
    if reference.plain:
        return text(lang, "letterhead.attached_to", document=reference.document)
    when = reference.date.strftime("%d/%m/%Y") if reference.date else text(lang, "letterhead.date_blank")
    return text(lang, "letterhead.attached_to_numbered", document=reference.document,
                number=reference.number or text(lang, "letterhead.number_blank", kind="BC"), date=when)


def national_header(kind: str, lang: str) -> str:
    """The header of a Party (`party`) or State (`state`) document, one line per text line."""
    return text(lang, f"template.header_{kind}")


def place_date(place: str, when: dt.date | None, lang: str) -> str:
    """"Quảng Trị, ngày 05 tháng 01 năm 2025" (day below 10 and months 1–2 zero-padded), or blanks to write in."""
    place = place or "…"
    if when is None:
        return text(lang, "letterhead.place_date_blank", place=place)
    months = [month.strip() for month in text(lang, "workbook.month_names").split(",")]
    return text(lang, "workbook.place_date", place=place, day=when.day, month=months[when.month - 1],
                year=when.year)


def _signatures(rules: Rules, lang: str, form: str) -> tuple[SignatureBlock, ...]:
    if not rules.signers:  # the bloc leader signs for the bloc, the name written by hand
        return (SignatureBlock(text(lang, f"letterhead.capacity_{form}"), text(lang, "letterhead.position_leader"),
                               "", ""),)
    return tuple(SignatureBlock(s.capacity.upper(), s.position.upper(), s.office.upper(), s.name)
                 for s in rules.signers)
