"""The bloc's authentication code (mã xác thực): a mark on every workbook the bloc issues that only the bloc can make.

Anyone can install bloc-score and every unit has the rules file, so any unit can make any workbook the tool
makes — another unit's template, another scorer's peer workbook. What it cannot make is an HMAC-SHA256 under
the bloc's own key (bloc/seal.key, never sent). The identity sheet of each issued workbook carries one row,
`seal = v1:<key id>:<hex>`, over what the workbook *is*: its format and version, kind, bloc, year, revision,
rules fingerprint, the unit or scorer it is for, a tally's candidates, an appraisal workbook's references to
the self-scores and files it was made from. Names, sheet names, the language and every score are left out:
units and the bloc legitimately change them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.rules.layout import MADE_FROM_FILE, MADE_FROM_SELF, TALLY_CANDIDATES

SEAL_KEY = "seal"  # the identity row that carries it
# What the bloc issues to units, sealed, and records having issued (workspace/seal_keys.py).
TEMPLATES, PEER_WORKBOOKS = "template", "peer"
SEAL_VERSION = "v1"
KEY_BYTES = 32
# The identity rows sealed, by their key; the JSON-valued ones (a tally's candidates, an appraisal workbook's
# self-scores) by their prefix. "kind" is absent from a unit's template: it reads as "template".
_SEALED = ("format", "template_version", "appraisal_version", "tally_version", "kind", "bloc", "year", "revision",
           "fingerprint", "unit_code", "scorer")
_SEALED_PREFIXES = (TALLY_CANDIDATES, MADE_FROM_SELF, MADE_FROM_FILE)
_WHOLE_NUMBER = re.compile(r"^-?\d+\.0+$")  # a revision or year a spreadsheet program read back as a number


class Verdict(StrEnum):
    """What a workbook's seal says, as `inputs[].seal` writes it (docs/results-json.md)."""

    VALID = "valid"  # made by this bloc, for what it says it is
    MISSING = "missing"  # no seal row (or no identity sheet at all)
    MISMATCH = "mismatch"  # a seal this bloc's keys do not verify: another copy of bloc-score, or an edit
    NOT_CHECKED = "not-checked"  # no key here to check with


@dataclass(frozen=True)
class SealKey:
    """A key of the bloc: its bytes and its short id, which a seal names."""

    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"bloc-score seal key id\0" + self.secret).hexdigest()[:8]


@dataclass(frozen=True)
class Seals:
    """What a run checks seals with: the bloc's keys (the current one and those retired), and the issues of
    sealed workbooks the bloc recorded — (bloc, year, revision) — for which an unsealed file is not accepted."""

    keys: tuple[SealKey, ...] = ()
    issued: frozenset[tuple[str, str, str, str]] = frozenset()  # (bloc, year, revision, kind)

    @property
    def checked(self) -> bool:
        return bool(self.keys)

    def verdict(self, identity: Mapping[str, str]) -> Verdict:
        if not self.keys:
            return Verdict.NOT_CHECKED
        written = identity.get(SEAL_KEY, "")
        if not written:
            return Verdict.MISSING
        version, _, rest = written.partition(":")
        key_id, _, digest = rest.partition(":")
        key = next((k for k in self.keys if k.key_id == key_id), None)
        if version != SEAL_VERSION or key is None:
            return Verdict.MISMATCH
        expected = _digest(key, identity)
        return Verdict.VALID if hmac.compare_digest(expected, digest.strip().casefold()) else Verdict.MISMATCH

    def requires_seal(self, identity: Mapping[str, str], kind: str) -> bool:
        """Whether the bloc issued sealed workbooks of this kind (ISSUED_KINDS) for the bloc-year-revision this
        file says it is for: a folder that issued its templates before seals existed goes on accepting them."""
        return (*issue_of(identity), kind) in self.issued


def seal(key: SealKey, identity: Mapping[str, str]) -> str:
    """The seal row's value for an identity about to be written."""
    return f"{SEAL_VERSION}:{key.key_id}:{_digest(key, identity)}"


def key_id_of(written: str) -> str:
    """The key id a seal row names ("" when it names none)."""
    return written.split(":")[1] if written.count(":") >= 2 else ""


def issue_of(identity: Mapping[str, str]) -> tuple[str, str, str]:
    """The bloc-year-revision a workbook is for, as the bloc records an issue of sealed workbooks."""
    return (_text(identity.get("bloc", "")).casefold(), _text(identity.get("year", "")),
            _text(identity.get("revision", "")))


def canonical(identity: Mapping[str, str]) -> bytes:
    """What is sealed, as one canonical JSON text: sorted keys, NFC, stripped, numbers as written first."""
    payload: dict[str, object] = {"seal_version": SEAL_VERSION, "kind": "template"}
    for key, value in identity.items():
        key = _text(key)
        if key in _SEALED:
            payload[key] = _text(value)
        elif key.startswith(_SEALED_PREFIXES):
            payload[key] = _json_value(value)
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _digest(key: SealKey, identity: Mapping[str, str]) -> str:
    return hmac.new(key.secret, canonical(identity), hashlib.sha256).hexdigest()


def _text(value: object) -> str:
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text.split(".")[0] if _WHOLE_NUMBER.match(text) else text


def _json_value(value: str) -> object:
    """A JSON-valued row read back as its value, so that a program re-spacing the text changes nothing."""
    try:
        found = json.loads(value)
    except ValueError:
        return _text(value)
    return _normalised(found)


def _normalised(value: object) -> object:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _normalised(item) for key, item in value.items()}
    return value
