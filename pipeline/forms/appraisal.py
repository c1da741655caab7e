"""The bloc's appraisal workbook: a protected sheet per unit where the bloc records its scores and reasons.

Made from a run over the input folder: each unit's self-scores as read, locked beside an appraised-score
cell and a reason cell the bloc fills in, with the formulas of preview.py showing each unit's self total and
its total after appraisal. Its identity sheet names what it was made from, so a resubmission after the
appraisal is noticed (validate.py, `appraisal-stale`). The pipeline reads the filled workbook from the
input folder like a unit's file (read.py) and never its formulas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipeline.checking.validate import UnitStatus
from pipeline.core.labels import text
from pipeline.core.numbers import Parsed, parse_score
from pipeline.forms import preview
from pipeline.forms.appraisal_carry import Appraised
from pipeline.forms.appraisal_print import PointsFormats, signers, write_points_row, write_signatures
from pipeline.forms.score_cells import score_validation
from pipeline.outputs.workbook.context import safe_sheet_name
from pipeline.outputs.workbook.entries import Shown, shown_entries
from pipeline.outputs.xlsx import (
    Formats,
    at_size,
    fit_row,
    new_workbook,
    page_footer,
    print_setup,
    write_identity,
    write_value,
)
from pipeline.rules.layout import (
    APPRAISAL_FORMAT,
    APPRAISAL_HEADER_ROW,
    APPRAISAL_KEYS,
    APPRAISAL_KIND,
    APPRAISAL_SHEET,
    APPRAISAL_VERSION,
    HELD,
    IDENTITY_SHEET,
    MADE_FROM_FILE,
    MADE_FROM_SELF,
    PEER_KIND,
)
from pipeline.rules.model import Criterion, Rules, Unit
from pipeline.rules.seal import SealKey
from pipeline.run import RunResult

CODE, TITLE, MAX, SELF, APPRAISED, REASON, EVIDENCE = range(len(APPRAISAL_KEYS))
WIDTHS = {CODE: 7, TITLE: 46, MAX: 9, SELF: 10, APPRAISED: 11, REASON: 32, EVIDENCE: 34}
# Hidden helper columns, as in the unit's template (preview.py): the value that counts, the applicable max
# (or the points) after appraisal and for the self-score alone, the first unreadable cell, and 1 where
# the bloc entered an appraisal.
FINAL, FINAL_APPLICABLE, SELF_APPLICABLE, CHECK, ENTERED = 7, 8, 9, 10, 11
SMALL = 11
_FIXED_DATE = datetime(2000, 1, 1)


@dataclass(frozen=True)
class _Totals:
    """Where a unit's sheet has its totals, and the figures its formulas show (for viewers that do not recalculate)."""

    row: int
    own: float | str
    after: float | str
    entered: int


def write_appraisal(result: RunResult, path: str | Path, *, lang: str | None = None,
                    filled: Mapping[str, Mapping[str, Appraised]] | None = None, key: SealKey | None = None) -> Path:
    """Write the appraisal workbook of `result`'s units to `path`; `filled` pre-enters appraisals; sealed with
    the bloc's `key` when given."""
    return _write_book(result, path, _BLOC, list(result.rules.units), lang=lang, filled=filled, key=key)


def write_peer_workbook(result: RunResult, scorer: Unit, path: str | Path, *, lang: str | None = None,
                        filled: Mapping[str, Mapping[str, Appraised]] | None = None,
                        key: SealKey | None = None) -> Path:
    """Write `scorer`'s cross-scoring workbook to `path`: a sheet per other unit, its N/A criteria locked;
    sealed with the bloc's `key` when given, so that no unit can make another scorer's."""
    others = [unit for unit in result.rules.units if unit.code != scorer.code]
    return _write_book(result, path, _Kind(PEER_KIND, "peer", scorer), others, lang=lang, filled=filled, key=key)


@dataclass(frozen=True)
class _Kind:
    """Which of the two workbooks: the bloc's appraisal, or one unit's scores of the others (chấm chéo)."""

    kind: str
    labels: str  # the locale section of its titles and instructions
    scorer: Unit | None = None

    @property
    def peer(self) -> bool:
        return self.kind == PEER_KIND

    def column(self, key: str) -> str:
        """The locale key of a table column's header."""
        if key == "evidence":
            return "column.unit_evidence"
        if self.peer and key in _PEER_COLUMNS:
            return _PEER_COLUMNS[key]
        return f"column.{key}"


_BLOC = _Kind(APPRAISAL_KIND, "appraisal")
_PEER_COLUMNS = {"appraised": "column.peer", "reason": "column.peer_note"}


def _write_book(result: RunResult, path: str | Path, kind: _Kind, units: list[Unit], *, lang: str | None,
                filled: Mapping[str, Mapping[str, Appraised]] | None, key: SealKey | None = None) -> Path:
    """The one writer of both workbooks: a summary sheet, a protected sheet per unit, the identity sheet."""
    rules = result.rules
    lang = lang or result.lang
    path = Path(path)
    title = _t(lang, f"{kind.labels}.title", year=rules.year, scorer=kind.scorer.name if kind.scorer else "")
    book = new_workbook(path, {"title": title, "author": rules.bloc, "created": _FIXED_DATE})
    fmt = _Formats(Formats(book, text_wrap=True), rules.decimals, lang)
    shown = shown_entries(result.validation.entries, result.validation.final)
    summary = book.add_worksheet(safe_sheet_name(_t(lang, f"{kind.labels}.sheet_summary"), []))
    taken = [summary.name, IDENTITY_SHEET]
    identity: dict[str, str] = {
        "format": APPRAISAL_FORMAT, "appraisal_version": str(APPRAISAL_VERSION), "kind": kind.kind,
        "bloc": rules.bloc, "year": str(rules.year), "revision": str(rules.revision),
        "fingerprint": rules.fingerprint, "language": lang,
    }
    if kind.scorer is not None:
        identity |= {"scorer": kind.scorer.code, "scorer_name": kind.scorer.name}
    totals: list[tuple[Unit, str, str, _Totals | None]] = []  # unit, its sheet, its status, its totals
    filled = filled or {}
    for unit in units:
        name = safe_sheet_name(unit.code, taken)
        taken.append(name)
        sheet = book.add_worksheet(name)
        status, note = unit_state(result, unit, lang)
        identity[f"{APPRAISAL_SHEET}{unit.code}"] = name
        if note:
            _write_note(sheet, fmt, unit, note)
            totals.append((unit, name, status, None))
            if filled.get(unit.code):
                identity[f"{HELD}{unit.code}"] = json.dumps(
                    {code: [entry.value, entry.reason] for code, entry in filled[unit.code].items()},
                    ensure_ascii=False, default=str)
            continue
        submission = result.unit_file(unit.code)
        assert submission is not None
        identity[f"{MADE_FROM_FILE}{unit.code}"] = submission.sha256
        values = {c.code: shown.get((unit.code, c.code), Shown()) for c in rules.criteria()}
        identity[f"{MADE_FROM_SELF}{unit.code}"] = json.dumps(
            {code: _as_text(value.self_value) for code, value in values.items()}, ensure_ascii=False)
        found = _write_unit(sheet, fmt, rules, unit, lang, submission.file, values, filled.get(unit.code, {}),
                            kind)
        totals.append((unit, name, status, found))
    _write_summary(summary, fmt, rules, lang, totals, kind)
    write_identity(book, IDENTITY_SHEET, identity, key)
    summary.activate()
    book.close()
    return path


# ------------------------------------------------------------------------------------------- internals

def _t(lang: str, key: str, **params: object) -> str:
    return text(lang, key, **params)


class _Formats:
    def __init__(self, formats: Formats, decimals: int, lang: str) -> None:
        number = "0" if decimals == 0 else "0." + "#" * decimals
        add = formats.get
        self.title = add(bold=True, font_size=14)
        self.note = add(italic=True, font_size=SMALL)
        self.header = add(bold=True, align="center", border=1, bg_color="#D9E1F2")
        self.group_code = add(bold=True, align="center", border=1, bg_color="#F2F2F2")
        self.group_title = add(bold=True, border=1, bg_color="#F2F2F2")
        self.group_number = add(bold=True, border=1, bg_color="#F2F2F2", num_format=number, align="center")
        self.code = add(border=1, align="center")
        self.cell = add(border=1, font_size=SMALL)
        self.max = add(border=1, align="center", num_format=number)
        self.self_score = add(border=1, align="center", num_format=number, bg_color="#F2F2F2")
        self.entry = add(border=1, align="center", num_format=number, locked=False, bg_color="#FFF9E6")
        self.reason = add(border=1, locked=False, bg_color="#FFF9E6", font_size=SMALL)
        self.evidence = add(border=1, font_size=10, font_color="#404040")
        self.total_title = add(bold=True, border=1, bg_color="#D9E1F2")
        self.total_number = add(bold=True, border=1, bg_color="#D9E1F2", num_format=number, align="center")
        self.centre_bold = add(bold=True, align="center")
        self.centre_name = add(bold=True, align="center", locked=False)
        self.text = add(border=1)
        self.helper = add(num_format="General")
        # An item counted per occurrence: its cells hold a count and say so ("2 lần"); its points are below.
        count = 'General" ' + _t(lang, "appraisal.times").replace('"', "") + '"'
        self.self_count = add(border=1, align="center", num_format=count, bg_color="#F2F2F2")
        self.entry_count = add(border=1, align="center", num_format=count, locked=False, bg_color="#FFF9E6")
        self.points_row = PointsFormats(
            title=add(border=1, italic=True, font_size=SMALL, align="right"),
            max=add(border=1, align="center", num_format=number, italic=True),
            points=add(border=1, align="center", italic=True,
                       num_format="0" if decimals == 0 else "0." + "0" * decimals),
            blank=add(border=1))


def _cell(row: int, column: int) -> str:
    return str(xl_rowcol_to_cell(row, column))


def _span(rows: list[int], column: int) -> str:
    return f"{_cell(rows[0], column)}:{_cell(rows[-1], column)}"


def unit_state(result: RunResult, unit: Unit, lang: str) -> tuple[str, str]:
    """The unit's status label, and why there is nothing to appraise ("" when there is)."""
    status = result.status[unit.code]
    label = _t(lang, f"status.{status.value}")
    submission = result.unit_file(unit.code)
    if status == UnitStatus.MISSING or submission is None or not submission.readable:
        return label, _t(lang, "appraisal.missing" if submission is None else "appraisal.invalid",
                         file=submission.file if submission else "")
    books = {s.file for s in result.submissions if s.appraisal is not None}
    # The unit's own file must be sound; a problem with the appraisal itself is what the bloc is fixing.
    own_errors = [i for i in result.issues if i.unit == unit.code and i.severity == "error" and i.file not in books
                  and not i.code.startswith("appraisal-")]
    if own_errors:
        return label, _t(lang, "appraisal.invalid", file=submission.file)
    return label, ""


def _write_note(sheet: Worksheet, fmt: _Formats, unit: Unit, note: str) -> None:
    width = sum(WIDTHS.values())
    for column, size in WIDTHS.items():
        sheet.set_column(column, column, size)
    sheet.merge_range(0, CODE, 0, EVIDENCE, f"{unit.name} ({unit.code})", fmt.title)
    sheet.merge_range(1, CODE, 1, EVIDENCE, note, fmt.note)
    fit_row(sheet, 1, [(note, at_size(width, SMALL))])
    print_setup(sheet)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _write_unit(sheet: Worksheet, fmt: _Formats, rules: Rules, unit: Unit, lang: str, file: str,
                values: Mapping[str, Shown], filled: Mapping[str, Appraised], kind: _Kind = _BLOC) -> _Totals:
    """A unit's table; returns where its totals are (self in SELF, after appraisal in APPRAISED) and what."""
    width = sum(WIDTHS.values())
    self_cells: dict[str, dict[str, object]] = {}
    addresses: dict[str, dict[str, str]] = {}
    rows: dict[str, int] = {}
    row = APPRAISAL_HEADER_ROW + 1
    groups: list[tuple[str, str, list[Criterion]]] = [(s.code, s.title, list(s.criteria)) for s in rules.sections]
    for name, bucket in (("bonus", rules.bonus), ("deductions", rules.deductions)):
        if bucket.criteria:
            title = _t(lang, "template.lettered", title=bucket.title or _t(lang, f"template.{name}"),
                       letter="B" if name == "bonus" else "C")
            groups.append((name, title, list(bucket.criteria)))
    group_rows: dict[str, int] = {}
    base_row: int | None = None
    for group, _title, criteria in groups:
        if base_row is None and rules.section(group) is None:  # A, the sections' total, before B and C
            base_row, row = row, row + 1
        group_rows[group] = row
        row += 1
        for criterion in criteria:
            rows[criterion.code] = row
            # A count's points on a row of their own under it, so no points column ever shows the count.
            row += 2 if criterion.per_occurrence is not None else 1
            entered = filled.get(criterion.code, Appraised())
            self_cells[criterion.code] = {"self": preview.as_written(values[criterion.code].self_value),
                                          "appraised": preview.as_written(entered.value)}
            addresses[criterion.code] = {"self": _cell(rows[criterion.code], SELF),
                                         "appraised": _cell(rows[criterion.code], APPRAISED)}
    if base_row is None:
        base_row, row = row, row + 1
    total_row = row
    own = preview.preview(rules, self_cells, addresses, ("self",))
    after = preview.preview(rules, self_cells, addresses, ("appraised", "self"))
    marker = _t(lang, "template.check_cell", cell="{cell}")

    for column, size in WIDTHS.items():
        sheet.set_column(column, column, size)
    sheet.set_column(FINAL, ENTERED, None, None, {"hidden": True})
    sheet.merge_range(0, CODE, 0, EVIDENCE, f"{unit.name} ({unit.code})", fmt.title)
    total = preview.stored_result(own, "total", marker)
    about = _t(lang, "appraisal.unit_file", file=file, total=total if isinstance(total, str) else Decimal(str(total)))
    sheet.merge_range(1, CODE, 1, EVIDENCE, about, fmt.note)
    fit_row(sheet, 1, [(about, at_size(width, SMALL))])
    instructions = _t(lang, f"{kind.labels}.instructions")
    sheet.merge_range(2, CODE, 2, EVIDENCE, instructions, fmt.note)
    fit_row(sheet, 2, [(instructions, at_size(width, SMALL))])
    labels = [_t(lang, kind.column(key)) for key in APPRAISAL_KEYS]
    for column, label in enumerate(labels):
        sheet.write_string(APPRAISAL_HEADER_ROW, column, label, fmt.header)
    fit_row(sheet, APPRAISAL_HEADER_ROW, [(label, WIDTHS[c]) for c, label in enumerate(labels)], bold=True)

    ordered = [rows[c.code] for c in rules.criteria()]
    last_check = _cell(ordered[-1], CHECK)
    for group, title, criteria in groups:
        group_row = group_rows[group]
        criterion_rows = [rows[c.code] for c in criteria]
        section = rules.section(group)
        sheet.write_string(group_row, CODE, section.code if section else "", fmt.group_code)
        sheet.write_string(group_row, TITLE, title, fmt.group_title)
        for column in (REASON, EVIDENCE):
            sheet.write_string(group_row, column, "", fmt.group_title)
        if section is not None:
            sheet.write_number(group_row, MAX, float(section.max), fmt.group_number)
            weight = "" if section.weight == 1 else f"{section.weight}*"
            for column, values_column, applicable, cached in ((SELF, SELF, SELF_APPLICABLE, own),
                                                              (APPRAISED, FINAL, FINAL_APPLICABLE, after)):
                formula = (f"=IF(SUM({_span(criterion_rows, applicable)})=0,0,{weight}"
                           f"SUM({_span(criterion_rows, values_column)})*{section.max}"
                           f"/SUM({_span(criterion_rows, applicable)}))")
                sheet.write_formula(group_row, column, formula, fmt.group_number, preview.stored_result(cached, group))
        else:
            bucket = rules.bonus if group == "bonus" else rules.deductions
            if bucket.cap is not None:
                sheet.write_number(group_row, MAX, float(bucket.cap), fmt.group_number)
            else:
                sheet.write_string(group_row, MAX, "", fmt.group_number)
            for column, points, cached in ((SELF, SELF_APPLICABLE, own), (APPRAISED, FINAL_APPLICABLE, after)):
                summed = f"SUM({_span(criterion_rows, points)})"
                formula = f"=MIN({bucket.cap},{summed})" if bucket.cap is not None else f"={summed}"
                sheet.write_formula(group_row, column, formula, fmt.group_number, preview.stored_result(cached, group))
        fit_row(sheet, group_row, [(title, WIDTHS[TITLE])], bold=True)
        for criterion in criteria:
            _write_criterion(sheet, fmt, criterion, rows[criterion.code], lang, values[criterion.code],
                             filled.get(criterion.code, Appraised()), ordered, kind)

    sections = [group_rows[s.code] for s in rules.sections]
    for line, key in ((base_row, "template.base_total"), (total_row, "template.total")):
        sheet.write_string(line, CODE, "", fmt.total_title)
        sheet.write_string(line, TITLE, _t(lang, key), fmt.total_title)
        sheet.write_string(line, REASON, "", fmt.total_title)
        sheet.write_string(line, EVIDENCE, "", fmt.total_title)
    sheet.write_number(base_row, MAX, float(rules.base_max), fmt.total_number)
    sheet.write_string(total_row, MAX, "", fmt.total_title)
    for column, cached in ((SELF, own), (APPRAISED, after)):
        cells = ",".join(_cell(r, column) for r in sections)
        formula = "=" + preview.marked(last_check, marker, f"SUM({cells})")
        sheet.write_formula(base_row, column, formula, fmt.total_number, preview.stored_result(cached, "base", marker))
        terms = _cell(base_row, column)
        if "bonus" in group_rows:
            terms += f"+{_cell(group_rows['bonus'], column)}"
        if "deductions" in group_rows:
            terms += f"-{_cell(group_rows['deductions'], column)}"
        formula = "=" + preview.marked(last_check, marker, f"ROUND({terms},{rules.decimals})")
        sheet.write_formula(total_row, column, formula, fmt.total_number,
                            preview.stored_result(cached, "total", marker))
    count = sum(1 for c in filled.values() if preview.as_written(c.value) is not None)
    sheet.write_formula(total_row, ENTERED, f"=SUM({_span(ordered, ENTERED)})", fmt.helper, count)
    last = write_signatures(sheet, total_row + 2, signers(rules, lang, kind.peer),
                            (fmt.centre_bold, fmt.centre_bold, fmt.centre_name))

    sheet.freeze_panes(APPRAISAL_HEADER_ROW + 1, 0)
    print_setup(sheet, margins=(0.4, 0.4, 0.6, 0.6), repeat=(APPRAISAL_HEADER_ROW, APPRAISAL_HEADER_ROW),
                footer=_footer(lang, unit.code))
    sheet.print_area(0, CODE, last, EVIDENCE)
    # No password, as in the templates: the lock guards the self-scores and formulas against slips.
    sheet.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                       "select_unlocked_cells": True})
    return _Totals(total_row, preview.stored_result(own, "total", marker),
                   preview.stored_result(after, "total", marker), count)


def _write_criterion(sheet: Worksheet, fmt: _Formats, criterion: Criterion, row: int, lang: str, value: Shown,
                     entered: Appraised, ordered: list[int], kind: _Kind = _BLOC) -> None:
    sheet.write_string(row, CODE, criterion.code, fmt.code)
    sheet.write_string(row, TITLE, criterion.title, fmt.cell)
    counted = criterion.per_occurrence is not None
    if counted:
        sheet.write_string(row, MAX, _t(lang, "appraisal.per_time", points=criterion.per_occurrence), fmt.max)
    else:
        sheet.write_number(row, MAX, float(criterion.max), fmt.max)
    write_value(sheet, row, SELF, value.self_value, fmt.self_count if counted else fmt.self_score, fmt.self_score)
    # A peer never scores a criterion the unit marked N/A: its cell is locked and left blank.
    locked = kind.peer and value.self_value == "N/A"
    entry_format = fmt.self_score if locked else fmt.entry_count if counted else fmt.entry
    write_value(sheet, row, APPRAISED, preview.as_written(entered.value), entry_format, entry_format)
    sheet.write_string(row, REASON, entered.reason, fmt.self_score if locked else fmt.reason)
    sheet.write_string(row, EVIDENCE, value.evidence, fmt.evidence)
    fit_row(sheet, row, [(criterion.title, at_size(WIDTHS[TITLE], SMALL)),
                         (entered.reason, at_size(WIDTHS[REASON], SMALL)),
                         (value.evidence, at_size(WIDTHS[EVIDENCE], 10))])
    if counted:
        write_points_row(sheet, fmt.points_row, criterion, row, lang, value.self_value, entered.value,
                         WIDTHS[TITLE])
    own, appraised = _cell(row, SELF), _cell(row, APPRAISED)
    sheet.write_formula(row, FINAL, "=" + preview.final_formula({"appraised": appraised, "self": own}), fmt.helper)
    if criterion.kind == "base":
        sheet.write_formula(row, FINAL_APPLICABLE, "=" + preview.applicable_formula(_cell(row, FINAL),
                                                                                    _cell(row, MAX)), fmt.helper)
        sheet.write_formula(row, SELF_APPLICABLE, "=" + preview.applicable_formula(own, _cell(row, MAX)), fmt.helper)
    else:
        sheet.write_formula(row, FINAL_APPLICABLE, "=" + preview.points_formula(_cell(row, FINAL), criterion),
                            fmt.helper)
        sheet.write_formula(row, SELF_APPLICABLE, "=" + preview.points_formula(own, criterion), fmt.helper)
    position = ordered.index(row)
    previous = _cell(ordered[position - 1], CHECK) if position else None
    tests = [(address, preview.unreadable_test(address, criterion)) for address in (own, appraised)]
    sheet.write_formula(row, CHECK, "=" + preview.check_formula(previous, tests), fmt.helper, "")
    sheet.write_formula(row, ENTERED, f"=IF({preview.blank_test(appraised)},0,1)", fmt.helper,
                        0 if preview.as_written(entered.value) is None else 1)
    if not locked:
        sheet.data_validation(row, APPRAISED, row, APPRAISED, score_validation(criterion, appraised, lang))


def _write_summary(sheet: Worksheet, fmt: _Formats, rules: Rules, lang: str,
                   totals: list[tuple[Unit, str, str, _Totals | None]], kind: _Kind = _BLOC) -> None:
    widths = (10, 46, 18, 14, 14, 14)
    for column, size in enumerate(widths):
        sheet.set_column(column, column, size)
    title = _t(lang, f"{kind.labels}.summary_title", year=rules.year,
               scorer=f"{kind.scorer.name} ({kind.scorer.code})" if kind.scorer else "")
    sheet.merge_range(0, 0, 0, len(widths) - 1, title, fmt.title)
    sheet.merge_range(1, 0, 1, len(widths) - 1, rules.bloc, fmt.note)
    instructions = _t(lang, f"{kind.labels}.instructions")
    sheet.merge_range(2, 0, 2, len(widths) - 1, instructions, fmt.note)
    fit_row(sheet, 2, [(instructions, at_size(sum(widths), SMALL))])
    labels = [_t(lang, key) for key in ("column.code", "appraisal.unit", "appraisal.status", "appraisal.self_total",
                                        f"{kind.labels}.appraised_total", f"{kind.labels}.changes")]
    header = APPRAISAL_HEADER_ROW
    for column, label in enumerate(labels):
        sheet.write_string(header, column, label, fmt.header)
    fit_row(sheet, header, list(zip(labels, widths, strict=True)), bold=True, minimum=2)
    row = header + 1
    for unit, name, status, found in totals:
        sheet.write_string(row, 0, unit.code, fmt.code)
        sheet.write_string(row, 1, unit.name, fmt.text)
        sheet.write_string(row, 2, status, fmt.text)
        if found is not None:
            quoted = "'" + name.replace("'", "''") + "'"
            for column, source, cached in ((3, SELF, found.own), (4, APPRAISED, found.after),
                                           (5, ENTERED, found.entered)):
                sheet.write_formula(row, column, f"={quoted}!{_cell(found.row, source)}", fmt.max, cached)
        else:
            for column in (3, 4, 5):
                sheet.write_string(row, column, _t(lang, "appraisal.no_total"), fmt.code)
        fit_row(sheet, row, [(unit.name, widths[1])])
        row += 1
    sheet.freeze_panes(header + 1, 0)
    print_setup(sheet, repeat=(header, header), footer=_footer(lang))
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _footer(lang: str, left: str = "") -> str:
    """Each sheet's pages numbered from 1 (print_setup): a page count would be the whole workbook's in
    LibreOffice, "Trang 2 / 19" on a unit's second page."""
    return page_footer(_t(lang, "appraisal.page_footer", page="&P"), left)


def _as_text(value: object) -> str:
    """A self-score as the identity records it: the number as text, "N/A", "" when blank, or what was typed."""
    kind, number = (Parsed.NUMBER, value) if isinstance(value, Decimal) else parse_score(value)
    if number is not None:
        return format(number.normalize(), "f")
    if kind is Parsed.NOT_APPLICABLE:
        return "N/A"
    return "" if kind is Parsed.BLANK else str(value)
