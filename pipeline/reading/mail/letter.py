"""One e-mail message as each saved format hands it over: sender, date, subject, attachments."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

_MAX_TEXT = 200  # characters of a sender or subject kept


@dataclass
class Part:
    """An attachment as a message format hands it over: its name as written, type, bytes or nested message."""

    filename: str | None
    content_type: str
    data: bytes | None = None
    inline: bool = False
    letter: Letter | None = None  # a message attached to the message (a forwarded one, an Outlook item)
    problem: str | None = None  # why its content could not be used: a `hint.mail_…` key


@dataclass
class Letter:
    """One message, whichever format it came in."""

    sender: str
    date: str | None
    subject: str
    parts: list[Part]
    problem: str | None = None  # why the message's structure cannot be trusted: a `hint.mail_…` key


class NotAMessage(ValueError):
    """The file is not a message of its format; `key` names why (`hint.mail_…`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def clean_text(raw: object) -> str:
    """A sender or subject as shown: one line, no control characters, at most `_MAX_TEXT` characters."""
    value = unicodedata.normalize("NFC", str(raw) if raw is not None else "")
    value = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") else " " for ch in value)
    return " ".join(value.split())[:_MAX_TEXT]


def utc_moment(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC, comparable with any other (a moment without a zone is taken as UTC).

    Raises OverflowError or ValueError for a moment that has no UTC form: 31 Dec 9999 23:59 at -23:59 is
    already year 10000 in UTC.
    """
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def iso_date(moment: object) -> str | None:
    """A message's Date as ISO 8601; None when it has none, or one that cannot be compared with another.

    Mail parsers accept any zone on any day up to 31 Dec 9999; a Date past what a moment can hold costs the
    message its date (like an unreadable one), never the run that compares it.
    """
    if not isinstance(moment, dt.datetime):
        return None
    try:
        utc_moment(moment).timestamp()
    except (OverflowError, ValueError):
        return None
    return moment.isoformat()
