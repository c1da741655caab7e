"""Exact numbers: reading scores the way Vietnamese offices type them, and rounding the way Excel does."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction

# Text a unit may type for "does not apply" (không áp dụng / không phát sinh); compared after casefold.
NOT_APPLICABLE_TOKENS = frozenset(
    {"n/a", "na", "n.a", "n.a.", "kad", "k/a", "kps", "không áp dụng", "không phát sinh"}
)


class Parsed(Enum):
    """How a cell's content was understood."""

    NUMBER = "number"  # a real number cell
    TEXT_NUMBER = "text-number"  # a number typed as text, e.g. "8,5"
    BLANK = "blank"
    NOT_APPLICABLE = "na"
    AMBIGUOUS = "ambiguous"  # "1.000": one thousand or one?
    ERROR = "error"  # an Excel error value: #DIV/0!, #N/A, #REF! …
    FORMULA = "formula"  # a formula saved without its result
    PERCENT = "percent"  # 4,5% typed, or a number in a percent-formatted cell (stored 0.045)
    DATE = "date"  # a date, a time or a number in a date-formatted cell
    INVALID = "invalid"  # anything else: a note, TRUE


@dataclass(frozen=True)
class CellNote:
    """What a cell holds when the fast reader shows something else: an error, a bare formula, a percent.

    python-calamine returns error values and formulas without a cached result as empty cells, and a
    percent-formatted 4,5% as 0.045; the reader puts one of these in place of such a cell's value, so that
    a blank never stands for a cell that was not blank. `shown` is what the cell shows or holds.
    """

    kind: Parsed
    shown: str

    def __str__(self) -> str:
        return self.shown  # what a writer shows for the cell, as the unit sees it


_PLAIN = re.compile(r"^[+-]?\d+$")
_ONE_SEPARATOR = re.compile(r"^([+-]?\d+)([.,])(\d+)$")
_BOTH_SEPARATORS = re.compile(r"^[+-]?\d{1,3}(?:([.,])\d{3})+([.,])\d+$")


def parse_score(raw: object) -> tuple[Parsed, Decimal | None]:
    """Understand one score cell as calamine returns it (float, int, str, bool, date or '')."""
    if raw is None or raw == "":
        return Parsed.BLANK, None
    if isinstance(raw, CellNote):
        return raw.kind, None
    if isinstance(raw, bool):
        return Parsed.INVALID, None
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return Parsed.DATE, None
    if isinstance(raw, int):
        return Parsed.NUMBER, Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Parsed.INVALID, None
        # repr gives the shortest decimal that round-trips: the number the person typed, not its binary twin.
        return Parsed.NUMBER, Decimal(repr(raw))
    if not isinstance(raw, str):
        return Parsed.INVALID, None
    from pipeline.core.text import clean

    value = clean(raw).replace(" ", "")
    if not value:
        return Parsed.BLANK, None
    if value.casefold() in NOT_APPLICABLE_TOKENS or clean(raw).casefold() in NOT_APPLICABLE_TOKENS:
        return Parsed.NOT_APPLICABLE, None
    if value.endswith("%") and _parse_number_text(value[:-1])[0] is Parsed.TEXT_NUMBER:
        return Parsed.PERCENT, None
    return _parse_number_text(value)


def parse_scores(raws: Iterable[object]) -> tuple[list[str], list[Decimal | None], list[float]]:
    """`parse_score` over a column of cells: how each was understood, its value, and that value as a float.

    A province's submissions repeat the same few dozen contents (2.25, 3, "", "N/A"), so each distinct
    one is parsed once. The key carries the type, so True, 1 and 1.0 stay apart; a float zero is never
    shared, so -0.0 keeps its sign.
    """
    seen: dict[tuple[type, object], tuple[str, Decimal | None, float]] = {}
    kinds: list[str] = []
    values: list[Decimal | None] = []
    numbers: list[float] = []
    for raw in raws:
        key: tuple[type, object] | None = (type(raw), raw)
        try:
            parsed = seen.get(key) if key is not None else None
        except TypeError:  # an unhashable cell: parse it on its own
            key, parsed = None, None
        if parsed is None:
            kind, value = parse_score(raw)
            parsed = (kind.value, value, float(value) if value is not None else float("nan"))
            if key is not None and not (isinstance(raw, float) and raw == 0):
                seen[key] = parsed
        kinds.append(parsed[0])
        values.append(parsed[1])
        numbers.append(parsed[2])
    return kinds, values, numbers


def _parse_number_text(value: str) -> tuple[Parsed, Decimal | None]:
    if _PLAIN.match(value):
        return Parsed.TEXT_NUMBER, Decimal(value)
    match = _ONE_SEPARATOR.match(value)
    if match:
        whole, _separator, fraction = match.groups()
        # "1.000" or "2,500": a thousands separator in one convention, a decimal point in the other.
        # A leading zero ("0,125") rules out thousands, so only that case is safe to read.
        if len(fraction) == 3 and whole.lstrip("+-") not in ("0", ""):
            return Parsed.AMBIGUOUS, None
        return Parsed.TEXT_NUMBER, Decimal(f"{whole}.{fraction}")
    match = _BOTH_SEPARATORS.match(value)
    if match and match.group(1) != match.group(2):
        thousands, decimal_mark = match.groups()
        try:
            return Parsed.TEXT_NUMBER, Decimal(value.replace(thousands, "").replace(decimal_mark, "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            return Parsed.INVALID, None
    return Parsed.INVALID, None


def round_half_away(value: Decimal | Fraction, decimals: int) -> Decimal:
    """Round once, half away from zero, as Excel's ROUND does: 19.825 → 19.83, −0.125 → −0.13."""
    if isinstance(value, Fraction):
        # Integer arithmetic on numerator and denominator: the same steps as abs(value) × 10^decimals in
        # Fractions, without building one per step (the workbook and the JSON round every figure).
        whole, remainder = divmod(abs(value.numerator) * 10**decimals, value.denominator)
        if 2 * remainder >= value.denominator:
            whole += 1
        result = Decimal(whole) / Decimal(10**decimals)
        result = -result if value < 0 else result
        return result.quantize(Decimal(1).scaleb(-decimals))
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# Sections are shown (JSON, workbook) with more digits than totals: the JSON contract asks for at least 6,
# enough to re-add the sections exactly to the cent.
SECTION_DECIMALS = 9


def rounded(value: Fraction | Decimal, decimals: int) -> float:
    """A figure as the JSON and the workbook show it: rounded half away from zero, as a float.

    float() of a short decimal prints back the same digits.
    """
    if isinstance(value, Fraction):
        # round_half_away's integer steps, then one division of two integers, which Python rounds
        # correctly to the nearest float, as float(Decimal) does: the same float without a Decimal.
        # The workbook and the JSON round tens of thousands of figures at province scale.
        whole, remainder = divmod(abs(value.numerator) * 10**decimals, value.denominator)
        if 2 * remainder >= value.denominator:
            whole += 1
        result: float = whole / 10**decimals
        return -result if value < 0 else result
    return float(round_half_away(value, decimals))
