"""Outlook's saved messages (.msg, [MS-OXMSG]): sender, date, subject and attachments, read with olefile (BSD)."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import io
import struct

import olefile

from pipeline.reading.mail.letter import Letter, NotAMessage, Part, clean_text, iso_date

# Property tags ([MS-OXPROPS]): a stream __substg1.0_<tag><type> holds a variable-length value.
_SUBJECT, _SENDER_NAME, _SENDER_SMTP, _SENDER_ADDRESS = 0x0037, 0x0C1A, 0x5D01, 0x0C1F
_HEADERS, _SUBMITTED, _DELIVERED, _CODEPAGE = 0x007D, 0x0039, 0x0E06, 0x3FFD
_ATTACH_DATA, _ATTACH_LONG_NAME, _ATTACH_NAME, _DISPLAY_NAME = 0x3701, 0x3707, 0x3704, 0x3001
_ATTACH_METHOD, _ATTACH_MIME, _ATTACH_FLAGS = 0x3705, 0x370E, 0x3714
_BY_VALUE, _EMBEDDED = 1, 5
_UNICODE, _STRING8, _BINARY, _OBJECT, _LONG, _SYSTIME = 0x001F, 0x001E, 0x0102, 0x000D, 0x0003, 0x0040
_ENTRY = struct.Struct("<HHI8s")  # a fixed-length property: type, tag, flags, value
_ATTACH_PREFIX = "__attach_version1.0_#"
_PROPERTIES = "__properties_version1.0"
_MAX_DEPTH = 3


def read_msg(data: bytes) -> Letter:
    """The message in an Outlook .msg file; raises (olefile's errors, NotAMessage) when it is not one."""
    # Always a file object: olefile takes short bytes for a file *name*, and would open what the file names.
    if len(data) < olefile.MINIMAL_OLEFILE_SIZE or not olefile.isOleFile(io.BytesIO(data)):
        raise NotAMessage("mail_not_ole")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists(f"__substg1.0_{_SUBJECT:04X}{_UNICODE:04X}") and not ole.exists(_PROPERTIES):
            raise NotAMessage("mail_not_outlook")
        return _Reader(ole).letter([], header_size=32, depth=0)


class _Reader:
    def __init__(self, ole: olefile.OleFileIO) -> None:
        self.ole = ole

    def letter(self, where: list[str], header_size: int, depth: int) -> Letter:
        fixed = self._fixed(where, header_size)
        codepage = fixed.get(_CODEPAGE)
        encoding = f"cp{codepage[0]}" if codepage and 0 < codepage[0] < 100_000 else "cp1252"
        headers = self._string(where, _HEADERS, encoding)
        sender = clean_text(self._string(where, _SENDER_NAME, encoding))
        address = self._string(where, _SENDER_SMTP, encoding) or self._string(where, _SENDER_ADDRESS, encoding)
        if address and "@" in address:
            sender = f"{sender} <{clean_text(address)}>" if sender else clean_text(address)
        date = None
        if headers:
            parsed = email.parser.HeaderParser(policy=email.policy.default).parsestr(headers)
            date = iso_date(getattr(parsed["Date"], "datetime", None))
            sender = sender or clean_text(parsed["From"])
        if date is None:
            for tag in (_SUBMITTED, _DELIVERED):
                if tag in fixed and fixed[tag][1] == _SYSTIME:
                    date = _filetime(fixed[tag][2])
                    if date:
                        break
        parts = []
        for name in sorted(self._children(where)):
            if name.startswith(_ATTACH_PREFIX):
                parts.append(self._attachment([*where, name], encoding, depth))
        return Letter(sender, date, clean_text(self._string(where, _SUBJECT, encoding)), parts)

    def _attachment(self, where: list[str], encoding: str, depth: int) -> Part:
        fixed = self._fixed(where, 8)
        name = (self._string(where, _ATTACH_LONG_NAME, encoding) or self._string(where, _ATTACH_NAME, encoding)
                or self._string(where, _DISPLAY_NAME, encoding))
        content_type = (self._string(where, _ATTACH_MIME, encoding) or "application/octet-stream").lower()
        method = fixed.get(_ATTACH_METHOD, (0, 0, 0))[0]
        inline = bool(fixed.get(_ATTACH_FLAGS, (0, 0, 0))[0] & 0x4)  # attRenderedInBody: a picture in the text
        if method == _EMBEDDED:
            inner = [*where, f"__substg1.0_{_ATTACH_DATA:04X}{_OBJECT:04X}"]
            if depth < _MAX_DEPTH and self.ole.exists("/".join(inner)):
                letter = self.letter(inner, header_size=24, depth=depth + 1)
                return Part(name or (letter.subject + ".msg"), "message/rfc822", letter=letter)
            return Part(name, content_type, problem="mail_too_deep")
        stream = "/".join([*where, f"__substg1.0_{_ATTACH_DATA:04X}{_BINARY:04X}"])
        if method not in (0, _BY_VALUE) or not self.ole.exists(stream):
            return Part(name, content_type, data=b"", inline=inline, problem="mail_by_reference")
        return Part(name, content_type, self.ole.openstream(stream).read(), inline)

    def _children(self, where: list[str]) -> list[str]:
        """The names of the storages directly inside `where`."""
        depth = len(where)
        return [path[depth] for path in self.ole.listdir(streams=False, storages=True)
                if len(path) == depth + 1 and [p.casefold() for p in path[:depth]] == [p.casefold() for p in where]]

    def _string(self, where: list[str], tag: int, encoding: str) -> str:
        for kind, codec in ((_UNICODE, "utf-16-le"), (_STRING8, encoding)):
            stream = "/".join([*where, f"__substg1.0_{tag:04X}{kind:04X}"])
            if self.ole.exists(stream):
                raw = self.ole.openstream(stream).read()
                raw = bytes(raw)
                try:
                    return raw.decode(codec, errors="replace").rstrip("\0")
                except LookupError:  # a code page Python does not know
                    return raw.decode("cp1252", errors="replace").rstrip("\0")
        return ""

    def _fixed(self, where: list[str], header_size: int) -> dict[int, tuple[int, int, bytes]]:
        """The fixed-length properties: tag → (value as a 32-bit number, type, the 8 value bytes)."""
        stream = "/".join([*where, _PROPERTIES])
        if not self.ole.exists(stream):
            return {}
        raw = self.ole.openstream(stream).read()
        found = {}
        for offset in range(header_size, len(raw) - _ENTRY.size + 1, _ENTRY.size):
            kind, tag, _flags, value = _ENTRY.unpack_from(raw, offset)
            found[tag] = (struct.unpack_from("<I", value)[0], kind, value)
        return found


def _filetime(value: bytes) -> str | None:
    """A Windows FILETIME (100 ns since 1601, UTC) as ISO 8601."""
    ticks = struct.unpack("<Q", value)[0]
    if ticks == 0:
        return None
    try:
        moment = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
    return iso_date(moment)
