"""The board's consolidated Tờ trình and the list it attaches (.docx), in the form of the bloc's documents:
the same letterhead model and Word pieces as a bloc's proposal (pipeline/outputs/minutes.py)."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.labels import format_number, text
from pipeline.core.text import roman
from pipeline.outputs.minutes import (
    new_document,
    save_stamped,
    write_addressee,
    write_centred,
    write_closing_block,
    write_header,
    write_paragraph,
    write_table,
    write_title,
)
from pipeline.province.board import ProvinceResult
from pipeline.province.letterhead import province_letterhead
from pipeline.province.results import share_shown


def write_province_proposal(result: ProvinceResult, path: str | Path) -> Path:
    """The Tờ trình: whom it is sent to, its basis, each award's proposed units in words; then the list,
    grouped by award, each unit with its bloc, total, share of its own table's maximum and rank in its bloc."""
    lang, province = result.lang, result.province
    groups = [a for a in result.awards if a.proposed]
    addressee = "; ".join(province.addressee) or text(lang, "proposal.addressee_blank")
    awards = ", ".join(a.award.label for a in groups)
    summary = text(lang, "province.proposal_summary", awards=awards, year=province.year)
    head = province_letterhead(province, lang, document="proposal", summary=summary, final=not result.provisional)
    document = new_document()
    write_header(document, head)
    if head.draft:  # not every bloc final or an award undecided: a draft, and nobody signs it
        write_centred(document, head.draft, bold=True, size=head.sizes.document_type, before=12)
    write_title(document, head)
    write_addressee(document, lang, province.addressee)
    cited = [part.strip().rstrip(".") for part in province.basis.split(";") if part.strip()]
    for line in cited:
        write_paragraph(document, text(lang, "province.basis_line", basis=line))
    final = sum(1 for r in result.blocs if r.state == "final")
    write_paragraph(document, text(lang, "province.proposal_blocs", final=final, total=len(result.blocs),
                                   year=province.year))
    write_paragraph(document, text(lang, "province.proposal_request", board=province.board, addressee=addressee))
    for index, consolidated in enumerate(groups, start=1):
        names = ", ".join(c.name for c in consolidated.proposed)
        write_paragraph(document, text(lang, "province.proposal_award", number=index,
                                       award=consolidated.award.label, year=province.year,
                                       count=len(consolidated.proposed), units=names))
    write_paragraph(document, text(lang, "proposal.list_attached"), italic=True)
    write_paragraph(document, text(lang, "proposal.closing", addressee=addressee))
    write_closing_block(document, head)

    number = province.proposal.number or text(lang, "letterhead.number_blank", kind="TTr")
    signed = province.proposal.date.strftime("%d/%m/%Y") if province.proposal.date \
        else text(lang, "letterhead.date_blank")
    title = write_centred(document, text(lang, "proposal.list_title"), bold=True, size=head.sizes.document_type)
    title.paragraph_format.page_break_before = True
    write_centred(document, text(lang, "province.list_summary", awards=awards, year=province.year), bold=True,
                  size=head.sizes.summary)
    write_centred(document, text(lang, "province.list_attached_to", number=number, date=signed,
                                 board=province.board), italic=True, size=head.sizes.body, after=12)
    rows: list[list[str]] = []
    headings: dict[int, str] = {}
    for index, consolidated in enumerate(groups, start=1):
        headings[len(rows)] = text(lang, "proposal.group", number=roman(index), award=consolidated.award.label,
                                   count=len(consolidated.proposed))
        for number_in_group, candidate in enumerate(consolidated.proposed, start=1):
            share = share_shown(candidate.share, province.decimals)
            rows.append([str(number_in_group), candidate.name, candidate.bloc_name,
                         format_number(candidate.total, lang, province.decimals),
                         "—" if share is None else f"{format_number(share, lang, province.decimals)}%",
                         text(lang, "province.rank_of", rank=candidate.rank, of=candidate.bloc_units)])
    headers = [text(lang, f"province.list_column_{key}") for key in ("number", "unit", "bloc", "total", "share",
                                                                    "rank")]
    write_table(document, headers, rows, (14, 48, 42, 20, 22, 20), headings)
    return save_stamped(document, path, result.started_at, province.board)
