"""Saved e-mails built in code, as mail programs write them: .eml (RFC 5322), .mbox exports and Outlook .msg."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from tests.ole_writer import Tree, compound_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Attached = tuple[str, bytes]  # (name as the sender's program wrote it, content)


def message(attachments: Sequence[Attached], *, sender: str = "Văn phòng <vp@example.vn>",
            date: str | None = "Mon, 02 Dec 2024 10:00:00 +0700", subject: str = "Gửi bảng tự chấm điểm",
            text: str = "Kính gửi Khối thi đua,\n\nĐơn vị gửi kèm bảng tự chấm điểm.\n") -> EmailMessage:
    """A message with `attachments`; a name ending .zip is attached as a zip, the rest as spreadsheets."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "Khối thi đua <khoi@example.vn>"
    mail["Subject"] = subject
    if date is not None:
        mail["Date"] = date
    mail.set_content(text)
    for name, content in attachments:
        lower = name.lower()
        kind = (("application", "zip") if lower.endswith(".zip") else ("application", "pdf") if lower.endswith(".pdf")
                else tuple(XLSX.split("/")))
        mail.add_attachment(content, maintype=kind[0], subtype=kind[1], filename=name)
    return mail


def eml(path: Path, attachments: Sequence[Attached], **headers: str | None) -> Path:
    """A message saved as .eml (CRLF line ends, as Outlook and Thunderbird save it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message(attachments, **headers).as_bytes(policy=SMTP))  # type: ignore[arg-type]
    return path


def mbox(path: Path, messages: Sequence[EmailMessage]) -> Path:
    """An mbox export: each message after a "From " line, lines starting "From " in a body quoted ">From "."""
    chunks = []
    for mail in messages:
        body = mail.as_bytes().replace(b"\nFrom ", b"\n>From ")
        chunks.append(b"From MAILER-DAEMON Mon Dec  2 10:00:00 2024\n" + body + b"\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(chunks))
    return path


def zipped(members: Sequence[Attached], *, utf8_flag: bool = True) -> bytes:
    """A .zip of `members`; without `utf8_flag` the names are UTF-8 without the flag, as Windows writes them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(zipfile.ZipInfo(name), content, zipfile.ZIP_DEFLATED)
    data = bytearray(buffer.getvalue())
    if not utf8_flag:  # zipfile flags every non-ASCII name: clear the flag in each local and central header
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            local = [info.header_offset + 6 for info in archive.infolist()]
            central, at = [], archive.start_dir  # type: ignore[attr-defined]
            for _info in archive.infolist():
                central.append(at + 8)
                at += 46 + sum(struct.unpack_from("<HHH", data, at + 28))
        for offset in local + central:
            struct.pack_into("<H", data, offset, struct.unpack_from("<H", data, offset)[0] & ~0x800)
    return bytes(data)


# ------------------------------------------------------------------------------------------- Outlook .msg

def _unicode(tag: int) -> str:
    return f"__substg1.0_{tag:04X}001F"


def _props(header_size: int, longs: dict[int, int], times: dict[int, int] | None = None) -> bytes:
    """A __properties_version1.0 stream: `header_size` reserved bytes, then 16 bytes per fixed property."""
    body = b"".join(struct.pack("<HHIIi", 0x0003, tag, 0x6, value, 0) for tag, value in longs.items())
    body += b"".join(struct.pack("<HHIQ", 0x0040, tag, 0x6, value) for tag, value in (times or {}).items())
    return b"\0" * header_size + body


def msg(path: Path, attachments: Sequence[Attached], *, sender_name: str = "Văn phòng",
        sender_address: str = "vp@example.vn", date: str | None = "Mon, 02 Dec 2024 10:00:00 +0700",
        submitted: int | None = None, subject: str = "Gửi bảng tự chấm điểm",
        forwarded: Sequence[Attached] = ()) -> Path:
    """An Outlook .msg ([MS-OXMSG]) as Outlook saves a received message: its transport headers carry the Date
    (`date` None: only the submit time property, a FILETIME `submitted`, does). `forwarded`: the attachments
    of an Outlook item attached to it (a message forwarded as an attachment), from Đảng ủy Khối."""
    tree = _message_tree(attachments, 32, sender_name, sender_address, date, submitted, subject)
    if forwarded:
        inner = _message_tree(forwarded, 24, "Đảng ủy Khối", "duk@example.vn", "Tue, 03 Dec 2024 08:30:00 +0700",
                              None, "Chuyển tiếp: bảng điểm")
        del inner["__nameid_version1.0"]  # an embedded message shares its container's named properties
        tree[f"__attach_version1.0_#{len(attachments):08X}"] = {
            _PROPERTIES: _props(8, {0x3705: 5, 0x0E21: len(attachments)}),
            _unicode(0x3001): "Chuyển tiếp: bảng điểm".encode("utf-16-le"),
            "__substg1.0_3701000D": inner,
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compound_file(tree))
    return path


def _message_tree(attachments: Sequence[Attached], header_size: int, sender_name: str, sender_address: str,
                  date: str | None, submitted: int | None, subject: str) -> Tree:
    tree: Tree = {
        _PROPERTIES: _props(header_size, {0x3FFD: 65001}, {0x0039: submitted} if submitted else None),
        _unicode(0x0037): subject.encode("utf-16-le"),
        _unicode(0x0C1A): sender_name.encode("utf-16-le"),
        _unicode(0x5D01): sender_address.encode("utf-16-le"),
        _unicode(0x1000): "Kính gửi Khối thi đua".encode("utf-16-le"),
        "__nameid_version1.0": {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"",
                                "__substg1.0_00040102": b""},
    }
    if date is not None:
        headers = f"From: {sender_name} <{sender_address}>\r\nDate: {date}\r\nSubject: {subject}\r\n"
        tree[_unicode(0x007D)] = headers.encode("utf-16-le")
    for number, (name, content) in enumerate(attachments):
        tree[f"__attach_version1.0_#{number:08X}"] = {
            _PROPERTIES: _props(8, {0x3705: 1, 0x0E21: number}),
            _unicode(0x3707): name.encode("utf-16-le"),
            _unicode(0x3704): name[:12].encode("utf-16-le"),
            "__substg1.0_37010102": content,
        }
    return tree


_PROPERTIES = "__properties_version1.0"
