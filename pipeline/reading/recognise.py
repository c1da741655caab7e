"""What an entry of the input folder is when its name does not say: by its first bytes and, for a package, its
table of contents; never by reading it whole, and never through a link."""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import BinaryIO

from pipeline.reading.archive import MAX_FILE_BYTES, package_kind

ZIP_SIGNATURE = b"PK\x03\x04"  # a zip's first local header: .xlsx, .xlsm, .xlsb, .ods (and .docx, .zip …)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: .xls (and .doc, .msg …)
# Excel's owner file `~$Book.xlsx` is 165 bytes, LibreOffice's `.~lock.Book.xlsx#` one line of text: a file
# so named that is larger, or is a package, is a workbook a unit happened to name so.
LOCK_FILE_MAX_BYTES = 4096
LOCK_PREFIXES = ("~$", ".~lock.")
# The streams an OLE file holds its workbook in: "Workbook" (Excel 97 and later), "Book" (Excel 5/95).
_OLE_WORKBOOK_STREAMS = ("Workbook", "Book")


def name_suffix(name: str) -> str:
    """A file name's extension as its sender meant it, lower case: `.xlsx` for `VPTU.xlsx`, and for
    `VPTU.XLSX ` or `VPTU.xlsx.` too (Windows drops a trailing space or dot; Linux, macOS and some mail
    clients keep it)."""
    return PurePath(name.rstrip(" .") or "_").suffix.casefold()


def is_lock_file(path: Path) -> bool:
    """Whether a `~$…` or `.~lock.…#` entry is the owner file a spreadsheet program leaves beside an open
    workbook: under LOCK_FILE_MAX_BYTES and starting with neither a zip's nor an OLE file's signature. One
    that cannot be opened is taken for one, as every such name was before."""
    with _opened(path) as found:
        if found is None:
            return True
        size, head, _stream = found
        return size < LOCK_FILE_MAX_BYTES and not head.startswith((ZIP_SIGNATURE, OLE_SIGNATURE))


def is_workbook(path: Path) -> bool:
    """Whether a file whose name does not say so is a workbook all the same (saved with no extension, with a
    trailing space): a zip package the reader takes for one (an .xlsx, .xlsm, .xlsb, .ods — not a .docx, not a
    zip of files) or an OLE file holding a workbook stream (an .xls — not a .doc or an .msg). A file past the
    size a workbook may have is not looked into."""
    with _opened(path) as found:
        if found is None:
            return False
        size, head, stream = found
        if size > MAX_FILE_BYTES:
            return False
        try:
            if head.startswith(ZIP_SIGNATURE):
                with zipfile.ZipFile(stream) as archive:  # reads the table of contents at the end, not the parts
                    return package_kind(archive) is not None
            if head.startswith(OLE_SIGNATURE):
                import olefile  # only when such a file is there, as for an Outlook message

                with olefile.OleFileIO(stream) as ole:  # reads the sector tables and the directory only
                    return any(ole.exists(name) for name in _OLE_WORKBOOK_STREAMS)
        except Exception:  # a damaged table of contents: nothing shows it is a workbook
            return False
        return False


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[int, bytes, BinaryIO] | None]:
    """A regular file's size, first bytes and stream, opened without following a link; None when it cannot be."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        yield None
        return
    with os.fdopen(handle, "rb") as stream:
        try:
            info = os.fstat(stream.fileno())
            head = stream.read(len(OLE_SIGNATURE)) if stat.S_ISREG(info.st_mode) else b""
            stream.seek(0)
        except OSError:
            yield None
            return
        yield (info.st_size, head, stream) if stat.S_ISREG(info.st_mode) else None
