"""The secret ballot papers (identical, several to an A4 page) and the tally workbook the counting committee fills in.

Both are made from a run's proposals: the candidates of each voted award are its proposed units, every unit
tied at the boundary of its places included (vote.candidates). The tally is protected like the appraisal
workbook, its count cells validated, and its identity names the candidates it was made for, so a tally
saved into the input folder after the proposals changed is reported (vote.py, `tally-other-run`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipeline.core.cells import parse_address
from pipeline.core.errors import BlocScoreError, ExitCode
from pipeline.core.labels import text
from pipeline.outputs.write import write_all_keeping_previous
from pipeline.outputs.xlsx import (
    A4,
    Formats,
    at_size,
    fit_row,
    new_workbook,
    page_footer,
    row_height,
    wrapped_lines,
    write_identity,
    write_value,
)
from pipeline.procedure.vote import candidates
from pipeline.rules.layout import (
    IDENTITY_SHEET,
    TALLY_BALLOT_CELLS,
    TALLY_CANDIDATES,
    TALLY_COMMITTEE_CELLS,
    TALLY_DATE_CELL,
    TALLY_FORMAT,
    TALLY_HEAD_CELL,
    TALLY_KEYS,
    TALLY_MEMBER_KEYS,
    TALLY_MEMBERS_ROW,
    TALLY_PLACE_CELL,
    TALLY_PRESENT_CELL,
    TALLY_TIME_CELL,
    TALLY_VERSION,
    ballots_filename,
    tally_filename,
)
from pipeline.rules.model import Rules
from pipeline.rules.seal import SealKey
from pipeline.run import RunOptions, RunResult, run
from pipeline.scoring.rank import RankedUnit, award_name
from pipeline.workspace.folders import Workspace
from pipeline.workspace.seal_keys import BlocKey, bloc_key

_FIXED_DATE = datetime(2000, 1, 1)
# Ballot columns: number, unit, agree, disagree; A4 portrait at 100 %, several papers to a page.
BALLOT_WIDTHS = (6, 36, 12, 12)
TALLY_WIDTHS = {"award": 28, "code": 10, "unit": 40, "rank": 9, "total": 10, "votes": 13, "against": 13,
                "spoilt": 13}
SMALL = 11
CANDIDATE_LINES = 2  # a candidate's row is two lines tall: room to mark its boxes
MARGIN = 0.5  # inches, all four sides of a ballot page
# The height of A4 portrait between the margins, in points, less a little for the programs' own rounding of
# row heights: papers are stacked on a page while their rows fit in it.
PRINTABLE_HEIGHT = (842 - 2 * MARGIN * 72) * 0.96
CUT_ROWS = (10.0, 10.0)  # between two papers on a page: a dashed cut line at the first row's foot, a gap
STAMP_ROWS = 4  # the stamp's box, top right, as tall as the header's four rows
HEADER_ROW_HEIGHT = 16.0


@dataclass(frozen=True)
class Ballots:
    """What `make_ballots` wrote: the papers, the tally, and how many papers."""

    ballots: Path
    tally: Path
    voters: int
    kept_previous: tuple[Path, ...] = ()
    per_page: int = 1  # identical papers printed on one A4 page


@dataclass(frozen=True)
class BallotPapers:
    """What `ballot_papers` found and made: the run it took the candidates from, and the papers, unless there
    was no candidate to vote on."""

    result: RunResult
    made: Ballots | None
    key: BlocKey | None = None  # the bloc's key the tally is sealed with (made now when there was none)

    @property
    def exit_code(self) -> ExitCode:
        """Provisional candidates, or none, are done with problems: the secretary is told why."""
        return ExitCode.PROBLEMS if self.made is None or self.result.provisional else ExitCode.DONE


def ballot_papers(rules: Rules, workspace: Workspace, *, voters: int | None = None,
                  lang: str | None = None) -> BallotPapers:
    """`bloc-score ballot`: the ballot papers and the tally for the awards the rules put to the vote, their
    candidates the current run's proposals. Raises BlocScoreError when the rules put nothing to the vote."""
    lang = lang or rules.language
    if rules.vote is None:
        raise BlocScoreError(text(lang, "vote.ballot_nothing"))
    result = run(rules, workspace, RunOptions(lang=lang))
    if not ballot_candidates(result):
        return BallotPapers(result, None)
    key = bloc_key(workspace.records_to, lang)
    return BallotPapers(result, make_ballots(result, workspace.written_to, voters=voters, lang=lang,
                                             records=workspace.records_to, key=key.key), key)


def ballot_candidates(result: RunResult) -> dict[str, list[RankedUnit]]:
    """The voted awards that have candidates, each with its candidates in ranking order."""
    return {award: found for award, found in candidates(result.rules, result.ranked).items() if found}


def make_ballots(result: RunResult, output_dir: str | Path, *, voters: int | None = None,
                 lang: str | None = None, records: str | Path | None = None, key: SealKey | None = None) -> Ballots:
    """Write ballots-<year>.xlsx into `output_dir` and tally-<year>.xlsx, the bloc's record, into `records`
    (default: `output_dir`); earlier ones move to previous/ in their folder."""
    lang = lang or result.lang
    out = Path(output_dir)
    count = voters if voters is not None else len(result.rules.units)
    ballots = out / ballots_filename(result.rules)
    tally = Path(records if records is not None else output_dir) / tally_filename(result.rules)
    height = paper_height(result, lang)  # laid out once: the papers' pages and the message both need it
    kept = write_all_keeping_previous([(ballots, lambda path: write_ballots(result, path, voters=count, lang=lang,
                                                                            height=height)),
                                       (tally, lambda path: write_tally(result, path, lang=lang, key=key))], lang)
    return Ballots(ballots, tally, count, tuple(kept.values()), papers_per_page(height))


def write_ballots(result: RunResult, path: str | Path, *, voters: int, lang: str,
                  height: float | None = None) -> Path:
    """`voters` identical secret ballot papers on one sheet, as many to an A4 page as fit: nothing on a paper
    (no number, no page footer) tells one from another. A dashed cut line parts two papers on a page, a manual
    page break two pages; a paper is never split across pages. `height`: one paper's, if the caller has it."""
    rules = result.rules
    path = Path(path)
    book = new_workbook(path, {"title": text(lang, "vote.ballot_title"), "author": rules.bloc,
                               "created": _FIXED_DATE})
    fmt = Formats(book, text_wrap=True)
    sheet = book.add_worksheet(re.sub(r"[][:*?/\\]", "", text(lang, "vote.ballot_title")).title()[:31])
    for column, width in enumerate(BALLOT_WIDTHS):
        sheet.set_column(column, column, width)
    groups = ballot_candidates(result)
    height = height if height is not None else paper_height(result, lang)
    per_page = papers_per_page(height)
    breaks = []
    row = 0
    last = len(BALLOT_WIDTHS) - 1
    cut = fmt.get(bottom=3)
    for number in range(voters):
        if number and number % per_page == 0:
            breaks.append(row)
        row = _ballot(sheet, fmt, result, groups, row, lang)[0]
        if number + 1 < voters and (number + 1) % per_page:
            for column in range(last + 1):
                sheet.write_blank(row, column, None, cut)
            sheet.set_row(row, CUT_ROWS[0])
            sheet.set_row(row + 1, CUT_ROWS[1])
            row += len(CUT_ROWS)
    if breaks:
        sheet.set_h_pagebreaks(breaks)
    sheet.set_portrait()
    sheet.set_paper(A4)
    sheet.set_margins(left=MARGIN, right=MARGIN, top=MARGIN, bottom=MARGIN)
    sheet.set_print_scale(ballot_scale(height))
    sheet.center_horizontally()
    sheet.print_area(0, 0, max(row - 1, 0), last)
    sheet.hide_gridlines(2)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    book.close()
    return path


def paper_height(result: RunResult, lang: str) -> float:
    """One ballot paper's height in points, its rows as `_ballot` sets them."""
    # A scratch sheet in memory to lay one paper out on, the same code as the real ones.
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    sheet = book.add_worksheet()
    heights = _ballot(sheet, Formats(book, text_wrap=True), result, ballot_candidates(result), 0, lang)[1]
    book.close()
    return sum(heights)


def papers_per_page(height: float) -> int:
    """How many papers `height` points tall, with a cut line between two, fit on one A4 page (at least one)."""
    gap = sum(CUT_ROWS)
    return max(1, int((PRINTABLE_HEIGHT + gap) // (height + gap)))


def ballot_scale(height: float) -> int:
    """The print scale (percent) that keeps one paper on one page: 100 unless it is taller than A4."""
    return max(40, min(100, int(100 * PRINTABLE_HEIGHT / height)))


def _ballot(sheet: Worksheet, fmt: Formats, result: RunResult, groups: dict[str, list[RankedUnit]], row: int,
            lang: str) -> tuple[int, list[float]]:
    """One ballot paper from `row`; returns the row after it and the heights of its rows, every one set."""
    rules = result.rules
    heights: list[float] = []

    def height(at: int, points: float) -> None:
        sheet.set_row(at, points)
        heights.append(points)

    def fitted(at: int, cells: list[tuple[str, float]], *, size: float = 12, bold: bool = False,
               minimum: int = 1) -> None:
        lines = max([minimum, *(wrapped_lines(value, width, size, bold) for value, width in cells)])
        height(at, row_height(lines, size))

    last = len(BALLOT_WIDTHS) - 1
    width = sum(BALLOT_WIDTHS)
    left = BALLOT_WIDTHS[0] + BALLOT_WIDTHS[1]
    # The issuer top left (the body above it first, if any); the stamp's box top right.
    party = rules.header == "party"
    lines = [(rules.parent.upper(), False)] if rules.parent else []
    lines += [(rules.issuer.upper(), True), ("*" if party else "", False)]
    lines += [("", False)] * (STAMP_ROWS - len(lines))
    for offset, (value, bold) in enumerate(lines[:STAMP_ROWS]):
        sheet.merge_range(row + offset, 0, row + offset, 1, value, fmt.get(bold=bold, align="center",
                                                                           valign="vcenter", font_size=SMALL))
        fitted(row + offset, [(value, at_size(left, SMALL))], size=SMALL, bold=bold)
        heights[-1] = max(heights[-1], HEADER_ROW_HEIGHT)
        sheet.set_row(row + offset, heights[-1])
    sheet.merge_range(row, 2, row + STAMP_ROWS - 1, last, text(lang, "vote.ballot_stamp"),
                      fmt.get(border=1, align="center", valign="top", font_size=9, font_color="#808080",
                              italic=True))
    row += STAMP_ROWS
    title = text(lang, "vote.ballot_title")
    sheet.merge_range(row, 0, row, last, title, fmt.get(bold=True, font_size=14, align="center", valign="bottom"))
    height(row, row_height(1, 14) + 6)  # a little air under the stamp's box
    row += 1
    awards = ", ".join(award_name(rules, award, lang) for award in groups)
    subtitle = text(lang, "vote.ballot_subtitle", awards=awards, year=rules.year)
    sheet.merge_range(row, 0, row, last, subtitle, fmt.get(bold=True, align="center"))
    fitted(row, [(subtitle, width)], bold=True)
    row += 1
    instructions = text(lang, "vote.ballot_instructions")
    sheet.merge_range(row, 0, row, last, instructions, fmt.get(italic=True, font_size=SMALL, align="justify"))
    fitted(row, [(instructions, at_size(width, SMALL))], size=SMALL)
    row += 1
    header = fmt.get(bold=True, align="center", valign="vcenter", border=1, bg_color="#F2F2F2")
    labels = [text(lang, f"vote.column_{key}") for key in ("number", "unit", "agree", "disagree")]
    for index, (award, found) in enumerate(groups.items(), start=1):
        heading = text(lang, "vote.ballot_award", number=index, award=award_name(rules, award, lang),
                       places=found[0].places)
        sheet.merge_range(row, 0, row, last, heading, fmt.get(bold=True, valign="bottom"))
        fitted(row, [(heading, width)], bold=True)
        row += 1
        for column, label in enumerate(labels):
            sheet.write_string(row, column, label, header)
        fitted(row, list(zip(labels, BALLOT_WIDTHS, strict=True)), bold=True)
        row += 1
        for number, placed in enumerate(found, start=1):
            name = _unit_name(result, placed.unit_code)
            sheet.write_number(row, 0, number, fmt.get(align="center", valign="vcenter", border=1))
            sheet.write_string(row, 1, name, fmt.get(border=1, valign="vcenter"))
            sheet.write_blank(row, 2, None, fmt.get(border=1))
            sheet.write_blank(row, 3, None, fmt.get(border=1))
            fitted(row, [(name, BALLOT_WIDTHS[1])], minimum=CANDIDATE_LINES)
            row += 1
    return row, heights


def write_tally(result: RunResult, path: str | Path, *, lang: str,
                counts: Mapping[str, tuple[int, int, int]] | None = None, place: str = "",
                date: dt.date | None = None, key: SealKey | None = None, time: str = "",
                present: Sequence[str] = (), ballots: tuple[int, int, int, int] | None = None, head: str = "",
                committee: Sequence[str] = ()) -> Path:
    """The tally (format version 2): the count once, at the top — place, date, start time, the ballots issued,
    returned, valid and invalid, the members present (an x beside each member unit, counted by a locked
    formula), the counting committee by name — then one row per award and candidate, its agree, disagree and
    invalid votes the only cells to fill. Every count cell is validated.

    The other arguments pre-fill it, as a counting committee would (the example's filled tally): `counts`
    unit → (agree, disagree, invalid for it), `present` the member units marked present, `ballots` (issued,
    returned, valid, invalid).
    """
    counts = counts or {}
    rules = result.rules
    path = Path(path)
    book = new_workbook(path, {"title": text(lang, "vote.tally_title", year=rules.year), "author": rules.bloc,
                               "created": _FIXED_DATE})
    fmt = Formats(book, text_wrap=True)
    name = text(lang, "vote.tally_sheet")
    sheet = book.add_worksheet(name)
    widths = [TALLY_WIDTHS[key] for key in TALLY_KEYS]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    last = len(TALLY_KEYS) - 1
    title = text(lang, "vote.tally_title", year=rules.year)
    sheet.merge_range(0, 0, 0, last, title, fmt.get(bold=True, font_size=14))
    sheet.merge_range(1, 0, 1, last, rules.bloc, fmt.get(italic=True))
    instructions = text(lang, "vote.tally_instructions")
    sheet.merge_range(2, 0, 2, last, instructions, fmt.get(italic=True, font_size=SMALL))
    fit_row(sheet, 2, [(instructions, at_size(sum(widths), SMALL))], size=SMALL)
    entry = fmt.get(border=1, locked=False, bg_color="#FFF9E6", align="center")
    name_entry = fmt.get(border=1, locked=False, bg_color="#FFF9E6")
    label_format = fmt.get(bold=True, align="right", valign="top", text_wrap=False)

    def label(address: str, key: str, rows: int = 1) -> None:
        """The label spans the columns left of the entry cell, on one line."""
        row, column = _at(address)
        if rows == 1:
            sheet.merge_range(row, 0, row, column - 1, text(lang, key), label_format)
        else:
            sheet.merge_range(row, 0, row + rows - 1, column - 1, text(lang, key), label_format)
        for offset in range(rows):
            sheet.set_row(row + offset, 20)

    label(TALLY_PLACE_CELL, "vote.tally_place")
    label(TALLY_DATE_CELL, "vote.tally_date")
    label(TALLY_TIME_CELL, "vote.tally_time")
    write_value(sheet, *_at(TALLY_PLACE_CELL), place, entry, entry)
    if date is None:
        sheet.write_blank(*_at(TALLY_DATE_CELL), None, entry)
    else:
        sheet.write_datetime(TALLY_DATE_CELL, dt.datetime.combine(date, dt.time()),
                             fmt.get(border=1, locked=False, bg_color="#FFF9E6", align="center",
                                     num_format="dd/mm/yyyy"))
    write_value(sheet, *_at(TALLY_TIME_CELL), time, entry, entry)
    members = list(rules.units)
    first_member = TALLY_MEMBERS_ROW + 1
    marks = f"D{first_member + 1}:D{first_member + len(members)}"
    present_title = text(lang, "vote.tally_present").rstrip(":")
    high = {"issued": (TALLY_PRESENT_CELL, present_title), "returned": (TALLY_BALLOT_CELLS["issued"], "issued"),
            "valid": (TALLY_BALLOT_CELLS["returned"], "returned"),
            "invalid": (TALLY_BALLOT_CELLS["returned"], "returned")}
    for index, (field_key, address) in enumerate(TALLY_BALLOT_CELLS.items()):
        label(address, f"vote.tally_{field_key}")
        write_value(sheet, *_at(address), ballots[index] if ballots else None, entry, entry)
        limit, shown = high[field_key]
        shown = shown if shown == present_title else text(lang, f"vote.tally_{shown}").rstrip(":")
        sheet.data_validation(address, _count_rule(lang, text(lang, f"vote.tally_{field_key}").rstrip(":"), 0,
                                                   f"={limit}", shown))
    label(TALLY_PRESENT_CELL, "vote.tally_present")
    marked = set(present)
    sheet.write_formula(TALLY_PRESENT_CELL, f'=COUNTIF({marks},"x")',
                        fmt.get(border=1, bold=True, align="center", bg_color="#EDEDED"),
                        sum(1 for unit in members if unit.code in marked))
    label(TALLY_HEAD_CELL, "vote.tally_head")
    write_value(sheet, *_at(TALLY_HEAD_CELL), head, name_entry, name_entry)
    label(TALLY_COMMITTEE_CELLS[0], "vote.tally_committee", len(TALLY_COMMITTEE_CELLS))
    for index, address in enumerate(TALLY_COMMITTEE_CELLS):
        write_value(sheet, *_at(address), committee[index] if index < len(committee) else "", name_entry,
                    name_entry)
    # The members' list: every member unit, a cell to mark it present.
    header = fmt.get(bold=True, align="center", valign="vcenter", border=1, bg_color="#D9E1F2")
    section = fmt.get(bold=True, text_wrap=False)
    sheet.write_string(TALLY_MEMBERS_ROW - 1, 0, text(lang, "vote.tally_members"), section)
    sheet.set_row(TALLY_MEMBERS_ROW - 1, 24)
    member_labels = [text(lang, f"vote.column_{key}") for key in TALLY_MEMBER_KEYS]
    for column, value in enumerate(member_labels):
        sheet.write_string(TALLY_MEMBERS_ROW, column, value, header)
    fit_row(sheet, TALLY_MEMBERS_ROW, list(zip(member_labels, widths, strict=False)), bold=True)
    mark_rule = text(lang, "vote.tally_mark_rule")
    sheet.data_validation(marks, {"validate": "list", "source": ["x"], "input_title":
                                  text(lang, "vote.column_mark")[:32], "input_message": mark_rule[:255],
                                  "error_title": text(lang, "vote.column_mark")[:32],
                                  "error_message": mark_rule[:255], "error_type": "stop"})
    for offset, unit in enumerate(members):
        row = first_member + offset
        sheet.write_number(row, 0, offset + 1, fmt.get(border=1, align="center"))
        sheet.write_string(row, 1, unit.code, fmt.get(border=1, align="center"))
        sheet.write_string(row, 2, unit.name, fmt.get(border=1))
        write_value(sheet, row, 3, "x" if unit.code in marked else None, entry, entry)
        fit_row(sheet, row, [(unit.name, TALLY_WIDTHS["unit"])])
    # The candidates' table, under the members' list.
    row = first_member + len(members) + 1
    sheet.write_string(row, 0, text(lang, "vote.tally_candidates"), section)
    sheet.set_row(row, 24)
    table_header = row + 1
    labels = [text(lang, f"vote.column_{key}") for key in TALLY_KEYS]
    for column, value in enumerate(labels):
        sheet.write_string(table_header, column, value, header)
    fit_row(sheet, table_header, list(zip(labels, widths, strict=True)), bold=True, minimum=2)
    row = table_header + 1
    groups = ballot_candidates(result)
    number = "0" if rules.decimals == 0 else "0." + "0" * rules.decimals
    valid = "$" + TALLY_BALLOT_CELLS["valid"][0] + "$" + TALLY_BALLOT_CELLS["valid"][1:]
    valid_title = text(lang, "vote.tally_valid").rstrip(":")
    for award, found in groups.items():
        award_label_text = award_name(rules, award, lang)
        for placed in found:
            unit_name = _unit_name(result, placed.unit_code)
            sheet.write_string(row, 0, award_label_text, fmt.get(border=1, font_size=SMALL))
            sheet.write_string(row, 1, placed.unit_code, fmt.get(border=1, align="center"))
            sheet.write_string(row, 2, unit_name, fmt.get(border=1))
            sheet.write_number(row, 3, placed.rank, fmt.get(border=1, align="center"))
            sheet.write_number(row, 4, float(placed.score.total), fmt.get(border=1, align="center",
                                                                          num_format=number))
            written = counts.get(placed.unit_code, (None, None, None))
            for offset, column_key in enumerate(("votes", "against", "spoilt")):
                column = TALLY_KEYS.index(column_key)
                write_value(sheet, row, column, written[offset], entry, entry)
                sheet.data_validation(row, column, row, column, _count_rule(
                    lang, text(lang, f"vote.column_{column_key}"), 0, f"={valid}", valid_title))
            fit_row(sheet, row, [(award_label_text, at_size(TALLY_WIDTHS["award"], SMALL)),
                                 (unit_name, TALLY_WIDTHS["unit"])])
            row += 1
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(page_footer(text(lang, "workbook.page_footer", page="&P", pages="&N")))
    # No password, as the templates and the appraisal workbook: the lock guards the candidates against slips.
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    identity = {
        "format": TALLY_FORMAT, "tally_version": str(TALLY_VERSION), "kind": "tally", "bloc": rules.bloc,
        "year": str(rules.year), "revision": str(rules.revision), "fingerprint": rules.fingerprint,
        "language": lang, "sheet": name, "members": str(len(members)),
    }
    for award in rules.vote.awards if rules.vote else ():
        codes = [p.unit_code for p in groups.get(award, [])]
        identity[f"{TALLY_CANDIDATES}{award}"] = json.dumps(codes, ensure_ascii=False)
    write_identity(book, IDENTITY_SHEET, identity, key)
    sheet.activate()
    book.close()
    return path


def _count_rule(lang: str, title: str, low: int, high: str, shown: str) -> dict[str, object]:
    """A whole number from `low` to `high`, a formula (another cell of the count, `shown` by its label)."""
    message = text(lang, "vote.tally_count_rule", what=title, low=low, high=shown)
    return {"validate": "integer", "criteria": "between", "minimum": low, "maximum": high,
            "input_title": title[:32], "input_message": message[:255],
            "error_title": title[:32], "error_message": message[:255], "error_type": "stop"}


def _at(address: str) -> tuple[int, int]:
    found = parse_address(address)
    assert found is not None
    return found


def _unit_name(result: RunResult, code: str) -> str:
    unit = result.rules.unit(code)
    return unit.name if unit else code

