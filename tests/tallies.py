"""Tallies for tests: `write_tally_v1`, the tally as version 1 of its format wrote it (bloc-score before issue
#30: members present and votes for on each candidate's row), kept to show such a tally still reads and decides
as it did; `count_cells`, what a counting committee fills in a version 2 tally."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from pipeline.core.cells import parse_address
from pipeline.core.labels import text
from pipeline.forms.ballot import ballot_candidates
from pipeline.outputs.xlsx import Formats, at_size, fit_row, new_workbook, page_footer, write_identity, write_value
from pipeline.rules.layout import (
    IDENTITY_SHEET,
    TALLY_CANDIDATES,
    TALLY_DATE_CELL,
    TALLY_FORMAT,
    TALLY_HEADER_ROW,
    TALLY_KEYS_V1,
    TALLY_PLACE_CELL,
)
from pipeline.rules.seal import SealKey
from pipeline.run import RunResult
from pipeline.scoring.rank import award_name

A4 = 9
_FIXED_DATE = datetime(2000, 1, 1)
SMALL = 11
TALLY_WIDTHS = {"award": 28, "code": 10, "unit": 40, "rank": 9, "total": 10, "present": 13, "votes": 13}


def write_tally_v1(result: RunResult, path: str | Path, *, lang: str,
                   counts: Mapping[str, tuple[int, int]] | None = None,
                place: str = "", date: dt.date | None = None, key: SealKey | None = None) -> Path:
    """The tally: one row per award and candidate, its count cells the only ones to fill, validated.

    `counts` (unit → members present, votes for), `place` and `date` pre-fill it, as a counting committee
    would (the example's filled tally).
    """
    counts = counts or {}
    rules = result.rules
    path = Path(path)
    book = new_workbook(path, {"title": text(lang, "vote.tally_title", year=rules.year), "author": rules.bloc,
                               "created": _FIXED_DATE})
    fmt = Formats(book, text_wrap=True)
    name = text(lang, "vote.tally_sheet")
    sheet = book.add_worksheet(name)
    widths = [TALLY_WIDTHS[key] for key in TALLY_KEYS_V1]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    last = len(TALLY_KEYS_V1) - 1
    title = text(lang, "vote.tally_title", year=rules.year)
    sheet.merge_range(0, 0, 0, last, title, fmt.get(bold=True, font_size=14))
    sheet.merge_range(1, 0, 1, last, rules.bloc, fmt.get(italic=True))
    instructions = text(lang, "vote.tally_instructions")
    sheet.merge_range(2, 0, 2, last, instructions, fmt.get(italic=True, font_size=SMALL))
    fit_row(sheet, 2, [(instructions, at_size(sum(widths), SMALL))], size=SMALL)
    entry = fmt.get(border=1, locked=False, bg_color="#FFF9E6", align="center")
    for address, label in ((TALLY_PLACE_CELL, "vote.tally_place"), (TALLY_DATE_CELL, "vote.tally_date")):
        row, column = _at(address)
        # The label spans the columns left of the entry cell, on one line.
        sheet.merge_range(row, 0, row, column - 1, text(lang, label), fmt.get(bold=True, align="right",
                                                                               text_wrap=False))
        sheet.set_row(row, 20)
    write_value(sheet, *_at(TALLY_PLACE_CELL), place, entry, entry)
    if date is None:
        sheet.write_blank(*_at(TALLY_DATE_CELL), None, entry)
    else:
        sheet.write_datetime(TALLY_DATE_CELL, dt.datetime.combine(date, dt.time()),
                             fmt.get(border=1, locked=False, bg_color="#FFF9E6", align="center",
                                     num_format="dd/mm/yyyy"))
    header = fmt.get(bold=True, align="center", border=1, bg_color="#D9E1F2")
    labels = [text(lang, f"vote.column_{key}") for key in TALLY_KEYS_V1]
    for column, label in enumerate(labels):
        sheet.write_string(TALLY_HEADER_ROW, column, label, header)
    fit_row(sheet, TALLY_HEADER_ROW, list(zip(labels, widths, strict=True)), bold=True, minimum=2)
    members = len(rules.units)
    row = TALLY_HEADER_ROW + 1
    groups = ballot_candidates(result)
    number = "0" if rules.decimals == 0 else "0." + "0" * rules.decimals
    present_column, votes_column = TALLY_KEYS_V1.index("present"), TALLY_KEYS_V1.index("votes")
    for award, found in groups.items():
        label = award_name(rules, award, lang)
        for placed in found:
            unit = _unit_name(result, placed.unit_code)
            sheet.write_string(row, 0, label, fmt.get(border=1, font_size=SMALL))
            sheet.write_string(row, 1, placed.unit_code, fmt.get(border=1, align="center"))
            sheet.write_string(row, 2, unit, fmt.get(border=1))
            sheet.write_number(row, 3, placed.rank, fmt.get(border=1, align="center"))
            sheet.write_number(row, 4, float(placed.score.total), fmt.get(border=1, align="center",
                                                                          num_format=number))
            for column, value in zip((present_column, votes_column), counts.get(placed.unit_code, (None, None)),
                                     strict=True):
                write_value(sheet, row, column, value, entry, entry)
            fit_row(sheet, row, [(label, at_size(TALLY_WIDTHS["award"], SMALL)), (unit, TALLY_WIDTHS["unit"])])
            present = f"{chr(ord('A') + present_column)}{row + 1}"
            sheet.data_validation(row, present_column, row, present_column, _count_rule(lang, 0, members, "present"))
            sheet.data_validation(row, votes_column, row, votes_column, _count_rule(lang, 0, f"={present}", "votes"))
            row += 1
    sheet.freeze_panes(TALLY_HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(TALLY_HEADER_ROW, TALLY_HEADER_ROW)
    sheet.set_footer(page_footer(text(lang, "workbook.page_footer", page="&P", pages="&N")))
    # No password, as the templates and the appraisal workbook: the lock guards the candidates against slips.
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    identity = {
        "format": TALLY_FORMAT, "tally_version": "1", "kind": "tally", "bloc": rules.bloc,
        "year": str(rules.year), "revision": str(rules.revision), "fingerprint": rules.fingerprint,
        "language": lang, "sheet": name, "members": str(members),
    }
    for award in rules.vote.awards if rules.vote else ():
        codes = [p.unit_code for p in groups.get(award, [])]
        identity[f"{TALLY_CANDIDATES}{award}"] = json.dumps(codes, ensure_ascii=False)
    write_identity(book, IDENTITY_SHEET, identity, key)
    sheet.activate()
    book.close()
    return path


def _count_rule(lang: str, low: int, high: int | str, key: str) -> dict[str, object]:
    """A whole number from `low` to `high` (a number, or a formula such as the members present)."""
    shown = high if isinstance(high, int) else text(lang, "vote.column_present")
    message = f"{text(lang, f'vote.column_{key}')}: {low} … {shown}"
    return {"validate": "integer", "criteria": "between", "minimum": low, "maximum": high,
            "input_title": text(lang, f"vote.column_{key}")[:32], "input_message": message[:255],
            "error_title": text(lang, f"vote.column_{key}")[:32], "error_message": message[:255],
            "error_type": "stop"}


def _at(address: str) -> tuple[int, int]:
    found = parse_address(address)
    assert found is not None
    return found


def _unit_name(result: RunResult, code: str) -> str:
    unit = result.rules.unit(code)
    return unit.name if unit else code


# Version 2's layout: the members' list from Excel row 19, the candidates' table's header three rows under it.
FIRST_MEMBER_ROW = 19


def candidate_row(members: int, index: int = 0) -> int:
    """The Excel row of the `index`-th candidate in a version 2 tally of a bloc of `members` units."""
    return FIRST_MEMBER_ROW + members + 3 + index


def count_cells(members: int, present: int, counts: list[tuple[int, int, int]],
                ballots: tuple[int, int, int, int] | None = None) -> dict[str, object]:
    """The cells a counting committee fills in a version 2 tally, as `builders.edit` takes them: the first
    `present` members marked x, the ballots (every one issued, returned and valid unless given), and each
    candidate's (agree, disagree, invalid) in table order."""
    issued = ballots or (present, present, present, 0)
    cells: dict[str, object] = {f"D{FIRST_MEMBER_ROW + i}": "x" for i in range(present)}
    cells |= dict(zip(("C7", "C8", "C9", "C10"), issued, strict=True))
    for index, (agree, against, spoilt) in enumerate(counts):
        row = candidate_row(members, index)
        cells |= {f"F{row}": agree, f"G{row}": against, f"H{row}": spoilt}
    return cells
