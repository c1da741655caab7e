"""The "Compared with <last year>" sheet: each unit's total and rank beside last year's, the change, new and gone units.

A sheet of its own, so the Ranking sheet still prints on one page; written only when last year's results
were found.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from pipeline.checking.validate import UnitStatus
from pipeline.core.labels import format_number
from pipeline.outputs.workbook.context import Context, number_format
from pipeline.outputs.xlsx import BASE_SIZE, fit_row

if TYPE_CHECKING:
    from pipeline.scoring.previous_year import Previous, YearComparison

COLUMNS = (("code", 10), ("unit", 34), ("total", 11), ("rank", 9), ("total", 11), ("rank", 9),
           ("change_total", 12), ("change_rank", 11), ("remarks", 44))


def write_previous_year(ctx: Context) -> None:
    comparison = ctx.result.previous_year
    if comparison is None:
        return
    rules, fmt, result = ctx.rules, ctx.fmt, ctx.result
    year, last = rules.year, comparison.year
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_previous", year=last))
    end = len(COLUMNS) - 1
    for column, (_, width) in enumerate(COLUMNS):
        sheet.set_column(column, column, width)
    title = ctx.t("workbook.previous_title", year=year, previous=last)
    sheet.merge_range(0, 0, 0, end, title, fmt.get(bold=True, font_size=14, align="center", text_wrap=True))
    sheet.merge_range(1, 0, 1, end, rules.bloc, fmt.get(italic=True, align="center", text_wrap=True))
    note = ctx.t("workbook.previous_note", previous=last, file=comparison.file)
    sheet.merge_range(2, 0, 2, end, note, fmt.note())
    fit_row(sheet, 2, [(note, sum(w for _, w in COLUMNS) * BASE_SIZE / 11)], size=11)
    header = 4
    labels = [ctx.t(f"workbook.previous_{key}", year=year if index in (2, 3) else last)
              for index, (key, _) in enumerate(COLUMNS)]
    for column, label in enumerate(labels):
        sheet.write_string(header, column, label, fmt.header())
    fit_row(sheet, header, [(label, width) for label, (_, width) in zip(labels, COLUMNS, strict=True)], bold=True)

    placed = {r.unit_code: r for r in result.ranked}
    # This year's order: the ranking first, then the units not ranked, as the rules list them.
    order = [r.unit_code for r in result.ranked] + [u.code for u in rules.units if u.code not in placed]
    row = header + 1
    for code in order:
        now = placed.get(code)
        found = comparison.units.get(code)
        sheet.write_string(row, 0, code, fmt.text(align="center"))
        sheet.write_string(row, 1, ctx.unit_name(code), fmt.text())
        _number(sheet, row, 2, now.score.total if now else None, fmt.score())
        _number(sheet, row, 3, now.rank if now else None, fmt.integer())
        _number(sheet, row, 4, found.total if found else None, fmt.score())
        _number(sheet, row, 5, found.rank if found else None, fmt.integer())
        # The arrows are the cells' number format: the change stays a number to sort and sum.
        _number(sheet, row, 6, found.total_change if found else None,
                fmt.score(num_format=_arrows(number_format(rules.decimals))))
        _number(sheet, row, 7, found.rank_change if found else None, fmt.integer(num_format=_arrows("0")))
        remark = _remark(ctx, comparison, code, found)
        sheet.write_string(row, 8, remark, fmt.text(font_size=11))
        fit_row(sheet, row, [(ctx.unit_name(code), COLUMNS[1][1]), (remark, COLUMNS[8][1] * BASE_SIZE / 11)])
        row += 1
    if comparison.gone:
        row += 1
        sheet.merge_range(row, 0, row, end, ctx.t("workbook.previous_gone_title", previous=last), fmt.get(bold=True))
        row += 1
        for gone in comparison.gone:
            sheet.write_string(row, 0, gone.code, fmt.text(align="center"))
            sheet.write_string(row, 1, gone.name, fmt.text())
            for column in (2, 3, 6, 7):
                sheet.write_blank(row, column, None, fmt.text())
            _number(sheet, row, 4, gone.total, fmt.score())
            _number(sheet, row, 5, gone.rank, fmt.integer())
            sheet.write_string(row, 8, ctx.t("workbook.previous_gone", year=year), fmt.text(font_size=11))
            fit_row(sheet, row, [(gone.name, COLUMNS[1][1])])
            row += 1
    sheet.freeze_panes(header + 1, 0)
    ctx.print_setup(sheet, repeat=(header, header))


def _arrows(digits: str) -> str:
    """▲ 1,50 for a rise, ▼ 0,75 for a fall, = for no change."""
    return f'"▲ "{digits};"▼ "{digits};"="'


def _number(sheet: Worksheet, row: int, column: int, value: Decimal | int | None, cell_format: object) -> None:
    if value is None:
        sheet.write_blank(row, column, None, cell_format)
    else:
        sheet.write_number(row, column, float(value), cell_format)


def _remark(ctx: Context, comparison: YearComparison, code: str, found: Previous | None) -> str:
    """Why a row reads as it does: new, merged, renamed, or not ranked in one of the two years."""
    lang, last = ctx.lang, comparison.year
    parts = []
    status = ctx.result.status[code]
    if status != UnitStatus.SCORED:
        parts.append(ctx.t("workbook.previous_not_ranked", year=ctx.rules.year, status=ctx.t(f"status.{status}")))
    if found is None:
        parts.append(ctx.t("workbook.previous_new", previous=last))
    elif found.merged:
        each = "; ".join(
            ctx.t("workbook.previous_part", code=p.code,
                  total=format_number(p.total, lang, ctx.rules.decimals) if p.total is not None else "—",
                  rank=p.rank if p.rank is not None else "—")
            for p in found.predecessors)
        parts.append(ctx.t("workbook.previous_merged", previous=last, units=each))
    elif found.codes != (code,):
        parts.append(ctx.t("workbook.previous_renamed", previous=last, code=found.codes[0],
                           name=found.predecessors[0].name))
    if found is not None and found.total is None:
        parts.append(ctx.t("workbook.previous_unranked", previous=last))
    return "; ".join(parts)
