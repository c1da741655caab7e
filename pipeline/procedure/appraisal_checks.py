"""The bloc's appraisal workbook in a run: which one counts, its rows as entries, reasons and staleness."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.core.cells import cell_address
from pipeline.core.issues import Issue
from pipeline.core.labels import LANGUAGES, text
from pipeline.core.numbers import Parsed, parse_score
from pipeline.core.text import clean
from pipeline.reading.bloc_books import AppraisalRow, AppraisalSheet
from pipeline.reading.identify import check_template, distinct_copies
from pipeline.reading.read import Submission
from pipeline.rules.layout import appraisal_filename
from pipeline.rules.model import Rules

AppraisalUse = tuple[Submission, AppraisalSheet]


def choose_appraisals(rules: Rules, books: list[Submission], issues: list[Issue]
                ) -> tuple[Submission | None, dict[str, AppraisalUse], bool]:
    """Which appraisal workbook counts, and each unit's sheet in it.

    The same workbook twice is used once; two that appraise a unit differently are both set aside for
    that unit, which then waits for the bloc to keep one. Returns the first usable workbook, the sheet
    used for each unit, and whether a workbook was found that cannot be used at all.
    """
    usable: list[Submission] = []
    unusable = False
    for book in sorted(books, key=lambda s: s.file):
        before = len(book.issues)
        check_template(rules, book, template=appraisal_filename(rules))
        issues += book.issues[before:]
        if any(i.severity == "error" for i in book.issues):
            unusable = True
        else:
            usable.append(book)
    chosen = distinct_copies(usable, "appraisal-duplicate", issues)
    if not chosen:
        return None, {}, unusable
    used: dict[str, AppraisalUse] = {}
    first = chosen[0]
    assert first.appraisal is not None
    codes = dict.fromkeys(code for book in chosen if book.appraisal for code in book.appraisal.sheets)
    reported: set[str] = set()
    for unit_code in codes:
        holders = [(book, book.appraisal.sheets[unit_code]) for book in chosen
                   if book.appraisal and unit_code in book.appraisal.sheets]
        conflict = None
        for book, sheet in holders[1:]:
            where = first_difference(holders[0][1], sheet)
            if where is not None:
                conflict = (book, where)
                break
        if conflict is None:
            used[unit_code] = holders[0]
            continue
        book, (sheet_name, cell) = conflict
        issues.append(Issue("appraisal-conflict", file=holders[0][0].file, sheet=sheet_name, cell=cell,
                            unit=unit_code, params={"other": book.file}))
        reported.add(book.file)
    for book in chosen[1:]:
        if book.file not in reported:  # another save of the same appraisals (LibreOffice's, say)
            issues.append(Issue("appraisal-duplicate", file=book.file, params={"other": first.file}))
    return first, used, unusable


def _appraisal_key(row: AppraisalRow) -> tuple[tuple[str, Any], str]:
    return score_identity(row.appraised), row.reason


def first_difference(mine: AppraisalSheet, theirs: AppraisalSheet) -> tuple[str, str] | None:
    """The first (sheet, cell) where two sheets of one unit appraise differently, or None when they agree.

    The cell is the second workbook's appraised score or reason, or the first's where the second lacks the row.
    """
    own = {row.code: row for row in mine.rows}
    other = {row.code: row for row in theirs.rows}
    blank = (score_identity(None), "")
    for code in dict.fromkeys([*own, *other]):
        mine_row, their_row = own.get(code), other.get(code)
        mine_key = _appraisal_key(mine_row) if mine_row else blank
        their_key = _appraisal_key(their_row) if their_row else blank
        if mine_key == their_key:
            continue
        sheet, row = (theirs, their_row) if their_row is not None else (mine, mine_row)
        assert row is not None
        column = sheet.columns["appraised"] if mine_key[0] != their_key[0] else sheet.columns.get("reason", 0)
        return sheet.sheet, cell_address(row.row, column)
    return None


def score_identity(raw: Any) -> tuple[str, Any]:
    """What a score cell says, for comparing two cells: a number, N/A, blank, or the text typed."""
    kind, value = parse_score(raw)
    if value is not None:
        return "number", value
    if kind in (Parsed.BLANK, Parsed.NOT_APPLICABLE):
        return kind.value, None
    return "text", clean(str(raw))


def score_shown(raw: Any) -> Any:
    """A score cell in a message: its number, N/A, "—" when blank, or the text typed."""
    kind, value = score_identity(raw)
    return {"number": value, "na": "N/A", "blank": "—"}.get(kind, value)


def appraisal_rows(rules: Rules, unit_code: str, use: AppraisalUse, issues: list[Issue]) -> list[dict[str, Any]]:
    """The entries of one unit's appraisal sheet: scorer "appraised", located at the appraisal workbook's cells."""
    book, sheet = use
    assert book.appraisal is not None
    made_from = book.appraisal.made_from_self
    if sheet.header_row is None and unit_code in book.appraisal.made_from_file:
        # The sheet was written with a table, which is gone or relabelled: its appraisals cannot be read.
        labels = " | ".join(text(lang, f"column.{key}") for lang in LANGUAGES for key in ("code", "appraised"))
        issues.append(Issue("appraisal-table-missing", file=book.file, sheet=sheet.sheet, unit=unit_code,
                            params={"columns": labels}))
    criteria = {c.code for c in rules.criteria()}
    columns = sheet.columns
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in sheet.rows:
        if row.code not in criteria or row.code in seen:
            continue  # a section's heading, or a row the bloc copied: the first one counts
        seen.add(row.code)
        shown_self = row.self_score if "self" in columns else None
        records.append({
            "file": book.file, "sheet": sheet.sheet, "unit_code": unit_code, "criterion_code": row.code,
            "scorer": "appraised", "raw": row.appraised, "cell": cell_address(row.row, columns["appraised"]),
            "evidence": "", "evidence_cell": None, "reason": row.reason,
            "reason_cell": cell_address(row.row, columns["reason"]) if "reason" in columns else None,
            "made_from": made_from.get((unit_code, row.code), shown_self),
            "made_from_cell": cell_address(row.row, columns["self"]) if "self" in columns else None,
        })
    return records


def check_appraisals(rules: Rules, entries: pd.DataFrame) -> list[Issue]:
    """A changed score needs a reason; an appraisal made from a self-score the unit has since changed is stale."""
    if entries.empty:
        return []
    appraised = entries[entries["scorer"].eq("appraised") & ~entries["is_blank"]]
    if appraised.empty:
        return []
    own = entries[entries["scorer"].eq("self")]
    selves = {(u, c): (raw, file, cell) for u, c, raw, file, cell in zip(
        own["unit_code"], own["criterion_code"], own["raw"], own["file"], own["cell"], strict=True)}
    issues = []
    row: Any  # a named tuple of the entries' columns
    for row in appraised.itertuples(index=False):
        found = selves.get((row.unit_code, row.criterion_code))
        if found is None:
            continue
        raw, unit_file, unit_cell = found
        current = score_identity(raw)
        place = {"file": row.file, "sheet": row.sheet, "cell": row.cell, "unit": row.unit_code,
                 "criterion": row.criterion_code}
        if row.made_from is not None and score_identity(row.made_from) != current:
            issues.append(Issue("appraisal-stale", **place, params={
                "made_from": score_shown(row.made_from), "made_from_cell": row.made_from_cell or "—",
                "current": score_shown(raw), "unit_file": unit_file, "unit_cell": unit_cell}))
        if rules.appraisal_reason_required and not row.reason and score_identity(row.raw) != current:
            issues.append(Issue("appraisal-reason-missing", **place, params={
                "value": score_shown(row.raw), "self": score_shown(raw),
                "reason_cell": row.reason_cell or "—"}))
    return issues
