"""Validation: which file speaks for which unit, and whether each of its cells obeys the rules.

Workbook-level checks (template identity, unit code, duplicates, rows added or moved) run per file;
cell-level checks run as one pandera schema over every submission of the run at once, lazily, so every
failure is collected and mapped back to its Excel cell.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.cells import cell_address
from pipeline.issues import Issue
from pipeline.labels import LANGUAGES, Label, text
from pipeline.layout import HEADER_ROW, SCORE_COLUMNS, appraisal_filename, plan_layout, template_filename
from pipeline.numbers import CellNote, Parsed, parse_score, parse_scores
from pipeline.read import AppraisalRow, AppraisalSheet, SheetRow, Submission
from pipeline.rules import Criterion, Rules
from pipeline.score import final_values
from pipeline.text import clean, fold, from_tcvn3, legacy_encoding


class UnitStatus(StrEnum):
    """Where a unit of the rules stands in a run; the value is what the JSON and the labels (`status.*`) use."""

    SCORED = "scored"  # exactly one file speaks for it, without errors: it is scored and ranked
    INVALID = "invalid"  # it sent something, but with errors or in two different versions
    MISSING = "missing"  # no file speaks for it


@dataclass
class Validation:
    """What validation decided: the issues, the file used for each unit, and the checked entries."""

    issues: list[Issue]
    submissions: list[Submission]  # every file read, in input order
    used: dict[str, Submission]  # unit code → the one file that speaks for it
    entries: pd.DataFrame  # long table, one row per (unit, criterion, scorer) of the used files
    final: pd.DataFrame  # the value that counts per (unit, criterion): score.final_values(entries)
    file_units: dict[str, str] = field(default_factory=dict)  # file → unit code, where known
    # The bloc's appraisal workbook whose appraisals count (None: none, or none usable), and whether one was
    # found that could not be used: the ranking then waits for the bloc to settle it.
    appraisal_file: str | None = None
    appraisal_unusable: bool = False

    def unit_status(self, rules: Rules) -> dict[str, UnitStatus]:
        """Every unit of the rules, in their order, with its status."""
        erroneous = {i.unit for i in self.issues if i.severity == "error" and i.unit}
        claimed = set(self.file_units.values())
        status = {}
        for unit in rules.units:
            if unit.code not in claimed:
                status[unit.code] = UnitStatus.MISSING
            elif unit.code in erroneous or unit.code not in self.used:
                status[unit.code] = UnitStatus.INVALID
            else:
                status[unit.code] = UnitStatus.SCORED
        return status


def validate(
    rules: Rules, submissions: list[Submission], folder_issues: Iterable[Issue] = (), *,
    expect_every_unit: bool = True,
) -> Validation:
    """Check every submission against the rules, collecting every problem.

    `expect_every_unit` reports units with no file; checking a single file turns it off.
    The submissions the reading stage returned are left as they were: validation records what it finds on
    copies of them (a shallow copy each, with an issue list of its own), which `Validation` carries.
    """
    submissions = [replace(s, issues=list(s.issues)) for s in submissions]
    issues: list[Issue] = list(folder_issues)
    file_units: dict[str, str] = {}
    claims: dict[str, list[Submission]] = defaultdict(list)
    books = [s for s in submissions if s.appraisal is not None]
    for submission in submissions:
        if submission.appraisal is not None:
            continue  # the bloc's appraisal workbook speaks for no unit
        unit_code = _identify(rules, submission)
        if unit_code:
            file_units[submission.file] = unit_code
            claims[unit_code].append(submission)

    used, duplicate_issues = _one_file_per_unit(claims)
    issues += duplicate_issues
    # Attach each file's own problems to the unit it speaks for, so the unit is marked invalid.
    for submission in submissions:
        unit_code = file_units.get(submission.file)
        issues += [_with_unit(i, unit_code) for i in submission.issues]

    rows = []
    for unit_code, submission in used.items():
        if submission.readable:
            rows += _check_rows(rules, unit_code, submission, issues)
    book, appraised, unusable = _appraisals(rules, books, issues)
    for unit_code, submission in used.items():
        if submission.readable and unit_code in appraised:
            rows += _appraisal_rows(rules, unit_code, appraised[unit_code], issues)
    entries = _entries(rules, rows)
    final = final_values(entries)
    issues += check_entries(entries)
    issues += _check_appraisals(rules, entries)
    issues += _check_sections(rules, entries, final)
    issues += _check_text(entries)
    for unit in rules.units if expect_every_unit else ():
        if unit.code not in claims:
            issues.append(Issue("unit-missing", unit=unit.code, params={"name": unit.name}))
    return Validation(_unique(issues), submissions, used, entries, final, file_units,
                      book.file if book is not None else None, unusable)


# --------------------------------------------------------------------------------------- which unit

def _identify(rules: Rules, submission: Submission) -> str | None:
    """The unit a file speaks for, recording identity problems on the submission."""
    identity = submission.identity
    if not submission.readable:
        return _unit_from_name(rules, submission.file)
    if not identity:
        submission.issue("template-identity-missing", sheet=submission.sheet)
    else:
        _check_template(rules, submission)

    code = submission.unit_code
    cell = submission.unit_code_cell or identity.get("unit_code_cell")
    claimed = identity.get("unit_code")
    if not code:
        submission.issue("unit-code-missing", sheet=submission.sheet, cell=cell)
        guess = claimed if claimed and rules.unit(claimed) else _unit_from_name(rules, submission.file)
        return guess
    if claimed and code != claimed:
        submission.issue("unit-code-altered", sheet=submission.sheet, cell=cell,
                         params={"found": code, "expected": claimed})
        return claimed if rules.unit(claimed) else None
    if rules.unit(code) is None:
        # Listed only here: joining a province's unit codes for every file made validation quadratic.
        known = ", ".join(u.code for u in rules.units)
        submission.issue("unit-code-unknown", sheet=submission.sheet, cell=cell,
                         params={"found": code, "known": known})
        return None
    return code


def _check_template(rules: Rules, submission: Submission, template: str | None = None) -> None:
    """Bloc, year and criteria table of the file's identity; `template` names the file to use instead."""
    identity = submission.identity
    if template is None:
        unit = rules.unit(identity.get("unit_code", "")) or rules.unit(submission.unit_code or "")
        template = template_filename(rules, unit) if unit else f"{rules.year}_<…>.xlsx"
    if fold(identity.get("bloc", "")) != fold(rules.bloc):
        submission.issue("wrong-bloc", params={"found": identity.get("bloc", "?"), "expected": rules.bloc,
                                               "template": template})
    elif identity.get("year") != str(rules.year):
        submission.issue("wrong-year", params={"found": identity.get("year", "?"), "expected": rules.year,
                                               "template": template})
    elif identity.get("fingerprint") != rules.fingerprint:
        submission.issue("old-template", params={
            "year": rules.year, "found": identity.get("revision", "?"),
            "found_fingerprint": identity.get("fingerprint", "?"), "expected": rules.revision,
            "expected_fingerprint": rules.fingerprint, "template": template,
        })


def _unit_from_name(rules: Rules, file: str) -> str | None:
    """The unit a file name points to, when exactly one does (`BangChamDiem_2024_VPTU.xlsx`)."""
    folded = fold(file)
    tokens = set(folded.replace("-", " ").replace("_", " ").replace(".", " ").split())
    hits = {u.code for u in rules.units if fold(u.code) in tokens or fold(u.name) in folded}
    return hits.pop() if len(hits) == 1 else None


def _one_file_per_unit(claims: dict[str, list[Submission]]) -> tuple[dict[str, Submission], list[Issue]]:
    used: dict[str, Submission] = {}
    issues: list[Issue] = []
    for unit_code, files in claims.items():
        distinct: dict[str, Submission] = {}
        for submission in sorted(files, key=lambda s: s.file):
            first = distinct.get(submission.sha256) if submission.sha256 else None
            if first is not None:
                # The same attachment saved twice is harmless: use it once, say so.
                issues.append(Issue("duplicate-copy", file=submission.file, unit=unit_code,
                                    params={"other": first.file}))
            else:
                distinct[submission.sha256 or submission.file] = submission
        if len(distinct) == 1:
            used[unit_code] = next(iter(distinct.values()))
            continue
        # Different contents for one unit: never pick one silently.
        chosen = list(distinct.values())
        for submission in chosen[1:]:
            issues.append(Issue("duplicate-unit", file=chosen[0].file, unit=unit_code,
                                params={"other": submission.file, "advice": _which_newer(chosen[0], submission)}))
    return used, issues


def _which_newer(first: Submission, second: Submission) -> Label:
    """Which of two files of one unit was saved later, by the time inside each (a copy keeps it; mtime not)."""
    times = [_saved_moment(first.saved_at), _saved_moment(second.saved_at)]
    if times[0] is None or times[1] is None or times[0] == times[1]:
        return Label("hint.duplicate_unknown")
    newer, older = (first, second) if times[0] > times[1] else (second, first)
    return Label("hint.duplicate_newer", (("newer", newer.file), ("older", older.file),
                                          ("newer_saved", _saved_shown(newer.saved_at)),
                                          ("older_saved", _saved_shown(older.saved_at))))


def _saved_moment(value: str | None) -> dt.datetime | None:
    """A save time comparable with another: UTC when the file says its zone, else as written (local)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _saved_shown(value: str | None) -> str:
    moment = _saved_moment(value)
    if moment is None:
        return value or ""
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if value and ("Z" in value or "+" in value) else "")


def _with_unit(issue: Issue, unit_code: str | None) -> Issue:
    if unit_code is None or issue.unit:
        return issue
    return Issue(issue.code, issue.file, issue.sheet, issue.cell, unit_code, issue.criterion, issue.params)


# --------------------------------------------------------------------------------------------- rows

def _check_rows(rules: Rules, unit_code: str, submission: Submission,
                issues: list[Issue]) -> list[dict[str, Any]]:
    """Match rows to criteria by code, report what is missing, doubled, unknown or moved."""
    criteria = {c.code: c for c in rules.criteria()}
    group_codes = {s.code for s in rules.sections}
    place = {"file": submission.file, "sheet": submission.sheet, "unit": unit_code}
    by_code: dict[str, list[SheetRow]] = defaultdict(list)
    for row in submission.rows:
        if row.code in criteria:
            by_code[row.code].append(row)
        elif row.code not in group_codes:
            has_score = any(_entered(v) for v in (row.self_score, row.appraised))
            if not has_score and not _looks_like_code(row.code):
                continue  # a note or a signature line under the table, not a criterion
            issues.append(Issue("criterion-unknown" if has_score else "row-unknown",
                                cell=cell_address(row.row, submission.columns["code"]), criterion=row.code,
                                params={"row": row.row + 1}, **place))
    _check_other_tables(submission, criteria, by_code, place, issues)
    for code, found in by_code.items():
        if len(found) > 1:
            issues.append(Issue("criterion-duplicate", criterion=code,
                                cell=cell_address(found[1].row, submission.columns["code"]),
                                params={"rows": ", ".join(str(r.row + 1) for r in found)}, **place))
    for criterion in criteria.values():
        if criterion.code not in by_code:
            issues.append(Issue("criterion-missing", criterion=criterion.code,
                                params={"title": criterion.title}, **place))
    _check_positions(rules, submission, by_code, place, issues)

    records = []
    columns = submission.columns
    for code, found in by_code.items():
        if len(found) != 1:
            continue
        row, criterion = found[0], criteria[code]
        max_found = parse_score(row.max)[1]
        # A per-occurrence row's max cell is a sentence ("0,5/lần, tối đa 3"), not a number to compare;
        # a program that cannot keep its formula's text (LibreOffice's .xls) may store 0 there.
        if "max" in columns and max_found is not None and max_found != criterion.max \
                and criterion.per_occurrence is None:
            issues.append(Issue("max-altered", criterion=code, cell=cell_address(row.row, columns["max"]),
                                params={"found": max_found, "expected": criterion.max}, **place))
        evidence = row.evidence if isinstance(row.evidence, str) else ("" if row.evidence in ("", None) else
                                                                        str(row.evidence))
        for scorer, raw in (("self", row.self_score), ("appraised", row.appraised)):
            if scorer not in columns:
                continue
            if scorer == "appraised":
                # A unit does not appraise itself: a number where older templates had the bloc's column
                # never counts, and is reported where it stands.
                if _entered(raw):
                    issues.append(Issue("appraisal-in-unit-file", criterion=code,
                                        cell=cell_address(row.row, columns[scorer]),
                                        params={"value": _as_typed(raw)}, **place))
                continue
            records.append({
                "file": submission.file, "sheet": submission.sheet, "unit_code": unit_code,
                "criterion_code": code, "scorer": scorer, "raw": raw,
                "cell": cell_address(row.row, columns[scorer]),
                "evidence": clean(evidence),
                "evidence_cell": cell_address(row.row, columns["evidence"]) if "evidence" in columns else None,
            })
    return records


def _as_typed(raw: Any) -> Any:
    """A cell's content as its number, or as the text typed, for a message."""
    value = parse_score(raw)[1]
    return value if value is not None else clean(str(raw))


# -------------------------------------------------------------------------------------- the appraisal

AppraisalUse = tuple[Submission, AppraisalSheet]


def _appraisals(rules: Rules, books: list[Submission], issues: list[Issue]
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
        _check_template(rules, book, template=appraisal_filename(rules))
        issues += book.issues[before:]
        if any(i.severity == "error" for i in book.issues):
            unusable = True
        else:
            usable.append(book)
    distinct: dict[str, Submission] = {}
    for book in usable:
        first = distinct.get(book.sha256)
        if first is not None:
            issues.append(Issue("appraisal-duplicate", file=book.file, params={"other": first.file}))
        else:
            distinct[book.sha256 or book.file] = book
    chosen = list(distinct.values())
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
            where = _first_difference(holders[0][1], sheet)
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
    return _score_identity(row.appraised), row.reason


def _first_difference(mine: AppraisalSheet, theirs: AppraisalSheet) -> tuple[str, str] | None:
    """The first (sheet, cell) where two sheets of one unit appraise differently, or None when they agree.

    The cell is the second workbook's appraised score or reason, or the first's where the second lacks the row.
    """
    own = {row.code: row for row in mine.rows}
    other = {row.code: row for row in theirs.rows}
    blank = (_score_identity(None), "")
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


def _score_identity(raw: Any) -> tuple[str, Any]:
    """What a score cell says, for comparing two cells: a number, N/A, blank, or the text typed."""
    kind, value = parse_score(raw)
    if value is not None:
        return "number", value
    if kind in (Parsed.BLANK, Parsed.NOT_APPLICABLE):
        return kind.value, None
    return "text", clean(str(raw))


def _score_shown(raw: Any) -> Any:
    """A score cell in a message: its number, N/A, "—" when blank, or the text typed."""
    kind, value = _score_identity(raw)
    return {"number": value, "na": "N/A", "blank": "—"}.get(kind, value)


def _appraisal_rows(rules: Rules, unit_code: str, use: AppraisalUse, issues: list[Issue]) -> list[dict[str, Any]]:
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


def _check_appraisals(rules: Rules, entries: pd.DataFrame) -> list[Issue]:
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
        current = _score_identity(raw)
        place = {"file": row.file, "sheet": row.sheet, "cell": row.cell, "unit": row.unit_code,
                 "criterion": row.criterion_code}
        if row.made_from is not None and _score_identity(row.made_from) != current:
            issues.append(Issue("appraisal-stale", **place, params={
                "made_from": _score_shown(row.made_from), "made_from_cell": row.made_from_cell or "—",
                "current": _score_shown(raw), "unit_file": unit_file, "unit_cell": unit_cell}))
        if rules.appraisal_reason_required and not row.reason and _score_identity(row.raw) != current:
            issues.append(Issue("appraisal-reason-missing", **place, params={
                "value": _score_shown(row.raw), "self": _score_shown(raw),
                "reason_cell": row.reason_cell or "—"}))
    return issues


def _check_other_tables(submission: Submission, criteria: dict[str, Criterion],
                        by_code: dict[str, list[SheetRow]], place: dict[str, Any], issues: list[Issue]) -> None:
    """A second copy of the criteria table whose scores differ from the one read: the bloc cannot choose.

    Only criterion rows count (section subtotals are formulas a copy may not have recomputed); a copy
    that agrees everywhere or holds no score at all changes nothing, and a sheet sharing few criteria
    is some other table.
    """
    for sheet, rows in submission.other_tables.items():
        theirs = {row.code: row for row in rows if row.code in criteria}
        common = [code for code in by_code if code in theirs]
        if len(common) * 2 < max(len(by_code), 1):
            continue
        if not any(_entered(row.self_score) or _entered(row.appraised) for row in theirs.values()):
            continue  # a blank template kept beside the filled one
        for code in common:
            mine, other = by_code[code][0], theirs[code]
            for scorer in ("self",):  # a unit's appraisal column never counts, so neither do its copies
                column = submission.columns.get(scorer)
                if column is not None and _score_key(getattr(mine, _ROW_FIELD[scorer])) != \
                        _score_key(getattr(other, _ROW_FIELD[scorer])):
                    issues.append(Issue("second-table", file=place["file"], sheet=sheet, unit=place["unit"],
                                        cell=cell_address(other.row, column), criterion=code,
                                        params={"first": submission.sheet}))
                    break
            else:
                continue
            break


_ROW_FIELD = {"self": "self_score", "appraised": "appraised"}


def _score_key(raw: Any) -> tuple[str, Any]:
    kind, value = parse_score(raw)
    return kind.value, value if value is not None or kind is not Parsed.INVALID else str(raw)


def _check_positions(rules: Rules, submission: Submission, by_code: dict[str, list[SheetRow]],
                     place: dict[str, Any], issues: list[Issue]) -> None:
    order = [c.code for c in rules.criteria()]
    found_order = [row.code for row in submission.rows if row.code in by_code]
    found_order = list(dict.fromkeys(found_order))
    expected_order = [code for code in order if code in by_code]
    if found_order != expected_order:
        # Everything before the first mismatch is in place, so the code found there came up early.
        early = next(code for code, want in zip(found_order, expected_order, strict=True) if code != want)
        issues.append(Issue("rows-reordered", criterion=early, **place))
        return
    if not submission.identity:
        return
    layout = plan_layout(rules)
    written = submission.identity.get("header_row", "")
    # A damaged identity sheet (found by make fuzz) falls back on the template's own header row.
    template_header = int(written) if written.isdigit() and len(written) < 8 else HEADER_ROW + 1
    header_shift = (submission.header_row or 0) - template_header + 1
    moved = [
        (code, rows[0].row, layout.criterion_rows[code] + header_shift)
        for code, rows in by_code.items()
        if rows[0].row != layout.criterion_rows[code] + header_shift
    ]
    if moved:
        code, found, expected = min(moved, key=lambda m: m[1])
        more = f" (+{len(moved) - 1})" if len(moved) > 1 else ""
        issues.append(Issue("rows-moved", criterion=code,
                            params={"found": found + 1, "expected": expected + 1, "more": more}, **place))


def _looks_like_code(value: str) -> bool:
    return len(value) <= 12 and " " not in value


def _entered(value: Any) -> bool:
    return not (value is None or (isinstance(value, str) and not clean(value)))


# ------------------------------------------------------------------------------------------ entries

# Each record of `_check_rows` and `_appraisal_rows`; an appraisal also carries its reason and the self-score
# it was made from (None on a unit's own rows).
RECORD_COLUMNS = [
    "file", "sheet", "unit_code", "criterion_code", "scorer", "raw", "cell", "evidence", "evidence_cell",
    "reason", "reason_cell", "made_from", "made_from_cell",
]
ENTRY_COLUMNS = [
    *RECORD_COLUMNS, "kind", "group", "max", "step", "na_allowed", "evidence_required", "per_occurrence",
    "parsed", "value", "number", "is_blank", "is_na",
]


def _entries(rules: Rules, records: list[dict[str, Any]]) -> pd.DataFrame:
    """The long table of every score cell: parsed, with the rule of its criterion beside it."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    # A unit's own rows have no reason and were made from nothing.
    frame["reason"] = frame["reason"].where(frame["reason"].notna(), "")
    for column in ("reason_cell", "made_from", "made_from_cell"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    criteria = pd.DataFrame.from_records(
        [_criterion_record(c) for c in rules.criteria()],
        columns=["criterion_code", "kind", "group", "max", "step", "na_allowed", "evidence_required",
                 "per_occurrence"],
    )
    frame = frame.merge(criteria, on="criterion_code", how="left", validate="many_to_one")
    kinds, values, numbers = parse_scores(frame["raw"])
    frame["parsed"] = pd.Series(kinds, index=frame.index, dtype=object)
    frame["value"] = pd.Series(values, index=frame.index, dtype=object)
    frame["number"] = pd.Series(numbers, index=frame.index, dtype="float64")
    frame["is_blank"] = frame["parsed"].eq(Parsed.BLANK.value).astype(bool)
    frame["is_na"] = frame["parsed"].eq(Parsed.NOT_APPLICABLE.value).astype(bool)
    for column in ("file", "sheet", "unit_code", "criterion_code", "scorer", "cell", "evidence", "kind",
                   "group", "parsed", "reason", "reason_cell", "made_from", "made_from_cell"):
        frame[column] = frame[column].astype(object)
    return frame[ENTRY_COLUMNS].reset_index(drop=True)


def _criterion_record(criterion: Criterion) -> dict[str, Any]:
    return {
        "criterion_code": criterion.code, "kind": criterion.kind, "group": criterion.group,
        "max": float(criterion.max), "step": float(criterion.step) if criterion.step else np.nan,
        "na_allowed": criterion.na_allowed, "evidence_required": criterion.evidence_required,
        "per_occurrence": float(criterion.per_occurrence) if criterion.per_occurrence is not None else np.nan,
    }


def _rule(code: str, predicate: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    """A check named by its issue code; the predicate is True where the row is *wrong*."""
    # ignore_na=False: a row is never wholly empty (file, unit and cell are always set), and the NA scan
    # pandera would otherwise run over every column for every check cost more than all the checks.
    return pa.Check(lambda frame: ~predicate(frame), name=code, element_wise=False, ignore_na=False)


def _off_step(frame: pd.DataFrame) -> pd.Series:
    ratio = frame["number"] / frame["step"]
    # Typed scores have a few decimals; 1e-9 absorbs only the float noise of the division.
    return (ratio - ratio.round()).abs().gt(1e-9) & frame["step"].notna() & frame["number"].notna()


ENTRY_SCHEMA = pa.DataFrameSchema(
    columns={
        "unit_code": pa.Column(object),
        "criterion_code": pa.Column(object),
        "scorer": pa.Column(object, pa.Check.isin(SCORE_COLUMNS)),
        "cell": pa.Column(object),
        "kind": pa.Column(object, pa.Check.isin(["base", "bonus", "deduction"])),
        "max": pa.Column(float, pa.Check.gt(0)),
        "number": pa.Column(float, nullable=True),
        "is_blank": pa.Column(bool),
        "is_na": pa.Column(bool),
    },
    checks=[
        _rule("score-missing", lambda f: f["is_blank"] & f["kind"].eq("base") & f["scorer"].eq("self")),
        _rule("not-a-number", lambda f: f["parsed"].eq(Parsed.INVALID.value)),
        _rule("ambiguous-number", lambda f: f["parsed"].eq(Parsed.AMBIGUOUS.value)),
        _rule("cell-error", lambda f: f["parsed"].eq(Parsed.ERROR.value)),
        _rule("formula-without-value", lambda f: f["parsed"].eq(Parsed.FORMULA.value)),
        _rule("score-percent", lambda f: f["parsed"].eq(Parsed.PERCENT.value)),
        _rule("score-date", lambda f: f["parsed"].eq(Parsed.DATE.value)),
        _rule("number-as-text", lambda f: f["parsed"].eq(Parsed.TEXT_NUMBER.value)),
        _rule("score-negative", lambda f: f["number"].lt(0)),
        # A per-occurrence cell holds a count: it has no max (its points are capped), but it is whole.
        _rule("score-above-max", lambda f: f["number"].gt(f["max"]) & f["per_occurrence"].isna()),
        _rule("count-not-whole", lambda f: f["per_occurrence"].notna() & f["number"].notna()
              & f["number"].mod(1).ne(0)),
        _rule("score-off-step", _off_step),
        _rule("na-not-allowed", lambda f: f["is_na"] & ~(f["na_allowed"].astype(bool) & f["kind"].eq("base"))),
        _rule("evidence-missing", lambda f: f["evidence_required"].astype(bool) & f["number"].gt(0)
              & f["evidence"].eq("") & f["scorer"].eq("self")),
    ],
    unique=["file", "unit_code", "criterion_code", "scorer"],
    strict=False,
    name="entries",
)


def check_entries(entries: pd.DataFrame) -> list[Issue]:
    """Run the cell-level schema over every submission at once and turn each failure into an issue."""
    if entries.empty:
        return []
    try:
        ENTRY_SCHEMA.validate(entries, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
    else:
        return []
    failures = failures[failures["index"].notna()].drop_duplicates(["check", "index"])
    issues = []
    for check, index in zip(failures["check"], failures["index"], strict=True):
        if check in _BUILDERS:
            issues.append(_BUILDERS[check](cast(pd.Series, entries.loc[int(index)])))
    return issues


def _score_issue(code: str, *, at_evidence: bool = False) -> Callable[[pd.Series], Issue]:
    def build(row: pd.Series) -> Issue:
        raw = row["raw"]
        value = row["value"] if row["value"] is not None else (clean(raw) if isinstance(raw, str) else raw)
        params: dict[str, Any] = {
            "value": value, "max": Decimal(str(row["max"])), "scorer": Label(f"scorer.{row['scorer']}"),
            "step": Decimal(str(row["step"])) if pd.notna(row["step"]) else "",
        }
        if code == "count-not-whole":
            params["points"] = Decimal(str(row["per_occurrence"]))
        if code == "score-missing":
            params["na_hint"] = Label("hint.or_na") if row["na_allowed"] else ""
        if code == "na-not-allowed":
            params["where"] = Label("hint.na_bucket") if row["kind"] != "base" else ""
        if code == "number-as-text":
            params["value"], params["number"] = clean(str(raw)), row["value"]
        if code == "ambiguous-number":
            digits = clean(str(raw)).replace(" ", "")
            params["value"] = digits
            params["as_thousands"] = digits.replace(".", "").replace(",", "")
            params["as_decimal"] = Decimal(digits.replace(",", "."))
        if code == "not-a-number":
            params["value"] = clean(str(raw)) if not isinstance(raw, str) else clean(raw)
        if code in _SHOWN_CODES:
            params["value"] = _shown(raw)
        if code == "score-percent":
            params["value"] = _percent(params["value"])
        cell = row["evidence_cell"] if at_evidence and row["evidence_cell"] else row["cell"]
        return Issue(code, file=row["file"], sheet=row["sheet"], cell=cell, unit=row["unit_code"],
                     criterion=row["criterion_code"], params=params)

    return build


# Cells whose content is not a number at all: the issue names what the cell holds, as the unit sees it.
_SHOWN_CODES = ("cell-error", "formula-without-value", "score-percent", "score-date")


def _shown(raw: Any) -> str:
    if isinstance(raw, CellNote):
        return raw.shown
    if isinstance(raw, dt.datetime):
        return raw.strftime("%d/%m/%Y %H:%M") if raw.time() != dt.time() else raw.strftime("%d/%m/%Y")
    if isinstance(raw, dt.date):
        return raw.strftime("%d/%m/%Y")
    if isinstance(raw, dt.time):
        return raw.strftime("%H:%M:%S")
    return clean(str(raw))


def _percent(shown: str) -> Decimal | str:
    """4,5% or 4.5% → 4.5, so the message writes it the reader's way (4,5% in Vietnamese)."""
    value = parse_score(shown.replace("%", "").strip())[1]
    return value if value is not None else shown


_BUILDERS = {
    code: _score_issue(code, at_evidence=code == "evidence-missing")
    for code in ("score-missing", "not-a-number", "ambiguous-number", "number-as-text", "score-negative",
                 "score-above-max", "score-off-step", "na-not-allowed", "evidence-missing", "count-not-whole",
                 *_SHOWN_CODES)
}


def _check_sections(rules: Rules, entries: pd.DataFrame, final: pd.DataFrame) -> list[Issue]:
    """A section where every criterion ends up N/A cannot be rescaled."""
    if entries.empty:
        return []
    final = final.merge(entries[["unit_code", "criterion_code", "group", "kind", "file", "sheet"]]
                                        .drop_duplicates(["unit_code", "criterion_code"]),
                                        on=["unit_code", "criterion_code"])
    base = final[final["kind"].eq("base")]
    issues = []
    for (unit_code, group), part in _all_na_groups(base):
        section = rules.section(group)
        if section and len(part) == len(section.criteria) and part["is_na"].astype(bool).all():
            issues.append(Issue("section-all-na", file=part["file"].iloc[0], sheet=part["sheet"].iloc[0],
                                unit=unit_code, params={"section": group}))
    return issues


def _all_na_groups(base: pd.DataFrame) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """The (unit, section) groups whose values are all N/A, in order of first appearance.

    Counting in one grouped pass and slicing out only the rare hits keeps this linear in the number of
    entries; iterating over every group was the slowest part of validating a thousand submissions.
    """
    counts = base.assign(_na=base["value"].isna()).groupby(["unit_code", "group"], sort=False)["_na"].agg(
        ["size", "sum"])
    flagged = counts.index[counts["size"].eq(counts["sum"])]
    if flagged.empty:
        return []
    keys = pd.MultiIndex.from_frame(base[["unit_code", "group"]])
    return [(key, base[keys.isin([key])]) for key in flagged]


def _check_text(entries: pd.DataFrame) -> list[Issue]:
    """Evidence typed with an old Vietnamese font reads as gibberish to everyone else."""
    issues = []
    notes = entries[entries["scorer"].eq("self") & entries["evidence"].ne("")]
    row: Any  # a named tuple of the entries' columns
    for row in notes.itertuples(index=False):
        encoding = legacy_encoding(row.evidence)
        if encoding:
            sample = _shorten(row.evidence)
            # TCVN3 maps letter for letter, so the reader can be told what the unit meant; VNI is not converted.
            converted = Label("hint.converted", (("text", _shorten(from_tcvn3(row.evidence))),)) \
                if encoding == "tcvn3" else ""
            issues.append(Issue("legacy-encoding", file=row.file, sheet=row.sheet, cell=row.evidence_cell,
                                unit=row.unit_code, criterion=row.criterion_code,
                                params={"sample": sample, "encoding": encoding.upper(), "converted": converted}))
    return issues


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _unique(issues: list[Issue]) -> list[Issue]:
    """One issue per code and place: an empty evidence cell is one problem even if two scores need it."""
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for issue in issues:
        key = (issue.code, issue.file, issue.sheet, issue.cell, issue.unit, issue.criterion,
               tuple(sorted((k, str(v)) for k, v in issue.params.items())) if issue.cell is None else ())
        if key not in seen:
            seen.add(key)
            unique.append(issue)
    return unique
