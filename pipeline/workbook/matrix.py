"""The Criteria matrix sheet: units × criteria, each unit's self-score, appraised score and final score."""

from __future__ import annotations

from pipeline.workbook.context import CHANGED_FILL, GROUP_FILL, Context
from pipeline.xlsx import FONT, fit_row, row_height, wrapped_lines, write_value


def write_matrix(ctx: Context) -> None:
    """Units × criteria: self-score, appraised score and final score, with each criterion's max."""
    rules, fmt = ctx.rules, ctx.fmt
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_matrix"))
    criteria = list(rules.criteria())
    first_criterion = 3
    last_column = first_criterion + len(criteria) - 1
    widths = [9, 28, 14]
    sheet.set_column(0, 0, widths[0])
    sheet.set_column(1, 1, widths[1])
    sheet.set_column(2, 2, widths[2])
    sheet.set_column(first_criterion, last_column, 7)
    sheet.merge_range(0, 0, 0, last_column, ctx.t("workbook.matrix_title", year=rules.year),
                      fmt.get(bold=True, font_size=14, align="center"))
    legend = ctx.t("workbook.matrix_legend")
    sheet.merge_range(1, 0, 1, last_column, legend, fmt.note(valign="vcenter"))
    fit_row(sheet, 1, [(legend, sum(widths) + 7 * len(criteria))], size=11)

    header = 3
    sheet.write_string(header, 0, ctx.t("report.unit_code"), fmt.header())
    sheet.write_string(header, 1, ctx.t("report.unit"), fmt.header())
    sheet.write_string(header, 2, "", fmt.header())
    for offset, criterion in enumerate(criteria):
        sheet.write_string(header, first_criterion + offset, criterion.code, fmt.header())
        sheet.write_comment(header, first_criterion + offset, f"{criterion.code}. {criterion.title}",
                            {"font_name": FONT, "x_scale": 2.5, "y_scale": 1.5})
    max_row = header + 1
    max_fill = {"bg_color": GROUP_FILL, "bold": True}
    sheet.write_string(max_row, 0, "", fmt.text(**max_fill))
    sheet.write_string(max_row, 1, ctx.t("column.max"), fmt.text(**max_fill))
    sheet.write_string(max_row, 2, "", fmt.text(**max_fill))
    for offset, criterion in enumerate(criteria):
        sheet.write_number(max_row, first_criterion + offset, float(criterion.max),
                           fmt.score(font_size=10, **max_fill))

    not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F", font_size=10)
    labels = (ctx.t("column.self"), ctx.t("column.appraised"), ctx.t("column.final"))
    # (bold, marked) → format, looked up once: this loop writes units × criteria × 3 cells.
    numbers = {(bold, marked): fmt.score(font_size=10, bold=bold, **({"bg_color": CHANGED_FILL} if marked else {}))
               for bold in (False, True) for marked in (False, True)}
    label_formats = {bold: fmt.text(font_size=10, bold=bold) for bold in (False, True)}
    unit_code_format, unit_name_format = fmt.text(align="center", bold=True), fmt.text()
    comment = {"font_name": FONT, "x_scale": 2.5, "y_scale": 1.5}
    row = max_row + 1
    for unit in rules.units:
        if unit.code not in ctx.result.validation.used:
            continue
        sheet.merge_range(row, 0, row + 2, 0, unit.code, unit_code_format)
        sheet.merge_range(row, 1, row + 2, 1, unit.name, unit_name_format)
        shown = [ctx.entry(unit.code, c.code) for c in criteria]
        rows = ([(e.self_value, False) for e in shown], [(e.appraised, e.changed) for e in shown],
                [(e.final, e.changed) for e in shown])
        # The appraisal's change is marked on the appraised and on the final figure.
        for offset_row, (label, cells) in enumerate(zip(labels, rows, strict=True)):
            final_row = offset_row == 2
            sheet.write_string(row + offset_row, 2, label, label_formats[final_row])
            for offset, (value, marked) in enumerate(cells):
                write_value(sheet, row + offset_row, first_criterion + offset, value, numbers[final_row, marked],
                            not_applicable)
                if offset_row == 1 and shown[offset].reason:  # the bloc's reason, on its appraised score
                    sheet.write_comment(row + 1, first_criterion + offset, shown[offset].reason, comment)
        lines = wrapped_lines(unit.name, widths[1])
        if lines > 3:  # three rows share the name; grow them only when it needs more
            for offset_row in range(3):
                sheet.set_row(row + offset_row, row_height(-(-lines // 3)))
        row += 3
        ctx.advance()
    sheet.freeze_panes(max_row + 1, first_criterion)
    ctx.print_setup(sheet, repeat=(header, max_row))
    sheet.hide_gridlines(2)
