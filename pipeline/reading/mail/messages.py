"""Saved e-mails in the input folder (.eml, .mbox, Outlook .msg): their spreadsheet attachments, in memory."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.moments import moment_label
from pipeline.reading.archive import MAX_MEMBERS, MAX_UNCOMPRESSED_BYTES, expands_too_far
from pipeline.reading.mail.letter import Letter, NotAMessage, Part, clean_text, iso_date, utc_moment

if TYPE_CHECKING:
    from email.message import Message

MAIL_SUFFIXES = frozenset({".eml", ".msg", ".mbox"})
SEPARATOR = " › "  # between a message and what it holds: "thu.eml › BangDiem.xlsx › VPTU.xlsx"
_SPREADSHEETS = frozenset({"xlsx", "xlsm", "xlsb", "xls", "ods"})
_SPREADSHEET_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel",
    "application/vnd.ms-excel.sheet.macroenabled.12", "application/vnd.ms-excel.sheet.binary.macroenabled.12",
    "application/vnd.oasis.opendocument.spreadsheet",
})
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
_MAX_NAME = 100  # characters of an attachment's name shown; a longer one is cut in the middle
_MAX_DEPTH = 3  # a message forwarded as an attachment of a message … is opened this deep
_MBOX_START = re.compile(rb"^From ", re.MULTILINE)


@dataclass(frozen=True)
class Envelope:
    """Who sent a message, when (ISO 8601 from its Date header, None when absent or unreadable) and why."""

    message: str  # the message's display name: "thu.eml", "hop-thu.mbox › #2"
    sender: str
    date: str | None
    subject: str

    def moment(self) -> dt.datetime | None:
        """The Date as a moment comparable with another's (UTC; a date without zone is taken as UTC).

        None as for no date when it cannot be one: the readers keep only dates that can (`iso_date`), and an
        envelope built otherwise must not take a run down either."""
        if self.date is None:
            return None
        try:
            return utc_moment(dt.datetime.fromisoformat(self.date))
        except (OverflowError, ValueError):
            return None

    @property
    def when(self) -> str | Label:
        """The Date as people read it, in Vietnam's time: "10 giờ 00, ngày 02/12/2024" (core.moments)."""
        if self.moment() is None or self.date is None:
            return "?"
        return moment_label(dt.datetime.fromisoformat(self.date))

    @property
    def address(self) -> str:
        """The sender's address alone, case-folded: "Văn phòng <VP@x.vn>" → "vp@x.vn"; "" when none."""
        from email.utils import parseaddr

        return parseaddr(self.sender)[1].strip().casefold()

    def params(self) -> dict[str, str | Label]:
        """What an issue about this message's content shows of it (`date` for the JSON, `when` for people)."""
        return {"message": self.message, "sender": self.sender or "?", "date": self.date or "?",
                "when": self.when, "subject": self.subject}


@dataclass(frozen=True)
class Attachment:
    """A spreadsheet found in a message (or in a zip attached to it): its bytes, None past `limit`."""

    name: str  # display name only: "thu.eml › BangDiem.xlsx"; never a path
    data: bytes | None
    size: int
    envelope: Envelope
    sha256: str = ""


@dataclass
class Opened:
    """What a saved mail file holds: its spreadsheets, the messages read, and what went wrong where."""

    attachments: list[Attachment] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # Attachments refused before any reading (damaged, a zip bomb, a member under a password): each has its
    # issue, and its record in the JSON's inputs[] like every file read (no bytes kept).
    refused: list[Attachment] = field(default_factory=list)

    def refuse(self, issue: Issue, name: str, envelope: Envelope, data: bytes | None = None,
               size: int | None = None) -> None:
        """An attachment not read, with why: what is known of it is recorded for the outputs."""
        self.issues.append(issue)
        digest = hashlib.sha256(data).hexdigest() if data is not None else ""
        self.refused.append(Attachment(name, None, size if size is not None else len(data or b""), envelope, digest))


def open_mail(data: bytes, kind: str, name: str, limit: int) -> Opened:
    """Every spreadsheet attached to the messages of a mail file (`kind`: eml, mbox, msg), none over `limit`.

    Never raises for what the file holds: Python's e-mail parser raises on some malformed headers and
    olefile on damaged compound files, so each message's failure becomes that message's issue.
    """
    opened = Opened()
    if kind == "mbox":
        messages = split_mbox(data)
        if not messages:
            opened.issues.append(Issue("mail-malformed", file=name, params={"detail": Label("hint.mail_no_from_line")}))
        if len(messages) > MAX_MEMBERS:  # the first ones are read; the export should be split
            opened.issues.append(Issue("file-too-complex", file=name, params={"limit": f"{MAX_MEMBERS:,} messages"}))
        for number, raw in enumerate(messages[:MAX_MEMBERS], 1):
            # An export holds the replies and notices too: a message with no spreadsheet is not worth a line.
            _open_one(opened, functools.partial(_read_eml, raw), f"{name}{SEPARATOR}#{number}", limit,
                      empty_is_news=False)
    elif kind == "msg":
        from pipeline.reading.mail.msg import read_msg  # olefile is imported only when an Outlook message is there

        _open_one(opened, functools.partial(read_msg, data), name, limit)
    else:
        _open_one(opened, functools.partial(_read_eml, data), name, limit)
    return opened


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox, each without its "From " separator line, as Python's `mailbox.mbox` splits them.

    `mailbox.mbox` itself opens its file for writing and follows links; the input is read once, in memory.
    """
    starts = [match.start() for match in _MBOX_START.finditer(data)]
    messages = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        body_start = data.find(b"\n", start, end)
        messages.append(data[body_start + 1:end] if body_start >= 0 else b"")
    return messages


def _read_eml(data: bytes) -> Letter:
    # The e-mail package is imported only when a saved message is opened: 20 ms of every other run.
    import email
    import email.policy
    from email.message import EmailMessage

    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return _letter(message)


def _open_one(opened: Opened, make: Callable[[], Letter], where: str, limit: int, *,
              empty_is_news: bool = True) -> None:
    try:
        letter = make()
        problem = _malformed(letter)
        if problem:
            opened.issues.append(Issue("mail-malformed", file=where, params={"detail": Label(f"hint.{problem}")}))
            return
        _collect(opened, letter, where, limit, depth=0, empty_is_news=empty_is_news)
    except NotAMessage as error:
        opened.issues.append(Issue("mail-malformed", file=where, params={"detail": Label(f"hint.{error.key}")}))
    except Exception as error:  # the parsers' errors on hostile input: the message's problem, not a bug
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        opened.issues.append(Issue("mail-malformed", file=where, params={"detail": detail}))


def _malformed(letter: Letter) -> str | None:
    if letter.problem:
        return letter.problem
    if letter.parts or letter.sender or letter.date or letter.subject:
        return None
    return "mail_empty"


def _collect(opened: Opened, letter: Letter, where: str, limit: int, depth: int, *,
             empty_is_news: bool = False, outer: Envelope | None = None) -> None:
    """`outer`: the saved message a forwarded one came in. Its From and Date are what the mail server saw;
    a forwarded message's own headers are text its forwarder could have typed, so the files it holds are
    taken as sent by the outer message, never by the sender it names."""
    opened.envelopes.append(Envelope(where, letter.sender, letter.date, letter.subject))
    envelope = outer or opened.envelopes[-1]
    found = len(opened.attachments)
    names: set[str] = set()
    for number, part in enumerate(letter.parts, 1):
        name = clean_name(part.filename, f"attachment-{number}")
        shown, suffix = _unique(f"{where}{SEPARATOR}{name}", names), _suffix(name)
        if part.letter is not None and depth < _MAX_DEPTH:
            _collect(opened, part.letter, shown, limit, depth + 1, outer=envelope)
        elif part.letter is not None:
            opened.issues.append(Issue("mail-attachment-skipped", file=shown, params=envelope.params()))
        elif part.problem is not None or part.data is None:
            detail = Label(f"hint.{part.problem or 'mail_no_content'}")
            opened.refuse(Issue("corrupt-file", file=shown, params={"detail": detail}), shown, envelope, part.data)
        elif suffix in _SPREADSHEETS or (not suffix and part.content_type in _SPREADSHEET_TYPES):
            opened.attachments.append(_attachment(shown, part.data, envelope, limit))
        elif suffix == "zip" or (not suffix and part.content_type in _ZIP_TYPES):
            _unzip(opened, shown, part.data, envelope, limit)
        elif not (part.inline and part.content_type.startswith("image/")):  # a signature's logo: not worth a line
            opened.issues.append(Issue("mail-attachment-skipped", file=shown, params=envelope.params()))
    # Said of a message the secretary saved on purpose, not of each message of an export or a forward.
    if len(opened.attachments) == found and empty_is_news and not any(
            i.file and i.file.startswith(where + SEPARATOR) and i.code != "mail-attachment-skipped"
            for i in opened.issues):
        opened.issues.append(Issue("mail-no-spreadsheet", file=where, params=envelope.params()))


def _attachment(name: str, data: bytes, envelope: Envelope, limit: int) -> Attachment:
    return Attachment(name, data if len(data) <= limit else None, len(data), envelope,
                      hashlib.sha256(data).hexdigest())


def _unzip(opened: Opened, where: str, data: bytes, envelope: Envelope, limit: int) -> None:
    """The spreadsheets inside a zip attachment, with the same limits as a workbook's own package."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as error:
        opened.refuse(Issue("corrupt-file", file=where, params={"detail": str(error)[:160]}), where, envelope, data)
        return
    with archive:
        if len(members) > MAX_MEMBERS or expands_too_far(members):
            bomb = Issue("zip-bomb", file=where, params={"limit_mb": f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}"})
            opened.refuse(bomb, where, envelope, data)
            return
        names: set[str] = set()
        for number, member in enumerate(members, 1):
            if member.is_dir():
                continue
            name = clean_name(_member_name(member), f"member-{number}")
            shown = _unique(f"{where}{SEPARATOR}{name}", names)
            if _suffix(name) not in _SPREADSHEETS:
                opened.issues.append(Issue("mail-attachment-skipped", file=shown, params=envelope.params()))
            elif member.flag_bits & 0x1:
                opened.refuse(Issue("password-protected", file=shown), shown, envelope, size=member.file_size)
            elif member.file_size > limit:
                opened.attachments.append(Attachment(shown, None, member.file_size, envelope))
            else:
                try:
                    with archive.open(member) as stream:
                        content = stream.read(limit + 1)
                except Exception as error:  # BadZipFile, zlib.error, EOFError … from a damaged member
                    damaged = Issue("corrupt-file", file=shown, params={"detail": str(error)[:160]})
                    opened.refuse(damaged, shown, envelope, size=member.file_size)
                    continue
                opened.attachments.append(_attachment(shown, content, envelope, limit))


def _member_name(member: zipfile.ZipInfo) -> str:
    """A zip member's name: zipfile reads it as CP437 unless flagged UTF-8, but Windows' and macOS' own zip
    tools write UTF-8 (a Vietnamese name) without the flag."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def clean_name(raw: str | None, fallback: str) -> str:
    """An attachment's name, fit to show and never to use as a path: its last component only, without
    control or direction-override characters (U+202E makes "xslx.exe" look like "exe.xlsx"), at most
    `_MAX_NAME` characters."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = " ".join(name.replace("›", ">").split()).lstrip(". ")
    if len(name) > _MAX_NAME:
        _stem, dot, suffix = name.rpartition(".")
        suffix = suffix if dot and len(suffix) <= 10 else ""
        name = name[:_MAX_NAME - len(suffix) - 2] + "…" + (f".{suffix}" if suffix else "")
    return name or fallback


def _suffix(name: str) -> str:
    return name.rpartition(".")[2].casefold() if "." in name else ""


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} [{number}]"
    taken.add(candidate)
    return candidate


# ----------------------------------------------------------------------------------------- .eml, .mbox

def _letter(message: Message) -> Letter:
    date = iso_date(getattr(message["Date"], "datetime", None))
    broken = [type(defect).__name__ for part in message.walk() for defect in getattr(part, "defects", [])
              if type(defect).__name__ in _BROKEN_STRUCTURE]
    return Letter(clean_text(message["From"]), date, clean_text(message["Subject"]), list(_parts(message)),
                  problem=_BROKEN_STRUCTURE[broken[0]] if broken else None)


# Defects after which a message's parts cannot be told apart; others (a bad date, a stray character) are
# the usual untidiness of real mail and leave the attachments readable.
_BROKEN_STRUCTURE = {
    "NoBoundaryInMultipartDefect": "mail_no_boundary",
    "StartBoundaryNotFoundDefect": "mail_boundary_missing",
    "MultipartInvariantViolationDefect": "mail_not_multipart",
}


def _parts(message: Message, depth: int = 0) -> Iterator[Part]:
    from email.message import EmailMessage

    if not isinstance(message, EmailMessage) or not message.is_multipart():
        if isinstance(message, EmailMessage) and message.get_content_disposition() == "attachment":
            yield _part(message)  # a message that is only its attachment
        return
    for part in message.iter_attachments():
        if part.is_multipart() and part.get_content_type() != "message/rfc822" and depth < _MAX_DEPTH:
            # A signed message (multipart/signed) holds its content, attachments and all, in a part of its own.
            yield from _parts(part, depth + 1)
        else:
            yield _part(part)


def _part(part: Message) -> Part:
    from email.message import Message

    content_type = part.get_content_type()
    inline = part.get_content_disposition() == "inline"
    if content_type == "message/rfc822":
        inner = part.get_payload()
        nested = inner[0] if isinstance(inner, list) and inner else None
        if isinstance(nested, Message):
            return Part(part.get_filename() or clean_text(nested["Subject"]) + ".eml", content_type,
                        letter=_letter(nested))
    if part.is_multipart():
        return Part(part.get_filename(), content_type, problem="mail_multipart_part")
    data = part.get_payload(decode=True)
    problem = None
    if any(type(defect).__name__ in ("InvalidBase64CharactersDefect", "InvalidBase64LengthDefect")
           for defect in getattr(part, "defects", [])):
        problem = "mail_bad_base64"
    return Part(part.get_filename(), content_type, data if isinstance(data, bytes) else None, inline,
                problem=problem)
