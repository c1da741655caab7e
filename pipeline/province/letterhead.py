"""The board's documents set in the same official form as a bloc's (pipeline/outputs/letterhead.py): the
same `Letterhead`, filled from province.yaml instead of a bloc's rules."""

from __future__ import annotations

from pipeline.core.labels import text
from pipeline.outputs.letterhead import (
    STATE_RULE_CHARACTER,
    Document,
    Letterhead,
    SignatureBlock,
    national_header,
    place_date,
)
from pipeline.province.model import Province

_NUMBER_KIND = {"report": "BC", "proposal": "TTr", "record": "BB"}


def province_letterhead(province: Province, lang: str, *, document: Document, summary: str,
                        final: bool) -> Letterhead:
    """The header and closing of the board's `document` about `summary`; signed only when `final`."""
    party = province.header == "party"
    form = "party" if party else "state"
    issuer = province.board.upper()
    if document == "proposal":
        number, signed_on = province.proposal.number, province.proposal.date
    else:
        number, signed_on = province.document_number, province.date
    blank = text(lang, "letterhead.number_blank", kind=_NUMBER_KIND[document])
    signatures = tuple(SignatureBlock(s.capacity.upper(), s.position.upper(), s.office.upper(), s.name)
                       for s in province.signers)
    return Letterhead(
        party=party, annex=False, parent=province.province.upper(), issuer=issuer,
        mark="*" if party else STATE_RULE_CHARACTER * max(6, len(issuer) // 3),
        number=text(lang, f"letterhead.number_{form}", number=number or blank),
        national=tuple(national_header(province.header, lang).split("\n")),
        place_date=place_date(province.place, signed_on, lang),
        document_type=text(lang, f"letterhead.type_{document}"), title=summary, attached_to="",
        recipients_heading=text(lang, "letterhead.recipients"),
        recipients=tuple(f"- {recipient}" for recipient in province.recipients),
        draft="" if final else text(lang, "letterhead.draft"),
        # With no `signers:` the board signs by hand under a blank block: no bloc's capacity is its own.
        signatures=(signatures or (SignatureBlock("", "", "", ""),)) if final else (),
    )
