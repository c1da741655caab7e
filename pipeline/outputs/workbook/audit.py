"""The Audit sheet: where the ranking comes from — the rules in force, every input file, the tool and the run."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.core.moments import in_vietnam
from pipeline.outputs.workbook.context import GROUP_FILL, Context
from pipeline.outputs.xlsx import MEASURED_PAGE_HEIGHT, Pager, at_size, fit_row, needed_height
from pipeline.rules.model import BONUS, DEDUCTIONS
from pipeline.scoring.rank import award_name, award_rule_in_words, tie_breakers_in_words

# Narrow enough that the sheet, fitted to one page width, prints its 11-pt text at 8 pt or more.
AUDIT_WIDTHS = (32, 46, 10, 10, 11, 14, 14)
SMALL_SIZE = 11
# A SHA-256 is 64 hexadecimal digits, wider than the average letter the row heights assume: it wraps, anywhere,
# within its column, and its row is as tall as that takes.
HEX_WIDTH = 0.8
# The sheet's rows are sized generously (fit_row), so its page breaks can be computed close to a page's height.
SHORT_TABLE = 6  # rows: a table this short is kept on one page with its heading
PAGE_FILL = 1.0  # every row sized by the writer: the table may fill the page's width as measured


def _file_sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "—"


def write_audit(ctx: Context) -> None:
    """Where the ranking comes from: the rules in force, every input file, the tool and the run."""
    rules, fmt, result = ctx.rules, ctx.fmt, ctx.result
    sheet = ctx.add_sheet(ctx.t("workbook.sheet_audit"))
    widths = AUDIT_WIDTHS
    last = len(widths) - 1
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    # Centred: at the top of a row, the marks above a Vietnamese capital (Ố) print over the cell's border.
    label = fmt.text(bold=True, bg_color=GROUP_FILL)
    value_text = fmt.text()
    heading = fmt.get(bold=True, font_size=13)
    sheet.merge_range(0, 0, 0, last, ctx.t("workbook.audit_title"), fmt.get(bold=True, font_size=14))
    row = 2
    # To the minute, in Vietnam's time (core.moments): Excel dates carry no time zone.
    run_at = in_vietnam(result.started_at).replace(tzinfo=None, microsecond=0)
    date_format = fmt.get(border=1, align="left", num_format=ctx.t("moment.excel_format"))
    facts: list[tuple[str, str | int | datetime]] = [
        ("audit_bloc", rules.bloc), ("audit_year", rules.year), ("audit_rules_file", rules.source),
        ("audit_rules_sha256", _file_sha256(rules.source)), ("audit_fingerprint", rules.fingerprint),
        ("audit_revision", rules.revision), ("audit_basis", rules.basis or "—"),
        ("audit_seal", ctx.t("workbook.audit_seal_checked", keys=", ".join(k.key_id for k in result.seals.keys))
         if result.seals.checked else ctx.t("workbook.audit_seal_unchecked")),
        *([("audit_seal_exception", ctx.t("workbook.audit_seal_exception_units", units=", ".join(rules.accept_unsealed),
                                          reason=rules.accept_unsealed_reason))] if rules.accept_unsealed else []),
        ("audit_tool", f"bloc-score {result.tool_version}"), ("audit_run_at", run_at),
        ("audit_provisional", ctx.t("workbook.answer_yes" if result.provisional else "workbook.answer_no")),
        ("audit_language", ctx.lang), ("audit_decimals", rules.decimals),
        ("audit_na_policy", ctx.t("workbook.audit_na_rescale")),
        ("audit_issues", ctx.t("workbook.audit_issues_listed", count=len(result.issues),
                               sheet=ctx.t("workbook.sheet_issues")) if result.issues else ctx.t("report.no_issues")),
    ]
    width = sum(widths[1:])
    for key, value in facts:
        name = ctx.t(f"workbook.{key}")
        sheet.write_string(row, 0, name, label)
        _fit(sheet, row, [(value if isinstance(value, str) else "", width)], [(name, widths[0])])
        if isinstance(value, datetime):
            sheet.merge_range(row, 1, row, last, "", date_format)
            sheet.write_datetime(row, 1, value, date_format)
        elif isinstance(value, int):
            sheet.merge_range(row, 1, row, last, "", fmt.integer(align="left"))
            sheet.write_number(row, 1, value, fmt.integer(align="left"))
        else:
            sheet.merge_range(row, 1, row, last, value, value_text)
        row += 1

    # Each table keeps its heading; one that runs onto a new page starts it with its header row again.
    pager = Pager(sheet, widths, fill=PAGE_FILL, body=MEASURED_PAGE_HEIGHT)
    pager.took(0, row)
    row = _audit_rules(ctx, sheet, row + 1, heading, pager)
    row = _audit_criteria(ctx, sheet, row + 1, heading, pager)
    row = _audit_inputs(ctx, sheet, row + 1, heading, pager)
    pager.close()
    ctx.print_setup(sheet)
    sheet.hide_gridlines(2)


def _audit_table(ctx: Context, sheet: Worksheet, row: int, title: str, heading: Format, headers: list[str],
                 pager: Pager, rows: int = 0) -> int:
    """A table's heading and header row, on a new page unless they and two rows fit on this one; a short
    table of `rows` rows (up to SHORT_TABLE) all of them, so it is never split over two pages."""
    header_height = needed_height(list(zip(headers, AUDIT_WIDTHS, strict=False)), bold=True)
    kept = rows if 0 < rows <= SHORT_TABLE else 2
    if not pager.fits(2 * header_height + kept * needed_height([])):
        pager.new_page(row)
    sheet.write_string(row, 0, title, heading)
    pager.took(row - 1, row)  # the blank row before the heading, and the heading
    row = _header(ctx, sheet, row + 1, headers)
    pager.took(row - 1)
    return row


def _fit(sheet: Worksheet, row: int, cells: Sequence[tuple[str, float]],
         bold: Sequence[tuple[str, float]] = ()) -> float:
    """Give `row` the height its plain and its bold cells need (text, width it wraps in, at 12 pt)."""
    height = max(needed_height(cells), needed_height(list(bold), bold=True))
    sheet.set_row(row, height)
    return height


def _header(ctx: Context, sheet: Worksheet, row: int, headers: list[str]) -> int:
    for column, header in enumerate(headers):
        sheet.write_string(row, column, header, ctx.fmt.header())
    fit_row(sheet, row, list(zip(headers, AUDIT_WIDTHS, strict=False)), bold=True)
    return row + 1


def _room(ctx: Context, sheet: Worksheet, row: int, height: float, headers: list[str], pager: Pager) -> int:
    """Where a table's next row goes: here, or below its header written again at the top of a new page."""
    if not pager.fits(height):
        pager.new_page(row)
        row = _header(ctx, sheet, row, headers)
        pager.took(row - 1)
    pager.used += height
    return row


def _audit_rules(ctx: Context, sheet: Worksheet, row: int, heading: Format, pager: Pager) -> int:
    rules, fmt = ctx.rules, ctx.fmt
    weight = fmt.get(border=1, align="center", num_format="General")
    headers = [ctx.t("workbook.audit_group"), ctx.t("workbook.audit_title_col"), ctx.t("workbook.audit_max"),
               ctx.t("workbook.audit_weight"), ctx.t("workbook.audit_cap")]
    row = _audit_table(ctx, sheet, row, ctx.t("workbook.audit_rules"), heading, headers, pager)
    for section in rules.sections:
        row = _room(ctx, sheet, row, needed_height([(section.title, AUDIT_WIDTHS[1])]), headers, pager)
        sheet.write_string(row, 0, section.code, fmt.text(align="center"))
        sheet.write_string(row, 1, section.title, fmt.text())
        sheet.write_number(row, 2, float(section.max), fmt.score())
        sheet.write_number(row, 3, float(section.weight), weight)
        sheet.write_string(row, 4, "", fmt.text())
        _fit(sheet, row, [(section.title, AUDIT_WIDTHS[1])])
        row += 1
    for name, bucket in ((BONUS, rules.bonus), (DEDUCTIONS, rules.deductions)):
        if not bucket.criteria:
            continue
        codes = ", ".join(c.code for c in bucket.criteria)
        cells = [(ctx.t(f"report.{name}"), AUDIT_WIDTHS[0]), (codes, AUDIT_WIDTHS[1])]
        row = _room(ctx, sheet, row, needed_height(cells), headers, pager)
        _fit(sheet, row, cells)
        sheet.write_string(row, 0, ctx.t(f"report.{name}"), fmt.text(align="center"))
        sheet.write_string(row, 1, codes, fmt.text())
        sheet.write_number(row, 2, float(sum(c.max for c in bucket.criteria)), fmt.score())
        sheet.write_string(row, 3, "", fmt.text())
        if bucket.cap is not None:
            sheet.write_number(row, 4, float(bucket.cap), fmt.score())
        else:
            sheet.write_string(row, 4, "—", fmt.text(align="center"))
        row += 1

    headers = [ctx.t("report.classification"), "", ctx.t("workbook.audit_from")]
    row = _audit_table(ctx, sheet, row + 1, ctx.t("report.classification"), heading, headers, pager,
                       len(rules.classification))
    for threshold in rules.classification:
        row = _room(ctx, sheet, row, needed_height([]), headers, pager)
        _fit(sheet, row, [])
        sheet.merge_range(row, 0, row, 1, threshold.label, fmt.text())
        sheet.write_number(row, 2, float(threshold.min), fmt.score())
        row += 1

    headers = [ctx.t("report.award"), ctx.t("workbook.audit_award_rule"), ctx.t("workbook.audit_count"),
               ctx.t("workbook.audit_min_score")]
    row = _audit_table(ctx, sheet, row + 1, ctx.t("report.award"), heading, headers, pager, 2 * len(rules.awards))
    for award in rules.awards:
        shown = award_name(rules, award.key, ctx.lang)
        rule = award_rule_in_words(rules, award, ctx.lang)
        disqualifying = [c.code for c in rules.deductions.criteria if award.key in c.disqualifies]
        if disqualifying:
            rule += " " + ctx.t("workbook.audit_disqualified_by", criteria=", ".join(disqualifying))
        cells = [(rule, AUDIT_WIDTHS[1]), (shown, AUDIT_WIDTHS[0])]
        row = _room(ctx, sheet, row, needed_height(cells), headers, pager)
        sheet.write_string(row, 0, shown, fmt.text())
        sheet.write_string(row, 1, rule, fmt.text())
        if award.count is not None:  # a share alone is spelt out in the rule beside it
            sheet.write_number(row, 2, award.count, fmt.integer())
        sheet.write_number(row, 3, float(award.min_score), fmt.score())
        _fit(sheet, row, cells)
        row += 1
    if rules.tie_breakers:
        ties = tie_breakers_in_words(rules, ctx.lang)
        sheet.write_string(row + 1, 0, ctx.t("workbook.audit_ties"), fmt.text(bold=True, bg_color=GROUP_FILL))
        sheet.merge_range(row + 1, 1, row + 1, len(AUDIT_WIDTHS) - 1, ties, fmt.text())
        pager.used += _fit(sheet, row + 1, [(ties, sum(AUDIT_WIDTHS[1:]))],
                           [(ctx.t("workbook.audit_ties"), AUDIT_WIDTHS[0])]) + pager.height(row)
        row += 2
    return row


def _audit_criteria(ctx: Context, sheet: Worksheet, row: int, heading: Format, pager: Pager) -> int:
    rules, fmt = ctx.rules, ctx.fmt
    headers = [ctx.t("column.code"), ctx.t("column.criterion"), ctx.t("column.max"), ctx.t("workbook.audit_step"),
               ctx.t("workbook.audit_na_allowed"), ctx.t("workbook.audit_evidence_required"),
               ctx.t("workbook.audit_disqualifies")]
    row = _audit_table(ctx, sheet, row, ctx.t("workbook.audit_criteria"), heading, headers, pager)
    yes, no = ctx.t("workbook.answer_yes"), ctx.t("workbook.answer_no")
    centred = fmt.text(align="center")
    step_format = fmt.get(border=1, align="center", num_format="General")
    for criterion in rules.criteria():
        disqualifies = ", ".join(award_name(rules, k, ctx.lang) for k in criterion.disqualifies)
        cells = [(criterion.title, at_size(AUDIT_WIDTHS[1], SMALL_SIZE)), (disqualifies, AUDIT_WIDTHS[6])]
        row = _room(ctx, sheet, row, needed_height(cells), headers, pager)
        sheet.write_string(row, 0, criterion.code, centred)
        sheet.write_string(row, 1, criterion.title, fmt.text(font_size=SMALL_SIZE))
        sheet.write_number(row, 2, float(criterion.max), fmt.score())
        if criterion.step is not None:
            sheet.write_number(row, 3, float(criterion.step), step_format)
        else:
            sheet.write_string(row, 3, "—", centred)
        sheet.write_string(row, 4, yes if criterion.na_allowed else no, centred)
        sheet.write_string(row, 5, yes if criterion.evidence_required else no, centred)
        sheet.write_string(row, 6, disqualifies, centred)
        _fit(sheet, row, cells)
        row += 1
    return row


def _audit_inputs(ctx: Context, sheet: Worksheet, row: int, heading: Format, pager: Pager) -> int:
    result, fmt = ctx.result, ctx.fmt
    headers = [ctx.t("workbook.issue_file"), ctx.t("workbook.audit_sha256"), ctx.t("workbook.audit_size"),
               ctx.t("workbook.issue_unit"), ctx.t("report.status"), ctx.t("workbook.audit_modified"), ""]
    row = _audit_table(ctx, sheet, row, ctx.t("workbook.audit_inputs"), heading, headers, pager)
    modified_format = fmt.get(border=1, align="center", num_format="yyyy-mm-dd hh:mm:ss")
    for submission in result.submissions:
        unit_code = result.validation.file_units.get(submission.file, "")
        used = result.validation.used.get(unit_code) is submission
        state = ctx.t(f"status.{result.status[unit_code]}") if unit_code and used else "—"
        if submission.peer:  # a unit's cross-scoring workbook, under its scorer: whether its scores counted
            assert submission.appraisal is not None
            unit_code = submission.appraisal.scorer
            counted = result.validation.peer_books.get(unit_code) is submission
            state = ctx.t("workbook.audit_peer_used" if counted else "workbook.audit_peer_unused")
        elif submission.appraisal is not None:  # the bloc's appraisal workbook: whether its appraisals counted
            counted = submission.file == result.validation.appraisal_file
            state = ctx.t("workbook.audit_appraisal_used" if counted else "workbook.audit_appraisal_unused")
        shown = submission.file
        if submission.envelope is not None:  # a spreadsheet attached to an e-mail: who sent it, when, why
            envelope = submission.envelope
            shown += "\n" + ctx.t("workbook.audit_mail", sender=envelope.sender or "?", when=envelope.when,
                                  subject=envelope.subject)
        elif submission.is_mail:
            state = ctx.t("workbook.audit_mail_file", count=len(submission.mail.envelopes) if submission.mail else 0)
        if submission.tally is not None:  # the bloc's tally of the vote: whether it was the one read
            read = result.vote is not None and submission.file == result.vote.tally_file
            state = ctx.t("workbook.audit_tally_used" if read else "workbook.audit_tally_unused")
        cells = [(shown, at_size(AUDIT_WIDTHS[0], SMALL_SIZE)),
                 (submission.sha256, at_size(AUDIT_WIDTHS[1], SMALL_SIZE) * HEX_WIDTH),
                 (unit_code, AUDIT_WIDTHS[3]), (state, AUDIT_WIDTHS[4])]
        row = _room(ctx, sheet, row, needed_height(cells), headers, pager)
        sheet.write_string(row, 0, shown, fmt.text(font_size=SMALL_SIZE))
        sheet.write_string(row, 1, submission.sha256, fmt.text(font_size=SMALL_SIZE))
        sheet.write_number(row, 2, submission.size, fmt.get(border=1, align="center", num_format="#,##0"))
        sheet.write_string(row, 3, unit_code, fmt.text(align="center"))
        sheet.write_string(row, 4, state, fmt.text(align="center"))
        if submission.modified:
            sheet.merge_range(row, 5, row, 6, "", modified_format)
            modified = datetime.fromtimestamp(submission.modified).replace(microsecond=0)
            sheet.write_datetime(row, 5, modified, modified_format)
        else:
            sheet.merge_range(row, 5, row, 6, "", fmt.text())
        _fit(sheet, row, cells)
        row += 1
    return row
