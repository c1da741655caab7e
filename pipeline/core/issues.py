"""Problems found in the submissions: one row each, with a stable code, a place and a message.

Data problems never raise: every stage appends `Issue`s and goes on, so one run reports them all.
The same list feeds the terminal, the workbook's Issues sheet and the JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.core.cells import reading_order
from pipeline.core.labels import text

Severity = Literal["error", "warning", "info"]

# Every issue code and its severity, in one place. An error keeps the unit out of the ranking;
# a warning is shown but the unit is scored; info is for the record (a skipped lock file, say).
SEVERITY: dict[str, Severity] = {
    # the input folder
    "stray-file": "info",
    "not-a-spreadsheet": "info",
    "not-a-file": "error",
    "symlink-skipped": "warning",
    "name-lookalike": "warning",
    # saved e-mails in the input folder
    "mail-malformed": "error",
    "mail-no-spreadsheet": "warning",
    "mail-attachment-skipped": "info",
    "mail-several-units": "warning",
    "mail-date-future": "warning",
    # where a file was found and who sent it: a unit never sets what the bloc decides
    "bloc-book-in-input": "warning",
    "bloc-book-in-output": "warning",
    "unit-file-in-bloc": "warning",
    "record-other-year": "info",
    "sender-other-unit": "error",
    "sender-unknown": "warning",
    # the bloc's authentication code (mã xác thực) on what it issued
    "seal-mismatch": "error",
    "seal-required": "error",
    "seal-missing": "warning",
    "seal-missing-accepted": "warning",
    "seal-not-checked": "info",
    "seal-example-key": "warning",
    # reading a file
    "empty-file": "error",
    "not-excel": "error",
    "corrupt-file": "error",
    "password-protected": "error",
    "file-too-large": "error",
    "zip-bomb": "error",
    "xml-entities": "error",
    "too-many-rows": "error",
    "too-many-columns": "error",
    "duplicate-member": "error",
    "reader-crashed": "error",
    "file-too-complex": "error",
    "legacy-format": "warning",
    "second-table": "error",
    # which template the file was made from
    "not-a-template": "error",
    "template-identity-missing": "warning",
    "wrong-bloc": "error",
    "wrong-year": "error",
    "old-template": "error",
    "sheet-renamed": "warning",
    "unit-code-missing": "error",
    "unit-code-unknown": "error",
    "unit-code-altered": "error",
    # rows of the criteria table
    "criterion-missing": "error",
    "criterion-duplicate": "error",
    "criterion-unknown": "error",
    "row-unknown": "warning",
    "rows-moved": "warning",
    "rows-reordered": "warning",
    "max-altered": "warning",
    # score and evidence cells
    "score-missing": "error",
    "not-a-number": "error",
    "ambiguous-number": "error",
    "cell-error": "error",
    "formula-without-value": "error",
    "score-percent": "error",
    "score-date": "error",
    "number-as-text": "warning",
    "score-negative": "error",
    "score-above-max": "error",
    "score-off-step": "error",
    "count-not-whole": "error",
    "na-not-allowed": "error",
    "evidence-missing": "error",
    "section-all-na": "error",
    "legacy-encoding": "warning",
    # the bloc's appraisal
    "appraisal-in-unit-file": "warning",
    "appraisal-reason-missing": "error",
    "appraisal-stale": "warning",
    "appraisal-duplicate": "warning",
    "appraisal-conflict": "error",
    "appraisal-table-missing": "error",
    # cross-scoring (appraisal.by: peers): a peer's bad cell does not count and makes the run provisional,
    # but never the scored unit invalid
    "peer-not-expected": "warning",
    "peer-scorer-unknown": "error",
    "peer-self-scoring": "error",
    "peer-duplicate": "warning",
    "peer-conflict": "error",
    "peer-missing": "warning",
    "peer-none": "warning",
    "peer-score-na": "error",
    "peer-score-on-na": "warning",
    "peer-stale": "warning",
    "peer-not-a-number": "error",
    "peer-score-out-of-range": "error",
    "peer-score-off-step": "error",
    "peer-table-missing": "error",
    # units and files together
    "duplicate-copy": "warning",
    "duplicate-unit": "error",
    "mail-superseded": "info",
    "unit-missing": "error",
    # awards
    "award-tie": "warning",
    "award-disqualified": "warning",
    "award-unfilled": "info",
    "award-no-places": "info",
    # last year's results, to compare with
    "previous-results-unusable": "warning",
    "previous-results-other-bloc": "warning",
    "previous-results-provisional": "info",
    "previous-code-unknown": "warning",
    # the members' vote and its tally
    "tally-no-vote": "warning",
    "tally-date-invalid": "error",
    "tally-duplicate": "warning",
    "tally-conflict": "error",
    "tally-table-missing": "error",
    "tally-other-run": "error",
    "tally-award-unknown": "error",
    "tally-candidate-unknown": "error",
    "tally-candidate-duplicate": "error",
    "tally-candidate-missing": "error",
    "tally-value-missing": "error",
    "tally-value-invalid": "error",
    "tally-present-above-members": "error",
    "tally-votes-above-present": "error",
    "tally-mark-invalid": "error",
    "tally-nobody-present": "error",
    "tally-issued-above-present": "error",
    "tally-returned-above-issued": "error",
    "tally-ballots-sum": "error",
    "tally-candidate-sum": "error",
    "vote-tie": "warning",
    # a province's board (bloc-score province): a bloc's results, and the board's consolidation
    "province-bloc-missing": "error",
    "province-bloc-not-scored": "error",
    "province-bloc-provisional": "warning",
    "province-results-unusable": "error",
    "province-results-version": "error",
    "province-results-other-year": "error",
    "province-results-other-bloc": "warning",
    "province-results-inconsistent": "error",
    "province-fingerprint-absent": "warning",
    "province-fingerprint-mismatch": "error",
    "province-fingerprint-not-signed": "error",
    "province-award-undecided": "warning",
    "province-decided-not-candidate": "error",
    "province-decided-twice": "error",
    "province-decided-over-quota": "error",
    "province-history-unusable": "warning",
}

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Issue:
    """One problem, located as precisely as it can be: file, sheet, Excel cell, unit, criterion."""

    code: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    unit: str | None = None
    criterion: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in SEVERITY:
            raise ValueError(f"unknown issue code {self.code!r}")

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    def message(self, lang: str) -> str:
        # The bloc's own issue about a unit (`unit` None) keeps the unit's code among its params, for its message.
        fields = {"file": self.file or "", "sheet": self.sheet or "", "cell": self.cell or "",
                  "unit": self.unit or "", "criterion": self.criterion or ""}
        return text(lang, f"issue.{self.code}", **{**fields, **self.params})

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "severity": self.severity, "code": self.code, "file": self.file, "sheet": self.sheet,
            "cell": self.cell, "unit": self.unit, "criterion": self.criterion, "message": self.message(lang),
        }


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Grouped by file, then errors before warnings, then in reading order of the cells."""

    def key(issue: Issue) -> tuple[bool, str, str, int, tuple[int, int], str]:
        return (
            issue.file is None, issue.file or "", issue.unit or "", SEVERITY_ORDER[issue.severity],
            reading_order(issue.cell), issue.code,
        )

    return sorted(issues, key=key)


def has_errors(issues: Iterable[Issue]) -> bool:
    return any(i.severity == "error" for i in issues)

