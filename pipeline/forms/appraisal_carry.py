"""What a new appraisal or cross-scoring workbook carries over from the earlier one: the bloc's, in its own
folder; a unit's peer workbook, returned into the input folder.

Remaking a workbook (a unit resubmitted, the rules changed) keeps what the bloc or a scoring unit already
wrote, read from the returned workbook itself, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.issues import Issue
from pipeline.core.numbers import CellNote, Parsed, parse_score
from pipeline.reading.read import Submission
from pipeline.run import RunResult


@dataclass(frozen=True)
class Appraised:
    """What the bloc wrote on one criterion: the appraised score (blank keeps the self-score) and why."""

    value: object = None  # a number, "N/A", or what was typed
    reason: str = ""


def carried_appraisals(result: RunResult) -> dict[str, dict[str, Appraised]]:
    """The appraisals in the bloc's appraisal workbook (the one the run used): unit → criterion → appraisal.

    Read from the workbook itself, so a unit whose file went missing keeps its appraisals on record; a unit two
    workbooks appraise differently carries none until the bloc keeps one of them.
    """
    book = next((s for s in result.submissions if s.file == result.validation.appraisal_file), None)
    conflicting = {i.unit for i in result.issues if i.code == "appraisal-conflict"}
    return _carried(result, book, conflicting)


def carried_peer_scores(result: RunResult, scorer: str) -> dict[str, dict[str, Appraised]]:
    """The peer scores `scorer`'s workbook in the input folder gives (the one the run used): unit → criterion."""
    return _carried(result, result.validation.peer_books.get(scorer), {scorer})


def _carried(result: RunResult, book: Submission | None, skipped: set[str | None]) -> dict[str, dict[str, Appraised]]:
    """What `book` holds, unit → criterion → entry, leaving out the units in `skipped`."""
    if book is None or book.appraisal is None:
        return {}
    criteria = {c.code for c in result.rules.criteria()}
    carried: dict[str, dict[str, Appraised]] = {}
    for unit_code, sheet in book.appraisal.sheets.items():
        if unit_code in skipped or result.rules.unit(unit_code) is None:
            continue
        for row in sheet.rows:
            found = carried.setdefault(unit_code, {})
            if row.code not in criteria or row.code in found:
                continue
            blank = parse_score(row.appraised)[0] is Parsed.BLANK
            if not blank or row.reason:
                value = row.appraised.shown if isinstance(row.appraised, CellNote) else row.appraised
                found[row.code] = Appraised(None if blank else value, row.reason)
    for unit_code, held in book.appraisal.held.items():  # typed before the unit's file broke: never dropped
        if unit_code not in skipped and result.rules.unit(unit_code) is not None and not carried.get(unit_code):
            carried[unit_code] = {code: Appraised(value, reason) for code, (value, reason) in held.items()
                                  if code in criteria}
    return {unit: found for unit, found in carried.items() if found}


def appraisal_issues(result: RunResult) -> list[Issue]:
    """The run's problems with appraisal workbooks, for the command to show before remaking one."""
    books = {s.file for s in result.submissions if s.appraisal is not None}
    return [i for i in result.issues if i.file in books or i.code.startswith(("appraisal-", "peer-"))]
