"""Vietnamese text as it really arrives: NFC or NFD, stray invisible spaces, look-alike letters, old fonts."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\t\r\n"), " ")
# Ð (U+00D0, Icelandic eth) is what some keyboards and PDFs give for Đ (U+0110).
_LOOKALIKES = {ord("\u00d0"): "\u0110", ord("\u00f0"): "\u0111"}
_RUNS_OF_SPACE = re.compile(r" {2,}")
# The three tables touch different characters, so one pass does all three; most strings hold none of them,
# and a search is far cheaper than translating a Vietnamese string (evidence notes are mostly unique).
_CLEANING = {**_INVISIBLE, **_SPACES, **_LOOKALIKES}
_NEEDS_CLEANING = re.compile("[" + "".join(map(chr, _CLEANING)) + "]")


# What breaks a line or is no text at all: the C0 and C1 control characters other than tab, CR and LF (which
# `clean` makes spaces) and Unicode's line and paragraph separators. Word's Shift+Enter is U+000B and its page
# break U+000C; U+001C…U+001F separate records; U+0085, U+2028 and U+2029 end a line in Unicode. An e-mail
# header refuses most of them, and no name, title or code means one.
LINE_BREAKING = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str) -> str:
    """Text fit for a single line whatever it holds (an e-mail header): every control character and line or
    paragraph separator a space, runs of white space one space, trimmed."""
    return " ".join(_ANY_CONTROL.sub(" ", value).split())


# Titles, codes and header labels repeat in every submission, so a run asks for the same few hundred
# strings thousands of times; a bounded cache turns those repeats into one dictionary look-up.
_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def clean(value: str) -> str:
    """NFC, no zero-width or non-breaking spaces, one space between words, trimmed."""
    value = unicodedata.normalize("NFC", value)
    if _NEEDS_CLEANING.search(value):
        value = value.translate(_CLEANING)
    return _RUNS_OF_SPACE.sub(" ", value).strip()


@lru_cache(maxsize=_CACHE_SIZE)
def fold(value: str) -> str:
    """A comparison key that ignores case, accents and tone placement (`hoà` = `hòa` = `HOA`)."""
    decomposed = unicodedata.normalize("NFD", clean(value).replace("Đ", "D").replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold()


def slug(value: str) -> str:
    """A file-name piece every PC and mail client accepts: `Văn phòng Tỉnh ủy` → `Van-phong-Tinh-uy`."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", clean(value).replace("Đ", "D").replace("đ", "d"))
        if not unicodedata.combining(ch)
    )
    return re.sub(r"[^A-Za-z0-9]+", "-", bare).strip("-")


def normalise_code(raw: object) -> str:
    """A criterion or unit code as typed: `1.1`, ` 1.1 `, the number 1.1 or `I` all compare as text."""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str):
        return clean(raw).rstrip(".").upper() if raw.strip() else ""
    return ""


# Text typed with the old Vietnamese fonts shows up in Unicode as Latin-1 gibberish. TCVN3 (.VnTime) puts
# whole letters on Latin-1 signs: `B¶o Th¾ng` is `Bảo Thắng`. VNI writes a base letter followed by a tone or
# hat sign: `chaøo` is `chào`, `coâng` is `công`, `ñ` is `đ`.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_VNI_SIGNS = set("øûïäëöüåæñÑØÛÏÄËÖÜÅÆ")
_TCVN3_SIGNS = {chr(c) for c in range(0xA1, 0x100)} - _VIETNAMESE_LATIN1 - _VNI_SIGNS - set("×÷°±²³")
_VIETNAMESE_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
# Vowel pairs Vietnamese never writes but VNI does: `oâ` (ô), `aù` (á), `eä` (ệ).
_VNI_PAIRS = re.compile("[aeoAEO][âêôÂÊÔ]|[aeiouyâêôAEIOUYÂÊÔ][ùøûõïäë]")


# TCVN 5712:1993 (VN3), the code page behind the .VnTime fonts, for bytes 0xA1–0xFF; taken from the
# standard as glibc's iconv implements it (TCVN5712-1), not from a web table: those disagree.
_TCVN3_TABLE = (
    "\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110\u0103\u00e2\u00ea\u00f4\u01a1\u01b0\u0111\u1eb0\u0300"
    "\u0309\u0303\u0301\u0323\u00e0\u1ea3\u00e3\u00e1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4\u1eae"
    "\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7\u1ea9\u1eab\u1ea5\u1ead\u00e8\u1ec2\u1ebb\u1ebd\u00e9"
    "\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\u00ec\u1ec9\u1ec4\u1ebe\u1ed2\u0129\u00ed\u1ecb\u00f2\u1ed4"
    "\u1ecf\u00f5\u00f3\u1ecd\u1ed3\u1ed5\u1ed7\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\u00f9\u1ed6"
    "\u1ee7\u0169\u00fa\u1ee5\u1eeb\u1eed\u1eef\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\u00fd\u1ef5\u1ed0"
)
_FROM_TCVN3 = {0xA1 + i: ch for i, ch in enumerate(_TCVN3_TABLE)}
_TO_TCVN3 = {ord(ch): chr(0xA1 + i) for i, ch in enumerate(_TCVN3_TABLE) if len(ch) == 1}


def from_tcvn3(value: str) -> str:
    """Text typed with a .VnTime font, as Excel shows it in Unicode, back to Vietnamese: `B¶o` → `Bảo`.

    The capitals with tone marks lived in a separate font (.VnTimeH) on the same codes, so they come back
    in lower case: the text is readable, not restored letter for letter.
    """
    return unicodedata.normalize("NFC", value.translate(_FROM_TCVN3))


def to_tcvn3(value: str) -> str:
    """The inverse of `from_tcvn3`, for round-trip tests and for making test data."""
    return unicodedata.normalize("NFC", value).translate(_TO_TCVN3)


def legacy_encoding(value: str) -> str | None:
    """'tcvn3' or 'vni' when the text looks typed in an old Vietnamese font, else None."""
    if not value or _VIETNAMESE_ONLY.search(value):
        return None
    vni = sum(ch in _VNI_SIGNS for ch in value) + len(_VNI_PAIRS.findall(value))
    tcvn3 = sum(ch in _TCVN3_SIGNS for ch in value)
    if vni >= 2 and vni >= tcvn3:
        return "vni"
    if tcvn3 >= 2:
        return "tcvn3"
    return None


_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(number: int) -> str:
    """4 → "IV": how a document numbers its parts (the groups of a list, the sections of a table)."""
    written = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        written += letters * count
    return written
