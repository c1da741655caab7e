"""Validation: which file speaks for which unit, and whether each of its cells obeys the rules.

Workbook-level checks (template identity, unit code, duplicates, rows added or moved) run per file;
cell-level checks run as one pandera schema over every submission of the run at once, lazily, so every
failure is collected and mapped back to its Excel cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pandas as pd

from pipeline.checking.entry_checks import build_entries, check_entries, check_sections, check_text
from pipeline.checking.seals import check_seals
from pipeline.checking.senders import check_senders
from pipeline.core.cells import cell_address
from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.numbers import Parsed, parse_score
from pipeline.core.text import clean, fold
from pipeline.procedure.appraisal_checks import appraisal_rows, check_appraisals, choose_appraisals
from pipeline.procedure.peer_checks import check_peers, unscored
from pipeline.reading.identify import identify, one_file_per_unit, with_unit
from pipeline.reading.mail.messages import SEPARATOR
from pipeline.reading.read import Submission
from pipeline.reading.table import SheetRow
from pipeline.rules.layout import HEADER_ROW, TEMPLATE_VERSION, plan_layout
from pipeline.rules.model import Criterion, Rules
from pipeline.rules.seal import Seals, Verdict
from pipeline.scoring.score import PeerResult, final_values, peer_results


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
    # Cross-scoring (appraisal.by: peers): each (unit, criterion)'s peer scores and mean, the workbook each
    # scorer's scores came from, the scorers who sent none, and whether a peer workbook or cell is in error.
    peers: dict[tuple[str, str], PeerResult] = field(default_factory=dict)
    peer_books: dict[str, Submission] = field(default_factory=dict)
    peers_missing: tuple[str, ...] = ()
    peers_unsettled: bool = False
    # Files not used because of where they were found or who sent them (docs/files.md): a bloc's record in
    # input/, a unit's file in bloc/, a file sent from another unit's address.
    refused: set[str] = field(default_factory=set)
    # The bloc's records that decide: read from its folder, of this year, with something entered.
    records: list[Submission] = field(default_factory=list)
    refused_claims: dict[str, str] = field(default_factory=dict)  # a refused file → the unit it spoke for
    seals: dict[str, Verdict] = field(default_factory=dict)  # each workbook's authentication code, where checked

    def bloc_errors_in(self, issues: Iterable[Issue]) -> list[Issue]:
        """The errors among `issues` found in the bloc's own workbooks (appraisal, tally): the bloc's to correct."""
        files = {record.file for record in self.records}
        return [i for i in issues if i.severity == "error" and i.file in files]

    @property
    def bloc_errors(self) -> list[Issue]:
        """The errors validation found in the bloc's own workbooks: the run is provisional until corrected."""
        return self.bloc_errors_in(self.issues)

    def unit_status(self, rules: Rules) -> dict[str, UnitStatus]:
        """Every unit of the rules, in their order, with its status."""
        # A peer's bad cell is the scorer's to fix and does not count; it does not make the unit invalid.
        erroneous = {i.unit for i in self.issues if i.severity == "error" and i.unit and not i.code.startswith("peer-")}
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
    expect_every_unit: bool = True, now: datetime | None = None, seals: Seals | None = None,
) -> Validation:
    """Check every submission against the rules, collecting every problem.

    `expect_every_unit` reports units with no file; checking a single file turns it off. `now` is the run's
    time, which no message's Date may be far past (checking/senders.py). `seals`: the bloc's keys to check the
    files' authentication code with (empty: not checked, and said once; None: not looked for, not said).
    The submissions the reading stage returned are left as they were: validation records what it finds on
    copies of them (a shallow copy each, with an issue list of its own), which `Validation` carries.
    """
    submissions = [replace(s, issues=list(s.issues)) for s in submissions]
    issues: list[Issue] = list(folder_issues)
    refused = _misplaced(rules, submissions, issues)
    records = [s for s in submissions if s.counts_as_bloc_record and s.file not in refused]
    books = [s for s in records if s.bloc_appraisal]
    peer_books = [s for s in submissions if s.peer and s.file not in refused]
    found: list[tuple[Submission, str]] = []
    for submission in submissions:
        if submission.speaks_for_no_unit or submission.file in refused:
            continue  # the bloc's appraisal workbook and tally, a unit's cross-scoring workbook, a saved e-mail
        unit_code = identify(rules, submission)
        if unit_code:
            found.append((submission, unit_code))
    scorers = [(book, book.appraisal.scorer) for book in peer_books
               if book.appraisal is not None and rules.unit(book.appraisal.scorer)]
    keys = seals or Seals()
    sealed = check_seals(rules, keys, [*found, *scorers], say_unchecked=seals is not None)
    sealed.verdicts |= {record.file: keys.verdict(record.identity) for record in records}
    issues += sealed.issues
    refused |= sealed.refused
    # Who sent a file is told even of one its code already refuses: the address names who made it.
    senders = check_senders(rules, [*found, *scorers], now or datetime.now(UTC))
    issues += senders.issues
    refused |= senders.refused
    refused_claims = {s.file: code for s, code in [*found, *scorers] if s.file in refused}
    peer_books = [book for book in peer_books if book.file not in refused]
    file_units: dict[str, str] = {}
    claims: dict[str, list[Submission]] = defaultdict(list)
    for submission, unit_code in found:
        if submission.file not in refused:
            file_units[submission.file] = unit_code
            claims[unit_code].append(submission)

    dated = {file: (sent.sender, sent.moment) for file, sent in senders.sent.items()
             if sent.sender is not None and sent.moment is not None}
    used, duplicate_issues = one_file_per_unit(claims, dated)
    issues += duplicate_issues
    # A file a later e-mail of its unit replaced says nothing about the unit any more, nor does a refused one.
    set_aside = refused | {i.file for i in duplicate_issues if i.code == "mail-superseded"}
    # Attach each file's own problems to the unit it speaks for, so the unit is marked invalid.
    for submission in submissions:
        if submission.file not in set_aside:
            unit_code = file_units.get(submission.file)
            issues += [with_unit(i, unit_code) for i in submission.issues]

    rows = []
    for unit_code, submission in used.items():
        if submission.readable:
            rows += _check_rows(rules, unit_code, submission, issues)
    book, appraised, unusable = choose_appraisals(rules, books, issues)
    for unit_code, submission in used.items():
        if submission.readable and unit_code in appraised:
            rows += appraisal_rows(rules, unit_code, appraised[unit_code], issues)
    entries = build_entries(rules, rows)
    peers = check_peers(rules, peer_books, entries, issues, expect_every_scorer=expect_every_unit)
    results = peer_results(rules, peers.scores)
    if expect_every_unit:  # a unit checking its own file has no peer scores yet
        issues += unscored(rules, entries, results)
    issues += check_entries(entries)
    issues += check_appraisals(rules, entries)
    # The bloc's own workbooks' problems are the bloc's: no unit is made invalid by them, and an appraisal
    # in error is not applied (the self-score stands for that criterion) until the bloc corrects it.
    issues, set_aside_cells = blame_the_bloc(issues, {record.file for record in records})
    by_bloc = entries["scorer"].eq("appraised")
    if set_aside_cells and by_bloc.any():
        cells = pd.Series(list(zip(entries["unit_code"], entries["criterion_code"], strict=True)),
                          index=entries.index, dtype=object)
        final = final_values(entries[~(by_bloc & cells.isin(set_aside_cells))], results)
    else:
        final = final_values(entries, results)
    issues += check_sections(rules, entries, final)
    issues += check_text(entries)
    for unit in rules.units if expect_every_unit else ():
        if unit.code not in claims:
            issues.append(Issue("unit-missing", unit=unit.code, params={"name": unit.name}))
    return Validation(_unique(issues), submissions, used, entries, final, file_units,
                      book.file if book is not None else None, unusable, results, peers.books, peers.missing,
                      peers.unsettled, refused, records, refused_claims, sealed.verdicts)


def blame_the_bloc(issues: list[Issue], bloc_files: set[str]) -> tuple[list[Issue], set[tuple[str, str]]]:
    """Every issue found in the bloc's own workbooks made the bloc's (`unit` None, the unit kept in its
    params for its message), and the (unit, criterion) of each such error, whose appraisal is not applied."""
    blamed: list[Issue] = []
    set_aside: set[tuple[str, str]] = set()
    for issue in issues:
        if issue.unit is not None and issue.file in bloc_files:
            if issue.severity == "error" and issue.criterion is not None:
                set_aside.add((issue.unit, issue.criterion))
            issue = replace(issue, unit=None, params={**issue.params, "unit": issue.unit})
        blamed.append(issue)
    return blamed, set_aside


def _misplaced(rules: Rules, submissions: list[Submission], issues: list[Issue]) -> set[str]:
    """Files in the wrong folder, never used: the bloc's records where units' files arrive (input/, a unit's
    e-mail), a unit's file among the bloc's records, a record of the bloc of another year."""
    refused = set()
    for submission in submissions:
        if submission.bloc_record and not submission.from_bloc_folder:
            what = Label("record.appraisal" if submission.bloc_appraisal else "record.tally")
            envelope = submission.envelope
            if envelope is not None:
                advice = Label("hint.bloc_book_mail", tuple(envelope.params().items()))
            else:
                own_name = submission.file.rpartition(SEPARATOR)[2].rpartition("/")[2]
                advice = Label("hint.bloc_book_move", (("name", own_name),))
            issues.append(Issue("bloc-book-in-input", file=submission.file, params={"what": what, "advice": advice}))
        elif submission.from_bloc_folder and not submission.bloc_record and submission.readable:
            issues.append(Issue("unit-file-in-bloc", file=submission.file))
        elif submission.bloc_record and submission.identity.get("year", str(rules.year)) != str(rules.year) \
                and fold(submission.identity.get("bloc", "")) == fold(rules.bloc):
            # The bloc's own record of another year (last year's, kept in the same folder): not this year's.
            what = Label("record.appraisal" if submission.bloc_appraisal else "record.tally")
            issues.append(Issue("record-other-year", file=submission.file, params={
                "what": what, "found": submission.identity.get("year", "?"), "expected": rules.year}))
        else:
            continue
        refused.add(submission.file)
    return refused


# --------------------------------------------------------------------------------------------- rows

def _check_rows(rules: Rules, unit_code: str, submission: Submission,
                issues: list[Issue]) -> list[dict[str, Any]]:
    """Match rows to criteria by code, report what is missing, doubled, unknown or moved."""
    criteria = rules.criteria_by_code
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
        max_found = _parsed_max(row.max)
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


def _parsed_max(raw: Any) -> Decimal | None:
    """A max cell's number; the few contents a province's files repeat (3, 2.5) are parsed once each."""
    if type(raw) is float and raw != 0.0:  # a zero keeps its sign: -0.0 and 0.0 would be one key
        return _parsed_float(raw)
    return parse_score(raw)[1]


@lru_cache(maxsize=1024)
def _parsed_float(raw: float) -> Decimal | None:
    return parse_score(raw)[1]


def _as_typed(raw: Any) -> Any:
    """A cell's content as its number, or as the text typed, for a message."""
    value = parse_score(raw)[1]
    return value if value is not None else clean(str(raw))


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
    order = rules.criteria_by_code
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
    version = submission.identity.get("template_version", "")
    # Each template is checked against the rows of its own version: templates sent out stay valid.
    layout = plan_layout(rules, int(version) if version.isdigit() and len(version) < 4 else TEMPLATE_VERSION)
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
