"""The template's layout contract: where the reader finds what the template writer put.

Column keys, the header row, the unit-code cell, the identity sheet and its keys. The writer
(template.py) and the reader (read.py, validate.py) both depend on this module; it imports no writer
library, so reading never depends on how a template is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.core.text import slug
from pipeline.rules.model import Rules, Unit

TEMPLATE_FORMAT = "bloc-score-template"
# 1: the bloc's letterhead, base total after the bonus and deductions (templates sent out until 2026-11);
# 2: the unit's own letterhead, totals in the order A (the sections), B (bonus), C (deductions), A+B−C.
# The reader finds the table by its header labels whatever the version; only the row check needs the plan.
TEMPLATE_VERSION = 2
IDENTITY_SHEET = "bloc-score"  # very hidden; holds key/value rows the reader trusts

# The criteria table's columns, by key, in the template's order. The reader finds them by their header
# labels (`column.<key>` in either language), not by position, so a unit may move them.
COLUMN_KEYS: tuple[str, ...] = ("code", "criterion", "max", "self", "appraised", "evidence")
CODE, TITLE, MAX, SELF, APPRAISED, EVIDENCE = range(len(COLUMN_KEYS))
# The column of each scorer a unit's template holds, in the entries table's `scorer` values.
SCORE_COLUMNS: tuple[str, ...] = ("self", "appraised")

# The bloc's appraisal workbook (appraisal.py writes it, read.py reads it): one sheet per unit, named by its
# code, a table whose columns are these, in this order, and the same identity sheet with its own format.
APPRAISAL_FORMAT = "bloc-score-appraisal"
APPRAISAL_VERSION = 1
APPRAISAL_KEYS: tuple[str, ...] = ("code", "criterion", "max", "self", "appraised", "reason", "evidence")
APPRAISAL_HEADER_ROW = 3  # 0-based: Excel row 4, under the unit's name, its file and the instructions
# Keys of the appraisal identity, a row per unit each: `sheet:<unit>` → its sheet's name, `self:<unit>` →
# the self-scores it was made from (a JSON object, criterion → the score as text), `file:<unit>` → the
# SHA-256 of the unit's file then, `held:<unit>` → appraisals already entered for a unit the workbook has no
# table for (its file is now missing or has errors): a JSON object, criterion → [value, reason], carried back
# into its table once the unit's file is sound again, so that remaking the workbook never loses what was typed.
APPRAISAL_SHEET, MADE_FROM_SELF, MADE_FROM_FILE, HELD = "sheet:", "self:", "file:", "held:"
# A unit's cross-scoring workbook (chấm chéo) is an appraisal workbook of another kind: the same format and
# table, identity `kind` "peer" and `scorer` its unit's code, one sheet per *other* unit, and the score column
# labelled `column.peer` instead of `column.appraised`.
APPRAISAL_KIND, PEER_KIND = "appraisal", "peer"

# The bloc's tally of the vote (ballot.py writes it, read.py reads it, vote.py checks it): one sheet, a row per
# award and candidate whose columns are found by these labels, the meeting's place and date above the table,
# and an identity naming the candidates it was made from (`candidates:<award>` → their codes, JSON).
TALLY_FORMAT = "bloc-score-tally"
# Version 2 records the whole count once (members present, ballots, the counting committee) and per candidate
# the agree, disagree and invalid votes; version 1 (members present and votes for on each candidate's row)
# stays readable and decides as it did.
TALLY_VERSION = 2
TALLY_KEYS_V1: tuple[str, ...] = ("award", "code", "unit", "rank", "total", "present", "votes")
TALLY_KEYS: tuple[str, ...] = ("award", "code", "unit", "rank", "total", "votes", "against", "spoilt")
TALLY_MEMBER_KEYS: tuple[str, ...] = ("number", "code", "member", "mark")
TALLY_HEADER_ROW = 6  # version 1, 0-based: Excel row 7, under the title, the instructions, the place and the date
TALLY_PLACE_CELL, TALLY_DATE_CELL = "C4", "C5"
# Version 2's count block, one cell each, in column C under the place and the date.
TALLY_TIME_CELL = "C6"
TALLY_BALLOT_CELLS: dict[str, str] = {"issued": "C7", "returned": "C8", "valid": "C9", "invalid": "C10"}
TALLY_PRESENT_CELL = "C11"  # a locked formula: the marks of the members' list, never typed
TALLY_HEAD_CELL = "C12"  # the counting committee's head
TALLY_COMMITTEE_CELLS: tuple[str, ...] = ("C13", "C14", "C15", "C16")  # its members
TALLY_MEMBERS_ROW = 17  # 0-based: the members' list's header, Excel row 18; the candidates' table follows it
TALLY_CANDIDATES = "candidates:"

HEADER_ROW = 5  # 0-based: the table's header is Excel row 6, under the letterhead, the title and the unit
FIRST_BODY_ROW = HEADER_ROW + 1
UNIT_CODE_CELL = "D4"
# Where earlier versions put the table's header (0-based), for checking their rows where they were.
HEADER_ROWS = {1: 5, TEMPLATE_VERSION: HEADER_ROW}

# Every header label the reader accepts per column, by locale key, in both languages: today's, and those of
# templates already sent out. A column relabelled in a later version keeps its old key listed here.
COLUMN_LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("column.code",),
    "criterion": ("column.criterion",),
    "max": ("column.max",),
    "self": ("column.self",),
    # Templates label the appraised column "for the bloc"; copies a unit made may not.
    "appraised": ("column.appraised", "column.appraised_for_bloc"),
    "evidence": ("column.evidence",),
}


@dataclass
class Layout:
    """Where everything lands, in 0-based rows; the writer, the validator and the tests share it."""

    criterion_rows: dict[str, int] = field(default_factory=dict)
    group_rows: dict[str, int] = field(default_factory=dict)  # section codes, "bonus", "deductions"
    base_row: int = 0  # the sections' total (A)
    total_row: int = 0
    last_row: int = 0


def template_filename(rules: Rules, unit: Unit) -> str:
    """`2024_VPTU_Van-phong-Tinh-uy.xlsx`: sorts by year, names the unit the way a person recognises it."""
    return f"{rules.year}_{unit.code}_{slug(unit.name)}.xlsx"


def appraisal_filename(rules: Rules) -> str:
    """`appraisal-2024.xlsx`: the bloc's appraisal workbook, beside `ranking-2024.xlsx` in the output folder."""
    return f"appraisal-{rules.year}.xlsx"


def peer_filename(rules: Rules, scorer: str) -> str:
    """`peer-scores-2024_VPTU.xlsx`: the workbook in which unit VPTU scores the bloc's other units."""
    return f"peer-scores-{rules.year}_{scorer}.xlsx"


def tally_filename(rules: Rules) -> str:
    """`tally-2024.xlsx`: the count of the members' vote, filled in by the counting committee."""
    return f"tally-{rules.year}.xlsx"


def minutes_filename(rules: Rules) -> str:
    """`minutes-2024.docx`: the minutes of the count of the members' vote (biên bản kiểm phiếu)."""
    return f"minutes-{rules.year}.docx"


def proposals_filename(rules: Rules) -> str:
    """`proposals-2024.docx`: the list of the units proposed for an award (danh sách đề nghị)."""
    return f"proposals-{rules.year}.docx"


def ballots_filename(rules: Rules) -> str:
    """`ballots-2024.xlsx`: the ballot papers, one printed page per voter."""
    return f"ballots-{rules.year}.xlsx"


def plan_layout(rules: Rules, version: int = TEMPLATE_VERSION) -> Layout:
    """The rows of a template of `version` (an unknown one is planned as today's)."""
    layout = Layout()
    row = HEADER_ROWS.get(version, HEADER_ROW) + 1
    for section in rules.sections:
        layout.group_rows[section.code] = row
        row += 1
        for criterion in section.criteria:
            layout.criterion_rows[criterion.code] = row
            row += 1
    if version != 1:  # A, the sections' total, before B and C
        layout.base_row = row
        row += 1
    for name, bucket in (("bonus", rules.bonus), ("deductions", rules.deductions)):
        if bucket.criteria:
            layout.group_rows[name] = row
            row += 1
            for criterion in bucket.criteria:
                layout.criterion_rows[criterion.code] = row
                row += 1
    if version == 1:
        layout.base_row = row
        row += 1
    layout.total_row = layout.last_row = row
    return layout


def template_identity(rules: Rules, unit: Unit, lang: str, sheet_name: str) -> dict[str, str]:
    """The key/value rows of the identity sheet; every value is text so no client reformats it."""
    return {
        "format": TEMPLATE_FORMAT,
        "template_version": str(TEMPLATE_VERSION),
        "bloc": rules.bloc,
        "year": str(rules.year),
        "revision": str(rules.revision),
        "fingerprint": rules.fingerprint,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "language": lang,
        "sheet": sheet_name,
        "unit_code_cell": UNIT_CODE_CELL,
        "header_row": str(HEADER_ROW + 1),
    }
