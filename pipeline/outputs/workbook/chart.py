"""The Chart sheet: each unit's total as a labelled bar, on an axis that starts at zero.

An axis cut near the lowest total would make a 9-point spread look like one unit scoring twice another's;
a bar's length is its total, and the labels and the table under the chart give the exact figures.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from pipeline.outputs.workbook.context import SECTION_COLOURS, Context, number_format, pixels
from pipeline.outputs.xlsx import FONT, fit_row, write_cells


def write_chart(ctx: Context) -> None:
    """Totals by unit, best at the top, each bar labelled; the table under it breaks each total down."""
    rules, fmt, result = ctx.rules, ctx.fmt, ctx.result
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_chart"))
    sections = rules.sections
    # The table under the chart holds each bar's total and what it is made of, to check every bar by a figure.
    labels = [ctx.t("report.rank"), ctx.t("report.unit"), *(s.code for s in sections), ctx.t("report.bonus"),
              ctx.t("workbook.chart_deductions"), ctx.t("report.total")]
    widths = [7, 44, *([8.5] * len(sections)), 9, 11, 10]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    title = ctx.t("workbook.chart_title", year=rules.year)
    sheet.merge_range(0, 0, 0, len(labels) - 1, title, fmt.get(bold=True, font_size=14, align="center"))

    chart_rows = 2 + max(14, (len(result.ranked) * 34 + 150) // 20)
    header = 1 + chart_rows
    for column, label in enumerate(labels):
        sheet.write_string(header, column, label, fmt.header())
    fit_row(sheet, header, list(zip(labels, widths, strict=True)), bold=True)
    first = header + 1
    bonus_column = 2 + len(sections)
    rank_cell, name_cell, figure, total_cell = fmt.integer(), fmt.text(), fmt.score(), fmt.score(bold=True)
    for offset, placed in enumerate(result.ranked):
        row = first + offset
        figures = ctx.figures(placed)
        name = ctx.unit_name(placed.unit_code)
        write_cells(sheet, row, [
            (0, placed.rank, rank_cell), (1, name, name_cell),
            *((2 + index, value, figure) for index, value in enumerate(figures.sections)),
            (bonus_column, figures.bonus, figure),
            # Deductions as the Ranking sheet and the unit sheets print them: the points taken off, a positive figure.
            (bonus_column + 1, figures.deductions, figure), (bonus_column + 2, figures.total, total_cell),
        ])
        fit_row(sheet, row, [(name, widths[1])])
    last = first + len(result.ranked) - 1

    if result.ranked:
        name = sheet.name
        chart = ctx.book.add_chart({"type": "bar"})
        total_column = bonus_column + 2
        chart.add_series({
            "name": ctx.t("report.total"),
            "categories": [name, first, 1, last, 1],
            "values": [name, first, total_column, last, total_column],
            "fill": {"color": SECTION_COLOURS[0]}, "border": {"none": True}, "gap": 40,
            "data_labels": {"value": True, "num_format": number_format(rules.decimals),
                            "font": {"name": FONT, "size": 11, "bold": True}},
        })
        chart.set_title({"none": True})  # the sheet's own title stands above it
        chart.set_legend({"none": True})  # one series: the axis and the labels say what it is
        # Best first, at the top: a bar chart draws its first category at the bottom unless reversed;
        # crossing at the maximum keeps the value axis at the bottom.
        chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"name": FONT, "size": 11}})
        low, high, step = axis_range([r.score.total for r in result.ranked])
        chart.set_x_axis({
            "min": low, "max": high, "major_unit": step, "num_font": {"name": FONT, "size": 10}, "num_format": "0",
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        })
        chart.set_chartarea({"border": {"none": True}})
        chart.set_size({"width": sum(pixels(w) for w in widths), "height": chart_rows * 20})
        sheet.insert_chart(1, 0, chart, {"object_position": 2})
    ctx.print_setup(sheet, pages_tall=1)
    sheet.print_area(0, 0, max(last, header), len(labels) - 1)
    sheet.hide_gridlines(2)


def axis_range(totals: list[Decimal]) -> tuple[float, float, float]:
    """An axis from 0 to a round figure at or above the highest total, and its major unit: bars as long as
    their totals, 0–100 for a bloc scored out of 100."""
    high = max([*totals, Decimal(1)])
    step = next(m for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10), Decimal(20), Decimal(50),
                            Decimal(100), Decimal(1000), Decimal(10000)) if high / m <= 10)
    end = (high / step).to_integral_value(ROUND_CEILING) * step  # the highest total, or the next round figure
    lowest = min(totals, default=Decimal(0))
    start = min(Decimal(0), (lowest / step).to_integral_value(ROUND_FLOOR) * step)  # below 0 only if a total is
    return float(start), float(end), float(step)
