"""The bloc's key (bloc/seal.key), the keys it retired (bloc/keys/), and its record of sealed issues.

The key is the one secret of a working folder: whoever has it can make workbooks the bloc accepts as its
own. It is made once, by the commands that issue workbooks (init, templates, appraisal, ballot), readable by
its owner only where the system has modes; run, check and feedback only read it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import text
from pipeline.rules.model import Rules
from pipeline.rules.seal import KEY_BYTES, SealKey, Seals, issue_of

SEAL_FILE = "seal.key"
RETIRED_FOLDER = "keys"  # an earlier key moved here still verifies what it sealed
ISSUED_FILE = "issued.json"  # each issue of sealed workbooks: what, when, under which key


@dataclass(frozen=True)
class BlocKey:
    """The bloc's current key, where it is, and whether this command made it."""

    key: SealKey
    path: Path
    created: bool


def bloc_key(folder: Path, lang: str) -> BlocKey:
    """The bloc's key in `folder` (bloc/), made now when there is none."""
    path = folder / SEAL_FILE
    if path.is_file():
        return BlocKey(read_key(path, lang), path, False)
    secret = secrets.token_bytes(KEY_BYTES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # "x": never replace a key that appeared meanwhile; 0o600: the owner's alone where modes exist.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secret.hex() + "\n")
    except FileExistsError:
        return BlocKey(read_key(path, lang), path, False)
    except OSError as error:
        raise BlocScoreError(text(lang, "seal.key_unwritable", path=str(path),
                                  reason=error.strerror or str(error))) from error
    return BlocKey(SealKey(secret), path, True)


def read_seals(folder: Path | None, lang: str) -> Seals:
    """What a run checks seals with: the keys in `folder` (current and retired) and the issues recorded."""
    if folder is None:
        return Seals()
    paths = [path for path in (folder / SEAL_FILE,) if path.is_file()]
    paths += sorted((folder / RETIRED_FOLDER).glob("*.key"))
    if not paths:
        return Seals()
    keys = tuple(read_key(path, lang) for path in paths)
    issued = frozenset((str(entry.get("bloc", "")), str(entry.get("year", "")), str(entry.get("revision", "")),
                        str(entry.get("what", ""))) for entry in _issues(folder))
    return Seals(keys, issued)


def record_issue(folder: Path, rules: Rules, key: SealKey, what: str, count: int) -> None:
    """Note in bloc/issued.json that sealed workbooks of a kind (`TEMPLATES`, `PEER_WORKBOOKS`) were issued for
    this bloc-year-revision: from now on an unsealed one for it is not accepted."""
    bloc, year, revision = issue_of({"bloc": rules.bloc, "year": str(rules.year), "revision": str(rules.revision)})
    entries = _issues(folder)
    entries.append({"bloc": bloc, "year": year, "revision": revision, "key": key.key_id, "what": what,
                    "count": count, "at": datetime.now().astimezone().isoformat(timespec="seconds")})
    path = folder / ISSUED_FILE
    with contextlib.suppress(OSError):  # a record that cannot be written only leaves unsealed files accepted
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, path)


def _issues(folder: Path) -> list[dict[str, object]]:
    try:
        found = json.loads((folder / ISSUED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [entry for entry in found if isinstance(entry, dict)] if isinstance(found, list) else []


def read_key(path: Path, lang: str) -> SealKey:
    """A key file's key; a damaged one is the user's to restore, said so."""
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise BlocScoreError(text(lang, "seal.key_unreadable", path=str(path))) from error
    if len(secret) != KEY_BYTES:
        raise BlocScoreError(text(lang, "seal.key_unreadable", path=str(path)))
    return SealKey(secret)

