"""The Criteria matrix sheet: criteria down, units across, each unit's final score, appraisal changes marked.

Criteria run down the page with their titles printed (a printed page cannot be hovered), grouped by section;
each unit takes one narrow column, so 9 units print on one page width at a legible size, and 40 still read
on screen (frozen panes) and print over several page widths with the criteria columns repeated. The
self-score and the bloc's reason behind each orange cell are printed on the unit's own sheet.
"""

from __future__ import annotations

from decimal import Decimal

from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import format_number
from pipeline.outputs.workbook.context import CHANGED_FILL, GROUP_FILL, Context
from pipeline.outputs.workbook.entries import Shown, counted_points, is_number
from pipeline.outputs.xlsx import (
    FONT,
    MEASURED_PAGE_HEIGHT,
    fit_row,
    keep_together_breaks,
    row_height,
    write_cells,
    write_value,
    written_height,
)
from pipeline.rules.model import BONUS, DEDUCTIONS, Criterion

# Above this many units the two columns each no longer fit one page width at a readable size: the sheet
# prints at a fixed scale across several page widths instead, the criteria columns repeated on each.
ONE_PAGE_WIDE_UNITS = 12
CODE_WIDTH, TITLE_WIDTH, MAX_WIDTH, SCORE_WIDTH = 6, 40, 7, 7.5
SCORE_SIZE = 11
FIRST_UNIT_COLUMN = 3


def write_matrix(ctx: Context) -> None:
    """Criteria × units: the final score, where the appraisal changed the self-score in orange."""
    rules, fmt = ctx.rules, ctx.fmt
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_matrix"))
    units = [u for u in rules.units if u.code in ctx.result.validation.used]
    last_column = FIRST_UNIT_COLUMN + max(1, len(units)) - 1
    sheet.set_column(0, 0, CODE_WIDTH)
    sheet.set_column(1, 1, TITLE_WIDTH)
    sheet.set_column(2, 2, MAX_WIDTH)
    sheet.set_column(FIRST_UNIT_COLUMN, last_column, SCORE_WIDTH)
    full_width = CODE_WIDTH + TITLE_WIDTH + MAX_WIDTH + SCORE_WIDTH * max(1, len(units))
    sheet.merge_range(0, 0, 0, last_column, ctx.t("workbook.matrix_title", year=rules.year),
                      fmt.get(bold=True, font_size=14, align="center"))
    legend = ctx.t("workbook.matrix_legend")
    sheet.merge_range(1, 0, 1, last_column, legend, fmt.note(valign="vcenter"))
    fit_row(sheet, 1, [(legend, min(full_width, 180) * 12 / 11)], size=11)

    header = 3
    sheet.write_string(header, 0, ctx.t("column.code"), fmt.header())
    sheet.write_string(header, 1, ctx.t("column.criterion"), fmt.header())
    sheet.write_string(header, 2, ctx.t("column.max"), fmt.header(font_size=10))
    for index, unit in enumerate(units):
        sheet.write_string(header, FIRST_UNIT_COLUMN + index, unit.code, fmt.header(font_size=10))
        sheet.write_comment(header, FIRST_UNIT_COLUMN + index, unit.name, {"font_name": FONT, "x_scale": 2})
    sheet.set_row(header, row_height(2, 10))

    shown = {(u.code, c.code): ctx.entry(u.code, c.code) for u in units for c in rules.criteria()}
    finals = {marked: fmt.score(font_size=SCORE_SIZE, bold=True, **({"bg_color": CHANGED_FILL} if marked else {}))
              for marked in (False, True)}
    not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#595959", font_size=10)
    comment = {"font_name": FONT, "x_scale": 2.5, "y_scale": 1.5}
    group = fmt.text(bold=True, bg_color=GROUP_FILL)
    title_format, code_format = fmt.text(font_size=SCORE_SIZE), fmt.text(font_size=SCORE_SIZE, align="center")
    row = header + 1
    groups = [(f"{s.code}. {s.title}", s.criteria) for s in rules.sections]
    groups += [(ctx.t(f"report.{name}"), bucket.criteria) for name, bucket in
               ((BONUS, rules.bonus), (DEDUCTIONS, rules.deductions)) if bucket.criteria]
    keep = {header}  # rows never left alone at a page's foot: a heading, a row with its counts under it
    for heading, criteria in groups:
        sheet.merge_range(row, 0, row, last_column, heading, group)
        fit_row(sheet, row, [(heading, min(full_width, 180) * 0.9)])
        keep.add(row)
        row += 1
        for criterion in criteria:
            sheet.write_string(row, 0, criterion.code, code_format)
            sheet.write_string(row, 1, criterion.title, title_format)
            sheet.write_number(row, 2, float(criterion.max), fmt.score(font_size=SCORE_SIZE))
            for index, unit in enumerate(units):
                entry = shown[unit.code, criterion.code]
                column = FIRST_UNIT_COLUMN + index
                write_value(sheet, row, column, counted_points(criterion, entry.final), finals[entry.changed],
                            not_applicable)
                if entry.changed:  # on screen; the unit's sheet prints the self-score and the reason
                    self_score = _shown(counted_points(criterion, entry.self_value), ctx.lang)
                    if criterion.per_occurrence is not None and is_number(entry.self_value):
                        self_score += f" ({ctx.count_text(entry.self_value)})"
                    note = ctx.t("workbook.matrix_changed", self_score=self_score, reason=entry.reason or "")
                    sheet.write_comment(row, column, note, comment)
            fit_row(sheet, row, [(criterion.title, TITLE_WIDTH)], size=SCORE_SIZE)
            row += 1
            counts = [shown[u.code, criterion.code] for u in units]
            if criterion.per_occurrence is not None and any(is_number(e.final) and e.final for e in counts):
                keep.add(row - 1)
                row = _count_row(ctx, sheet, row, criterion, counts)  # the counts, under the points they are worth
    for _ in units:
        ctx.advance()
    names = "; ".join(f"{u.code}: {u.name}" for u in units)
    sheet.merge_range(row + 1, 0, row + 1, last_column, names, fmt.note(valign="top"))
    fit_row(sheet, row + 1, [(names, min(full_width, 180) * 12 / 11)], size=11)

    sheet.freeze_panes(header + 1, FIRST_UNIT_COLUMN)
    wide = len(units) > ONE_PAGE_WIDE_UNITS
    scale: int | None = 85  # across several page widths
    if not wide:  # one page wide: breaks where no section's heading ends a page
        widths = [CODE_WIDTH, TITLE_WIDTH, MAX_WIDTH, *([SCORE_WIDTH] * max(1, len(units)))]
        scale = keep_together_breaks(sheet, row + 1, widths, keep_with_next=keep, body=MEASURED_PAGE_HEIGHT,
                                     repeated=written_height(sheet, header))
    ctx.print_setup(sheet, repeat=(header, header), fit_width=scale is None)
    if wide:
        sheet.repeat_columns(0, 2)
    if scale is not None:
        sheet.set_print_scale(scale)
    sheet.print_area(0, 0, row + 1, last_column)
    sheet.hide_gridlines(2)


def _count_row(ctx: Context, sheet: Worksheet, row: int, criterion: Criterion, entries: list[Shown]) -> int:
    """A `per_occurrence` item's counts ("2 lần"), on a row of their own under its points."""
    label = ctx.count_label(criterion)
    cells = [(0, None, ctx.fmt.text()), (1, label, ctx.fmt.text(font_size=SCORE_SIZE, italic=True)),
             (2, None, ctx.fmt.text()),
             *(ctx.count_cell(FIRST_UNIT_COLUMN + index, entry.final, font_size=10, italic=True,
                              **({"bg_color": CHANGED_FILL} if entry.changed else {}))
               for index, entry in enumerate(entries))]
    write_cells(sheet, row, cells)
    fit_row(sheet, row, [(label, TITLE_WIDTH)], size=SCORE_SIZE)
    return row + 1


def _shown(value: object, lang: str) -> str:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return format_number(value, lang)
    return str(value) if value not in (None, "") else "…"
