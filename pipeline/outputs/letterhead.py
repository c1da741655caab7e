"""The header and signature of an official document, whatever writes it: from the rules and the run's options."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.core.labels import text
from pipeline.rules.model import Rules
from pipeline.run import DocumentOptions

# What official documents put under the issuing body: Party documents a star (Hướng dẫn 36-HD/VPTW),
# State documents a short solid rule a third to a half as long as the name (Nghị định 30/2020/NĐ-CP).
STATE_RULE_CHARACTER = "\u2500"


@dataclass(frozen=True)
class SignatureBlock:
    capacity: str  # T/M KHỐI THI ĐUA
    position: str  # KHỐI TRƯỞNG
    hint: str  # (Ký tên, đóng dấu)
    name: str  # blank: written by hand


@dataclass(frozen=True)
class Letterhead:
    """Every line of the header and the closing of one document, in the document's language."""

    party: bool  # the Party's form (Hướng dẫn 36-HD/VPTW); else the State's (Nghị định 30/2020/NĐ-CP)
    parent: str  # the upper-level body, upper case; may be blank
    issuer: str  # upper case
    mark: str  # "*" under a Party issuer, a short rule under a State one
    number: str  # "Số 12-BC/KTĐ", or the same left blank to fill in
    national: tuple[str, ...]  # the right-hand header, line by line; the last is underlined
    place_date: str  # the signing date, or blanks to write it by hand: never the run's date
    title: str
    attached_to: str  # "(Kèm theo …)" or blank
    recipients_heading: str
    recipients: tuple[str, ...]  # each "- …"; empty: no Nơi nhận block
    draft: str  # "DỰ THẢO" until the document is final, else blank
    signatures: tuple[SignatureBlock, ...]  # none on a draft: nobody signs one

    @property
    def final(self) -> bool:
        return not self.draft


def letterhead(rules: Rules, lang: str, *, title: str, final: bool,
               options: DocumentOptions | None = None) -> Letterhead:
    """The header and closing of a document of `rules`' bloc titled `title`; `final` from `RunResult.final`."""
    options = options or DocumentOptions()
    party = rules.header == "party"
    issuer = rules.issuer.upper()
    number = options.number or rules.document_number
    signed_on = options.date or rules.date
    form = "party" if party else "state"
    return Letterhead(
        party=party,
        parent=rules.parent.upper(),
        issuer=issuer,
        mark="*" if party else STATE_RULE_CHARACTER * max(6, len(issuer) // 3),
        number=text(lang, f"letterhead.number_{form}", number=number or text(lang, "letterhead.number_blank")),
        national=tuple(national_header(rules.header, lang).split("\n")),
        place_date=place_date(rules.place, signed_on, lang),
        title=title,
        attached_to=text(lang, "letterhead.attached_to", document=rules.attached_to) if rules.attached_to else "",
        recipients_heading=text(lang, "letterhead.recipients"),
        recipients=tuple(f"- {recipient}" for recipient in rules.recipients),
        draft="" if final else text(lang, "letterhead.draft"),
        signatures=_signatures(rules, lang, form) if final else (),
    )


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
    hint = text(lang, "letterhead.sign_hint")
    if not rules.signers:  # the bloc leader signs for the bloc, the name written by hand
        return (SignatureBlock(text(lang, f"letterhead.capacity_{form}"), text(lang, "letterhead.position_leader"),
                               hint, ""),)
    return tuple(SignatureBlock(s.capacity.upper(), s.position.upper(), hint, s.name) for s in rules.signers)
