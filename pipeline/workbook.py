"""The consolidated ranking workbook the bloc's leadership opens, reads, prints and signs.

Sheets, in order: Ranking, Chart, Criteria matrix, one sheet per unit, Issues, Audit. Every number is a
number cell equal to the JSON; every text from a submission is written as text, never as a formula.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.labels import format_number, text
from pipeline.numbers import round_half_away
from pipeline.rank import RankedUnit, award_label, tie_breakers_in_words
from pipeline.rules import BONUS, DEDUCTIONS, Rules
from pipeline.run import RunResult, Tick
from pipeline.score import SectionScore, UnitScore
from pipeline.template import FONT
from pipeline.write import SECTION_DECIMALS, rounded

# Past this many units, one sheet per unit, and a units × criteria matrix thousands of rows long, make a
# workbook nobody scrolls through (and a province waits for): the same figures go into one filterable
# Details table instead, appraisal changes marked as in the matrix.
MAX_UNIT_SHEETS = 200

AWARD_FILLS = {"flag": "#FFE699", "merit": "#DDEBF7"}
OTHER_AWARD_FILL = "#E2EFDA"
HEADER_FILL = "#D9E1F2"
GROUP_FILL = "#F2F2F2"
CHANGED_FILL = "#FCE4D6"  # the appraisal changed the self-score
ERROR_COLOUR, WARNING_COLOUR, INFO_COLOUR = "#9C0006", "#7F6000", "#404040"
SECTION_COLOURS = ("#1F4E79", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#7030A0", "#BF9000", "#7F7F7F")
BONUS_COLOUR, DEDUCTION_COLOUR = "#FFC000", "#C00000"

# What official documents put under the issuing body: Party documents a star (Hướng dẫn 36-HD/VPTW),
# State documents a short solid rule a third to a half as long as the name (Nghị định 30/2020/NĐ-CP).
RULE_CHARACTER = "\u2500"

# Row heights. Neither Excel nor LibreOffice grows a row on opening a file it did not lay out itself, so
# wrapped text needs its height set here. A unit of column width holds about 1.3 characters of 12-pt
# Times New Roman (measured on LibreOffice's PDF output); a line takes 1.375 × the font size.
CHARS_PER_WIDTH = 1.3
LINE_SPACING = 1.375
BASE_SIZE = 12

# The ranking table's fixed columns; the rest follow the sections (RankingColumns). The tests use them too.
RANK_COLUMN, UNIT_COLUMN, FIRST_SECTION_COLUMN = 0, 1, 2


@dataclass(frozen=True)
class RankingColumns:
    """Column positions of the ranking table, which depend on the number of sections."""

    sections: int

    @property
    def base(self) -> int:
        return FIRST_SECTION_COLUMN + self.sections

    @property
    def bonus(self) -> int:
        return self.base + 1

    @property
    def deductions(self) -> int:
        return self.base + 2

    @property
    def total(self) -> int:
        return self.base + 3

    @property
    def classification(self) -> int:
        return self.base + 4

    @property
    def award(self) -> int:
        return self.base + 5

    @property
    def last(self) -> int:
        return self.award

    def widths(self) -> list[float]:
        return [7, 38, *([8.5] * self.sections), 10, 9, 9, 10, 24, 19]


def write_workbook(result: RunResult, path: str | Path, *, tick: Tick | None = None) -> Path:
    """Write the ranking workbook of `result` to `path`; `tick` follows along (pipeline.run.Tick)."""
    path = Path(path)
    # Text from submissions stays text: never a formula, a number or a link, whatever it starts with.
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    rules, lang = result.rules, result.lang
    book.set_properties({"title": text(lang, "report.title", year=rules.year), "author": rules.bloc,
                         "comments": f"bloc-score {result.tool_version}"})
    writer = _WorkbookWriter(book, result, tick)
    writer.ranking()
    writer.chart()
    if not writer.province_scale:
        writer.matrix()
    writer.unit_sheets()
    writer.issues()
    writer.audit()
    if tick:
        tick("save", 0, 1)  # xlsxwriter says nothing while it saves, about half the writing time
    book.close()
    if tick:
        tick("save", 1, 1)
    return path


# ------------------------------------------------------------------------------------------- helpers

def number_format(decimals: int) -> str:
    """The display format of a score: the rules' decimals, shown with the reader's own separator."""
    return "0" if decimals == 0 else "0." + "0" * decimals


def wrapped_lines(value: str, width: float, size: float = BASE_SIZE, bold: bool = False) -> int:
    """How many lines `value` takes in a wrapping cell `width` units wide, wrapping at spaces like Excel."""
    capacity = max(1, int(width * CHARS_PER_WIDTH * BASE_SIZE / size * (0.9 if bold else 1.0)))
    total = 0
    for paragraph in (value or "").split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            length = len(word)
            if used and used + 1 + length > capacity:
                lines, used = lines + 1, 0
            if length > capacity:  # a file name or a hash breaks anywhere
                lines += (used + length - 1) // capacity
                used = (used + length) % capacity or capacity
            else:
                used = length if not used else used + 1 + length
        total += lines
    return total


def row_height(lines: int, size: float = BASE_SIZE) -> float:
    return lines * size * LINE_SPACING + 3


def _pixels(width: float) -> int:
    """A column's width on screen, as Excel computes it for its default 11-pt font."""
    return int(width * 7 + 0.5) + 5


def _footer_text(value: str) -> str:
    # In a header or footer "&" starts a control code; a literal one is written "&&".
    return value.replace("&", "&&")


def _percent(score: Fraction, possible: Fraction) -> float:
    return float(score / possible) if possible else 0.0


def _decimal(value: Fraction | Decimal) -> Decimal:
    return round_half_away(value, 4).normalize()


def _file_sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "—"


def safe_sheet_name(name: str, taken: Iterable[str]) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\, no leading or trailing quote, unique."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31] or "_"
    existing = {sheet.casefold() for sheet in taken}
    candidate, counter = cleaned, 1
    while candidate.casefold() in existing:
        counter += 1
        suffix = f" ({counter})"
        candidate = cleaned[: 31 - len(suffix)] + suffix
    return candidate


class _Formats:
    """Every format the workbook uses, created once and reused: a format per cell would bloat the file."""

    def __init__(self, book: xlsxwriter.Workbook, decimals: int) -> None:
        self.book = book
        self.score_format = number_format(decimals)
        self.base = {"font_name": FONT, "font_size": BASE_SIZE, "valign": "vcenter"}
        self._cache: dict[tuple, Format] = {}

    def get(self, **properties: Any) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format({**self.base, **properties})
        return self._cache[key]

    def _with(self, defaults: dict[str, Any], extra: dict[str, Any]) -> Format:
        return self.get(**{**defaults, **extra})  # the caller's properties win over the defaults

    def text(self, **extra: Any) -> Format:
        return self._with({"border": 1, "text_wrap": True}, extra)

    def score(self, **extra: Any) -> Format:
        return self._with({"border": 1, "align": "center", "num_format": self.score_format}, extra)

    def integer(self, **extra: Any) -> Format:
        return self._with({"border": 1, "align": "center", "num_format": "0"}, extra)

    def header(self, **extra: Any) -> Format:
        return self._with({"border": 1, "bold": True, "align": "center", "text_wrap": True,
                           "bg_color": HEADER_FILL}, extra)

    def note(self, **extra: Any) -> Format:
        return self._with({"italic": True, "font_size": 11, "text_wrap": True, "valign": "top"}, extra)


@dataclass(frozen=True)
class _Entry:
    """One criterion of one unit as read: what the unit wrote, what the bloc wrote, what counts."""

    self_value: Any = None  # Decimal, "N/A", the raw text of an unreadable cell, or None when blank
    appraised: Any = None
    evidence: str = ""

    @property
    def appraisal_entered(self) -> bool:
        return self.appraised is not None

    @property
    def final(self) -> Any:
        return self.appraised if self.appraisal_entered else self.self_value

    @property
    def changed(self) -> bool:
        return self.appraisal_entered and self.appraised != self.self_value


class _WorkbookWriter:
    def __init__(self, book: xlsxwriter.Workbook, result: RunResult, tick: Tick | None = None) -> None:
        self.book = book
        self.tick = tick
        self.units_written = 0
        self.result = result
        self.rules: Rules = result.rules
        self.lang = result.lang
        self.fmt = _Formats(book, self.rules.decimals)
        self.columns = RankingColumns(len(self.rules.sections))
        self.ranked = {r.unit_code: r for r in result.ranked}
        self.entries = self._entry_lookup()
        self.sheet_names: list[str] = []

    # ---------------------------------------------------------------------------------- shared bits

    @property
    def province_scale(self) -> bool:
        return len(self.result.validation.used) > MAX_UNIT_SHEETS

    def advance(self) -> None:
        """One unit's rows written: in the matrix, then in its own sheet or the Details table."""
        if self.tick is not None:
            self.units_written += 1
            passes = 1 if self.province_scale else 2  # Details alone, or the matrix then the unit sheets
            self.tick("write", self.units_written, passes * len(self.result.validation.used))

    def t(self, key: str, **params: Any) -> str:
        return text(self.lang, key, **params)

    def add_sheet(self, name: str, *, avoid: Iterable[str] = ()) -> Worksheet:
        sheet = self.book.add_worksheet(safe_sheet_name(name, [*self.sheet_names, *avoid]))
        self.sheet_names.append(sheet.name)
        return sheet

    def add_unit_sheet(self, code: str) -> Worksheet:
        # Unit sheets come before Issues and Audit: a unit coded like one of them must not take its name.
        return self.add_sheet(code, avoid=[self.t(f"workbook.sheet_{key}") for key in ("issues", "audit")])

    def rounded(self, value: Fraction | Decimal) -> float:
        """A base, bonus, deduction or total as the JSON has it: rounded to the rules' decimals."""
        return rounded(value, self.rules.decimals)

    @property
    def weighted_base_max(self) -> Decimal:
        return sum((s.max * s.weight for s in self.rules.sections), Decimal(0))

    def unit_name(self, code: str) -> str:
        unit = self.rules.unit(code)
        return unit.name if unit else code

    def award_text(self, key: str | None) -> str:
        if not key:
            return ""
        award = self.rules.award(key)
        label = award_label(award) if award else key
        return label if isinstance(label, str) else self.t(label.key)

    def footer(self, left: str = "") -> str:
        page = self.t("workbook.page_footer", page="&P", pages="&N")
        font = f'&"{FONT},Regular"&10'
        return (f"&L{font}{_footer_text(left)}" if left else "") + f"&C{font}{page}"

    def print_setup(self, sheet: Worksheet, *, repeat: tuple[int, int] | None = None, footer_left: str = "",
                    pages_tall: int = 0) -> None:
        """A4 landscape, one page wide, header rows on every page, page numbers in the footer."""
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.fit_to_pages(1, pages_tall)
        sheet.center_horizontally()
        if repeat is not None:
            sheet.repeat_rows(*repeat)
        sheet.set_footer(self.footer(footer_left))

    def fit(self, sheet: Worksheet, row: int, cells: Sequence[tuple[str, float]], *, size: float = BASE_SIZE,
            bold: bool = False, minimum: int = 1) -> None:
        """Give `row` the height its tallest wrapped text needs; `cells` are (text, width it wraps in)."""
        lines = max([minimum, *(wrapped_lines(value, width, size, bold) for value, width in cells)])
        sheet.set_row(row, row_height(lines, size))

    def _entry_lookup(self) -> dict[tuple[str, str], _Entry]:
        """(unit, criterion) → what was read, for every file that speaks for a unit."""
        entries = self.result.validation.entries
        found: dict[tuple[str, str], dict[str, Any]] = {}
        if entries.empty:
            return {}
        for unit_code, code, scorer, value, is_na, is_blank, raw, evidence in zip(
            entries["unit_code"], entries["criterion_code"], entries["scorer"], entries["value"],
            entries["is_na"], entries["is_blank"], entries["raw"], entries["evidence"], strict=True,
        ):
            slot = found.setdefault((unit_code, code), {})
            # N/A is a verdict, shown as such; a cell that is not a number is shown as the unit typed it.
            shown = None if is_blank else "N/A" if is_na else value if value is not None else str(raw)
            slot["appraised" if scorer == "appraised" else "self_value"] = shown
            if scorer == "self":
                slot["evidence"] = evidence or ""
        return {key: _Entry(**slot) for key, slot in found.items()}

    def write_value(self, sheet: Worksheet, row: int, column: int, value: Any, number: Format,
                    other: Format) -> None:
        """A criterion value: a number cell, N/A or a submission's text as text, or an empty cell."""
        if value is None or value == "":
            sheet.write_blank(row, column, None, number)
        elif isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            sheet.write_number(row, column, float(value), number)
        else:
            sheet.write_string(row, column, str(value), other)

    def section_headers(self) -> list[str]:
        return [self.t("workbook.header_max", label=s.code, max=s.max * s.weight) for s in self.rules.sections]

    def bucket_limit(self, bucket_name: str) -> Decimal:
        """The most a bonus or deduction bucket can count: its cap, else the sum of its items."""
        bucket = self.rules.bonus if bucket_name == BONUS else self.rules.deductions
        return bucket.cap if bucket.cap is not None else sum((c.max for c in bucket.criteria), Decimal(0))

    # ------------------------------------------------------------------------------------- ranking

    def ranking(self) -> None:
        rules, fmt, result, columns = self.rules, self.fmt, self.result, self.columns
        sheet = self.add_sheet(self.t("workbook.sheet_ranking"))
        widths = columns.widths()
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        full_width = sum(widths)

        row = self._title_block(sheet, widths)
        if result.provisional:
            counts = {state: sum(1 for s in result.status.values() if s == state) for state in ("missing", "invalid")}
            banner = self.t("report.provisional", **counts)
            sheet.merge_range(row, 0, row, columns.last, banner,
                              fmt.get(bold=True, font_size=13, font_color=ERROR_COLOUR, bg_color="#FFC7CE",
                                      align="center", text_wrap=True, border=2))
            self.fit(sheet, row, [(banner, full_width)], size=13, bold=True, minimum=2)
            row += 2

        header_row = row
        headers = [self.t("report.rank"), self.t("report.unit"), *self.section_headers(),
                   self.t("workbook.header_max", label=self.t("report.base"), max=self.weighted_base_max),
                   self.t("workbook.header_cap", label=self.t("report.bonus"), cap=self.bucket_limit(BONUS)),
                   self.t("workbook.header_cap", label=self.t("report.deductions"),
                          cap=self.bucket_limit(DEDUCTIONS)),
                   self.t("report.total"), self.t("report.classification"), self.t("report.award")]
        for column, label in enumerate(headers):
            sheet.write_string(header_row, column, label, fmt.header())
        for offset, section in enumerate(rules.sections):
            # Hovering a section code shows its title; the printed legend below names them too.
            sheet.write_comment(header_row, FIRST_SECTION_COLUMN + offset,
                                f"{section.code}. {section.title} ({format_number(section.max, self.lang)})",
                                {"font_name": FONT, "x_scale": 2})
        self.fit(sheet, header_row, list(zip(headers, widths, strict=True)), bold=True, minimum=2)

        row = header_row + 1
        for placed in result.ranked:
            self._ranking_row(sheet, row, placed)
            row += 1
        if result.ranked:
            # A light colour scale: the eye finds the leaders without the bars hiding the printed figures.
            sheet.conditional_format(header_row + 1, columns.total, row - 1, columns.total,
                                     {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#A9D08E"})
        sheet.freeze_panes(header_row + 1, FIRST_SECTION_COLUMN)

        unranked = [u for u in rules.units if result.status[u.code] != "scored"]
        if unranked:
            row = self._unranked(sheet, row + 1, unranked, widths)
        row = self._legend(sheet, row + 1, full_width)
        last_row = self._signatures(sheet, row + 1, widths)

        self.print_setup(sheet, repeat=(header_row, header_row))
        sheet.print_area(0, 0, last_row, columns.last)
        sheet.hide_gridlines(2)
        sheet.activate()

    def _split(self) -> int:
        """The last column of the left half (issuer, secretary); the right half holds header and leader."""
        return FIRST_SECTION_COLUMN + len(self.rules.sections) // 2

    def _title_block(self, sheet: Worksheet, widths: list[float]) -> int:
        rules, fmt = self.rules, self.fmt
        split, last = self._split(), self.columns.last
        left_width, right_width = sum(widths[: split + 1]), sum(widths[split + 1:])
        issuer = rules.issuer.upper()
        sheet.merge_range(0, 0, 0, split, issuer, fmt.get(bold=True, align="center", valign="bottom",
                                                          text_wrap=True))
        # The national or Party header: its last line is underlined, as the line under it on paper.
        header_key = "template.header_party" if rules.header == "party" else "template.header_state"
        header_lines = self.t(header_key).split("\n")
        right_format = fmt.get(bold=True, align="center", valign="bottom", text_wrap=True)
        if len(header_lines) > 1:
            sheet.merge_range(0, split + 1, 0, last, "", right_format)
            sheet.write_rich_string(0, split + 1, fmt.get(bold=True), "\n".join(header_lines[:-1]) + "\n",
                                    fmt.get(bold=True, underline=1), header_lines[-1], right_format)
        else:
            sheet.merge_range(0, split + 1, 0, last, header_lines[0],
                              fmt.get(bold=True, underline=1, align="center", valign="bottom", text_wrap=True))
        lines = max(wrapped_lines(issuer, left_width, bold=True),
                    sum(wrapped_lines(line, right_width, bold=True) for line in header_lines))
        sheet.set_row(0, row_height(lines))

        mark = "*" if rules.header == "party" else RULE_CHARACTER * max(6, len(issuer) // 3)
        sheet.merge_range(1, 0, 1, split, mark, fmt.get(align="center", valign="top"))
        sheet.merge_range(1, split + 1, 1, last, self._place_date(), fmt.get(italic=True, align="center"))

        title = self.t("report.title", year=rules.year).upper()
        sheet.merge_range(3, 0, 3, last, title, fmt.get(bold=True, font_size=14, align="center", text_wrap=True))
        self.fit(sheet, 3, [(title, sum(widths))], size=14, bold=True)
        sheet.merge_range(4, 0, 4, last, rules.bloc, fmt.get(italic=True, align="center", text_wrap=True))
        self.fit(sheet, 4, [(rules.bloc, sum(widths))])
        return 6

    def _place_date(self) -> str:
        when = self.result.started_at
        months = self.t("workbook.month_names").split(",")
        return self.t("workbook.place_date", place=self.rules.place or "…", day=when.day,
                      month=months[when.month - 1].strip(), year=when.year)

    def _ranking_row(self, sheet: Worksheet, row: int, placed: RankedUnit) -> None:
        fmt, columns, widths = self.fmt, self.columns, self.columns.widths()
        fill = {"bg_color": AWARD_FILLS.get(placed.award or "", OTHER_AWARD_FILL)} if placed.award else {}
        score = placed.score
        name = self.unit_name(placed.unit_code)
        sheet.write_number(row, RANK_COLUMN, placed.rank, fmt.integer(bold=True, **fill))
        sheet.write_string(row, UNIT_COLUMN, name, fmt.text(**fill))
        for offset, section in enumerate(score.sections):
            sheet.write_number(row, FIRST_SECTION_COLUMN + offset, rounded(section.score, SECTION_DECIMALS),
                               fmt.score(**fill))
        sheet.write_number(row, columns.base, self.rounded(score.base), fmt.score(**fill))
        sheet.write_number(row, columns.bonus, self.rounded(score.bonus), fmt.score(**fill))
        sheet.write_number(row, columns.deductions, self.rounded(score.deductions), fmt.score(**fill))
        sheet.write_number(row, columns.total, self.rounded(score.total_exact), fmt.score(bold=True, **fill))
        classification = placed.classification or ""
        sheet.write_string(row, columns.classification, classification, fmt.text(**fill))
        award = self.award_text(placed.award)
        sheet.write_string(row, columns.award, award, fmt.text(bold=bool(award), **fill))
        self.fit(sheet, row, [(name, widths[UNIT_COLUMN]), (classification, widths[columns.classification]),
                              (award, widths[columns.award])])

    def _unranked(self, sheet: Worksheet, row: int, units: list, widths: list[float]) -> int:
        """Missing and invalid units, below the ranking and outside it, each with its reason."""
        fmt, result, columns = self.fmt, self.result, self.columns
        status_last = FIRST_SECTION_COLUMN + max(1, len(self.rules.sections) // 2)
        reason_width = sum(widths[status_last + 1:])
        sheet.merge_range(row, 0, row, columns.last, self.t("workbook.unranked"), fmt.get(bold=True))
        row += 1
        sheet.write_string(row, RANK_COLUMN, self.t("report.unit_code"), fmt.header())
        sheet.write_string(row, UNIT_COLUMN, self.t("report.unit"), fmt.header())
        sheet.merge_range(row, FIRST_SECTION_COLUMN, row, status_last, self.t("report.status"), fmt.header())
        sheet.merge_range(row, status_last + 1, row, columns.last, self.t("report.reason"), fmt.header())
        for unit in units:
            row += 1
            reason = self.unranked_reason(unit.code)
            sheet.write_string(row, RANK_COLUMN, unit.code, fmt.text(align="center"))
            sheet.write_string(row, UNIT_COLUMN, unit.name, fmt.text())
            sheet.merge_range(row, FIRST_SECTION_COLUMN, row, status_last,
                              self.t(f"status.{result.status[unit.code]}"),
                              fmt.text(align="center", font_color=ERROR_COLOUR))
            sheet.merge_range(row, status_last + 1, row, columns.last, reason, fmt.text(font_size=11))
            self.fit(sheet, row, [(reason, reason_width * BASE_SIZE / 11), (unit.name, widths[UNIT_COLUMN])])
        return row + 1

    def unranked_reason(self, unit_code: str) -> str:
        """Why a unit is not ranked: its first error, and how many more there are."""
        errors = [i for i in self.result.issues if i.unit == unit_code and i.severity == "error"]
        if not errors:
            return ""
        more = len(errors) - 1
        return errors[0].message(self.lang) + (" " + self.t("workbook.more_errors", count=more) if more else "")

    def _legend(self, sheet: Worksheet, row: int, width: float) -> int:
        rules, fmt = self.rules, self.fmt
        sections = "; ".join(self.t("workbook.legend_section", code=s.code, title=s.title, max=s.max * s.weight)
                             for s in rules.sections)
        lines = [self.t("workbook.legend_sections", sections=sections),
                 self.t("workbook.legend_scores", decimals=rules.decimals)]
        for award in rules.awards:
            lines.append(self.t("workbook.legend_award", award=award_label(award), count=award.count,
                                min_score=award.min_score))
        if rules.tie_breakers:
            lines.append(self.t("workbook.legend_ties", breakers=tie_breakers_in_words(self.rules, self.lang)))
        for line in lines:
            sheet.merge_range(row, 0, row, self.columns.last, line, fmt.note())
            self.fit(sheet, row, [(line, width)], size=11)
            row += 1
        return row

    def _signatures(self, sheet: Worksheet, row: int, widths: list[float]) -> int:
        """The compiler's and the bloc leader's signature blocks, with room to sign; returns the last row."""
        fmt = self.fmt
        split, last = self._split(), self.columns.last
        bold = fmt.get(bold=True, align="center", text_wrap=True)
        hint = fmt.get(italic=True, align="center")
        secretary, leader = self.t("workbook.signed_by_secretary"), self.t("workbook.signed_by_leader")
        sheet.merge_range(row, 0, row, split, secretary, bold)
        sheet.merge_range(row, split + 1, row, last, leader, bold)
        self.fit(sheet, row, [(secretary, sum(widths[: split + 1])), (leader, sum(widths[split + 1:]))], bold=True)
        sheet.merge_range(row + 1, 0, row + 1, split, self.t("template.sign_hint"), hint)
        sheet.merge_range(row + 1, split + 1, row + 1, last, self.t("template.sign_hint"), hint)
        for blank in range(row + 2, row + 6):  # room for the signatures and the seal
            sheet.set_row(blank, 20)
        return row + 5

    # --------------------------------------------------------------------------------------- chart

    def chart(self) -> None:
        """Totals by unit, best at the top, each bar stacked by section and bonus; deductions left of zero."""
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.add_sheet(self.t("workbook.sheet_chart"))
        sections = rules.sections
        # The table under the chart is the chart's data, so every bar can be checked against a figure.
        columns = ["report.rank", "report.unit", *(f"section:{s.code}" for s in sections), "report.bonus",
                   "workbook.chart_deductions", "report.total", "workbook.chart_label"]
        widths = [7, 36, *([8.5] * len(sections)), 9, 11, 10, 44]
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        title = self.t("workbook.chart_title", year=rules.year)
        sheet.merge_range(0, 0, 0, len(columns) - 1, title, fmt.get(bold=True, font_size=14, align="center"))

        chart_rows = 2 + max(14, (len(result.ranked) * 34 + 150) // 20)
        header = 1 + chart_rows
        labels = [self.t(key) if not key.startswith("section:") else key.split(":", 1)[1] for key in columns]
        for column, label in enumerate(labels):
            sheet.write_string(header, column, label, fmt.header())
        self.fit(sheet, header, list(zip(labels, widths, strict=True)), bold=True)
        first = header + 1
        for offset, placed in enumerate(result.ranked):
            row = first + offset
            score = placed.score
            sheet.write_number(row, 0, placed.rank, fmt.integer())
            sheet.write_string(row, 1, self.unit_name(placed.unit_code), fmt.text())
            for index, section in enumerate(score.sections):
                sheet.write_number(row, 2 + index, rounded(section.score, SECTION_DECIMALS), fmt.score())
            bonus_column = 2 + len(sections)
            sheet.write_number(row, bonus_column, self.rounded(score.bonus), fmt.score())
            # Deductions are drawn to the left of zero, so they are stored negative here (and only here).
            sheet.write_number(row, bonus_column + 1, 0.0 - self.rounded(score.deductions), fmt.score())
            sheet.write_number(row, bonus_column + 2, self.rounded(score.total_exact), fmt.score(bold=True))
            # Chart labels are text by nature: the bar's name carries the total the bar nets out to.
            label = self.t("workbook.chart_category", unit=self.unit_name(placed.unit_code),
                           total=format_number(score.total, self.lang, rules.decimals))
            sheet.write_string(row, bonus_column + 3, label, fmt.text(font_size=10))
            self.fit(sheet, row, [(self.unit_name(placed.unit_code), widths[1])])
        last = first + len(result.ranked) - 1

        if result.ranked:
            name = sheet.name
            chart = self.book.add_chart({"type": "bar", "subtype": "stacked"})
            categories = [name, first, len(columns) - 1, last, len(columns) - 1]
            series_names = [f"{s.code}. {s.title}" for s in sections]
            series_names += [self.t("report.bonus"), self.t("workbook.chart_deductions")]
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
            step = self._axis_step()
            axis_min = -float(step * math.ceil(most_deducted / Fraction(step)))
            chart.set_x_axis({
                "min": axis_min, "max": float(self.weighted_base_max + self.bucket_limit(BONUS)),
                "major_unit": float(step),
                "num_font": {"name": FONT, "size": 10}, "num_format": "0",
                "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            })
            chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
            chart.set_chartarea({"border": {"none": True}})
            chart.set_size({"width": sum(_pixels(w) for w in widths), "height": chart_rows * 20})
            sheet.insert_chart(1, 0, chart, {"object_position": 2})
        self.print_setup(sheet, pages_tall=1)
        sheet.print_area(0, 0, max(last, header), len(columns) - 1)
        sheet.hide_gridlines(2)

    def _axis_step(self) -> Decimal:
        """A tenth of the base maximum, rounded to 1, 2 or 5 times a power of ten: 10 on a 100-point scale."""
        rough = self.weighted_base_max / 10
        magnitude = Decimal(10) ** (len(str(int(rough))) - 1) if rough >= 1 else Decimal(1)
        return next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough), 10 * magnitude)

    # -------------------------------------------------------------------------------------- matrix

    def matrix(self) -> None:
        """Units × criteria: self-score, appraised score and final score, with each criterion's max."""
        rules, fmt = self.rules, self.fmt
        sheet = self.add_sheet(self.t("workbook.sheet_matrix"))
        criteria = list(rules.criteria())
        first_criterion = 3
        last_column = first_criterion + len(criteria) - 1
        widths = [9, 28, 14]
        sheet.set_column(0, 0, widths[0])
        sheet.set_column(1, 1, widths[1])
        sheet.set_column(2, 2, widths[2])
        sheet.set_column(first_criterion, last_column, 7)
        sheet.merge_range(0, 0, 0, last_column, self.t("workbook.matrix_title", year=rules.year),
                          fmt.get(bold=True, font_size=14, align="center"))
        legend = self.t("workbook.matrix_legend")
        sheet.merge_range(1, 0, 1, last_column, legend, fmt.note(valign="vcenter"))
        self.fit(sheet, 1, [(legend, sum(widths) + 7 * len(criteria))], size=11)

        header = 3
        sheet.write_string(header, 0, self.t("report.unit_code"), fmt.header())
        sheet.write_string(header, 1, self.t("report.unit"), fmt.header())
        sheet.write_string(header, 2, "", fmt.header())
        for offset, criterion in enumerate(criteria):
            sheet.write_string(header, first_criterion + offset, criterion.code, fmt.header())
            sheet.write_comment(header, first_criterion + offset, f"{criterion.code}. {criterion.title}",
                                {"font_name": FONT, "x_scale": 2.5, "y_scale": 1.5})
        max_row = header + 1
        max_fill = {"bg_color": GROUP_FILL, "bold": True}
        sheet.write_string(max_row, 0, "", fmt.text(**max_fill))
        sheet.write_string(max_row, 1, self.t("column.max"), fmt.text(**max_fill))
        sheet.write_string(max_row, 2, "", fmt.text(**max_fill))
        for offset, criterion in enumerate(criteria):
            sheet.write_number(max_row, first_criterion + offset, float(criterion.max),
                               fmt.score(font_size=10, **max_fill))

        not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F", font_size=10)
        scorers = (("self", self.t("column.self")), ("appraised", self.t("column.appraised")),
                   ("final", self.t("column.final")))
        # (bold, marked) → format, looked up once: this loop writes units × criteria × 3 cells.
        numbers = {(bold, marked): fmt.score(font_size=10, bold=bold, **({"bg_color": CHANGED_FILL} if marked else {}))
                   for bold in (False, True) for marked in (False, True)}
        labels = {bold: fmt.text(font_size=10, bold=bold) for bold in (False, True)}
        unit_code_format, unit_name_format = fmt.text(align="center", bold=True), fmt.text()
        row = max_row + 1
        for unit in rules.units:
            if unit.code not in self.result.validation.used:
                continue
            sheet.merge_range(row, 0, row + 2, 0, unit.code, unit_code_format)
            sheet.merge_range(row, 1, row + 2, 1, unit.name, unit_name_format)
            entries = [self.entries.get((unit.code, c.code), _Entry()) for c in criteria]
            for offset_row, (scorer, label) in enumerate(scorers):
                final_row = scorer == "final"
                sheet.write_string(row + offset_row, 2, label, labels[final_row])
                for offset, entry in enumerate(entries):
                    value = entry.self_value if scorer == "self" else (
                        entry.appraised if scorer == "appraised" else entry.final)
                    # The appraisal's change is marked on the appraised and on the final figure.
                    marked = entry.changed and scorer != "self"
                    self.write_value(sheet, row + offset_row, first_criterion + offset, value,
                                     numbers[final_row, marked], not_applicable)
            lines = wrapped_lines(unit.name, widths[1])
            if lines > 3:  # three rows share the name; grow them only when it needs more
                for offset_row in range(3):
                    sheet.set_row(row + offset_row, row_height(-(-lines // 3)))
            row += 3
            self.advance()
        sheet.freeze_panes(max_row + 1, first_criterion)
        self.print_setup(sheet, repeat=(header, max_row))
        sheet.hide_gridlines(2)

    # ---------------------------------------------------------------------------------- unit sheets

    def unit_sheets(self) -> None:
        units = [u for u in self.rules.units if u.code in self.result.validation.used]
        if self.province_scale:
            self._details_sheet()
            return
        averages = self._section_averages()
        for unit in units:
            self._unit_sheet(unit.code, unit.name, self.ranked.get(unit.code), averages)
            self.advance()

    def _section_averages(self) -> dict[str, float]:
        """Each section's bloc average over the ranked units, as a share of the section's maximum."""
        scores = [r.score for r in self.result.ranked]
        if not scores:
            return {}
        return {
            section.code: sum(_percent(s.section(section.code).score, _possible(section.max, section.weight))
                              for s in scores) / len(scores)
            for section in self.rules.sections
        }

    UNIT_WIDTHS = (7, 50, 9, 10, 10, 10, 40, 10, 10)

    def _unit_sheet(self, code: str, name: str, placed: RankedUnit | None, averages: dict[str, float]) -> None:
        result, fmt = self.result, self.fmt
        widths = self.UNIT_WIDTHS
        sheet = self.add_unit_sheet(code)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        last = len(widths) - 1
        title = f"{name} ({code})"
        sheet.merge_range(0, 0, 0, last, title, fmt.get(bold=True, font_size=14))
        submission = result.unit_file(code)
        status = self.t(f"status.{result.status[code]}")
        summary = self.t("workbook.unit_summary", file=submission.file if submission else "—", status=status)
        sheet.merge_range(1, 0, 1, last, summary, fmt.get(italic=True, text_wrap=True))
        self.fit(sheet, 1, [(summary, sum(widths))])

        row = 3
        if placed is not None:
            first_section_row = row + 1
            row = self._unit_scores(sheet, row, placed, averages)
            row = self._unit_profile(sheet, row, placed, first_section_row, averages)
        table_header = row
        row = self._unit_criteria(sheet, row, code, placed.score if placed else None)
        row = self._unit_issues(sheet, row + 1, code)
        self.print_setup(sheet, repeat=(table_header, table_header), footer_left=code)
        sheet.hide_gridlines(2)

    def _unit_scores(self, sheet: Worksheet, row: int, placed: RankedUnit, averages: dict[str, float]) -> int:
        """How the unit's criteria became its section scores, bonus, deductions and total."""
        fmt, rules, widths = self.fmt, self.rules, self.UNIT_WIDTHS
        score = placed.score
        headers = [self.t("column.code"), self.t("workbook.summary_part"), self.t("column.max"),
                   self.t("workbook.summary_points"), self.t("workbook.summary_applicable"),
                   self.t("workbook.summary_score"), self.t("workbook.summary_how"),
                   self.t("workbook.summary_percent"), self.t("workbook.summary_average")]
        for column, label in enumerate(headers):
            sheet.write_string(row, column, label, fmt.header())
        self.fit(sheet, row, list(zip(headers, widths, strict=True)), bold=True)
        row += 1
        percent = fmt.get(border=1, align="center", num_format="0.0%")
        for section in rules.sections:
            got = score.section(section.code)
            note = self._section_note(got)
            sheet.write_string(row, 0, section.code, fmt.text(align="center"))
            sheet.write_string(row, 1, section.title, fmt.text(font_size=11))
            sheet.write_number(row, 2, float(section.max * section.weight), fmt.score())
            sheet.write_number(row, 3, self.rounded(got.points), fmt.score())
            sheet.write_number(row, 4, float(got.applicable_max), fmt.score())
            sheet.write_number(row, 5, rounded(got.score, SECTION_DECIMALS), fmt.score(bold=True))
            sheet.write_string(row, 6, note, fmt.text(font_size=10))
            sheet.write_number(row, 7, _percent(got.score, _possible(section.max, section.weight)), percent)
            sheet.write_number(row, 8, averages.get(section.code, 0.0), percent)
            self.fit(sheet, row, [(section.title, widths[1] * BASE_SIZE / 11), (note, widths[6] * BASE_SIZE / 10)])
            row += 1
        for bucket_name, entered, counted in ((BONUS, score.bonus_entered, score.bonus),
                                              (DEDUCTIONS, score.deductions_entered, score.deductions)):
            bucket = rules.bonus if bucket_name == BONUS else rules.deductions
            if not bucket.criteria:
                continue
            note = self.t("workbook.capped", entered=_decimal(entered), cap=_decimal(counted)) \
                if entered != counted else ""
            sheet.write_string(row, 0, "", fmt.text())
            sheet.write_string(row, 1, self.t(f"report.{bucket_name}"), fmt.text(font_size=11))
            sheet.write_number(row, 2, float(self.bucket_limit(bucket_name)), fmt.score())
            sheet.write_number(row, 3, self.rounded(entered), fmt.score())
            sheet.write_string(row, 4, "", fmt.text())
            sheet.write_number(row, 5, self.rounded(counted), fmt.score(bold=True))
            sheet.write_string(row, 6, note, fmt.text(font_size=10))
            sheet.write_string(row, 7, "", fmt.text())
            sheet.write_string(row, 8, "", fmt.text())
            row += 1
        total_fill = {"bold": True, "bg_color": HEADER_FILL}
        for key, value in (("report.base", score.base), ("report.total", score.total_exact)):
            sheet.merge_range(row, 0, row, 4, self.t(key), fmt.text(**total_fill))
            sheet.write_number(row, 5, self.rounded(value), fmt.score(**total_fill))
            sheet.merge_range(row, 6, row, 8, "", fmt.text(**total_fill))
            row += 1
        facts = ((self.t("report.rank"), placed.rank), (self.t("report.classification"), placed.classification or ""),
                 (self.t("report.award"), self.award_text(placed.award) or "—"))
        for label, value in facts:
            sheet.merge_range(row, 0, row, 4, label, fmt.text(bold=True))
            if isinstance(value, int):
                sheet.write_number(row, 5, value, fmt.integer(bold=True))
                sheet.merge_range(row, 6, row, 8, "", fmt.text())
            else:
                sheet.merge_range(row, 5, row, 8, value, fmt.text(bold=True))
            row += 1
        return row + 1

    def _unit_profile(self, sheet: Worksheet, row: int, placed: RankedUnit, first: int,
                      averages: dict[str, float]) -> int:
        """A clustered bar chart: the unit's sections as a share of their max, beside the bloc average.

        Its data are the summary's "% of max" and "bloc average" columns, from row `first` on.
        """
        sections = self.rules.sections
        if not averages:
            return row
        last = first + len(sections) - 1
        chart = self.book.add_chart({"type": "bar"})
        name = sheet.name
        for column, label, colour in ((7, placed.unit_code, SECTION_COLOURS[1]),
                                      (8, self.t("workbook.profile_average"), "#BFBFBF")):
            chart.add_series({
                "name": label, "categories": [name, first, 0, last, 0], "values": [name, first, column, last, column],
                "fill": {"color": colour}, "border": {"none": True}, "gap": 60,
                "data_labels": {"value": True, "num_format": "0%", "font": {"name": FONT, "size": 8}},
            })
        chart.set_title({"name": self.t("workbook.profile_title"), "name_font": {"name": FONT, "size": 11}})
        chart.set_x_axis({"min": 0, "max": 1, "major_unit": 0.2, "num_format": "0%",
                          "num_font": {"name": FONT, "size": 9},
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"name": FONT, "size": 10}})
        chart.set_legend({"position": "right", "font": {"name": FONT, "size": 9}})
        chart.set_chartarea({"border": {"none": True}})
        # Rows of the default 15 points (20 pixels) under the chart, so nothing else sits beneath it.
        rows = 3 + len(sections) * 2
        chart.set_size({"width": sum(_pixels(w) for w in self.UNIT_WIDTHS[1:6]), "height": rows * 20})
        sheet.insert_chart(row, 1, chart, {"object_position": 2})
        return row + rows + 1

    def _section_note(self, got: SectionScore) -> str:
        parts = []
        if got.not_applicable:
            parts.append(self.t("workbook.rescaled", codes=", ".join(got.not_applicable),
                                points=_decimal(got.points), applicable=got.applicable_max, max=got.max))
        if got.weight != 1:
            parts.append(self.t("template.weight_note", weight=got.weight))
        return "; ".join(parts)

    def _unit_criteria(self, sheet: Worksheet, row: int, code: str, score: UnitScore | None) -> int:
        """The unit's criterion table: max, self-score, appraised score, final score, evidence."""
        rules, fmt, widths = self.rules, self.fmt, self.UNIT_WIDTHS
        labels = ["column.code", "column.criterion", "column.max", "column.self", "column.appraised",
                  "column.final", "column.evidence"]
        headers = [self.t(key) for key in labels]
        for column, label in enumerate(headers):
            sheet.write_string(row, column, label, fmt.header())
        self.fit(sheet, row, list(zip(headers, widths, strict=False)), bold=True)
        row += 1
        not_applicable = fmt.get(border=1, align="center", italic=True, font_color="#7F7F7F")
        group = {"bg_color": GROUP_FILL, "bold": True}
        groups = [(s.code, s.title, s.criteria) for s in rules.sections]
        groups += [(name, self.t(f"template.{name}"), bucket.criteria)
                   for name, bucket in ((BONUS, rules.bonus), (DEDUCTIONS, rules.deductions)) if bucket.criteria]
        for group_code, title, criteria in groups:
            section = rules.section(group_code) if group_code not in (BONUS, DEDUCTIONS) else None
            sheet.write_string(row, 0, section.code if section else "", fmt.text(align="center", **group))
            sheet.write_string(row, 1, title, fmt.text(**group))
            if section is not None:
                sheet.write_number(row, 2, float(section.max), fmt.score(**group))
            else:
                sheet.write_number(row, 2, float(self.bucket_limit(group_code)), fmt.score(**group))
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
            self.fit(sheet, row, [(title, widths[1])], bold=True)
            row += 1
            for criterion in criteria:
                entry = self.entries.get((code, criterion.code), _Entry())
                changed = {"bg_color": CHANGED_FILL, "bold": True} if entry.changed else {}
                sheet.write_string(row, 0, criterion.code, fmt.text(align="center"))
                sheet.write_string(row, 1, criterion.title, fmt.text(font_size=11))
                sheet.write_number(row, 2, float(criterion.max), fmt.score())
                self.write_value(sheet, row, 3, entry.self_value, fmt.score(), not_applicable)
                self.write_value(sheet, row, 4, entry.appraised, fmt.score(**changed), not_applicable)
                self.write_value(sheet, row, 5, entry.final, fmt.score(**changed), not_applicable)
                sheet.write_string(row, 6, entry.evidence, fmt.text(font_size=10))
                self.fit(sheet, row, [(criterion.title, widths[1] * BASE_SIZE / 11),
                                      (entry.evidence, widths[6] * BASE_SIZE / 10)])
                row += 1
        return row

    def _unit_issues(self, sheet: Worksheet, row: int, code: str) -> int:
        fmt = self.fmt
        unit_issues = [i for i in self.result.issues if i.unit == code]
        if not unit_issues:
            return row
        sheet.merge_range(row, 0, row, 6, self.t("workbook.unit_issues"), fmt.get(bold=True))
        row += 1
        colours = {"error": ERROR_COLOUR, "warning": WARNING_COLOUR, "info": INFO_COLOUR}
        width = sum(self.UNIT_WIDTHS[2:7])
        for issue in unit_issues:
            message = issue.message(self.lang)
            sheet.write_string(row, 0, issue.cell or "", fmt.text(align="center", font_size=11))
            sheet.write_string(row, 1, self.t(f"workbook.severity_{issue.severity}"),
                               fmt.text(font_color=colours[issue.severity], font_size=11))
            sheet.merge_range(row, 2, row, 6, message, fmt.text(font_color=colours[issue.severity], font_size=11))
            self.fit(sheet, row, [(message, width * BASE_SIZE / 11)])
            row += 1
        return row

    def _details_sheet(self) -> None:
        """Above MAX_UNIT_SHEETS units: one long, filterable table instead of a sheet per unit."""
        fmt = self.fmt
        sheet = self.add_sheet(self.t("workbook.sheet_details"))
        labels = ["report.unit_code", "column.code", "column.max", "column.self", "column.appraised",
                  "column.final", "column.evidence"]
        for column, key in enumerate(labels):
            sheet.write_string(0, column, self.t(key), fmt.header())
        number = fmt.get(num_format=fmt.score_format)
        changed = fmt.get(num_format=fmt.score_format, bg_color=CHANGED_FILL, bold=True)
        plain = fmt.get()
        criteria = [(c.code, float(c.max)) for c in self.rules.criteria()]
        row = 1
        # A province writes tens of thousands of rows here, so only cells that hold something are written:
        # the sheet has no borders, and an empty cell with a format looks exactly like no cell.
        for unit in self.rules.units:
            if unit.code not in self.result.validation.used:
                continue
            for code, maximum in criteria:
                entry = self.entries.get((unit.code, code), _Entry())
                sheet.write_string(row, 0, unit.code, plain)
                sheet.write_string(row, 1, code, plain)
                sheet.write_number(row, 2, maximum, number)
                marked = changed if entry.changed else number
                for column, value, cell_format in ((3, entry.self_value, number), (4, entry.appraised, marked),
                                                   (5, entry.final, marked)):
                    if value is not None and value != "":
                        self.write_value(sheet, row, column, value, cell_format, plain)
                if entry.evidence:
                    sheet.write_string(row, 6, entry.evidence, plain)
                row += 1
            self.advance()
        sheet.autofilter(0, 0, max(row - 1, 1), len(labels) - 1)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 1, 10)
        sheet.set_column(2, 5, 10)
        sheet.set_column(6, 6, 60)

    # -------------------------------------------------------------------------------------- issues

    ISSUE_COLUMNS = (("severity", 10), ("code", 20), ("file", 30), ("sheet", 13), ("cell", 7), ("unit", 9),
                     ("criterion", 9), ("message", 80))

    def issues(self) -> None:
        fmt, lang = self.fmt, self.lang
        sheet = self.add_sheet(self.t("workbook.sheet_issues"))
        for column, (key, width) in enumerate(self.ISSUE_COLUMNS):
            sheet.set_column(column, column, width)
            sheet.write_string(0, column, self.t(f"workbook.issue_{key}"), fmt.header())
        sheet.set_row(0, row_height(2))
        colours = {"error": ERROR_COLOUR, "warning": WARNING_COLOUR, "info": INFO_COLOUR}
        widths = [width for _, width in self.ISSUE_COLUMNS]
        issues = self.result.issues
        for row, issue in enumerate(issues, start=1):
            colour = colours[issue.severity]
            values = [self.t(f"workbook.severity_{issue.severity}"), issue.code, issue.file or "",
                      issue.sheet or "", issue.cell or "", issue.unit or "", issue.criterion or "",
                      issue.message(lang)]
            for column, value in enumerate(values):
                sheet.write_string(row, column, value, fmt.text(font_size=11, valign="top",
                                                                **({"font_color": colour} if column in (0, 7) else {})))
            self.fit(sheet, row, [(values[2], widths[2] * BASE_SIZE / 11), (values[7], widths[7] * BASE_SIZE / 11)],
                     size=11)
        if not issues:
            sheet.merge_range(1, 0, 1, len(self.ISSUE_COLUMNS) - 1, self.t("report.no_issues"), fmt.text(italic=True))
        sheet.autofilter(0, 0, max(len(issues), 1), len(self.ISSUE_COLUMNS) - 1)
        sheet.freeze_panes(1, 0)
        self.print_setup(sheet, repeat=(0, 0))

    # --------------------------------------------------------------------------------------- audit

    AUDIT_WIDTHS = (40, 56, 12, 12, 12, 16, 16)

    def audit(self) -> None:
        """Where the ranking comes from: the rules in force, every input file, the tool and the run."""
        rules, fmt, result = self.rules, self.fmt, self.result
        sheet = self.add_sheet(self.t("workbook.sheet_audit"))
        widths = self.AUDIT_WIDTHS
        last = len(widths) - 1
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        label = fmt.text(bold=True, valign="top", bg_color=GROUP_FILL)
        value_text = fmt.text()
        heading = fmt.get(bold=True, font_size=13)
        sheet.merge_range(0, 0, 0, last, self.t("workbook.audit_title"), fmt.get(bold=True, font_size=14))
        row = 2
        # To the second, as the JSON has it; Excel dates carry no time zone, so it is the local time.
        run_at = result.started_at.replace(tzinfo=None, microsecond=0)
        date_format = fmt.get(border=1, align="left", num_format="yyyy-mm-dd hh:mm:ss")
        facts: list[tuple[str, Any]] = [
            ("audit_bloc", rules.bloc), ("audit_year", rules.year), ("audit_rules_file", rules.source),
            ("audit_rules_sha256", _file_sha256(rules.source)), ("audit_fingerprint", rules.fingerprint),
            ("audit_revision", rules.revision), ("audit_basis", rules.basis or "—"),
            ("audit_tool", f"bloc-score {result.tool_version}"), ("audit_run_at", run_at),
            ("audit_provisional", self.t("workbook.answer_yes" if result.provisional else "workbook.answer_no")),
            ("audit_language", self.lang), ("audit_decimals", rules.decimals),
            ("audit_na_policy", self.t("workbook.audit_na_rescale")),
        ]
        width = sum(widths[1:])
        for key, value in facts:
            sheet.write_string(row, 0, self.t(f"workbook.{key}"), label)
            if isinstance(value, datetime):
                sheet.merge_range(row, 1, row, last, "", date_format)
                sheet.write_datetime(row, 1, value, date_format)
            elif isinstance(value, int):
                sheet.merge_range(row, 1, row, last, "", fmt.integer(align="left"))
                sheet.write_number(row, 1, value, fmt.integer(align="left"))
            else:
                sheet.merge_range(row, 1, row, last, value, value_text)
                self.fit(sheet, row, [(str(value), width)])
            row += 1

        row = self._audit_rules(sheet, row + 1, heading)
        row = self._audit_criteria(sheet, row + 1, heading)
        row = self._audit_inputs(sheet, row + 1, heading)
        self.print_setup(sheet)
        sheet.hide_gridlines(2)

    def _audit_table(self, sheet: Worksheet, row: int, title: str, heading: Format, headers: list[str]) -> int:
        sheet.write_string(row, 0, title, heading)
        row += 1
        for column, header in enumerate(headers):
            sheet.write_string(row, column, header, self.fmt.header())
        self.fit(sheet, row, list(zip(headers, self.AUDIT_WIDTHS, strict=False)), bold=True)
        return row + 1

    def _audit_rules(self, sheet: Worksheet, row: int, heading: Format) -> int:
        rules, fmt = self.rules, self.fmt
        weight = fmt.get(border=1, align="center", num_format="General")
        row = self._audit_table(sheet, row, self.t("workbook.audit_rules"), heading, [
            self.t("workbook.audit_group"), self.t("workbook.audit_title_col"), self.t("workbook.audit_max"),
            self.t("workbook.audit_weight"), self.t("workbook.audit_cap")])
        for section in rules.sections:
            sheet.write_string(row, 0, section.code, fmt.text(align="center"))
            sheet.write_string(row, 1, section.title, fmt.text())
            sheet.write_number(row, 2, float(section.max), fmt.score())
            sheet.write_number(row, 3, float(section.weight), weight)
            sheet.write_string(row, 4, "", fmt.text())
            self.fit(sheet, row, [(section.title, self.AUDIT_WIDTHS[1])])
            row += 1
        for name, bucket in ((BONUS, rules.bonus), (DEDUCTIONS, rules.deductions)):
            if not bucket.criteria:
                continue
            sheet.write_string(row, 0, self.t(f"report.{name}"), fmt.text(align="center"))
            sheet.write_string(row, 1, ", ".join(c.code for c in bucket.criteria), fmt.text())
            sheet.write_number(row, 2, float(sum(c.max for c in bucket.criteria)), fmt.score())
            sheet.write_string(row, 3, "", fmt.text())
            if bucket.cap is not None:
                sheet.write_number(row, 4, float(bucket.cap), fmt.score())
            else:
                sheet.write_string(row, 4, "—", fmt.text(align="center"))
            row += 1

        row = self._audit_table(sheet, row + 1, self.t("report.classification"), heading,
                                [self.t("report.classification"), "", self.t("workbook.audit_from")])
        for threshold in rules.classification:
            sheet.merge_range(row, 0, row, 1, threshold.label, fmt.text())
            sheet.write_number(row, 2, float(threshold.min), fmt.score())
            row += 1

        row = self._audit_table(sheet, row + 1, self.t("report.award"), heading, [
            self.t("report.award"), self.t("workbook.audit_award_rule"), self.t("workbook.audit_count"),
            self.t("workbook.audit_min_score")])
        for award in rules.awards:
            award_name = self.award_text(award.key)
            rule = self.t("workbook.legend_award", award=award_label(award), count=award.count,
                          min_score=award.min_score)
            disqualifying = [c.code for c in rules.deductions.criteria if award.key in c.disqualifies]
            if disqualifying:
                rule += " " + self.t("workbook.audit_disqualified_by", criteria=", ".join(disqualifying))
            sheet.write_string(row, 0, award_name, fmt.text())
            sheet.write_string(row, 1, rule, fmt.text())
            sheet.write_number(row, 2, award.count, fmt.integer())
            sheet.write_number(row, 3, float(award.min_score), fmt.score())
            self.fit(sheet, row, [(rule, self.AUDIT_WIDTHS[1])])
            row += 1
        if rules.tie_breakers:
            ties = tie_breakers_in_words(self.rules, self.lang)
            sheet.write_string(row + 1, 0, self.t("workbook.audit_ties"), fmt.text(bold=True, bg_color=GROUP_FILL))
            sheet.merge_range(row + 1, 1, row + 1, len(self.AUDIT_WIDTHS) - 1, ties, fmt.text())
            row += 2
        return row

    def _audit_criteria(self, sheet: Worksheet, row: int, heading: Format) -> int:
        rules, fmt = self.rules, self.fmt
        row = self._audit_table(sheet, row, self.t("workbook.audit_criteria"), heading, [
            self.t("column.code"), self.t("column.criterion"), self.t("column.max"), self.t("workbook.audit_step"),
            self.t("workbook.audit_na_allowed"), self.t("workbook.audit_evidence_required"),
            self.t("workbook.audit_disqualifies")])
        yes, no = self.t("workbook.answer_yes"), self.t("workbook.answer_no")
        centred = fmt.text(align="center")
        step_format = fmt.get(border=1, align="center", num_format="General")
        for criterion in rules.criteria():
            sheet.write_string(row, 0, criterion.code, centred)
            sheet.write_string(row, 1, criterion.title, fmt.text(font_size=11))
            sheet.write_number(row, 2, float(criterion.max), fmt.score())
            if criterion.step is not None:
                sheet.write_number(row, 3, float(criterion.step), step_format)
            else:
                sheet.write_string(row, 3, "—", centred)
            sheet.write_string(row, 4, yes if criterion.na_allowed else no, centred)
            sheet.write_string(row, 5, yes if criterion.evidence_required else no, centred)
            sheet.write_string(row, 6, ", ".join(self.award_text(k) for k in criterion.disqualifies), centred)
            self.fit(sheet, row, [(criterion.title, self.AUDIT_WIDTHS[1] * BASE_SIZE / 11)])
            row += 1
        return row

    def _audit_inputs(self, sheet: Worksheet, row: int, heading: Format) -> int:
        result, fmt = self.result, self.fmt
        row = self._audit_table(sheet, row, self.t("workbook.audit_inputs"), heading, [
            self.t("workbook.issue_file"), self.t("workbook.audit_sha256"), self.t("workbook.audit_size"),
            self.t("workbook.issue_unit"), self.t("report.status"), self.t("workbook.audit_modified"), ""])
        modified_format = fmt.get(border=1, align="center", num_format="yyyy-mm-dd hh:mm:ss")
        for submission in result.submissions:
            unit_code = result.validation.file_units.get(submission.file, "")
            used = result.validation.used.get(unit_code) is submission
            state = self.t(f"status.{result.status[unit_code]}") if unit_code and used else "—"
            sheet.write_string(row, 0, submission.file, fmt.text(font_size=11))
            sheet.write_string(row, 1, submission.sha256, fmt.text(font_size=10))
            sheet.write_number(row, 2, submission.size, fmt.get(border=1, align="center", num_format="#,##0"))
            sheet.write_string(row, 3, unit_code, fmt.text(align="center"))
            sheet.write_string(row, 4, state, fmt.text(align="center"))
            if submission.modified:
                sheet.merge_range(row, 5, row, 6, "", modified_format)
                modified = datetime.fromtimestamp(submission.modified).replace(microsecond=0)
                sheet.write_datetime(row, 5, modified, modified_format)
            else:
                sheet.merge_range(row, 5, row, 6, "", fmt.text())
            self.fit(sheet, row, [(submission.file, self.AUDIT_WIDTHS[0] * BASE_SIZE / 11)])
            row += 1
        return row


def _possible(section_max: Decimal, weight: Decimal) -> Fraction:
    return Fraction(section_max) * Fraction(weight)


__all__ = ["MAX_UNIT_SHEETS", "RankingColumns", "number_format", "safe_sheet_name", "wrapped_lines",
           "write_workbook"]
