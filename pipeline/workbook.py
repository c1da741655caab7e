"""The consolidated ranking workbook the bloc's leadership opens, reads, prints and signs.

Sheets, in order: Ranking, Chart, Criteria matrix, one sheet per unit, Issues, Audit. Every number is a
number cell equal to the JSON; every text from a submission is written as text, never as a formula.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline.issues import Issue
from pipeline.labels import text
from pipeline.rank import RankedUnit, award_label
from pipeline.rules import Rules
from pipeline.run import RunResult, Tick
from pipeline.template import FONT
from pipeline.write import SECTION_DECIMALS, rounded

# Past this many units, one sheet per unit would make a workbook nobody scrolls through; the same
# figures go into one filterable Details sheet instead (README › Output files).
MAX_UNIT_SHEETS = 200
AWARD_COLOURS = {"flag": "#FFE699", "merit": "#DDEBF7"}
OTHER_AWARD_COLOUR = "#E2EFDA"


class _Formats:
    """Every format the workbook uses, created once: per-cell formats would bloat the file."""

    def __init__(self, book: xlsxwriter.Workbook, decimals: int) -> None:
        self.book = book
        self.number_format = "0" if decimals == 0 else "0." + "0" * decimals
        self.base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
        self._cache: dict[tuple, Any] = {}

    def get(self, **properties: Any):
        key = tuple(sorted(properties.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format({**self.base, **properties})
        return self._cache[key]

    # the handful used everywhere
    def text(self, **extra: Any):
        return self.get(border=1, text_wrap=True, **extra)

    def number(self, **extra: Any):
        return self.get(border=1, align="center", num_format=self.number_format, **extra)

    def header(self, **extra: Any):
        return self.get(border=1, bold=True, align="center", text_wrap=True, bg_color="#D9E1F2", **extra)


def write_workbook(result: RunResult, path: str | Path, *, tick: Tick | None = None) -> Path:
    """Write the ranking workbook of `result` to `path`; `tick` follows along (pipeline.run.Tick)."""
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    rules, lang = result.rules, result.lang
    book.set_properties({"title": text(lang, "report.title", year=rules.year), "author": rules.bloc,
                         "comments": f"bloc-score {result.tool_version}"})
    fmt = _Formats(book, rules.decimals)
    writer = _WorkbookWriter(book, fmt, result)
    writer.tick = tick
    writer.ranking()
    writer.chart()
    writer.matrix()
    writer.unit_sheets()
    writer.issues()
    writer.audit()
    if tick:
        tick("save", 0, 1)
    book.close()
    if tick:
        tick("save", 1, 1)
    return path


class _WorkbookWriter:
    def __init__(self, book: xlsxwriter.Workbook, fmt: _Formats, result: RunResult) -> None:
        self.book = book
        self.fmt = fmt
        self.result = result
        self.rules: Rules = result.rules
        self.lang = result.lang
        self.ranking_rows: dict[str, int] = {}
        self.ranking_sheet = ""
        self.tick: Tick | None = None
        self.units_written = 0

    def advance(self) -> None:
        """One unit's rows written: in the matrix, then in its own sheet or the Details table."""
        if self.tick is not None:
            self.units_written += 1
            self.tick("write", self.units_written, 2 * len(self.result.validation.used))

    def t(self, key: str, **params: Any) -> str:
        return text(self.lang, key, **params)

    def sheet_name(self, key: str) -> str:
        return self.t(f"workbook.sheet_{key}")[:31]

    # ------------------------------------------------------------------------------------- ranking

    def ranking(self) -> None:
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.book.add_worksheet(self.sheet_name("ranking"))
        self.ranking_sheet = sheet.name
        sections = [s.code for s in rules.sections]
        headers = [self.t("report.rank"), self.t("report.unit"), *sections, self.t("report.base"),
                   self.t("report.bonus"), self.t("report.deductions"), self.t("report.total"),
                   self.t("report.classification"), self.t("report.award")]
        last_column = len(headers) - 1
        widths = [7, 40, *([8] * len(sections)), 10, 9, 9, 10, 26, 18]
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)

        row = self._title_block(sheet, last_column)
        if result.provisional:
            counts = {state: sum(1 for s in result.status.values() if s == state) for state in ("missing", "invalid")}
            sheet.merge_range(row, 0, row, last_column, self.t("report.provisional", **counts),
                              fmt.get(bold=True, font_size=13, font_color="#9C0006", bg_color="#FFC7CE",
                                      align="center", text_wrap=True, border=2))
            sheet.set_row(row, 36)
            row += 2

        header_row = row
        for column, label in enumerate(headers):
            sheet.write_string(header_row, column, label, fmt.header())
        for offset, section in enumerate(rules.sections):
            sheet.write_comment(header_row, 2 + offset, f"{section.code}. {section.title} ({section.max})",
                                {"font_name": FONT, "x_scale": 2})
        sheet.set_row(header_row, 32)
        row = header_row + 1
        first_data_row = row
        for placed in result.ranked:
            self._ranking_row(sheet, row, placed)
            self.ranking_rows[placed.unit_code] = row
            row += 1
        last_data_row = row - 1
        total_column = 2 + len(sections) + 3
        if result.ranked:
            sheet.conditional_format(first_data_row, total_column, last_data_row, total_column,
                                     {"type": "data_bar", "bar_color": "#8EA9DB", "bar_solid": True})
        sheet.freeze_panes(header_row + 1, 2)

        unranked = [u for u in rules.units if result.status[u.code] != "scored"]
        if unranked:
            row += 1
            sheet.merge_range(row, 0, row, last_column, self.t("workbook.unranked"), fmt.get(bold=True))
            row += 1
            sheet.write_string(row, 0, self.t("report.unit_code"), fmt.header())
            sheet.write_string(row, 1, self.t("report.unit"), fmt.header())
            sheet.write_string(row, 2, self.t("report.status"), fmt.header())
            sheet.merge_range(row, 3, row, last_column, self.t("report.reason"), fmt.header())
            for unit in unranked:
                row += 1
                state = result.status[unit.code]
                sheet.write_string(row, 0, unit.code, fmt.text(align="center"))
                sheet.write_string(row, 1, unit.name, fmt.text())
                sheet.write_string(row, 2, self.t(f"status.{state}"), fmt.text(font_color="#9C0006"))
                reason = self._reason(unit.code)
                sheet.merge_range(row, 3, row, last_column, reason, fmt.text(font_size=11))
                sheet.set_row(row, 16.5 * max(1, -(-len(reason) // 110)) + 3)

        row = self._legend(sheet, row + 2, last_column)
        self._signatures(sheet, row + 1, last_column)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header_row)
        sheet.print_area(0, 0, row + 6, last_column)
        sheet.set_footer(f"&C{self.t('workbook.page')} &P / &N")
        sheet.hide_gridlines(2)
        sheet.activate()

    def _title_block(self, sheet, last_column: int) -> int:
        rules, fmt = self.rules, self.fmt
        split = 2 + len(rules.sections) // 2
        header_key = "template.header_party" if rules.header == "party" else "template.header_state"
        centre_bold = fmt.get(bold=True, align="center", text_wrap=True)
        sheet.merge_range(0, 0, 0, split, rules.issuer.upper(), centre_bold)
        sheet.merge_range(0, split + 1, 0, last_column, self.t(header_key), centre_bold)
        if rules.header == "state":
            sheet.set_row(0, 36)
        sheet.merge_range(1, 0, 1, split, "———", fmt.get(align="center"))
        sheet.merge_range(1, split + 1, 1, last_column, self._place_date(),
                          fmt.get(italic=True, align="center"))
        sheet.merge_range(3, 0, 3, last_column, self.t("report.title", year=rules.year).upper(),
                          fmt.get(bold=True, font_size=14, align="center"))
        sheet.merge_range(4, 0, 4, last_column, rules.bloc, fmt.get(italic=True, align="center"))
        return 6

    def _place_date(self) -> str:
        when = self.result.started_at
        key = "workbook.place_date"
        return self.t(key, place=self.rules.place or "", day=when.day, month=when.month, year=when.year)

    def _ranking_row(self, sheet, row: int, placed: RankedUnit) -> None:
        fmt, rules = self.fmt, self.rules
        fill = {"bg_color": AWARD_COLOURS.get(placed.award or "", OTHER_AWARD_COLOUR)} if placed.award else {}
        score = placed.score
        unit = rules.unit(placed.unit_code)
        sheet.write_number(row, 0, placed.rank, fmt.get(border=1, align="center", bold=True, **fill))
        sheet.write_string(row, 1, unit.name if unit else placed.unit_code, fmt.text(**fill))
        column = 2
        for section in score.sections:
            sheet.write_number(row, column, rounded(section.score, SECTION_DECIMALS), fmt.number(**fill))
            column += 1
        decimals = rules.decimals
        sheet.write_number(row, column, rounded(score.base, decimals), fmt.number(**fill))
        sheet.write_number(row, column + 1, rounded(score.bonus, decimals), fmt.number(**fill))
        sheet.write_number(row, column + 2, rounded(score.deductions, decimals), fmt.number(**fill))
        sheet.write_number(row, column + 3, rounded(score.total_exact, decimals), fmt.number(bold=True, **fill))
        sheet.write_string(row, column + 4, placed.classification or "", fmt.text(**fill))
        award = self._award_text(placed.award)
        sheet.write_string(row, column + 5, award, fmt.text(bold=bool(award), **fill))

    def _award_text(self, key: str | None) -> str:
        if not key:
            return ""
        award = self.rules.award(key)
        label = award_label(award) if award else key
        return label if isinstance(label, str) else self.t(label.key)

    def _reason(self, unit_code: str) -> str:
        errors = [i for i in self.result.issues if i.unit == unit_code and i.severity == "error"]
        if not errors:
            return ""
        first = errors[0].message(self.lang)
        more = len(errors) - 1
        return first + (" " + self.t("workbook.more_errors", count=more) if more else "")

    def _legend(self, sheet, row: int, last_column: int) -> int:
        rules, fmt = self.rules, self.fmt
        lines = [self.t("workbook.legend_scores", decimals=rules.decimals)]
        for award in rules.awards:
            label = award_label(award)
            lines.append(self.t("workbook.legend_award", award=label, count=award.count, min_score=award.min_score))
        if rules.tie_breakers:
            lines.append(self.t("workbook.legend_ties", breakers=", ".join(rules.tie_breakers)))
        for line in lines:
            sheet.merge_range(row, 0, row, last_column, line, fmt.get(italic=True, font_size=11, text_wrap=True))
            row += 1
        return row

    def _signatures(self, sheet, row: int, last_column: int) -> None:
        fmt = self.fmt
        split = 2 + len(self.rules.sections) // 2
        bold = fmt.get(bold=True, align="center", text_wrap=True)
        hint = fmt.get(italic=True, align="center")
        sheet.merge_range(row, 0, row, split, self.t("workbook.signed_by_secretary"), bold)
        sheet.merge_range(row, split + 1, row, last_column, self.t("workbook.signed_by_leader"), bold)
        sheet.set_row(row, 33)
        sheet.merge_range(row + 1, 0, row + 1, split, self.t("template.sign_hint"), hint)
        sheet.merge_range(row + 1, split + 1, row + 1, last_column, self.t("template.sign_hint"), hint)

    # --------------------------------------------------------------------------------------- chart

    def chart(self) -> None:
        if not self.result.ranked:
            return
        sheet = self.book.add_chartsheet(self.sheet_name("chart"))
        chart = self.book.add_chart({"type": "bar", "subtype": "stacked"})
        rows = sorted(self.ranking_rows.values())
        first, last = rows[0], rows[-1]
        name = self.ranking_sheet
        colours = ["#1F4E79", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#BF9000", "#7F6000"]
        for offset, section in enumerate(self.rules.sections):
            column = 2 + offset
            chart.add_series({
                "name": f"{section.code}. {section.title}"[:60],
                "categories": [name, first, 1, last, 1],
                "values": [name, first, column, last, column],
                "fill": {"color": colours[offset % len(colours)]},
                "gap": 60,
            })
        bonus_column = 2 + len(self.rules.sections) + 1
        chart.add_series({"name": self.t("report.bonus"), "categories": [name, first, 1, last, 1],
                          "values": [name, first, bonus_column, last, bonus_column],
                          "fill": {"color": "#FFC000"}})
        chart.set_title({"name": self.t("workbook.chart_title", year=self.rules.year),
                         "name_font": {"name": FONT, "size": 14}})
        # Best first, at the top: a bar chart draws its first category at the bottom unless reversed.
        chart.set_y_axis({"reverse": True, "num_font": {"name": FONT}})
        chart.set_x_axis({"min": 0, "num_font": {"name": FONT},
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
        sheet.set_chart(chart)
        sheet.set_landscape()
        sheet.set_paper(9)

    # -------------------------------------------------------------------------------------- matrix

    def matrix(self) -> None:
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.book.add_worksheet(self.sheet_name("matrix"))
        criteria = list(rules.criteria())
        sheet.set_column(0, 0, 9)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 2, 14)
        sheet.set_column(3, 3 + len(criteria) - 1, 6.5)
        sheet.merge_range(0, 0, 0, 2 + len(criteria), self.t("workbook.matrix_title", year=rules.year),
                          fmt.get(bold=True, font_size=14, align="center"))
        header = 2
        sheet.write_string(header, 0, self.t("report.unit_code"), fmt.header())
        sheet.write_string(header, 1, self.t("report.unit"), fmt.header())
        sheet.write_string(header, 2, "", fmt.header())
        for offset, criterion in enumerate(criteria):
            sheet.write_string(header, 3 + offset, criterion.code, fmt.header())
            sheet.write_comment(header, 3 + offset, f"{criterion.code}. {criterion.title}",
                                {"font_name": FONT, "x_scale": 2.5, "y_scale": 1.5})
        max_row = header + 1
        sheet.write_string(max_row, 0, "", fmt.text(bold=True, bg_color="#F2F2F2"))
        sheet.write_string(max_row, 1, self.t("column.max"), fmt.text(bold=True, bg_color="#F2F2F2"))
        sheet.write_string(max_row, 2, "", fmt.text(bold=True, bg_color="#F2F2F2"))
        for offset, criterion in enumerate(criteria):
            sheet.write_number(max_row, 3 + offset, float(criterion.max),
                               fmt.get(border=1, bold=True, align="center", bg_color="#F2F2F2", num_format="General"))
        cells = self._entry_lookup()
        changed = fmt.get(border=1, align="center", num_format="General", bg_color="#FCE4D6", bold=True)
        plain = fmt.get(border=1, align="center", num_format="General")
        not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F")
        row = max_row + 1
        scorers = (("self", self.t("column.self")), ("appraised", self.t("column.appraised")),
                   ("final", self.t("column.final")))
        for unit in rules.units:
            if unit.code not in result.validation.used:
                continue
            sheet.merge_range(row, 0, row + 2, 0, unit.code, fmt.text(align="center", bold=True))
            sheet.merge_range(row, 1, row + 2, 1, unit.name, fmt.text())
            for offset_row, (scorer, label) in enumerate(scorers):
                sheet.write_string(row + offset_row, 2, label, fmt.text(font_size=10))
                for offset, criterion in enumerate(criteria):
                    entry = cells.get((unit.code, criterion.code), {})
                    value = entry.get(scorer)
                    highlight = scorer == "final" and entry.get("changed")
                    self._write_value(sheet, row + offset_row, 3 + offset, value,
                                      changed if highlight else plain, not_applicable)
            row += 3
            self.advance()
        sheet.freeze_panes(max_row + 1, 3)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header, max_row)
        sheet.set_footer(f"&C{self.t('workbook.page')} &P / &N")

    def _entry_lookup(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(unit, criterion) → its self, appraised and final values as they were read and decided."""
        if getattr(self, "_lookup", None) is not None:  # the matrix and the unit sheets share one
            return self._lookup
        entries = self.result.validation.entries
        lookup: dict[tuple[str, str], dict[str, Any]] = {}
        self._lookup = lookup
        if entries.empty:
            return lookup
        for unit_code, code, scorer, value, is_na, is_blank, raw in zip(
            entries["unit_code"], entries["criterion_code"], entries["scorer"], entries["value"],
            entries["is_na"], entries["is_blank"], entries["raw"], strict=True,
        ):
            slot = lookup.setdefault((unit_code, code), {})
            slot[scorer] = "N/A" if is_na else (value if value is not None else (None if is_blank else raw))
            slot[f"{scorer}_blank"] = is_blank
        for slot in lookup.values():
            appraised_entered = not slot.get("appraised_blank", True)
            slot["final"] = slot.get("appraised") if appraised_entered else slot.get("self")
            slot["changed"] = appraised_entered and slot.get("appraised") != slot.get("self")
        return lookup

    @staticmethod
    def _write_value(sheet, row: int, column: int, value: Any, number_format, na_format) -> None:
        if value is None or value == "":
            sheet.write_blank(row, column, None, number_format)
        elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            sheet.write_number(row, column, float(value), number_format)
        elif value == "N/A":
            sheet.write_string(row, column, "N/A", na_format)
        else:
            sheet.write_string(row, column, str(value), na_format)

    # ---------------------------------------------------------------------------------- unit sheets

    def unit_sheets(self) -> None:
        units = [u for u in self.rules.units if u.code in self.result.validation.used]
        if len(units) > MAX_UNIT_SHEETS:
            self._details_sheet()
            return
        lookup = self._entry_lookup()
        ranked = {r.unit_code: r for r in self.result.ranked}
        for unit in units:
            self._unit_sheet(unit.code, unit.name, lookup, ranked.get(unit.code))
            self.advance()

    def _unit_sheet(self, code: str, name: str, lookup: dict, placed: RankedUnit | None) -> None:
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.book.add_worksheet(_safe_sheet_name(code, self.book))
        widths = [7, 52, 8, 10, 10, 10, 40]
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        sheet.merge_range(0, 0, 0, 6, f"{name} ({code})", fmt.get(bold=True, font_size=14))
        submission = result.unit_file(code)
        status = self.t(f"status.{result.status[code]}")
        summary = self.t("workbook.unit_summary", file=submission.file if submission else "—", status=status)
        sheet.merge_range(1, 0, 1, 6, summary, fmt.get(italic=True, text_wrap=True))
        if placed:
            sheet.merge_range(2, 0, 2, 6, self.t("workbook.unit_rank", rank=placed.rank,
                                                   total=rounded(placed.score.total_exact, rules.decimals),
                                                   classification=placed.classification or "—"),
                              fmt.get(bold=True))
        header = 4
        labels = ["column.code", "column.criterion", "column.max", "column.self", "column.appraised",
                  "column.final", "column.evidence"]
        for column, key in enumerate(labels):
            sheet.write_string(header, column, self.t(key), fmt.header())
        row = header + 1
        score = placed.score if placed else None
        changed = fmt.get(border=1, align="center", num_format="General", bg_color="#FCE4D6", bold=True)
        plain = fmt.get(border=1, align="center", num_format="General")
        na = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F")
        group_fill = {"bg_color": "#F2F2F2", "bold": True}
        groups = [(s.code, s.title, s.criteria, s) for s in rules.sections]
        groups += [(g, self.t(f"template.{g}"), b.criteria, None)
                   for g, b in (("bonus", rules.bonus), ("deductions", rules.deductions)) if b.criteria]
        for group_code, title, criteria, section in groups:
            sheet.write_string(row, 0, group_code if section else "", fmt.text(align="center", **group_fill))
            sheet.write_string(row, 1, title, fmt.text(**group_fill))
            sheet.write_number(row, 2, float(section.max) if section else 0, fmt.number(**group_fill)) \
                if section else sheet.write_string(row, 2, "", fmt.text(**group_fill))
            for column in (3, 4):
                sheet.write_string(row, column, "", fmt.text(**group_fill))
            note = ""
            if score is not None and section is not None:
                got = score.section(section.code)
                sheet.write_number(row, 5, rounded(got.score, SECTION_DECIMALS), fmt.number(**group_fill))
                note = self._section_note(got)
            elif score is not None:
                entered, counted = ((score.bonus_entered, score.bonus) if group_code == "bonus"
                                    else (score.deductions_entered, score.deductions))
                sheet.write_number(row, 5, rounded(counted, rules.decimals), fmt.number(**group_fill))
                if entered != counted:
                    note = self.t("workbook.capped", entered=_decimal(entered), cap=_decimal(counted))
            else:
                sheet.write_string(row, 5, "", fmt.text(**group_fill))
            sheet.write_string(row, 6, note, fmt.text(font_size=10, **group_fill))
            row += 1
            for criterion in criteria:
                entry = lookup.get((code, criterion.code), {})
                sheet.write_string(row, 0, criterion.code, fmt.text(align="center"))
                sheet.write_string(row, 1, criterion.title, fmt.text(font_size=11))
                sheet.write_number(row, 2, float(criterion.max), plain)
                self._write_value(sheet, row, 3, entry.get("self"), plain, na)
                self._write_value(sheet, row, 4, entry.get("appraised"), plain, na)
                self._write_value(sheet, row, 5, entry.get("final"), changed if entry.get("changed") else plain, na)
                evidence = self._evidence(code, criterion.code)
                sheet.write_string(row, 6, evidence, fmt.text(font_size=10))
                sheet.set_row(row, 15 * max(1, -(-len(criterion.title) // 60), -(-len(evidence) // 50)) + 3)
                row += 1
        if score is not None:
            for key, value in (("report.base", score.base), ("report.bonus", score.bonus),
                               ("report.deductions", score.deductions), ("report.total", score.total_exact)):
                sheet.merge_range(row, 0, row, 4, self.t(key), fmt.text(bold=True, bg_color="#D9E1F2"))
                sheet.write_number(row, 5, rounded(value, rules.decimals),
                                   fmt.number(bold=True, bg_color="#D9E1F2"))
                sheet.write_string(row, 6, "", fmt.text(bg_color="#D9E1F2"))
                row += 1
        unit_issues = [i for i in result.issues if i.unit == code]
        if unit_issues:
            row += 1
            sheet.merge_range(row, 0, row, 6, self.t("workbook.unit_issues"), fmt.get(bold=True))
            row += 1
            for issue in unit_issues:
                colour = "#9C0006" if issue.severity == "error" else "#7F6000"
                sheet.write_string(row, 0, issue.cell or "", fmt.text(align="center"))
                sheet.merge_range(row, 1, row, 6, issue.message(self.lang), fmt.text(font_color=colour, font_size=11))
                sheet.set_row(row, 15 * max(1, -(-len(issue.message(self.lang)) // 120)) + 3)
                row += 1
        sheet.freeze_panes(header + 1, 0)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(header)
        sheet.set_footer(f"&L{code}&C{self.t('workbook.page')} &P / &N")

    def _section_note(self, got) -> str:
        parts = []
        if got.not_applicable:
            parts.append(self.t("workbook.rescaled", codes=", ".join(got.not_applicable),
                                points=_decimal(got.points), applicable=got.applicable_max, max=got.max))
        if got.weight != 1:
            parts.append(self.t("template.weight_note", weight=got.weight))
        return "; ".join(parts)

    def _evidence(self, unit_code: str, criterion_code: str) -> str:
        entries = self.result.validation.entries
        if not hasattr(self, "_evidence_map"):
            self._evidence_map = {
                (u, c): e for u, c, e, s in zip(entries["unit_code"], entries["criterion_code"],
                                                 entries["evidence"], entries["scorer"], strict=True)
                if s == "self"
            } if not entries.empty else {}
        return self._evidence_map.get((unit_code, criterion_code), "")

    def _details_sheet(self) -> None:
        """Above MAX_UNIT_SHEETS units: one long, filterable table instead of a sheet per unit."""
        fmt = self.fmt
        sheet = self.book.add_worksheet(self.sheet_name("details"))
        labels = ["report.unit_code", "column.code", "column.max", "column.self", "column.appraised",
                  "column.final", "column.evidence"]
        for column, key in enumerate(labels):
            sheet.write_string(0, column, self.t(key), fmt.header())
        lookup = self._entry_lookup()
        plain = fmt.get(num_format="General")
        criteria = [(c.code, float(c.max)) for c in self.rules.criteria()]
        row = 1
        # A province writes tens of thousands of rows here, so only cells that hold something are written:
        # the sheet has no borders, and an empty cell with a format looks exactly like no cell.
        for unit in self.rules.units:
            if unit.code not in self.result.validation.used:
                continue
            for code, maximum in criteria:
                entry = lookup.get((unit.code, code), {})
                sheet.write_string(row, 0, unit.code)
                sheet.write_string(row, 1, code)
                sheet.write_number(row, 2, maximum)
                for column, scorer in ((3, "self"), (4, "appraised"), (5, "final")):
                    value = entry.get(scorer)
                    if value is not None and value != "":
                        self._write_value(sheet, row, column, value, plain, plain)
                sheet.write_string(row, 6, self._evidence(unit.code, code))
                row += 1
            self.advance()
        sheet.autofilter(0, 0, max(row - 1, 0), len(labels) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 1, 10)
        sheet.set_column(2, 5, 10)
        sheet.set_column(6, 6, 60)

    # -------------------------------------------------------------------------------------- issues

    def issues(self) -> None:
        fmt, lang = self.fmt, self.lang
        sheet = self.book.add_worksheet(self.sheet_name("issues"))
        labels = ["severity", "code", "file", "sheet", "cell", "unit", "criterion", "message"]
        widths = [10, 20, 34, 14, 7, 9, 9, 90]
        for column, (key, width) in enumerate(zip(labels, widths, strict=True)):
            sheet.set_column(column, column, width)
            sheet.write_string(0, column, self.t(f"workbook.issue_{key}"), fmt.header())
        colours = {"error": "#9C0006", "warning": "#7F6000", "info": "#404040"}
        wrap = {severity: fmt.get(text_wrap=True, font_size=11, font_color=colour)
                for severity, colour in colours.items()}
        plain = fmt.get(font_size=11)
        issues: list[Issue] = self.result.issues
        for row, issue in enumerate(issues, start=1):
            values = [self.t(f"workbook.severity_{issue.severity}"), issue.code, issue.file or "",
                      issue.sheet or "", issue.cell or "", issue.unit or "", issue.criterion or ""]
            for column, value in enumerate(values):
                sheet.write_string(row, column, value, plain)
            message = issue.message(lang)
            sheet.write_string(row, 7, message, wrap[issue.severity])
            sheet.set_row(row, 15 * max(1, -(-len(message) // 95)) + 2)
        sheet.autofilter(0, 0, max(len(issues), 1), len(labels) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)

    # --------------------------------------------------------------------------------------- audit

    def audit(self) -> None:
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.book.add_worksheet(self.sheet_name("audit"))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 1, 70)
        sheet.set_column(2, 6, 16)
        bold = fmt.get(bold=True)
        label = fmt.get(bold=True, valign="top")
        wrap = fmt.get(text_wrap=True)
        row = 0
        sheet.write_string(row, 0, self.t("workbook.audit_title"), fmt.get(bold=True, font_size=14))
        row += 2
        rules_hash = _file_sha256(rules.source)
        facts = [
            ("audit_bloc", rules.bloc), ("audit_year", str(rules.year)), ("audit_rules_file", rules.source),
            ("audit_rules_sha256", rules_hash), ("audit_fingerprint", rules.fingerprint),
            ("audit_revision", str(rules.revision)), ("audit_basis", rules.basis or "—"),
            ("audit_tool", f"bloc-score {result.tool_version}"),
            ("audit_run_at", result.started_at.isoformat(timespec="seconds")),
            ("audit_provisional", self.t("workbook.answer_yes" if result.provisional else "workbook.answer_no")),
        ]
        for key, value in facts:
            sheet.write_string(row, 0, self.t(f"workbook.{key}"), label)
            sheet.write_string(row, 1, value, wrap)
            row += 1

        row += 1
        sheet.write_string(row, 0, self.t("workbook.audit_rules"), bold)
        row += 1
        for column, key in enumerate(("audit_group", "audit_title_col", "audit_max", "audit_weight", "audit_cap")):
            sheet.write_string(row, column, self.t(f"workbook.{key}"), fmt.header())
        row += 1
        for section in rules.sections:
            sheet.write_string(row, 0, section.code, fmt.text())
            sheet.write_string(row, 1, section.title, fmt.text())
            sheet.write_number(row, 2, float(section.max), fmt.get(border=1, num_format="General"))
            sheet.write_number(row, 3, float(section.weight), fmt.get(border=1, num_format="General"))
            sheet.write_string(row, 4, "", fmt.text())
            row += 1
        for name, bucket in (("bonus", rules.bonus), ("deductions", rules.deductions)):
            if not bucket.criteria:
                continue
            sheet.write_string(row, 0, self.t(f"report.{name}"), fmt.text())
            sheet.write_string(row, 1, ", ".join(c.code for c in bucket.criteria), fmt.text())
            bucket_max = float(sum(c.max for c in bucket.criteria))
            sheet.write_number(row, 2, bucket_max, fmt.get(border=1, num_format="General"))
            sheet.write_string(row, 3, "", fmt.text())
            if bucket.cap is not None:
                sheet.write_number(row, 4, float(bucket.cap), fmt.get(border=1, num_format="General"))
            else:
                sheet.write_string(row, 4, "—", fmt.text())
            row += 1
        row += 1
        sheet.write_string(row, 0, self.t("report.classification"), bold)
        row += 1
        for threshold in rules.classification:
            sheet.write_string(row, 0, threshold.label)
            sheet.write_number(row, 1, float(threshold.min), fmt.get(num_format="General", align="left"))
            row += 1
        row += 1
        sheet.write_string(row, 0, self.t("report.award"), bold)
        row += 1
        for award in rules.awards:
            sheet.write_string(row, 0, self._award_text(award.key))
            sheet.write_string(row, 1, self.t("workbook.legend_award", award=award_label(award), count=award.count,
                                              min_score=award.min_score), wrap)
            row += 1
        if rules.tie_breakers:
            sheet.write_string(row, 0, self.t("workbook.audit_ties"), label)
            sheet.write_string(row, 1, ", ".join(rules.tie_breakers))
            row += 1

        row += 1
        sheet.write_string(row, 0, self.t("workbook.audit_inputs"), bold)
        row += 1
        headers = ("issue_file", "audit_sha256", "audit_size", "audit_modified", "issue_unit", "report_status")
        for column, key in enumerate(headers):
            label_text = self.t("report.status") if key == "report_status" else self.t(f"workbook.{key}")
            sheet.write_string(row, column, label_text, fmt.header())
        row += 1
        for submission in result.submissions:
            unit_code = result.validation.file_units.get(submission.file, "")
            used = result.validation.used.get(unit_code) is submission
            state = self.t(f"status.{result.status[unit_code]}") if unit_code and used else "—"
            modified = (datetime.fromtimestamp(submission.modified).strftime("%Y-%m-%d %H:%M:%S")
                        if submission.modified else "")
            sheet.write_string(row, 0, submission.file, fmt.text())
            sheet.write_string(row, 1, submission.sha256, fmt.get(border=1, font_name="Courier New", font_size=9))
            sheet.write_number(row, 2, submission.size, fmt.get(border=1, num_format="#,##0"))
            sheet.write_string(row, 3, modified, fmt.text())
            sheet.write_string(row, 4, unit_code, fmt.text())
            sheet.write_string(row, 5, state, fmt.text())
            row += 1


def _decimal(value: Fraction | Decimal) -> Decimal:
    from pipeline.numbers import round_half_away

    return round_half_away(value, 4).normalize()


def _file_sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "—"


def _safe_sheet_name(name: str, book: xlsxwriter.Workbook) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\ and unique (case-insensitively)."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "_"
    existing = {sheet.name.casefold() for sheet in book.worksheets()}
    candidate, counter = cleaned, 1
    while candidate.casefold() in existing:
        counter += 1
        suffix = f" ({counter})"
        candidate = cleaned[: 31 - len(suffix)] + suffix
    return candidate


def cell(row: int, column: int) -> str:
    return xl_rowcol_to_cell(row, column)
