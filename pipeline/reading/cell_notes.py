"""What the second reading of a sheet reports for a cell, in any format: the note types, the grid it covers,
percent formats and values, and XML tag names without their namespace."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pipeline.core.numbers import CellNote

# What the reader puts in place of a cell's value: a note, or the number a misread "date" really is.
Override = CellNote | float
Overrides = dict[tuple[int, int], Override]

# Bounds of the grid an override may sit in: read.py's MAX_ROWS and MAX_COLUMNS (the readers import
# this module), so no file makes this pass costlier than the first reading.
NOTE_ROWS = 5_000
NOTE_COLUMNS = 200


def percent_text(value: str | float) -> str:
    """0.045 → "4.5%": a percent cell as its percentage."""
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return f"{value}"
    # Gnumeric writes 0.045 as 0.0450000000000000000016: what a person reads has a few decimals at most.
    shown = format(round(number, 6).normalize(), "f")
    return f"{shown}%"


def is_percent_format(code: str) -> bool:
    """True when an Excel number format shows its number as a percentage: a % outside quotes and escapes."""
    literal = escaped = False
    brackets = 0
    for char in code:
        if escaped:
            escaped = False
        elif char in "\\_*":
            escaped = True
        elif char == '"':
            literal = not literal
        elif literal:
            continue
        elif char == "[":
            brackets += 1
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char == ";":
            return False  # the first section is the one a score shows
        elif char == "%" and not brackets:
            return True
    return False


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
