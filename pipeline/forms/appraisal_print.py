"""The parts of an appraisal or cross-scoring sheet that are read on paper rather than read back: the points of
an item counted per occurrence, and the appraisers' signatures.

Neither is read back (read.py finds the table by its header and its rows by their codes: a row with no code,
or the rows under the table, are not the table's), so both may change without touching older workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import text
from pipeline.core.numbers import parse_score
from pipeline.forms import preview
from pipeline.outputs.xlsx import at_size, fit_row
from pipeline.rules.layout import APPRAISAL_KEYS
from pipeline.rules.model import Criterion, Rules

CODE, TITLE, MAX, SELF, APPRAISED, REASON, EVIDENCE = range(len(APPRAISAL_KEYS))
FINAL = 7  # appraisal.py's hidden column of the value that counts (the appraised one, else the self-score)
SIGNATURE_ROWS = 6  # the position, the office, room to sign, the name


@dataclass(frozen=True)
class PointsFormats:
    title: Format
    max: Format
    points: Format
    blank: Format


def _cell(row: int, column: int) -> str:
    return str(xl_rowcol_to_cell(row, column))


def _points(criterion: Criterion, value: object) -> float | str:
    """What a count is worth, for viewers that show a formula's stored result without recalculating."""
    number = value if isinstance(value, Decimal) else parse_score(value)[1]
    return float(criterion.points(number)) if number is not None else ""


def write_points_row(sheet: Worksheet, fmt: PointsFormats, criterion: Criterion, row: int, lang: str,
                     self_value: object, appraised: object, width: float) -> None:
    """Under the row of a count (`row`), its points: the self-score's and the one that counts after appraisal.

    The count stays the entry the unit and the bloc type; these cells are formulas, locked with the sheet.
    """
    below = row + 1
    title = text(lang, "appraisal.points_row", points=criterion.per_occurrence, max=criterion.max)
    sheet.write_string(below, CODE, "", fmt.blank)
    sheet.write_string(below, TITLE, title, fmt.title)
    sheet.write_number(below, MAX, float(criterion.max), fmt.max)
    final = preview.as_written(appraised)
    counted = final if final is not None else self_value
    own, entered, final = _cell(row, SELF), _cell(row, APPRAISED), _cell(row, FINAL)
    points = f"MIN({{}}*{criterion.per_occurrence},{criterion.max})"
    sheet.write_formula(below, SELF, f'=IF(ISNUMBER({own}),{points.format(own)},"")', fmt.points,
                        _points(criterion, self_value))
    # Blank while neither count is written, as the self-score's points are.
    sheet.write_formula(below, APPRAISED, f'=IF(COUNT({own},{entered})=0,"",IF(ISNUMBER({final}),'
                        f'{points.format(final)},""))', fmt.points, _points(criterion, counted))
    for column in (REASON, EVIDENCE):
        sheet.write_string(below, column, "", fmt.blank)
    fit_row(sheet, below, [(title, at_size(width, 11))])


def signers(rules: Rules, lang: str, peer: bool) -> list[tuple[str, str, str]]:
    """(heading, office, name) of each signature block: one per signer the rules name for the bloc's appraisal
    (its leader, its deputies), else one for whoever appraised; a scoring unit's head for cross-scoring."""
    if peer:
        return [(text(lang, "peer.signed_by"), "", "")]
    named = [(signer.position.upper() or text(lang, "appraisal.signed_by"), signer.office.upper(), signer.name)
             for signer in rules.signers]
    return named or [(text(lang, "appraisal.signed_by"), "", "")]


def write_signatures(sheet: Worksheet, first_row: int, blocks: list[tuple[str, str, str]],
                     formats: tuple[Format, Format, Format]) -> int:
    """The signature blocks from `first_row`, two abreast, each centred over its own columns; the last row.

    Under the position, the signer's own office where the rules give it; never an instruction such as
    "(Ký, ghi rõ họ tên)", which a form's reader knows and a signed page does not print."""
    heading, office_format, name = formats
    # One block on the right, as a single signer signs; two side by side; more in further bands of two.
    slots = [(REASON, EVIDENCE)] if len(blocks) == 1 else [(CODE, TITLE), (REASON, EVIDENCE)]
    row = first_row
    for index, (position, office, signer) in enumerate(blocks):
        first, last = slots[index % len(slots)]
        row = first_row + (index // len(slots)) * SIGNATURE_ROWS
        sheet.merge_range(row, first, row, last, position, heading)
        sheet.merge_range(row + 1, first, row + 1, last, office, office_format)
        sheet.merge_range(row + 4, first, row + 4, last, signer, name)
    return row + 4
