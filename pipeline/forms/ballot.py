"""The ballot papers (one A4 page per voter) and the tally workbook the counting committee fills in.

Both are made from a run's proposals: the candidates of each voted award are its proposed units, every unit
tied at the boundary of its places included (vote.candidates). The tally is protected like the appraisal
workbook, its count cells validated, and its identity names the candidates it was made for, so a tally
saved into the input folder after the proposals changed is reported (vote.py, `tally-other-run`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
    write_identity,
    write_value,
)
from pipeline.procedure.vote import candidates
from pipeline.rules.layout import (
    IDENTITY_SHEET,
    TALLY_CANDIDATES,
    TALLY_DATE_CELL,
    TALLY_FORMAT,
    TALLY_HEADER_ROW,
    TALLY_KEYS,
    TALLY_PLACE_CELL,
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
# Ballot columns: number, unit, agree, disagree; narrow enough for A4 portrait at 100 % (no fit-to-page, which
# Excel and LibreOffice let override the manual page break after each paper).
BALLOT_WIDTHS = (6, 34, 11, 11)
TALLY_WIDTHS = {"award": 28, "code": 10, "unit": 40, "rank": 9, "total": 10, "present": 13, "votes": 13}
SMALL = 11
CANDIDATE_LINES = 2  # a candidate's row is two lines tall: room to tick its boxes
# The height of A4 portrait between the margins and above the footer, in points: a paper taller than this is
# printed smaller (every paper alike), so it still takes one page per voter.
PRINTABLE_HEIGHT = 842 - 2 * 0.6 * 72 - 30


@dataclass(frozen=True)
class Ballots:
    """What `make_ballots` wrote: the papers, the tally, and how many papers."""

    ballots: Path
    tally: Path
    voters: int
    kept_previous: tuple[Path, ...] = ()


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
    kept = write_all_keeping_previous([(ballots, lambda path: write_ballots(result, path, voters=count, lang=lang)),
                                       (tally, lambda path: write_tally(result, path, lang=lang, key=key))], lang)
    return Ballots(ballots, tally, count, tuple(kept.values()))


def write_ballots(result: RunResult, path: str | Path, *, voters: int, lang: str) -> Path:
    """`voters` identical ballot papers on one sheet, a manual page break after each: one A4 page per voter."""
    rules = result.rules
    path = Path(path)
    book = new_workbook(path, {"title": text(lang, "vote.ballot_title"), "author": rules.bloc,
                               "created": _FIXED_DATE})
    fmt = Formats(book, text_wrap=True)
    sheet = book.add_worksheet(text(lang, "vote.ballot_title").title()[:31])
    for column, width in enumerate(BALLOT_WIDTHS):
        sheet.set_column(column, column, width)
    groups = ballot_candidates(result)
    starts = []
    row = 0
    for _ in range(voters):
        starts.append(row)
        row = _ballot(sheet, fmt, result, groups, row, lang) + 1
    sheet.set_h_pagebreaks(starts[1:])
    sheet.set_portrait()
    sheet.set_paper(A4)
    sheet.set_margins(left=0.6, right=0.6, top=0.6, bottom=0.6)
    sheet.set_print_scale(ballot_scale(groups))
    sheet.center_horizontally()
    sheet.set_footer(page_footer(text(lang, "vote.ballot_footer", page="&P", pages="&N")))
    sheet.print_area(0, 0, max(row - 1, 0), len(BALLOT_WIDTHS) - 1)
    sheet.hide_gridlines(2)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    book.close()
    return path


def ballot_scale(groups: dict[str, list[RankedUnit]]) -> int:
    """The print scale (percent) that keeps one paper on one page: 100 unless its rows are taller than A4."""
    lines = 12 + sum(3 + CANDIDATE_LINES * len(found) for found in groups.values())  # heading rows and blanks
    needed = row_height(1) * lines
    return max(40, min(100, int(100 * PRINTABLE_HEIGHT / needed)))


def _ballot(sheet: Worksheet, fmt: Formats, result: RunResult, groups: dict[str, list[RankedUnit]], row: int,
            lang: str) -> int:
    """One ballot paper from `row`; returns its last row."""
    rules = result.rules
    last = len(BALLOT_WIDTHS) - 1
    width = sum(BALLOT_WIDTHS)
    sheet.merge_range(row, 0, row, last, rules.issuer.upper(), fmt.get(bold=True, align="center"))
    fit_row(sheet, row, [(rules.issuer.upper(), width)], bold=True)
    sheet.merge_range(row + 2, 0, row + 2, last, text(lang, "vote.ballot_title"),
                      fmt.get(bold=True, font_size=16, align="center"))
    sheet.set_row(row + 2, 26)
    subtitle = text(lang, "vote.ballot_subtitle", year=rules.year)
    sheet.merge_range(row + 3, 0, row + 3, last, subtitle, fmt.get(italic=True, align="center"))
    fit_row(sheet, row + 3, [(subtitle, width)])
    instructions = text(lang, "vote.ballot_instructions")
    sheet.merge_range(row + 5, 0, row + 5, last, instructions, fmt.get(italic=True, font_size=SMALL))
    fit_row(sheet, row + 5, [(instructions, at_size(width, SMALL))], size=SMALL)
    row += 7
    header = fmt.get(bold=True, align="center", border=1, bg_color="#F2F2F2")
    labels = [text(lang, f"vote.column_{key}") for key in ("number", "unit", "agree", "disagree")]
    for award, found in groups.items():
        heading = text(lang, "vote.ballot_award", award=award_name(rules, award, lang), places=found[0].places)
        sheet.merge_range(row, 0, row, last, heading, fmt.get(bold=True))
        fit_row(sheet, row, [(heading, width)], bold=True)
        row += 1
        for column, label in enumerate(labels):
            sheet.write_string(row, column, label, header)
        row += 1
        for number, placed in enumerate(found, start=1):
            name = _unit_name(result, placed.unit_code)
            sheet.write_number(row, 0, number, fmt.get(align="center", border=1))
            sheet.write_string(row, 1, name, fmt.get(border=1))
            sheet.write_blank(row, 2, None, fmt.get(border=1))
            sheet.write_blank(row, 3, None, fmt.get(border=1))
            fit_row(sheet, row, [(name, BALLOT_WIDTHS[1])], minimum=CANDIDATE_LINES)
            row += 1
        row += 1
    return row


def write_tally(result: RunResult, path: str | Path, *, lang: str, counts: Mapping[str, tuple[int, int]] | None = None,
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
    labels = [text(lang, f"vote.column_{key}") for key in TALLY_KEYS]
    for column, label in enumerate(labels):
        sheet.write_string(TALLY_HEADER_ROW, column, label, header)
    fit_row(sheet, TALLY_HEADER_ROW, list(zip(labels, widths, strict=True)), bold=True, minimum=2)
    members = len(rules.units)
    row = TALLY_HEADER_ROW + 1
    groups = ballot_candidates(result)
    number = "0" if rules.decimals == 0 else "0." + "0" * rules.decimals
    present_column, votes_column = TALLY_KEYS.index("present"), TALLY_KEYS.index("votes")
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
        "format": TALLY_FORMAT, "tally_version": str(TALLY_VERSION), "kind": "tally", "bloc": rules.bloc,
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

