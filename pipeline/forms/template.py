"""The self-assessment template each unit fills in: one protected, validated .xlsx per unit.

The template carries its identity (bloc, year, unit, fingerprint of the criteria table) on a hidden sheet
that the reader checks, and formulas that compute what the pipeline computes, so a unit sees its own
total before sending. Formulas are only a convenience for the unit: the pipeline never reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipeline.core.cells import parse_address
from pipeline.core.labels import format_number, text
from pipeline.forms import preview
from pipeline.forms.score_cells import score_validation
from pipeline.forms.unit_heading import letterhead_lines
from pipeline.outputs.letterhead import national_header
from pipeline.outputs.xlsx import (
    Formats,
    at_size,
    fit_row,
    new_workbook,
    page_footer,
    print_setup,
    row_height,
    wrapped_lines,
    write_identity,
    write_value,
    written_height,
)
from pipeline.rules.layout import (
    APPRAISED,
    CODE,
    COLUMN_KEYS,
    EVIDENCE,
    FIRST_BODY_ROW,
    HEADER_ROW,
    IDENTITY_SHEET,
    MAX,
    SELF,
    TITLE,
    UNIT_CODE_CELL,
    Layout,
    plan_layout,
    template_filename,
    template_identity,
)
from pipeline.rules.model import Bucket, Criterion, Rules, Unit
from pipeline.rules.seal import TEMPLATES, SealKey
from pipeline.workspace.seal_keys import BlocKey, bloc_key, record_issue

# Hidden helper columns that keep the unit's formulas free of array formulas, which WPS and old Excel
# handle differently: the max that counts as applicable (0 when N/A) for the self-score, and the first cell
# so far that a spreadsheet cannot add up (preview.py). Columns 6 and 7 stay empty, where earlier templates
# previewed the appraisal.
SELF_APPLICABLE, CHECK = 8, 9
# On bonus and deduction rows the applicable-max column holds the points instead (count × value, capped).
# What the template previews as a row's worth is the self-score's: FINAL_POINTS names the same column.
SELF_POINTS = FINAL_POINTS = SELF_APPLICABLE
# The appraised column is the bloc's: locked and grey, kept so the unit sees where the appraisal will go and
# so older templates read alike. The unit's preview counts only its self-scores.
_SCORE_COLUMNS = {"self": SELF}
# The max column holds "0,5/lần, tối đa 3 → 1,5 điểm" on a count's row, the appraised one "(do Khối ghi)" in
# its header: each wide enough for its words on two lines.
WIDTHS = {CODE: 7, TITLE: 55, MAX: 10, SELF: 11, APPRAISED: 13, EVIDENCE: 36}
# How to fill in: beside the table, right of the hidden helper columns, outside the print area: seen on screen
# (the top rows are frozen, so it stays in view), never printed on the report the head signs.
INSTRUCTIONS = CHECK + 1
INSTRUCTIONS_SIZE = 11
EVIDENCE_SIZE = 11
ENTRY_BORDER = 8  # medium dashed
ENTRY_FILL = "#FFF2CC"
RECIPIENTS_SIZE = 11


@dataclass(frozen=True)
class FilledValue:
    """What a unit wrote on one criterion row; `appraised` only tests the locked column of older copies."""

    self_score: Decimal | str | None = None  # a number, "N/A", or anything a person might type
    appraised: Decimal | str | None = None
    evidence: str = ""


class _Formats:
    """The template's cell formats, by use; every one wraps its text."""

    def __init__(self, formats: Formats, decimals: int, lang: str) -> None:
        number = "0" if decimals == 0 else "0." + "#" * decimals
        self.formats = formats
        add = formats.get

        self.plain = add()
        self.bold = add(bold=True)
        self.centre_bold = add(bold=True, align="center")
        self.centre_italic = add(italic=True, align="center")
        self.title = add(bold=True, align="center", font_size=14)
        self.note = add(italic=True, font_size=11)
        self.identity = add(bold=True, font_color="#1F3864")
        self.header = add(bold=True, align="center", border=1, bg_color="#D9E1F2")
        self.group_code = add(bold=True, align="center", border=1, bg_color="#F2F2F2")
        self.group_title = add(bold=True, border=1, bg_color="#F2F2F2")
        self.group_number = add(bold=True, border=1, bg_color="#F2F2F2", num_format=number, align="center")
        self.code = add(border=1, align="center")
        self.cell = add(border=1)
        self.max = add(border=1, align="center", num_format=number)
        # The cells a unit types in: a dashed box as well as a pale fill, so they stand out printed in grey.
        self.entry = add(border=ENTRY_BORDER, align="center", num_format=number, locked=False, bg_color=ENTRY_FILL)
        self.evidence = add(border=ENTRY_BORDER, locked=False, bg_color=ENTRY_FILL, font_size=EVIDENCE_SIZE)
        # The letterhead: open, so the unit may type its number and date in, yet plain, not an entry cell.
        self.letter = add(align="center", valign="top", locked=False)
        self.rich_plain = add()
        self.rich_bold = add(bold=True)
        self.rich_bold_underlined = add(bold=True, underline=1)
        self.rich_italic = add(italic=True)
        self.for_bloc = add(border=1, align="center", num_format=number, bg_color="#D9D9D9", font_color="#595959")
        self.for_bloc_header = add(bold=True, align="center", border=1, bg_color="#D9D9D9", font_color="#595959")
        self.total_title = add(bold=True, border=1, bg_color="#D9E1F2")
        self.total_number = add(bold=True, border=1, bg_color="#D9E1F2", num_format=number, align="center")
        self.helper = add(num_format="General")
        self.recipients_label = add(bold=True, italic=True)
        self.recipients = add(font_size=RECIPIENTS_SIZE, valign="top")
        self.signer_name = add(bold=True, align="center", locked=False)
        self.instructions = add(font_size=INSTRUCTIONS_SIZE, valign="top", border=1, bg_color="#EAF1FB")
        # A count's cell says it is a count: "2 lần", never read as 2 points (its points show in the max column).
        self.entry_count = add(border=ENTRY_BORDER, align="center", locked=False, bg_color=ENTRY_FILL,
                               num_format='General" ' + text(lang, "appraisal.times").replace('"', "") + '"')


def write_template(
    rules: Rules, unit: Unit, path: str | Path, *, lang: str | None = None,
    filled: Mapping[str, FilledValue] | None = None, key: SealKey | None = None,
) -> Path:
    """Write the template of one unit to `path`, sealed with the bloc's `key` when given; `filled` pre-enters
    values (sample and test data)."""
    lang = lang or rules.language
    path = Path(path)
    # A fixed creation date keeps regenerated samples identical from one run to the next.
    book = new_workbook(path, {"title": text(lang, "template.title", year=rules.year), "author": rules.bloc,
                               "created": _FIXED_DATE})
    fmt = _Formats(Formats(book, text_wrap=True), rules.decimals, lang)
    sheet_name = text(lang, "template.sheet")
    sheet = book.add_worksheet(sheet_name)
    layout = plan_layout(rules)
    filled = filled or {}

    _write_heading(sheet, fmt, rules, unit, lang)
    _write_body(sheet, fmt, rules, layout, lang, filled)
    _write_signatures(sheet, fmt, rules, layout, lang)
    _set_up_sheet(sheet, layout, lang)
    write_identity(book, IDENTITY_SHEET, template_identity(rules, unit, lang, sheet_name), key)
    book.close()
    return path


def write_templates(rules: Rules, out_dir: str | Path, *, lang: str | None = None,
                    key: SealKey | None = None) -> list[Path]:
    """One blank template per unit of the rules, into `out_dir`, written as one set (write.write_set) and
    sealed with the bloc's `key` when given. A template written before under the same name is never lost: the
    earlier ones move together into `previous/<YYYY-MM-DD HH.MM.SS>/` of the folder."""
    from pipeline.outputs.write import prepare_folder, write_all_keeping_previous

    out, message_lang = Path(out_dir), lang or rules.language
    prepare_folder(out, message_lang)
    outputs = [(out / template_filename(rules, unit), partial(write_template, rules, unit, lang=lang, key=key))
               for unit in rules.units]
    write_all_keeping_previous(outputs, message_lang)
    return [target for target, _writer in outputs]


def issue_templates(rules: Rules, out_dir: str | Path, records: Path, *, lang: str | None = None
                    ) -> tuple[list[Path], BlocKey]:
    """`bloc-score templates`: every unit's template, sealed with the bloc's key (made in `records`, the bloc's
    folder, when there is none), the issue recorded there: from now on an unsealed file of this year and
    revision is not accepted."""
    key = bloc_key(records, lang or rules.language)
    written = write_templates(rules, out_dir, lang=lang, key=key.key)
    record_issue(records, rules, key.key, TEMPLATES, len(written))
    return written, key


# ------------------------------------------------------------------------------------------- internals

_FIXED_DATE = datetime(2000, 1, 1)
_SIGNATURE_ROWS = 7  # below the total: a blank row, the signature block, room to sign, the head's name
_MARGIN_TOP, _MARGIN_BOTTOM = 0.6, 0.6  # inches
# Landscape A4 (842 × 595 pt) less the margins: what one page holds once the sheet is fitted to its width.
# A unit of column width prints as about 6.2 pt in LibreOffice (measured on its PDF of the template).
_FIT_WIDTH = min(1.0, (842 - 72 * (0.5 + 0.4)) / (6.2 * sum(WIDTHS.values())))
_PAGE_HEIGHT = (595 - 72 * (_MARGIN_TOP + _MARGIN_BOTTOM)) / _FIT_WIDTH
# LibreOffice prints a wrapped row about a fifth shorter than the height the writer sets for Excel (measured
# on its PDF of the example's template); the estimate of where pages break uses the printed height.
_ROW_AS_PRINTED = 0.8
_MOST_SHRINK = 0.85  # fitting on one page fewer may shrink the print this much, no more (12 pt → 10 pt)


def _height(sheet: Worksheet, row: int) -> float:
    """A row's height in points as it prints."""
    return written_height(sheet, row) * _ROW_AS_PRINTED


def pages_tall(heights: list[float], header_row: int) -> int:
    """The pages tall to fit the print to: one fewer when the last would hold only a stray block (the
    signature) and a slight shrink saves it, else 0 (as many as it takes, at 100 %).

    `heights` are the printed rows' heights in points; the header row repeats on every later page.
    """
    pages, used = 1, 0.0
    for height in heights:
        if used + height > _PAGE_HEIGHT and used > 0:
            pages, used = pages + 1, heights[header_row]
        used += height
    if pages == 1:
        return 0
    content = sum(heights) + (pages - 1) * heights[header_row]
    return pages - 1 if (pages - 1) * _PAGE_HEIGHT / content >= _MOST_SHRINK else 0
_UNIT_CODE = parse_address(UNIT_CODE_CELL) or (HEADER_ROW - 2, SELF)


def _write_heading(sheet: Worksheet, fmt: _Formats, rules: Rules, unit: Unit, lang: str) -> None:
    """The unit's own letterhead (its upper body, its name, "*", "Số: …"), then the title and the table's header.

    The unit's report is its document, sent up to the bloc: the Party form by default, the State form when
    the rules' `header` says so. Each side of the letterhead is one cell of four lines, so the table keeps
    the rows of earlier templates; the unit may type its number and date in, or write them on the print.
    """
    left, right = WIDTHS[CODE] + WIDTHS[TITLE], sum(WIDTHS.values()) - WIDTHS[CODE] - WIDTHS[TITLE]
    party = rules.header != "state"
    national = national_header(rules.header, lang).split("\n")
    number = text(lang, f"template.number_{'party' if party else 'state'}", code=unit.code)
    # The year the report is signed in is not the year assessed (a 2024 report is signed in January 2025).
    place = text(lang, "template.place_date", place=rules.place or "…")
    parent, short = letterhead_lines(unit)
    name = (short, fmt.rich_bold if party else fmt.rich_bold_underlined)
    left_lines = [(parent, fmt.rich_plain), name, ("*" if party else "", fmt.rich_plain), (number, fmt.rich_plain)]
    if not parent:
        left_lines = left_lines[1:]
    # The date on the line of the number, as on paper.
    right_lines = [*[(line, fmt.rich_bold) for line in national[:-1]], (national[-1], fmt.rich_bold_underlined)]
    right_lines += [("", fmt.rich_plain)] * (len(left_lines) - 1 - len(right_lines)) + [(place, fmt.rich_italic)]
    _write_lines(sheet, 0, (CODE, TITLE), left_lines, fmt.letter)
    _write_lines(sheet, 0, (MAX, EVIDENCE), right_lines, fmt.letter)
    fit_row(sheet, 0, [("\n".join(t for t, _f in left_lines), left), ("\n".join(t for t, _f in right_lines), right)],
            bold=True)
    title = text(lang, "template.title", year=rules.year).upper()
    sheet.merge_range(1, CODE, 1, EVIDENCE, title, fmt.title)
    fit_row(sheet, 1, [(title, sum(WIDTHS.values()))], size=14, bold=True)
    sheet.merge_range(2, CODE, 2, EVIDENCE, rules.bloc, fmt.centre_italic)
    fit_row(sheet, 2, [(rules.bloc, sum(WIDTHS.values()))])
    code_row, code_column = _UNIT_CODE
    sheet.write_string(code_row, CODE, text(lang, "template.unit"), fmt.bold)
    sheet.write_string(code_row, TITLE, unit.name, fmt.identity)
    sheet.write_string(code_row, code_column - 1, text(lang, "template.unit_code"), fmt.bold)
    sheet.write_string(code_row, code_column, unit.code, fmt.identity)
    sheet.set_row(HEADER_ROW - 1, 6)  # a narrow gap above the table, where earlier templates printed how to fill in
    labels = [text(lang, "column.appraised_for_bloc" if key == "appraised" else f"column.{key}")
              for key in COLUMN_KEYS]
    for column, label in enumerate(labels):
        sheet.write_string(HEADER_ROW, column, label, fmt.for_bloc_header if column == APPRAISED else fmt.header)
    fit_row(sheet, HEADER_ROW, [(label, WIDTHS[column]) for column, label in enumerate(labels)], bold=True,
            minimum=2)
    _write_instructions(sheet, fmt, lang)


def _write_instructions(sheet: Worksheet, fmt: _Formats, lang: str) -> None:
    """How to fill in, in one box over the rows above the table, right of the print area, as wide as it
    needs to fit in them."""
    instructions = text(lang, "template.instructions")
    room = sum(written_height(sheet, row) for row in range(HEADER_ROW + 1))
    width = 60
    while width < 150 and row_height(wrapped_lines(instructions, at_size(width, INSTRUCTIONS_SIZE),
                                                   INSTRUCTIONS_SIZE), INSTRUCTIONS_SIZE) > room:
        width += 5
    sheet.set_column(INSTRUCTIONS, INSTRUCTIONS, width)
    sheet.merge_range(0, INSTRUCTIONS, HEADER_ROW, INSTRUCTIONS, instructions, fmt.instructions)


def _write_lines(sheet: Worksheet, row: int, columns: tuple[int, int], lines: list[tuple[str, Format]],
                 cell_format: Format) -> None:
    """Lines of text in one merged cell, each in its own format (bold name, underlined header)."""
    sheet.merge_range(row, columns[0], row, columns[1], "", cell_format)
    fragments: list[str | Format] = []
    for index, (line, line_format) in enumerate(lines):
        shown = line + ("\n" if index < len(lines) - 1 else "")
        if shown:
            fragments += [line_format, shown]
    if len(fragments) > 2:
        sheet.write_rich_string(row, columns[0], *fragments, cell_format)
    else:
        sheet.write_string(row, columns[0], "".join(str(f) for f in fragments[1:]), cell_format)


def _cell(row: int, column: int) -> str:
    return str(xl_rowcol_to_cell(row, column))


def _span(rows: list[int], column: int) -> str:
    # Criteria of one group are contiguous, so a range is both shorter and sturdier than a list.
    return f"{_cell(rows[0], column)}:{_cell(rows[-1], column)}"


def _write_body(sheet: Worksheet, fmt: _Formats, rules: Rules, layout: Layout, lang: str,
                filled: Mapping[str, FilledValue]) -> None:
    cached_self = _cached_scores(rules, layout, filled)
    marker = text(lang, "template.check_cell", cell="{cell}")
    rows_in_order = [layout.criterion_rows[c.code] for c in rules.criteria()]
    last_check = _cell(rows_in_order[-1], CHECK)
    for section in rules.sections:
        row = layout.group_rows[section.code]
        rows = [layout.criterion_rows[c.code] for c in section.criteria]
        sheet.write_string(row, CODE, section.code, fmt.group_code)
        sheet.write_string(row, TITLE, section.title, fmt.group_title)
        sheet.write_number(row, MAX, float(section.max), fmt.group_number)
        weight = "" if section.weight == 1 else f"{section.weight}*"
        formula = (f"=IF(SUM({_span(rows, SELF_APPLICABLE)})=0,0,{weight}SUM({_span(rows, SELF)})"
                   f"*{section.max}/SUM({_span(rows, SELF_APPLICABLE)}))")
        sheet.write_formula(row, SELF, formula, fmt.group_number, preview.stored_result(cached_self, section.code))
        sheet.write_blank(row, APPRAISED, None, fmt.for_bloc)
        note = text(lang, "template.weight_note", weight=format_number(section.weight, lang)) \
            if section.weight != 1 else ""
        sheet.write_string(row, EVIDENCE, note, fmt.group_title)
        fit_row(sheet, row, [(section.title, WIDTHS[TITLE])], bold=True)
        for criterion in section.criteria:
            _write_criterion(sheet, fmt, rules, criterion, layout.criterion_rows[criterion.code], lang,
                             filled.get(criterion.code), rows_in_order)

    for name, bucket in (("bonus", rules.bonus), ("deductions", rules.deductions)):
        if not bucket.criteria:
            continue
        _write_bucket(sheet, fmt, rules, name, bucket, layout, lang, filled, cached_self, rows_in_order)

    sections = [layout.group_rows[s.code] for s in rules.sections]
    sheet.write_string(layout.base_row, CODE, "", fmt.total_title)
    sheet.write_string(layout.base_row, TITLE, text(lang, "template.base_total"), fmt.total_title)
    sheet.write_number(layout.base_row, MAX, float(rules.base_max), fmt.total_number)
    cells = ",".join(_cell(r, SELF) for r in sections)
    formula = "=" + preview.marked(last_check, marker, f"SUM({cells})")
    sheet.write_formula(layout.base_row, SELF, formula, fmt.total_number,
                        preview.stored_result(cached_self, "base", marker))
    sheet.write_blank(layout.base_row, APPRAISED, None, fmt.for_bloc)
    sheet.write_string(layout.base_row, EVIDENCE, "", fmt.total_title)

    row = layout.total_row
    sheet.write_string(row, CODE, "", fmt.total_title)
    sheet.write_string(row, TITLE, text(lang, "template.total"), fmt.total_title)
    sheet.write_string(row, MAX, "", fmt.total_title)
    terms = _cell(layout.base_row, SELF)
    if "bonus" in layout.group_rows:
        terms += f"+{_cell(layout.group_rows['bonus'], SELF)}"
    if "deductions" in layout.group_rows:
        terms += f"-{_cell(layout.group_rows['deductions'], SELF)}"
    formula = "=" + preview.marked(last_check, marker, f"ROUND({terms},{rules.decimals})")
    sheet.write_formula(row, SELF, formula, fmt.total_number, preview.stored_result(cached_self, "total", marker))
    sheet.write_blank(row, APPRAISED, None, fmt.for_bloc)
    sheet.write_string(row, EVIDENCE, "", fmt.total_title)


def _write_bucket(sheet: Worksheet, fmt: _Formats, rules: Rules, name: str, bucket: Bucket, layout: Layout,
                  lang: str, filled: Mapping[str, FilledValue], cached_self: preview.Preview | None,
                  rows_in_order: list[int]) -> None:
    row = layout.group_rows[name]
    rows = [layout.criterion_rows[c.code] for c in bucket.criteria]
    # "ĐIỂM CỘNG (B), tối đa 5 điểm": the letter the total's formula A + B − C names.
    title = text(lang, "template.lettered", title=bucket.title or text(lang, f"template.{name}"),
                 letter="B" if name == "bonus" else "C")
    if bucket.cap is not None:
        title = text(lang, "template.capped", title=title, cap=bucket.cap)
    sheet.write_string(row, CODE, "", fmt.group_code)
    sheet.write_string(row, TITLE, title, fmt.group_title)
    if bucket.cap is not None:
        sheet.write_number(row, MAX, float(bucket.cap), fmt.group_number)
    else:
        sheet.write_string(row, MAX, "", fmt.group_number)
    total = f"SUM({_span(rows, SELF_POINTS)})"
    formula = f"=MIN({bucket.cap},{total})" if bucket.cap is not None else f"={total}"
    sheet.write_formula(row, SELF, formula, fmt.group_number, preview.stored_result(cached_self, name))
    sheet.write_blank(row, APPRAISED, None, fmt.for_bloc)
    sheet.write_string(row, EVIDENCE, "", fmt.group_title)
    fit_row(sheet, row, [(title, WIDTHS[TITLE])], bold=True)
    for criterion in bucket.criteria:
        _write_criterion(sheet, fmt, rules, criterion, layout.criterion_rows[criterion.code], lang,
                         filled.get(criterion.code), rows_in_order)


def _write_criterion(sheet: Worksheet, fmt: _Formats, rules: Rules, criterion: Criterion, row: int, lang: str,
                     value: FilledValue | None, rows_in_order: list[int]) -> None:
    sheet.write_string(row, CODE, criterion.code, fmt.code)
    sheet.write_string(row, TITLE, criterion.title, fmt.cell)
    if criterion.per_occurrence is not None:
        # "0,5/lần, tối đa 3 → 1,5 điểm": the rule, then what the count typed is worth once recalculated.
        rule = text(lang, "template.per_occurrence", points=criterion.per_occurrence, max=criterion.max)
        points = _cell(row, FINAL_POINTS)
        before, _, after = text(lang, "template.per_occurrence_points", points="{points}").partition("{points}")
        formula = f'={preview.quoted(rule)}&IF({points}>0,{preview.quoted(before)}&{points}&{preview.quoted(after)},"")'
        # Stored as it will read, for a viewer (or a print) that does not recalculate: with the worth of a count.
        count = value.self_score if value is not None and isinstance(value.self_score, Decimal) else None
        worth = criterion.points(count) if count is not None else 0
        shown = rule + (text(lang, "template.per_occurrence_points", points=worth) if worth else "")
        sheet.write_formula(row, MAX, formula, fmt.max, shown)
    else:
        sheet.write_number(row, MAX, float(criterion.max), fmt.max)
    value = value or FilledValue()
    entry = fmt.entry_count if criterion.per_occurrence is not None else fmt.entry
    write_value(sheet, row, SELF, value.self_score, entry, fmt.entry)
    write_value(sheet, row, APPRAISED, value.appraised, fmt.for_bloc, fmt.for_bloc)
    sheet.write_string(row, EVIDENCE, value.evidence, fmt.evidence)
    cells = [(criterion.title, WIDTHS[TITLE]), (value.evidence, at_size(WIDTHS[EVIDENCE], EVIDENCE_SIZE))]
    if criterion.per_occurrence is not None:  # the rule and the most it can be worth, in the narrow max column
        cells.append((text(lang, "template.per_occurrence", points=criterion.per_occurrence, max=criterion.max)
                      + text(lang, "template.per_occurrence_points", points=criterion.max), WIDTHS[MAX]))
    fit_row(sheet, row, cells)

    score_cells = {scorer: _cell(row, column) for scorer, column in _SCORE_COLUMNS.items()}
    max_cell = _cell(row, MAX)
    if criterion.kind == "base":
        sheet.write_formula(row, SELF_APPLICABLE,
                            "=" + preview.applicable_formula(score_cells["self"], max_cell), fmt.helper)
    else:  # bonus and deduction rows hold their points in the same helper column
        sheet.write_formula(row, SELF_POINTS, "=" + preview.points_formula(score_cells["self"], criterion),
                            fmt.helper)
    position = rows_in_order.index(row)
    previous = _cell(rows_in_order[position - 1], CHECK) if position else None
    tests = [(address, preview.unreadable_test(address, criterion)) for address in score_cells.values()]
    sheet.write_formula(row, CHECK, "=" + preview.check_formula(previous, tests), fmt.helper, "")
    sheet.data_validation(row, SELF, row, SELF, score_validation(criterion, _cell(row, SELF), lang))


def _write_signatures(sheet: Worksheet, fmt: _Formats, rules: Rules, layout: Layout, lang: str) -> None:
    """*Nơi nhận* on the left, the head's signature on the right, as a unit's report ends.

    Both start right of the code column: the code column below the table stays empty for the reader.
    """
    row = layout.last_row + 2
    sheet.write_string(row, TITLE, text(lang, "template.recipients_label"), fmt.recipients_label)
    recipients = text(lang, "template.recipients", bloc=rules.bloc)
    sheet.write_string(row + 1, TITLE, recipients, fmt.recipients)
    fit_row(sheet, row + 1, [(recipients, at_size(WIDTHS[TITLE], RECIPIENTS_SIZE))], size=RECIPIENTS_SIZE)
    sheet.merge_range(row, MAX, row, EVIDENCE, text(lang, "template.signed_by_head"), fmt.centre_bold)
    # Room to sign and seal (no "(Ký tên, đóng dấu)": a form's instruction is not printed under a signer),
    # then the head's full name, which the unit types in.
    sheet.merge_range(row + 5, MAX, row + 5, EVIDENCE, "", fmt.signer_name)


def _set_up_sheet(sheet: Worksheet, layout: Layout, lang: str) -> None:
    for column, width in WIDTHS.items():
        sheet.set_column(column, column, width)
    sheet.set_column(APPRAISED + 2, CHECK, None, None, {"hidden": True})
    sheet.freeze_panes(FIRST_BODY_ROW, 0)
    last = layout.last_row + _SIGNATURE_ROWS
    print_setup(sheet, margins=(0.5, 0.4, _MARGIN_TOP, _MARGIN_BOTTOM), repeat=(HEADER_ROW, HEADER_ROW),
                footer=page_footer(text(lang, "workbook.page_footer", page="&P", pages="&N")),
                pages_tall=pages_tall([_height(sheet, row) for row in range(last + 1)], HEADER_ROW))
    sheet.print_area(0, CODE, last, EVIDENCE)
    # No password: the lock only guards labels and formulas against slips, it is not a secret.
    sheet.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                       "select_unlocked_cells": True})
    sheet.activate()


def _cached_scores(rules: Rules, layout: Layout, filled: Mapping[str, FilledValue]) -> preview.Preview | None:
    """Formula results stored in the file, for viewers that show them without recalculating.

    Excel and LibreOffice recalculate on opening; a mail preview or a quick-look viewer does not.
    """
    if not filled:
        return None
    cells: dict[str, dict[str, object]] = {}
    addresses: dict[str, dict[str, str]] = {}
    for criterion in rules.criteria():
        entered = filled.get(criterion.code) or FilledValue()
        contents = {"self": entered.self_score}
        row = layout.criterion_rows[criterion.code]
        cells[criterion.code] = {s: preview.as_written(contents[s]) for s in _SCORE_COLUMNS}
        addresses[criterion.code] = {s: _cell(row, column) for s, column in _SCORE_COLUMNS.items()}
    return preview.preview(rules, cells, addresses, ("self",))

