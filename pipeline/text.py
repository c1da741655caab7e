"""Vietnamese text as it really arrives: NFC or NFD, stray invisible spaces, look-alike letters, old fonts."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\t\r\n"), " ")
# Ð (U+00D0, Icelandic eth) is what some keyboards and PDFs give for Đ (U+0110).
_LOOKALIKES = {ord("\u00d0"): "\u0110", ord("\u00f0"): "\u0111"}
_RUNS_OF_SPACE = re.compile(r" {2,}")


def clean(value: str) -> str:
    """NFC, no zero-width or non-breaking spaces, one space between words, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = value.translate(_INVISIBLE).translate(_SPACES).translate(_LOOKALIKES)
    return _RUNS_OF_SPACE.sub(" ", value).strip()


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
