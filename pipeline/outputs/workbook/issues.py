"""The Issues sheet: every problem of the run, one filterable row each, with its file, sheet and cell.

Beside each stable code (what a script filters on) its short name in the reader's language: a leader
reads "Điểm không phải là số", not `not-a-number`.
"""

from __future__ import annotations

from pipeline.outputs.workbook.context import SEVERITY_COLOURS, Context
from pipeline.outputs.xlsx import fit_row, row_height

# Narrow enough, in 12-pt text, to print at 8 pt or more fitted to one page width.
ISSUE_COLUMNS = (("severity", 9), ("kind", 20), ("code", 16), ("file", 20), ("sheet", 11), ("cell", 6),
                 ("unit", 8), ("criterion", 8), ("message", 50))
KIND_COLUMN, FILE_COLUMN, MESSAGE_COLUMN = 1, 3, 8


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
        values = [ctx.t(f"workbook.severity_{issue.severity}"), ctx.t(f"issue_kind.{issue.code}"), issue.code,
                  issue.file or "",
                  issue.sheet or "", issue.cell or "", issue.unit or "", issue.criterion or "",
                  issue.message(lang)]
        for column, value in enumerate(values):
            coloured = {"font_color": colour} if column in (0, KIND_COLUMN, MESSAGE_COLUMN) else {}
            sheet.write_string(row, column, value, fmt.text(valign="top", **coloured))
        fit_row(sheet, row, [(values[column], widths[column]) for column in (KIND_COLUMN, FILE_COLUMN, MESSAGE_COLUMN)])
    if not issues:
        sheet.merge_range(1, 0, 1, len(ISSUE_COLUMNS) - 1, ctx.t("report.no_issues"), fmt.text(italic=True))
        # Nothing to read: hidden, so it prints no page holding one line (the Audit sheet says none were found);
        # a script or a curious reader still finds it (Unhide).
        sheet.hide()
    sheet.autofilter(0, 0, max(len(issues), 1), len(ISSUE_COLUMNS) - 1)
    sheet.freeze_panes(1, 0)
    ctx.print_setup(sheet, repeat=(0, 0))
