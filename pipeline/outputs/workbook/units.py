"""One sheet per unit (how its criteria became its score, its profile, its issues), or one Details table."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from xlsxwriter.worksheet import Worksheet

from pipeline.core.numbers import SECTION_DECIMALS, round_half_away, rounded
from pipeline.outputs.workbook.context import (
    CHANGED_FILL,
    GROUP_FILL,
    HEADER_FILL,
    NOTE_SIZE,
    SECTION_COLOURS,
    SEVERITY_COLOURS,
    Context,
    pixels,
)
from pipeline.outputs.workbook.entries import counted_points, is_number
from pipeline.outputs.xlsx import (
    FONT,
    MEASURED_PAGE_HEIGHT,
    Cell,
    at_size,
    fit_row,
    keep_together_breaks,
    value_cell,
    write_cells,
    written_height,
)
from pipeline.rules.model import BONUS, DEDUCTIONS
from pipeline.run import output_names
from pipeline.scoring.figures import bucket_limit, section_averages, section_share
from pipeline.scoring.rank import RankedUnit, award_name
from pipeline.scoring.score import SectionScore, UnitScore

# The Details table (above MAX_UNIT_SHEETS units): a legend, the maxima, the header row, then a row per unit.
HEADER_ROW = 2
FIRST_CRITERION_COLUMN = 2
DETAILS_WIDTHS = (10, 40, 8)  # the code, the unit's name, each criterion
LEGEND_CRITERIA = 8  # the legend wraps over the criteria columns of the first printed page
# Narrow enough that the sheet, fitted to one page width, prints its 11-pt text at 8 pt or more.
UNIT_WIDTHS = (6, 42, 8, 9, 9, 9, 37, 10, 10)
SMALL_SIZE = 11


def write_unit_sheets(ctx: Context) -> None:
    """A sheet per unit whose file was used; past MAX_UNIT_SHEETS units, the Details table instead."""
    if ctx.province_scale:
        write_details(ctx)
        return
    units = [u for u in ctx.rules.units if u.code in ctx.result.validation.used]
    averages = section_averages(ctx.rules, ctx.result.ranked)
    for unit in units:
        _unit_sheet(ctx, unit.code, unit.name, ctx.ranked.get(unit.code), averages)
        ctx.advance()


def _short(value: Fraction | Decimal) -> Decimal:
    """A figure inside a sentence: four decimals at most, no trailing zeros."""
    return round_half_away(value, 4).normalize()


def _unit_sheet(ctx: Context, code: str, name: str, placed: RankedUnit | None, averages: dict[str, float]) -> None:
    result, fmt, widths = ctx.result, ctx.fmt, UNIT_WIDTHS
    sheet = ctx.add_unit_sheet(code)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    last = len(widths) - 1
    title = f"{name} ({code})"
    sheet.merge_range(0, 0, 0, last, title, fmt.get(bold=True, font_size=14))
    submission = result.unit_file(code)
    status = ctx.t(f"status.{result.status[code]}")
    summary = ctx.t("workbook.unit_summary", file=submission.file if submission else "—", status=status)
    sheet.merge_range(1, 0, 1, last, summary, fmt.get(italic=True, text_wrap=True))
    fit_row(sheet, 1, [(summary, sum(widths))])

    row = 3
    if placed is not None:
        first_section_row = row + 1
        row = _unit_scores(ctx, sheet, row, placed, averages)
        row = _unit_profile(ctx, sheet, row, placed, first_section_row, averages)
    table_header = row
    keep = {table_header}  # rows never left alone at a page's foot: they lead the rows under them
    row = _unit_criteria(ctx, sheet, row, code, placed.score if placed else None, keep)
    if ctx.rules.appraisal_by == "peers":
        keep.add(row + 1)
        row = _unit_peers(ctx, sheet, row + 1, code)
    keep.add(row + 1)
    row = _unit_issues(ctx, sheet, row + 1, code)
    # Breaks computed from the rows' heights, one page wide, rather than the sheet squeezed onto a number of
    # pages: LibreOffice would then break wherever the page ends, a section's heading alone at its foot.
    scale = keep_together_breaks(sheet, row, widths, keep_with_next=keep, body=MEASURED_PAGE_HEIGHT,
                                 repeated=written_height(sheet, table_header))
    ctx.print_setup(sheet, repeat=(table_header, table_header), footer_left=code, fit_width=scale is None)
    if scale is not None:
        sheet.set_print_scale(scale)
    sheet.hide_gridlines(2)


def _unit_scores(ctx: Context, sheet: Worksheet, row: int, placed: RankedUnit, averages: dict[str, float]) -> int:
    """How the unit's criteria became its section scores, bonus, deductions and total."""
    fmt, rules, widths = ctx.fmt, ctx.rules, UNIT_WIDTHS
    score = placed.score
    headers = [ctx.t("column.code"), ctx.t("workbook.summary_part"), ctx.t("column.max"),
               ctx.t("workbook.summary_points"), ctx.t("workbook.summary_applicable"),
               ctx.t("workbook.summary_score"), ctx.t("workbook.summary_how"),
               ctx.t("workbook.summary_percent"), ctx.t("workbook.summary_average")]
    for column, label in enumerate(headers):
        sheet.write_string(row, column, label, fmt.header())
    fit_row(sheet, row, list(zip(headers, widths, strict=True)), bold=True)
    row += 1
    percent = fmt.get(border=1, align="center", num_format="0.0%")
    for section in rules.sections:
        got = score.section(section.code)
        note = _section_note(ctx, got)
        sheet.write_string(row, 0, section.code, fmt.text(align="center"))
        sheet.write_string(row, 1, section.title, fmt.text(font_size=SMALL_SIZE))
        sheet.write_number(row, 2, float(section.max * section.weight), fmt.score())
        sheet.write_number(row, 3, ctx.rounded(got.points), fmt.score())
        sheet.write_number(row, 4, float(got.applicable_max), fmt.score())
        sheet.write_number(row, 5, rounded(got.score, SECTION_DECIMALS), fmt.score(bold=True))
        sheet.write_string(row, 6, note, fmt.text(font_size=SMALL_SIZE))
        sheet.write_number(row, 7, section_share(section, got.score), percent)
        sheet.write_number(row, 8, averages.get(section.code, 0.0), percent)
        fit_row(sheet, row, [(section.title, at_size(widths[1], SMALL_SIZE)), (note, at_size(widths[6], SMALL_SIZE))])
        row += 1
    # In the order the total is made of: the criteria (A), then bonus (B) and deductions (C), then A+B−C.
    total_fill = {"bold": True, "bg_color": HEADER_FILL}
    row = _total_row(ctx, sheet, row, "report.base", score.base, total_fill)
    for bucket_name, entered, counted in ((BONUS, score.bonus_entered, score.bonus),
                                          (DEDUCTIONS, score.deductions_entered, score.deductions)):
        bucket = rules.bonus if bucket_name == BONUS else rules.deductions
        if not bucket.criteria:
            continue
        note = ctx.t("workbook.capped", entered=_short(entered), cap=_short(counted)) if entered != counted else ""
        sheet.write_string(row, 0, "", fmt.text())
        sheet.write_string(row, 1, ctx.t(f"report.{bucket_name}"), fmt.text(font_size=SMALL_SIZE))
        sheet.write_number(row, 2, float(bucket_limit(rules, bucket_name)), fmt.score())
        sheet.write_number(row, 3, ctx.rounded(entered), fmt.score())
        sheet.write_string(row, 4, "", fmt.text())
        sheet.write_number(row, 5, ctx.rounded(counted), fmt.score(bold=True))
        sheet.write_string(row, 6, note, fmt.text(font_size=SMALL_SIZE))
        sheet.write_string(row, 7, "", fmt.text())
        sheet.write_string(row, 8, "", fmt.text())
        fit_row(sheet, row, [(note, at_size(widths[6], SMALL_SIZE))])
        row += 1
    row = _total_row(ctx, sheet, row, "report.total", score.total_exact, total_fill)
    facts: tuple[tuple[str, int | str], ...] = (
        (ctx.t("report.rank"), placed.rank), (ctx.t("report.classification"), placed.classification or ""),
        (ctx.t("report.award"), award_name(ctx.rules, placed.award, ctx.lang) or "—"))
    for label, fact in facts:
        sheet.merge_range(row, 0, row, 4, label, fmt.text(bold=True))
        if isinstance(fact, int):
            sheet.write_number(row, 5, fact, fmt.integer(bold=True))
            sheet.merge_range(row, 6, row, 8, "", fmt.text())
        else:
            sheet.merge_range(row, 5, row, 8, fact, fmt.text(bold=True))
        fit_row(sheet, row, [(str(fact), sum(widths[5:])), (label, sum(widths[:5]))], bold=True)
        row += 1
    return row + 1


def _total_row(ctx: Context, sheet: Worksheet, row: int, key: str, value: Fraction | Decimal,
               fill: dict[str, object]) -> int:
    fmt = ctx.fmt
    sheet.merge_range(row, 0, row, 4, ctx.t(key), fmt.text(**fill))
    sheet.write_number(row, 5, ctx.rounded(value), fmt.score(**fill))
    sheet.merge_range(row, 6, row, 8, "", fmt.text(**fill))
    fit_row(sheet, row, [])
    return row + 1


def _unit_profile(ctx: Context, sheet: Worksheet, row: int, placed: RankedUnit, first: int,
                  averages: dict[str, float]) -> int:
    """A clustered bar chart: the unit's sections as a share of their max, beside the bloc average.

    Its data are the summary's "% of max" and "bloc average" columns, from row `first` on.
    """
    sections = ctx.rules.sections
    if not averages:
        return row
    last = first + len(sections) - 1
    chart = ctx.book.add_chart({"type": "bar"})
    name = sheet.name
    for column, label, colour in ((7, placed.unit_code, SECTION_COLOURS[1]),
                                  (8, ctx.t("workbook.profile_average"), "#BFBFBF")):
        series = {
            "name": label, "categories": [name, first, 0, last, 0], "values": [name, first, column, last, column],
            "fill": {"color": colour}, "border": {"none": True}, "gap": 60,
        }
        if column == 7:  # the unit's own bars carry their figure; the average's are in the table above
            series["data_labels"] = {"value": True, "num_format": "0%", "font": {"name": FONT, "size": SMALL_SIZE}}
        chart.add_series(series)
    chart.set_title({"name": ctx.t("workbook.profile_title"), "name_font": {"name": FONT, "size": 11}})
    chart.set_x_axis({"min": 0, "max": 1, "major_unit": 0.2, "num_format": "0%",
                      "num_font": {"name": FONT, "size": SMALL_SIZE},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"name": FONT, "size": SMALL_SIZE}})
    chart.set_legend({"position": "right", "font": {"name": FONT, "size": SMALL_SIZE}})
    chart.set_chartarea({"border": {"none": True}})
    # Rows of the default 15 points (20 pixels) under the chart, so nothing else sits beneath it; short enough
    # that the criteria table below starts on the first page with a few of its rows, not its header alone.
    rows = 1 + (len(sections) * 7 + 4) // 5
    chart.set_size({"width": sum(pixels(w) for w in UNIT_WIDTHS[1:6]), "height": rows * 20})
    sheet.insert_chart(row, 1, chart, {"object_position": 2})
    return row + rows + 1


def _section_note(ctx: Context, got: SectionScore) -> str:
    parts = []
    if got.not_applicable:
        parts.append(ctx.t("workbook.rescaled", codes=", ".join(got.not_applicable), points=_short(got.points),
                           applicable=got.applicable_max, max=got.max))
    if got.weight != 1:
        parts.append(ctx.t("template.weight_note", weight=got.weight))
    return "; ".join(parts)


def _unit_criteria(ctx: Context, sheet: Worksheet, row: int, code: str, score: UnitScore | None,
                   keep: set[int]) -> int:
    """The unit's criterion table: max, self-score, appraised score, final score, evidence, the bloc's reason."""
    rules, fmt, widths = ctx.rules, ctx.fmt, UNIT_WIDTHS
    labels = ["column.code", "column.criterion", "column.max", "column.self", "column.appraised",
              "column.final", "column.evidence"]
    headers = [ctx.t(key) for key in labels]
    for column, label in enumerate(headers):
        sheet.write_string(row, column, label, fmt.header())
    reason_width = widths[7] + widths[8]  # the reason spans the last two columns
    sheet.merge_range(row, 7, row, 8, ctx.t("column.reason"), fmt.header())
    fit_row(sheet, row, [*zip(headers, widths, strict=False), (ctx.t("column.reason"), reason_width)], bold=True)
    row += 1
    not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F")
    # A criterion row's formats, looked up once for the table: hundreds of rows in a nine-unit workbook.
    centred, small, score_format = fmt.text(align="center"), fmt.text(font_size=SMALL_SIZE), fmt.score()
    changed = fmt.score(bg_color=CHANGED_FILL, bold=True)  # the appraisal changed the self-score
    group = {"bg_color": GROUP_FILL, "bold": True}
    groups = [(s.code, s.title, s.criteria) for s in rules.sections]
    groups += [(name, ctx.t(f"template.{name}"), bucket.criteria)
               for name, bucket in ((BONUS, rules.bonus), (DEDUCTIONS, rules.deductions)) if bucket.criteria]
    for group_code, title, criteria in groups:
        section = rules.section(group_code) if group_code not in (BONUS, DEDUCTIONS) else None
        sheet.write_string(row, 0, section.code if section else "", fmt.text(align="center", **group))
        sheet.write_string(row, 1, title, fmt.text(**group))
        if section is not None:
            sheet.write_number(row, 2, float(section.max), fmt.score(**group))
        else:
            sheet.write_number(row, 2, float(bucket_limit(rules, group_code)), fmt.score(**group))
        sheet.write_string(row, 3, "", fmt.text(**group))
        sheet.write_string(row, 4, "", fmt.text(**group))
        if score is not None:
            counted = (score.section(group_code).score if section is not None
                       else score.bonus if group_code == BONUS else score.deductions)
            digits = SECTION_DECIMALS if section is not None else rules.decimals
            sheet.write_number(row, 5, rounded(counted, digits), fmt.score(**group))
        else:
            sheet.write_string(row, 5, "", fmt.text(**group))
        sheet.write_string(row, 6, "", fmt.text(**group))
        sheet.merge_range(row, 7, row, 8, "", fmt.text(**group))
        fit_row(sheet, row, [(title, widths[1])], bold=True)
        keep.add(row)
        row += 1
        for criterion in criteria:
            entry = ctx.entry(code, criterion.code)
            marked = changed if entry.changed else score_format
            # Points in the score columns; a per_occurrence item's counts on the row under it.
            write_cells(sheet, row, [
                (0, criterion.code, centred), (1, criterion.title, small), (2, float(criterion.max), score_format),
                value_cell(3, counted_points(criterion, entry.self_value), score_format, not_applicable),
                value_cell(4, counted_points(criterion, entry.appraised), marked, not_applicable),
                value_cell(5, counted_points(criterion, entry.final), marked, not_applicable),
                (6, entry.evidence, small)])
            sheet.merge_range(row, 7, row, 8, entry.reason, small)
            # Lines of 11-pt text: a row of 12-pt lines would print a page's worth of blank space per sheet.
            fit_row(sheet, row, [(criterion.title, widths[1]), (entry.evidence, widths[6]),
                                 (entry.reason, reason_width)], size=SMALL_SIZE)
            row += 1
            if criterion.per_occurrence is not None and any(
                    is_number(value) and value for value in (entry.self_value, entry.appraised, entry.final)):
                keep.add(row - 1)
                label = ctx.count_label(criterion)
                mark = {"bg_color": CHANGED_FILL} if entry.changed else {}
                write_cells(sheet, row, [
                    (0, None, centred), (1, label, fmt.text(font_size=SMALL_SIZE, italic=True)), (2, None, centred),
                    ctx.count_cell(3, entry.self_value, italic=True),
                    ctx.count_cell(4, entry.appraised, italic=True, **mark),
                    ctx.count_cell(5, entry.final, italic=True, **mark), (6, None, small)])
                sheet.merge_range(row, 7, row, 8, "", small)
                fit_row(sheet, row, [(label, at_size(widths[1], SMALL_SIZE))])
                row += 1
    return row


def _unit_peers(ctx: Context, sheet: Worksheet, row: int, code: str) -> int:
    """Cross-scoring: each criterion's peer scores, the dropped ones marked, and the exact mean (as decided)."""
    fmt, widths = ctx.fmt, UNIT_WIDTHS
    results = ctx.result.validation.peers
    headers = [(0, 0, ctx.t("column.code")), (1, 6, ctx.t("column.peer_scores")), (7, 8, ctx.t("column.peer_mean"))]
    for first, last, label in headers:
        if first == last:
            sheet.write_string(row, first, label, fmt.header())
        else:
            sheet.merge_range(row, first, row, last, label, fmt.header())
    fit_row(sheet, row, [(headers[1][2], sum(widths[1:7]))], bold=True)
    row += 1
    for criterion in ctx.rules.criteria():
        peer = results.get((code, criterion.code))
        listed = "; ".join(ctx.t("peer.score_dropped" if scorer in peer.dropped else "peer.score_item",
                                 scorer=scorer, score=score) for scorer, score in peer.scores) if peer else ""
        sheet.write_string(row, 0, criterion.code, fmt.text(align="center"))
        sheet.merge_range(row, 1, row, 6, listed, fmt.text(font_size=10))
        if peer is not None and peer.mean is not None:
            sheet.merge_range(row, 7, row, 8, "", fmt.score())
            sheet.write_number(row, 7, rounded(peer.mean, SECTION_DECIMALS), fmt.score(num_format="General"))
        else:
            sheet.merge_range(row, 7, row, 8, "", fmt.text())
        fit_row(sheet, row, [(listed, at_size(sum(widths[1:7]), 10))])
        row += 1
    note = ctx.t("peer.legend", trim=ctx.rules.peer_trim, min_scorers=ctx.rules.peer_min_scorers)
    sheet.merge_range(row, 0, row, 8, note, fmt.note())
    fit_row(sheet, row, [(note, sum(widths))])
    return row + 1


def _unit_issues(ctx: Context, sheet: Worksheet, row: int, code: str) -> int:
    fmt = ctx.fmt
    unit_issues = [i for i in ctx.result.issues if i.unit == code]
    if not unit_issues:
        return row
    sheet.merge_range(row, 0, row, 6, ctx.t("workbook.unit_issues"), fmt.get(bold=True))
    row += 1
    width = sum(UNIT_WIDTHS[2:7])
    for issue in unit_issues:
        message = issue.message(ctx.lang)
        colour = SEVERITY_COLOURS[issue.severity]
        sheet.write_string(row, 0, issue.cell or "", fmt.text(align="center", font_size=SMALL_SIZE))
        sheet.write_string(row, 1, ctx.t(f"workbook.severity_{issue.severity}"), fmt.text(font_color=colour,
                                                                                          font_size=SMALL_SIZE))
        sheet.merge_range(row, 2, row, 6, message, fmt.text(font_color=colour, font_size=SMALL_SIZE))
        fit_row(sheet, row, [(message, at_size(width, SMALL_SIZE))])
        row += 1
    return row


def write_details(ctx: Context) -> None:
    """Above MAX_UNIT_SHEETS units: one filterable table, a row per unit and a column per criterion, instead
    of a sheet per unit. It grows with the units, not with every cell they hold: each unit's final score per
    criterion, appraisal changes marked as in the Criteria matrix; every self-score, evidence and reason is
    in the results JSON."""
    fmt, rules = ctx.fmt, ctx.rules
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_details"))
    criteria = list(rules.criteria())
    # A column per criterion, and one more after a per_occurrence item for its counts.
    columns, column = [], FIRST_CRITERION_COLUMN
    for criterion in criteria:
        columns.append(column)
        column += 2 if criterion.per_occurrence is not None else 1
    last_column = max(FIRST_CRITERION_COLUMN, column - 1)
    legend = ctx.t("workbook.details_legend", file=output_names(rules.year)[1])
    # Above the criteria of the first printed page, not the code and name columns every page repeats.
    legend_last = max(FIRST_CRITERION_COLUMN + 1, min(last_column, FIRST_CRITERION_COLUMN + LEGEND_CRITERIA - 1))
    sheet.merge_range(0, FIRST_CRITERION_COLUMN, 0, legend_last, legend, fmt.note(valign="vcenter"))
    legend_width = DETAILS_WIDTHS[2] * (legend_last - FIRST_CRITERION_COLUMN + 1)
    fit_row(sheet, 0, [(legend, at_size(legend_width, NOTE_SIZE))], size=NOTE_SIZE)
    number, plain, text_score = fmt.get(num_format=fmt.score_format), fmt.get(), fmt.get(align="right")
    changed = fmt.get(num_format=fmt.score_format, bg_color=CHANGED_FILL, bold=True)
    maxima = [(column, float(c.max), number) for column, c in zip(columns, criteria, strict=True)]
    write_cells(sheet, HEADER_ROW - 1, [(1, ctx.t("column.max"), fmt.get(italic=True)), *maxima])
    labels = [(0, ctx.t("report.unit_code")), (1, ctx.t("report.unit")),
              *((column, c.code) for column, c in zip(columns, criteria, strict=True)),
              *((column + 1, ctx.t("workbook.count_header", code=c.code))
                for column, c in zip(columns, criteria, strict=True) if c.per_occurrence is not None)]
    write_cells(sheet, HEADER_ROW, [(column, label, fmt.header()) for column, label in labels])
    row = HEADER_ROW
    for unit in rules.units:
        if unit.code not in ctx.result.validation.used:
            continue
        row += 1
        cells: list[Cell] = [(0, unit.code, plain), (1, unit.name, plain)]
        for column, criterion in zip(columns, criteria, strict=True):
            entry = ctx.entry(unit.code, criterion.code)
            if entry.final is not None and entry.final != "":  # nothing to show: no cell at all
                cells.append(value_cell(column, counted_points(criterion, entry.final),
                                        changed if entry.changed else number, text_score))
                if criterion.per_occurrence is not None:  # its count, in the column after its points
                    cells.append(ctx.count_cell(column + 1, entry.final, border=0))
        write_cells(sheet, row, cells)
        ctx.advance()
    sheet.autofilter(HEADER_ROW, 0, max(row, HEADER_ROW + 1), last_column)
    sheet.freeze_panes(HEADER_ROW + 1, FIRST_CRITERION_COLUMN)
    sheet.set_column(0, 0, DETAILS_WIDTHS[0])
    sheet.set_column(1, 1, DETAILS_WIDTHS[1])
    sheet.set_column(FIRST_CRITERION_COLUMN, last_column, DETAILS_WIDTHS[2])
    # Printed as the Criteria matrix of a large bloc is: across page widths, the maxima and header rows and
    # the units' code and name repeated on every page.
    ctx.print_setup(sheet, repeat=(HEADER_ROW - 1, HEADER_ROW), fit_width=False)
    sheet.repeat_columns(0, FIRST_CRITERION_COLUMN - 1)
    sheet.set_print_scale(85)
