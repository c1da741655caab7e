"""What every sheet of the ranking workbook shares: the run, its labels, formats, palette and sheet names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.core.labels import format_number, text
from pipeline.core.numbers import SECTION_DECIMALS, rounded
from pipeline.outputs.workbook.entries import NOTHING_SHOWN, Shown, is_number, shown_entries
from pipeline.outputs.xlsx import Cell, Formats, page_footer, print_setup
from pipeline.rules.model import Criterion, Rules
from pipeline.run import RunResult, Tick
from pipeline.scoring.rank import RankedUnit

AWARD_FILLS = {"flag": "#FFE699", "merit": "#DDEBF7"}
OTHER_AWARD_FILL = "#E2EFDA"
HEADER_FILL = "#D9E1F2"
GROUP_FILL = "#F2F2F2"
CHANGED_FILL = "#FCE4D6"  # the appraisal changed the self-score
ERROR_COLOUR, WARNING_COLOUR, INFO_COLOUR = "#9C0006", "#7F6000", "#404040"
SEVERITY_COLOURS = {"error": ERROR_COLOUR, "warning": WARNING_COLOUR, "info": INFO_COLOUR}
NOTE_SIZE = 11  # a sheet's legend and notes
SECTION_COLOURS = ("#1F4E79", "#2E75B6", "#9DC3E6", "#548235", "#A9D18E", "#7030A0", "#BF9000", "#7F7F7F")


def number_format(decimals: int) -> str:
    """The display format of a score: the rules' decimals, shown with the reader's own separator."""
    return "0" if decimals == 0 else "0." + "0" * decimals


def pixels(width: float) -> int:
    """A column's width on screen, as Excel computes it for its default 11-pt font."""
    return int(width * 7 + 0.5) + 5


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


class WorkbookFormats(Formats):
    """The workbook's formats, with shorthands for its usual cells; the caller's properties win."""

    def __init__(self, book: xlsxwriter.Workbook, decimals: int) -> None:
        super().__init__(book)
        self.score_format = number_format(decimals)

    def _with(self, defaults: dict[str, Any], extra: dict[str, Any]) -> Format:
        return self.get(**{**defaults, **extra})

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
        return self._with({"italic": True, "font_size": NOTE_SIZE, "text_wrap": True, "valign": "top"}, extra)


@dataclass(frozen=True)
class Figures:
    """A ranked unit's figures as the workbook shows them, the JSON's: rounded once, read by every sheet."""

    sections: tuple[float, ...]  # to SECTION_DECIMALS
    base: float  # these to the rules' decimals
    bonus: float
    deductions: float
    total: float


@dataclass
class Context:
    """One workbook being written: reads the run's result, never changes it."""

    book: xlsxwriter.Workbook
    result: RunResult
    province_scale: bool  # one Details table instead of the matrix and a sheet per unit
    tick: Tick | None = None
    fingerprint: str = ""  # of the results JSON written beside it, printed on the Ranking page
    fmt: WorkbookFormats = field(init=False)
    entries: dict[tuple[str, str], Shown] = field(init=False)
    ranked: dict[str, RankedUnit] = field(init=False)
    sheet_names: list[str] = field(default_factory=list)
    units_written: int = 0
    _figures: dict[str, Figures] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fmt = WorkbookFormats(self.book, self.rules.decimals)
        self.entries = shown_entries(self.result.validation.entries, self.result.validation.final)
        self.ranked = {r.unit_code: r for r in self.result.ranked}

    @property
    def rules(self) -> Rules:
        return self.result.rules

    @property
    def lang(self) -> str:
        return self.result.lang

    def entry(self, unit_code: str, criterion_code: str) -> Shown:
        return self.entries.get((unit_code, criterion_code), NOTHING_SHOWN)

    def t(self, key: str, **params: Any) -> str:
        return text(self.lang, key, **params)

    def advance(self) -> None:
        """One unit's rows written: in the matrix, then in its own sheet or the Details table."""
        if self.tick is not None:
            self.units_written += 1
            passes = 1 if self.province_scale else 2  # Details alone, or the matrix then the unit sheets
            self.tick("write", self.units_written, passes * len(self.result.validation.used))

    def add_sheet(self, name: str, *, avoid: Iterable[str] = ()) -> Worksheet:
        sheet: Worksheet = self.book.add_worksheet(safe_sheet_name(name, [*self.sheet_names, *avoid]))
        self.sheet_names.append(sheet.name)
        return sheet

    def add_unit_sheet(self, code: str) -> Worksheet:
        # Unit sheets come before Issues and Audit: a unit coded like one of them must not take its name.
        return self.add_sheet(code, avoid=[self.t(f"workbook.sheet_{key}") for key in ("issues", "audit")])

    def figures(self, placed: RankedUnit) -> Figures:
        found = self._figures.get(placed.unit_code)
        if found is None:
            score = placed.score
            found = self._figures[placed.unit_code] = Figures(
                tuple(rounded(section.score, SECTION_DECIMALS) for section in score.sections),
                self.rounded(score.base), self.rounded(score.bonus), self.rounded(score.deductions),
                self.rounded(score.total_exact))
        return found

    def rounded(self, value: Fraction | Decimal) -> float:
        """A base, bonus, deduction or total as the JSON has it: rounded to the rules' decimals."""
        return rounded(value, self.rules.decimals)

    def count_label(self, criterion: Criterion) -> str:
        """The label of the row under a `per_occurrence` item that holds its counts: "Số lần (0,5 điểm/lần)"."""
        assert criterion.per_occurrence is not None
        return self.t("workbook.count_row", points=format_number(criterion.per_occurrence, self.lang))

    def count_cell(self, column: int, value: object, **extra: Any) -> Cell:
        """A count of occurrences as a number cell that reads "2 lần": never in a column of points."""
        if not is_number(value):
            return column, None, self.fmt.text(**extra)
        number = float(value)  # type: ignore[arg-type]  # is_number said so
        key = "workbook.count_format" if number.is_integer() else "workbook.count_format_fraction"
        return column, number, self.fmt.get(**{"border": 1, "align": "center", "num_format": self.t(key), **extra})

    def count_text(self, value: object) -> str:
        """A count inside a sentence: "2 lần"."""
        return self.t("workbook.count_text", count=value)

    def unit_name(self, code: str) -> str:
        unit = self.rules.unit(code)
        return unit.name if unit else code

    def print_setup(self, sheet: Worksheet, *, repeat: tuple[int, int] | None = None, footer_left: str = "",
                    pages_tall: int = 0, fit_width: bool = True) -> None:
        """A4 landscape, one page wide, header rows on every page, page numbers in the footer."""
        footer = page_footer(self.t("workbook.page_footer", page="&P", pages="&N"), footer_left)
        print_setup(sheet, repeat=repeat, footer=footer, pages_tall=pages_tall, fit_width=fit_width)
