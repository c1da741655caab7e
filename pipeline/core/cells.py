"""Excel cell addresses: the one place that turns 0-based (row, column) into `D14` and back."""

from __future__ import annotations

from functools import lru_cache


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as Excel shows it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@lru_cache(maxsize=1 << 16)
def cell_address(row: int, column: int) -> str:
    """0-based row and column to `D14`."""
    return f"{column_letter(column)}{row + 1}"


def parse_address(address: str) -> tuple[int, int] | None:
    """`D14` (any case, `$` allowed) to 0-based (row, column); None when it is not a cell address."""
    cleaned = address.replace("$", "").strip().upper()
    letters = cleaned.rstrip("0123456789")
    digits = cleaned[len(letters):]
    if not letters or not letters.isalpha() or not letters.isascii() or not digits.isdigit() or int(digits) < 1:
        return None
    column = 0
    for letter in letters:
        column = column * 26 + (ord(letter) - 64)
    return int(digits) - 1, column - 1


def reading_order(address: str | None) -> tuple[int, int]:
    """A key that sorts addresses row by row, then column by column; no address first."""
    parsed = parse_address(address) if address else None
    return (-1, -1) if parsed is None else parsed
