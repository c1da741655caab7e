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


# Latin-1 letters and signs that Vietnamese spelling never uses. Text typed with the old TCVN3 (.VnTime)
# or VNI fonts shows up in Unicode as a run of them: TCVN3 `B¶o Th¾ng` is `Bảo Thắng`.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_SUSPECT = {chr(c) for c in range(0xA1, 0x100)} - _VIETNAMESE_LATIN1 - {"×", "÷", "°", "±", "²", "³", "½", "«", "»"}
_VIETNAMESE_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
# VNI writes a base letter followed by a tone or hat sign drawn from Latin-1: `chaøo`, `Vieät`.
_VNI_PAIR = re.compile("[A-Za-z][øùûõïäëöüåæ]")


def legacy_encoding(value: str) -> str | None:
    """'tcvn3' or 'vni' when the text looks typed in an old Vietnamese font, else None."""
    if not value or _VIETNAMESE_ONLY.search(value):
        return None
    suspects = sum(ch in _SUSPECT for ch in value)
    if suspects < 2:
        return None
    vni_pairs = len(_VNI_PAIR.findall(value))
    return "vni" if vni_pairs * 2 >= suspects else "tcvn3"
