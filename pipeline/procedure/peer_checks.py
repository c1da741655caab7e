"""Cross-scoring (chấm chéo) in a run: which units' peer workbooks count, every cell checked, the scores given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from pipeline.core.cells import cell_address
from pipeline.core.issues import Issue
from pipeline.core.labels import LANGUAGES, text
from pipeline.core.numbers import Parsed, parse_score
from pipeline.core.text import clean
from pipeline.procedure.appraisal_checks import first_difference, score_identity, score_shown
from pipeline.reading.bloc_books import AppraisalSheet
from pipeline.reading.identify import check_template
from pipeline.reading.read import Submission
from pipeline.rules.layout import peer_filename
from pipeline.rules.model import Criterion, Rules
from pipeline.scoring.score import PeerResult

PeerScore = tuple[str, str, str, Decimal]  # scored unit, criterion, scoring unit, score


@dataclass(frozen=True)
class Peers:
    """What the peer workbooks of a run give: usable scores, the workbook of each scorer, who is missing."""

    scores: list[PeerScore] = field(default_factory=list)
    books: dict[str, Submission] = field(default_factory=dict)  # scorer → the workbook whose scores count
    missing: tuple[str, ...] = ()  # scorers who sent no workbook: the ranking waits for them
    unsettled: bool = False  # a workbook that cannot be used, or a cell in error: the ranking waits


def check_peers(rules: Rules, books: list[Submission], entries: pd.DataFrame, issues: list[Issue], *,
                expect_every_scorer: bool = True) -> Peers:
    """Check the peer workbooks against the rules: every sheet of a unit of the bloc, whatever its own file.

    `expect_every_scorer` reports the units that sent no workbook (`bloc-score check` of single files does not).

    A workbook from another bloc, year or criteria table is refused (the template's own codes); one scorer's
    same workbook twice counts once; two that differ both wait for the bloc to keep one; a sheet for the
    scorer itself is refused; every bad cell is reported where it stands and does not count.
    """
    if rules.appraisal_by != "peers":
        for book in books:
            issues.append(Issue("peer-not-expected", file=book.file))
        return Peers()
    unsettled = False
    by_scorer: dict[str, list[Submission]] = {}
    for book in sorted(books, key=lambda s: s.file):
        assert book.appraisal is not None
        scorer = book.appraisal.scorer
        before = len(book.issues)
        check_template(rules, book, template=peer_filename(rules, scorer or "…"))
        issues += book.issues[before:]
        if rules.unit(scorer) is None:
            known = ", ".join(u.code for u in rules.units)
            issues.append(Issue("peer-scorer-unknown", file=book.file, params={"found": scorer or "—", "known": known}))
            unsettled = True
            continue
        by_scorer.setdefault(scorer, [])
        if any(i.severity == "error" for i in book.issues):
            unsettled = True
            continue
        by_scorer[scorer].append(book)

    chosen: dict[str, Submission] = {}
    for scorer, sent in by_scorer.items():
        kept, settled = _one_book(scorer, sent, issues)
        unsettled = unsettled or not settled
        if kept is not None:
            chosen[scorer] = kept

    self_na = _own_na(entries)
    selves = _own_scores(entries)
    criteria = rules.criteria_by_code
    scores: list[PeerScore] = []
    for scorer, book in chosen.items():
        assert book.appraisal is not None
        own_sheet = book.appraisal.sheets.get(scorer)
        if own_sheet is not None or scorer in book.appraisal.names:
            issues.append(Issue("peer-self-scoring", file=book.file, unit=scorer,
                                sheet=own_sheet.sheet if own_sheet else scorer))
            unsettled = True
        for unit_code, sheet in book.appraisal.sheets.items():
            if unit_code == scorer or rules.unit(unit_code) is None:
                continue  # the sheet for the scorer itself is reported above
            given, bad = _sheet_scores(book, scorer, unit_code, sheet, criteria, self_na, issues)
            _check_stale(book, scorer, unit_code, sheet, {code for _unit, code, _scorer, _value in given},
                         selves, issues)
            scores += given
            unsettled = unsettled or bad
    missing = tuple(u.code for u in rules.units if u.code not in by_scorer) if expect_every_scorer else ()
    for code in missing:
        unit = rules.unit(code)
        issues.append(Issue("peer-missing", unit=code, params={
            "name": unit.name if unit else code, "template": peer_filename(rules, code)}))
    return Peers(scores, chosen, missing, unsettled)


def unscored(rules: Rules, entries: pd.DataFrame, results: Mapping[tuple[str, str], PeerResult]) -> list[Issue]:
    """A warning per unit whose criteria no peer scored: their self-scores stand."""
    if rules.appraisal_by != "peers" or entries.empty:
        return []
    own = entries[entries["scorer"].eq("self") & ~entries["is_blank"] & ~entries["is_na"]]
    pending: dict[str, list[tuple[str, str, str | None, str | None]]] = {}
    for unit, code, file, sheet, cell in zip(own["unit_code"], own["criterion_code"], own["file"], own["sheet"],
                                             own["cell"], strict=True):
        result = results.get((unit, code))
        if result is None or result.mean is None:
            pending.setdefault(unit, []).append((code, file, sheet, cell))
    issues = []
    order = {c.code: i for i, c in enumerate(rules.criteria())}
    for unit, found in pending.items():
        found.sort(key=lambda item: order.get(item[0], 0))
        code, file, sheet, cell = found[0]
        issues.append(Issue("peer-none", file=file, sheet=sheet, cell=cell, unit=unit, criterion=code,
                            params={"criteria": ", ".join(item[0] for item in found), "count": len(found)}))
    return issues


def _one_book(scorer: str, found: list[Submission], issues: list[Issue]) -> tuple[Submission | None, bool]:
    """One scorer's workbook among those sent: the same one twice counts once; two that differ, neither."""
    distinct: dict[str, Submission] = {}
    for book in found:
        first = distinct.get(book.sha256)
        if first is not None:
            issues.append(Issue("peer-duplicate", file=book.file, unit=scorer, params={"other": first.file}))
        else:
            distinct[book.sha256 or book.file] = book
    books = list(distinct.values())
    if not books:
        return None, True
    first = books[0]
    for other in books[1:]:
        where = _difference(first, other)
        if where is None:  # another save of the same scores (LibreOffice's, say)
            issues.append(Issue("peer-duplicate", file=other.file, unit=scorer, params={"other": first.file}))
            continue
        sheet, cell = where
        issues.append(Issue("peer-conflict", file=other.file, sheet=sheet, cell=cell, unit=scorer,
                            params={"other": first.file}))
        return None, False
    return first, True


def _difference(first: Submission, other: Submission) -> tuple[str, str] | None:
    assert first.appraisal is not None and other.appraisal is not None
    for unit_code in dict.fromkeys([*first.appraisal.sheets, *other.appraisal.sheets]):
        mine = first.appraisal.sheets.get(unit_code)
        theirs = other.appraisal.sheets.get(unit_code)
        if mine is None or theirs is None:
            only = mine or theirs
            if only is not None and any(r.appraised not in (None, "") for r in only.rows):
                return only.sheet, "A1"  # a sheet only one of them has, with scores in it
            continue
        where = first_difference(mine, theirs)
        if where is not None:
            return where
    return None


def _own_scores(entries: pd.DataFrame) -> dict[tuple[str, str], tuple[object, str, str]]:
    """(unit, criterion) → the self-score cell as read now, its file and its cell."""
    if entries.empty:
        return {}
    own = entries[entries["scorer"].eq("self")]
    return {(u, c): (raw, file, cell) for u, c, raw, file, cell in zip(
        own["unit_code"], own["criterion_code"], own["raw"], own["file"], own["cell"], strict=True)}


def _check_stale(book: Submission, scorer: str, unit_code: str, sheet: AppraisalSheet, scored: set[str],
                 selves: Mapping[tuple[str, str], tuple[object, str, str]], issues: list[Issue]) -> None:
    """A warning per counted peer score given while the unit's self-score was another: the unit resubmitted
    after the peer's workbook was made, and the peer scored what it no longer claims. The score counts."""
    assert book.appraisal is not None
    made_from = book.appraisal.made_from_self
    column = sheet.columns.get("appraised", 0)
    looked_at: set[str] = set()
    for row in sheet.rows:
        found = selves.get((unit_code, row.code))
        if row.code not in scored or row.code in looked_at or found is None:
            continue
        looked_at.add(row.code)  # the first row of a code is the one that counted, as in _sheet_scores
        then = made_from.get((unit_code, row.code), row.self_score if "self" in sheet.columns else None)
        raw, unit_file, unit_cell = found
        if then is None or score_identity(then) == score_identity(raw):
            continue
        issues.append(Issue("peer-stale", file=book.file, sheet=sheet.sheet, cell=cell_address(row.row, column),
                            unit=unit_code, criterion=row.code, params={
                                "scorer": scorer, "made_from": score_shown(then), "current": score_shown(raw),
                                "unit_file": unit_file, "unit_cell": unit_cell}))


def _own_na(entries: pd.DataFrame) -> set[tuple[str, str]]:
    if entries.empty:
        return set()
    own = entries[entries["scorer"].eq("self") & entries["is_na"]]
    return set(zip(own["unit_code"], own["criterion_code"], strict=True))


def _sheet_scores(book: Submission, scorer: str, unit_code: str, sheet: AppraisalSheet,
                  criteria: Mapping[str, Criterion], self_na: set[tuple[str, str]], issues: list[Issue]
                  ) -> tuple[list[PeerScore], bool]:
    """The usable scores of one sheet, each bad cell reported at its place; whether any cell was in error."""
    scores: list[PeerScore] = []
    bad = False
    seen: set[str] = set()
    assert book.appraisal is not None
    if sheet.header_row is None and unit_code in book.appraisal.made_from_file:
        # The sheet was written with a table, which is gone or relabelled: its scores cannot be read.
        labels = " | ".join(text(lang, key) for lang in LANGUAGES for key in ("column.code", "column.peer"))
        issues.append(Issue("peer-table-missing", file=book.file, sheet=sheet.sheet, unit=unit_code,
                            params={"columns": labels}))
        return [], True
    column = sheet.columns.get("appraised", 0)
    for row in sheet.rows:
        criterion = criteria.get(row.code)
        if criterion is None or row.code in seen:
            continue
        seen.add(row.code)
        kind, value = parse_score(row.appraised)
        if kind is Parsed.BLANK:
            continue
        place = {"file": book.file, "sheet": sheet.sheet, "cell": cell_address(row.row, column),
                 "unit": unit_code, "criterion": row.code}
        unit_na = (unit_code, row.code) in self_na
        if kind is Parsed.NOT_APPLICABLE:
            if not unit_na:
                issues.append(Issue("peer-score-na", **place, params={"scorer": scorer}))
                bad = True
            continue
        if value is None:
            issues.append(Issue("peer-not-a-number", **place, params={"scorer": scorer,
                                                                       "value": clean(str(row.appraised))}))
            bad = True
            continue
        if unit_na:
            issues.append(Issue("peer-score-on-na", **place, params={"scorer": scorer, "value": value}))
            continue
        problem = _out_of_rule(criterion, value)
        if problem is not None:
            code, params = problem
            issues.append(Issue(code, **place, params={"scorer": scorer, "value": value, **params}))
            bad = True
            continue
        scores.append((unit_code, row.code, scorer, value))
    return scores, bad


def _out_of_rule(criterion: Criterion, value: Decimal) -> tuple[str, dict[str, object]] | None:
    """What is wrong with a peer's number for `criterion`, as an issue code and its parameters, or None."""
    if criterion.per_occurrence is not None:
        if value < 0:
            return "peer-score-out-of-range", {"max": criterion.max}
        if value != value.to_integral_value():
            return "peer-score-off-step", {"step": 1}
        return None
    if value < 0 or value > criterion.max:
        return "peer-score-out-of-range", {"max": criterion.max}
    if criterion.step is not None and value % criterion.step != 0:
        return "peer-score-off-step", {"step": criterion.step}
    return None
