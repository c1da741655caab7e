"""The long table of every score cell of a run, and the checks on its cells (one pandera schema).

Cell-level checks run over every submission at once, lazily, so every failure is collected and mapped
back to its Excel cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.numbers import CellNote, Parsed, parse_score, parse_scores
from pipeline.core.text import clean, from_tcvn3, legacy_encoding
from pipeline.rules.layout import SCORE_COLUMNS
from pipeline.rules.model import Criterion, Rules

# Each record of `_check_rows` and `appraisal_rows`; an appraisal also carries its reason and the self-score
# it was made from (None on a unit's own rows).
RECORD_COLUMNS = [
    "file", "sheet", "unit_code", "criterion_code", "scorer", "raw", "cell", "evidence", "evidence_cell",
    "reason", "reason_cell", "made_from", "made_from_cell",
]
ENTRY_COLUMNS = [
    *RECORD_COLUMNS, "kind", "group", "max", "step", "na_allowed", "evidence_required", "per_occurrence",
    "parsed", "value", "number", "is_blank", "is_na",
]


def build_entries(rules: Rules, records: list[dict[str, Any]]) -> pd.DataFrame:
    """The long table of every score cell: parsed, with the rule of its criterion beside it."""
    frame = pd.DataFrame.from_records(records, columns=RECORD_COLUMNS)
    # A unit's own rows have no reason and were made from nothing.
    frame["reason"] = frame["reason"].where(frame["reason"].notna(), "")
    for column in ("reason_cell", "made_from", "made_from_cell"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame = pd.concat([frame, _rules_of(rules, frame["criterion_code"])], axis=1)
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


def _rules_of(rules: Rules, codes: pd.Series) -> pd.DataFrame:
    """Each cell's criterion's rule (`_criterion_record`), row for row with `codes`; NaN for a code of no
    criterion, as a left merge gives it. Taken by position from the rules' table, which costs less than
    the merge it replaced: 6.7 → 5 ms for a bloc's few hundred cells, 180 → 150 ms for 120,000."""
    table = [_criterion_record(c) for c in rules.criteria()]
    position = pd.Index([row["criterion_code"] for row in table]).get_indexer(codes)
    if (position < 0).any():
        table.append(dict.fromkeys(_CRITERION_COLUMNS, np.nan))  # the row of no criterion, taken at -1
    criteria = pd.DataFrame.from_records(table, columns=_CRITERION_COLUMNS)
    return criteria.take(position).set_axis(codes.index)


_CRITERION_COLUMNS = ["kind", "group", "max", "step", "na_allowed", "evidence_required", "per_occurrence"]


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


def check_sections(rules: Rules, entries: pd.DataFrame, final: pd.DataFrame) -> list[Issue]:
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


def check_text(entries: pd.DataFrame) -> list[Issue]:
    """Evidence typed with an old Vietnamese font reads as gibberish to everyone else."""
    issues = []
    notes = entries[entries["scorer"].eq("self") & entries["evidence"].ne("")]
    # Only the few flagged rows are looked at whole: a province's files hold tens of thousands of notes.
    flagged = [(position, encoding) for position, encoding in enumerate(map(legacy_encoding, notes["evidence"]))
               if encoding]
    row: Any  # a named tuple of the entries' columns
    for row, (_position, encoding) in zip(notes.iloc[[position for position, _ in flagged]].itertuples(index=False),
                                          flagged, strict=True):
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
