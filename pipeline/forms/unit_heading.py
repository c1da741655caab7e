"""How a unit's own report names it in its letterhead: the body above it, then its name under it, short.

Hướng dẫn 36-HD/VPTW writes a body's letterhead as its upper-level body, then its own name without what
repeats the line above: "TỈNH ỦY QUẢNG TRỊ" over "VĂN PHÒNG" for the Văn phòng Tỉnh ủy. One decision, here.
"""

from __future__ import annotations

from pipeline.core.text import clean, fold
from pipeline.rules.model import Unit

# A repeat of the parent shorter than two words ("tỉnh") is a word of the unit's own name, never stripped.
_LEAST_WORDS = 2


def short_name(name: str, parent: str) -> str:
    """`name` without a trailing part that repeats the start of `parent`'s name, else `name` unchanged.

    Conservative: only whole words, at least two of them, compared without case or tone marks, and never the
    whole name: "Văn phòng Tỉnh ủy" under "Tỉnh ủy Quảng Trị" is "Văn phòng"; "Báo Quảng Trị" (its place,
    not its parent body), "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh" and any name under no parent stay.
    """
    words, above = clean(name).split(" "), [fold(word) for word in clean(parent).split(" ") if word]
    for length in range(min(len(words) - 1, len(above)), _LEAST_WORDS - 1, -1):
        if [fold(word) for word in words[-length:]] == above[:length]:
            return " ".join(words[:-length])
    return clean(name)


def letterhead_lines(unit: Unit) -> tuple[str, str]:
    """The letterhead's upper body and the unit's name under it, in capitals; the first "" without a parent
    (then the name is given whole: nothing above it says whose office it is)."""
    if not unit.parent.strip():
        return "", clean(unit.name).upper()
    return clean(unit.parent).upper(), short_name(unit.name, unit.parent).upper()
