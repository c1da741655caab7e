"""The Issues sheet: every problem of the run, one filterable row each, with its file, sheet and cell."""

from __future__ import annotations

from pipeline.workbook.context import SEVERITY_COLOURS, Context
from pipeline.xlsx import at_size, fit_row, row_height

ISSUE_COLUMNS = (("severity", 10), ("code", 20), ("file", 30), ("sheet", 13), ("cell", 7), ("unit", 9),
                 ("criterion", 9), ("message", 80))
FILE_COLUMN, MESSAGE_COLUMN = 2, 7


def write_issues(ctx: Context) -> None:
    fmt, lang = ctx.fmt, ctx.lang
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_issues"))
    for column, (key, width) in enumerate(ISSUE_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, ctx.t(f"workbook.issue_{key}"), fmt.header())
    sheet.set_row(0, row_height(2))
    widths = [width for _, width in ISSUE_COLUMNS]
    issues = ctx.result.issues
    for row, issue in enumerate(issues, start=1):
        colour = SEVERITY_COLOURS[issue.severity]
        values = [ctx.t(f"workbook.severity_{issue.severity}"), issue.code, issue.file or "",
                  issue.sheet or "", issue.cell or "", issue.unit or "", issue.criterion or "",
                  issue.message(lang)]
        for column, value in enumerate(values):
            coloured = {"font_color": colour} if column in (0, MESSAGE_COLUMN) else {}
            sheet.write_string(row, column, value, fmt.text(font_size=11, valign="top", **coloured))
        fit_row(sheet, row, [(values[FILE_COLUMN], at_size(widths[FILE_COLUMN], 11)),
                             (values[MESSAGE_COLUMN], at_size(widths[MESSAGE_COLUMN], 11))], size=11)
    if not issues:
        sheet.merge_range(1, 0, 1, len(ISSUE_COLUMNS) - 1, ctx.t("report.no_issues"), fmt.text(italic=True))
    sheet.autofilter(0, 0, max(len(issues), 1), len(ISSUE_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    ctx.print_setup(sheet, repeat=(0, 0))
