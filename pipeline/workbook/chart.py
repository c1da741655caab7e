"""The Chart sheet: each unit's total as a bar stacked by section and bonus, deductions left of zero."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from pipeline.figures import bucket_limit, weighted_base_max
from pipeline.labels import format_number
from pipeline.numbers import SECTION_DECIMALS, rounded
from pipeline.rules import BONUS, Rules
from pipeline.workbook.context import BONUS_COLOUR, DEDUCTION_COLOUR, SECTION_COLOURS, Context, pixels
from pipeline.xlsx import FONT, fit_row


def write_chart(ctx: Context) -> None:
    """Totals by unit, best at the top, each bar stacked by section and bonus; deductions left of zero."""
    rules, fmt, result = ctx.rules, ctx.fmt, ctx.result
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_chart"))
    sections = rules.sections
    # The table under the chart is the chart's data, so every bar can be checked against a figure.
    labels = [ctx.t("report.rank"), ctx.t("report.unit"), *(s.code for s in sections), ctx.t("report.bonus"),
              ctx.t("workbook.chart_deductions"), ctx.t("report.total"), ctx.t("workbook.chart_label")]
    widths = [7, 36, *([8.5] * len(sections)), 9, 11, 10, 44]
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
    for offset, placed in enumerate(result.ranked):
        row = first + offset
        score = placed.score
        name = ctx.unit_name(placed.unit_code)
        sheet.write_number(row, 0, placed.rank, fmt.integer())
        sheet.write_string(row, 1, name, fmt.text())
        for index, section in enumerate(score.sections):
            sheet.write_number(row, 2 + index, rounded(section.score, SECTION_DECIMALS), fmt.score())
        sheet.write_number(row, bonus_column, ctx.rounded(score.bonus), fmt.score())
        # Deductions are drawn to the left of zero, so they are stored negative here (and only here).
        sheet.write_number(row, bonus_column + 1, 0.0 - ctx.rounded(score.deductions), fmt.score())
        sheet.write_number(row, bonus_column + 2, ctx.rounded(score.total_exact), fmt.score(bold=True))
        # Chart labels are text by nature: the bar's name carries the total the bar nets out to.
        label = ctx.t("workbook.chart_category", unit=name, total=format_number(score.total, ctx.lang, rules.decimals))
        sheet.write_string(row, bonus_column + 3, label, fmt.text(font_size=10))
        fit_row(sheet, row, [(name, widths[1])])
    last = first + len(result.ranked) - 1

    if result.ranked:
        name = sheet.name
        chart = ctx.book.add_chart({"type": "bar", "subtype": "stacked"})
        categories = [name, first, len(labels) - 1, last, len(labels) - 1]
        series_names = [f"{s.code}. {s.title}" for s in sections]
        series_names += [ctx.t("report.bonus"), ctx.t("workbook.chart_deductions")]
        colours = [SECTION_COLOURS[i % len(SECTION_COLOURS)] for i in range(len(sections))]
        colours += [BONUS_COLOUR, DEDUCTION_COLOUR]
        for offset, (series_name, colour) in enumerate(zip(series_names, colours, strict=True)):
            chart.add_series({
                "name": series_name if len(series_name) <= 70 else series_name[:69] + "…",
                "categories": categories,
                "values": [name, first, 2 + offset, last, 2 + offset],
                "fill": {"color": colour}, "border": {"none": True}, "gap": 50,
            })
        chart.set_title({"none": True})  # the sheet's own title stands above it
        # Best first, at the top: a bar chart draws its first category at the bottom unless reversed;
        # crossing at the maximum keeps the value axis at the bottom.
        chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"name": FONT, "size": 10}})
        most_deducted = max(r.score.deductions for r in result.ranked)
        step = axis_step(rules)
        axis_min = -float(step * math.ceil(most_deducted / Fraction(step)))
        chart.set_x_axis({
            "min": axis_min, "max": float(weighted_base_max(rules) + bucket_limit(rules, BONUS)),
            "major_unit": float(step),
            "num_font": {"name": FONT, "size": 10}, "num_format": "0",
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        })
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
        chart.set_chartarea({"border": {"none": True}})
        chart.set_size({"width": sum(pixels(w) for w in widths), "height": chart_rows * 20})
        sheet.insert_chart(1, 0, chart, {"object_position": 2})
    ctx.print_setup(sheet, pages_tall=1)
    sheet.print_area(0, 0, max(last, header), len(labels) - 1)
    sheet.hide_gridlines(2)


def axis_step(rules: Rules) -> Decimal:
    """A tenth of the base maximum, rounded to 1, 2 or 5 times a power of ten: 10 on a 100-point scale."""
    rough = weighted_base_max(rules) / 10
    magnitude = Decimal(10) ** (len(str(int(rough))) - 1) if rough >= 1 else Decimal(1)
    return next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough), 10 * magnitude)
