"""Reading: from the files in the input folder to raw criterion rows, without trusting anything in them.

Each file is read once into memory (its SHA-256 is taken from those very bytes), recognised by its content
rather than its name, checked against zip bombs and XML entity tricks, then handed to python-calamine.
Problems become `Issue`s; nothing here raises for a bad file, and no input is ever written to.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from pipeline.core.cells import cell_address, parse_address
from pipeline.core.issues import Issue
from pipeline.core.labels import LANGUAGES, Label, text
from pipeline.core.text import clean, fold, normalise_code
from pipeline.reading.archive import MAX_FILE_BYTES, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, check_package
from pipeline.reading.bloc_books import AppraisalBook, TallyBook, read_appraisal, read_tally
from pipeline.reading.cell_notes import Overrides
from pipeline.reading.inputs import display_name, read_regular
from pipeline.reading.mail.messages import MAIL_SUFFIXES, Attachment, Envelope, Opened, open_mail
from pipeline.reading.recognise import OLE_SIGNATURE, name_suffix
from pipeline.reading.sheet import open_book
from pipeline.reading.table import SheetRow, header_row, plain, sheet_overrides, table_rows
from pipeline.reading.zipparts import read_member, zip_members
from pipeline.rules.layout import (
    APPRAISAL_FORMAT,
    COLUMN_KEYS,
    COLUMN_LABEL_KEYS,
    IDENTITY_SHEET,
    PEER_KIND,
    TALLY_FORMAT,
    TEMPLATE_FORMAT,
)

# Safety limits, documented in the README; the others (a workbook's size, its package's contents) are in
# pipeline/reading/archive.py.
MAX_MAIL_BYTES = MAX_UNCOMPRESSED_BYTES  # a saved message or mbox export: each attachment still ≤ MAX_FILE_BYTES


@dataclass
class Submission:
    """Everything read from one file; `rows` is empty when the file could not be read."""

    file: str  # path relative to the input folder, NFC, with / separators
    sha256: str = ""
    size: int = 0
    modified: float = 0.0
    saved_at: str | None = None  # the save time the program wrote inside the file (ISO 8601), if any
    format: str | None = None  # xlsx, xlsm, xlsb, xls, ods
    identity: dict[str, str] = field(default_factory=dict)  # from the template's identity sheet
    sheet: str | None = None
    unit_code: str | None = None  # as written in the visible unit-code cell
    unit_code_cell: str | None = None
    header_row: int | None = None  # 0-based
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[SheetRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # Other sheets holding a criteria table (a copied sheet): sheet name → its rows, compared in validation.
    other_tables: dict[str, list[SheetRow]] = field(default_factory=dict)
    # The bloc's appraisal workbook, recognised by its identity: what it holds instead of a unit's table.
    appraisal: AppraisalBook | None = None
    # A saved e-mail file (format eml, mbox or msg): its messages and spreadsheets; it speaks for no unit.
    mail: Opened | None = None
    envelope: Envelope | None = None  # the message a spreadsheet was attached to
    # Read from the bloc's own folder (bloc/), the only place the bloc's records count: anything a unit sends
    # reaches input/, so a record found there is never the bloc's.
    from_bloc_folder: bool = False

    @property
    def is_mail(self) -> bool:
        return self.mail is not None

    @property
    def peer(self) -> bool:
        """A unit's cross-scoring workbook (chấm chéo), rather than the bloc's appraisal workbook or a unit's file."""
        return self.appraisal is not None and self.appraisal.kind == PEER_KIND

    @property
    def bloc_appraisal(self) -> bool:
        """The bloc's appraisal workbook."""
        return self.appraisal is not None and self.appraisal.kind != PEER_KIND
    # The bloc's tally of the members' vote, recognised by its identity (vote.py checks it after ranking).
    tally: TallyBook | None = None

    @property
    def bloc_record(self) -> bool:
        """One of the bloc's own records by its content (its appraisal workbook, the vote's tally), wherever found."""
        return self.bloc_appraisal or self.tally is not None

    @property
    def counts_as_bloc_record(self) -> bool:
        """A bloc's record that decides: one read from the bloc's folder (never one from input/) with something
        entered in it (a record still as the tool made it means no appraisal yet, the vote not counted yet)."""
        return self.bloc_record and self.from_bloc_folder and not self.blank_record

    @property
    def blank_record(self) -> bool:
        """A bloc's record still as the tool made it."""
        return (self.bloc_appraisal and self.appraisal is not None and self.appraisal.blank) or (
            self.tally is not None and self.tally.blank)

    @property
    def readable(self) -> bool:
        """A unit's criteria table was found, or the file is the bloc's appraisal workbook or tally, read."""
        return self.header_row is not None or self.appraisal is not None or self.tally is not None

    @property
    def speaks_for_no_unit(self) -> bool:
        """The bloc's own workbooks (appraisal, tally), a unit's cross-scoring workbook, a saved e-mail: read for
        what they record or hold, never as a unit's file."""
        return self.appraisal is not None or self.tally is not None or self.mail is not None

    def issue(self, code: str, **kwargs: Any) -> None:
        self.issues.append(Issue(code, file=self.file, **kwargs))


def read_submission(path: Path, root: Path, name: str | None = None) -> Submission:
    """Read one file, never through a link; never raises for what the file contains.

    `name` is the file's display name when `inputs.display_names` had to tell look-alike names apart.
    """
    submission = Submission(name or display_name(path, root))
    suffix = name_suffix(path.name)
    mail_kind = suffix[1:] if suffix in MAIL_SUFFIXES else None
    if mail_kind is not None:
        submission.mail = Opened()
    try:
        content = read_regular(path, limit=MAX_MAIL_BYTES if mail_kind else MAX_FILE_BYTES)
    except OSError as error:
        submission.issue("corrupt-file", params={"detail": error.strerror or str(error)})
        return submission
    submission.size, submission.modified, submission.sha256 = content.size, content.modified, content.sha256
    if content.size == 0:
        submission.issue("empty-file")
        return submission
    if content.data is None:
        limit = MAX_MAIL_BYTES if mail_kind else MAX_FILE_BYTES
        submission.issue("file-too-large", params={"size_mb": _mb(content.size), "limit_mb": _mb(limit)})
        return submission
    if mail_kind is not None:
        submission.format = mail_kind
        submission.mail = open_mail(content.data, mail_kind, submission.file, MAX_FILE_BYTES)
        submission.issues += submission.mail.issues
        return submission
    read_workbook(submission, content.data)
    return submission


def read_attachment(attachment: Attachment, _root: Path, name: str) -> Submission:
    """Read a spreadsheet attached to a message, like a file of the input folder; never raises for its content."""
    submission = Submission(name, sha256=attachment.sha256, size=attachment.size, envelope=attachment.envelope)
    if attachment.size == 0:
        submission.issue("empty-file")
    elif attachment.data is None:
        submission.issue("file-too-large", params={"size_mb": _mb(attachment.size), "limit_mb": _mb(MAX_FILE_BYTES)})
    else:
        read_workbook(submission, attachment.data)
    return submission


def read_workbook(submission: Submission, data: bytes) -> None:
    """Fill `submission` from the bytes of a workbook (a file today, an e-mail attachment tomorrow)."""
    kind, members = _sniff(submission, data)
    if kind is None:
        return
    submission.format = kind
    submission.saved_at = saved_at(data, kind, members)
    if kind in ("xls", "xlsb", "ods"):
        submission.issue("legacy-format", params={"format": f".{kind}"})
    try:
        book = open_book(data, kind)
    except python_calamine.PasswordError:
        submission.issue("password-protected")
        return
    except Exception as error:  # calamine raises several unrelated types for damaged files
        submission.issue("corrupt-file", params={"detail": _short(error)})
        return
    try:
        _read_book(submission, book, data, members)
    except Exception as error:  # a damaged sheet part surfaces only when the sheet is read
        submission.issue("corrupt-file", params={"detail": _short(error)})
    finally:
        book.close()


# --------------------------------------------------------------------------------- recognising the file

def _sniff(submission: Submission, data: bytes) -> tuple[str | None, list[zipfile.ZipInfo] | None]:
    """The workbook format from the content, or None after recording why it cannot be read; and a zip
    package's list of parts, read once for every reading after this one."""
    if data.startswith(b"PK"):
        verdict = check_package(data)
        if verdict.refusal is not None:
            submission.issue(verdict.refusal, params=verdict.params)
        return verdict.kind, verdict.members
    if data.startswith(OLE_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            submission.issue("password-protected")
            return None, None
        if "WordDocument".encode("utf-16-le") in data:
            submission.issue("not-excel", params={"kind": "Word (.doc)"})
            return None, None
        return "xls", None
    head = data[:512].lstrip().lower()
    kind: str | Label
    if head.startswith(b"%pdf"):
        kind = "PDF"
    elif head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        kind = "HTML/XML"  # web systems often export "Excel" files that are really HTML tables
    elif b"\0" not in data[:1024] and data[:1024].decode("utf-8", errors="replace").count("\ufffd") <= 1:
        kind = Label("file_kind.text")  # a CSV or a text file renamed .xlsx
    else:
        kind = Label("file_kind.unknown")
    submission.issue("not-excel", params={"kind": kind})
    return None, None


# Where a workbook's program records when it last saved it: Excel and xlsxwriter in docProps/core.xml,
# LibreOffice in meta.xml. Read from the archive already open, a few kilobytes at most.
_SAVED_AT = {"docProps/core.xml": re.compile(rb"<dcterms:modified\b[^>]*>\s*([0-9T:.+Z-]{10,40})\s*<"),
             "meta.xml": re.compile(rb"<dc:date>\s*([0-9T:.+Z-]{10,40})\s*<")}
_SAVED_AT_MAX_BYTES = 64 * 1024


def saved_at(data: bytes, kind: str, members: Sequence[zipfile.ZipInfo] | None = None) -> str | None:
    """The save time a workbook's program wrote inside it (ISO 8601, as written), or None (.xls, damaged).

    `members`: the package's parts, where they were listed already."""
    if kind == "xls":
        return None
    part = "meta.xml" if kind == "ods" else "docProps/core.xml"
    try:
        listed = members if members is not None else zip_members(data)
        member = next(m for m in reversed(listed) if m.filename == part)  # as ZipFile.getinfo
        if member.file_size > _SAVED_AT_MAX_BYTES:
            return None
        found = _SAVED_AT[part].search(read_member(data, member))
    except Exception:  # StopIteration (no such part), BadZipFile, zlib.error …: the time is then unknown
        return None
    return found[1].decode("ascii") if found else None


# ---------------------------------------------------------------------------------- reading the sheets

def _read_book(submission: Submission, book: python_calamine.CalamineWorkbook, data: bytes,
               members: list[zipfile.ZipInfo] | None) -> None:
    names = list(book.sheet_names)
    if IDENTITY_SHEET in names:
        submission.identity = _read_identity(book.get_sheet_by_name(IDENTITY_SHEET))
    if submission.identity.get("format") == APPRAISAL_FORMAT:
        submission.appraisal = read_appraisal(submission.identity, submission.format or "", book, data, members)
        return
    if submission.identity.get("format") == TALLY_FORMAT:
        submission.tally = read_tally(submission.identity, book)
        return
    expected = submission.identity.get("sheet")
    candidates = [expected] if expected in names else []
    candidates += [n for n in names if n not in candidates and n != IDENTITY_SHEET]
    for name in candidates:
        sheet = book.get_sheet_by_name(name)
        if sheet.height > MAX_ROWS:
            if submission.sheet is None:
                submission.issue("too-many-rows", sheet=name, params={"rows": sheet.height, "limit": MAX_ROWS})
            continue
        cells = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        header = _find_header(cells)
        if header is None:
            continue
        if submission.sheet is not None:
            # Every sheet is looked at: a copied sheet with other scores must not go unnoticed.
            found = sheet_overrides(data, submission.format or "", name, header, members)
            submission.other_tables[name] = table_rows(cells, *header, found)
            continue
        submission.sheet = name
        if expected and name != expected:
            submission.issue("sheet-renamed", sheet=name, params={"expected": expected})
        found = sheet_overrides(data, submission.format or "", name, header, members)
        _read_table(submission, cells, *header, found)
    if submission.sheet is None and not any(i.code == "too-many-rows" for i in submission.issues):
        columns = " | ".join(text(lang, f"column.{k}") for lang in LANGUAGES for k in ("code", "self"))
        submission.issue("not-a-template", params={"columns": columns})


def _read_identity(sheet: python_calamine.CalamineSheet) -> dict[str, str]:
    identity: dict[str, str] = {}
    # An appraisal workbook's identity holds a few rows per unit: its sheet, file and self-scores.
    for row in sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS):
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            value = row[1]
            identity[row[0].strip()] = clean(value if isinstance(value, str) else plain(value))
    if identity.get("format") not in (TEMPLATE_FORMAT, APPRAISAL_FORMAT, TALLY_FORMAT):
        return {}
    return identity


def _header_labels() -> dict[str, set[str]]:
    return {key: {fold(text(lang, label)) for lang in LANGUAGES for label in COLUMN_LABEL_KEYS[key]}
            for key in COLUMN_KEYS}


_HEADER_LABELS: dict[str, set[str]] | None = None


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The header row of the criteria table and its columns, found by label in either language."""
    global _HEADER_LABELS
    if _HEADER_LABELS is None:
        _HEADER_LABELS = _header_labels()
    return header_row(cells, _HEADER_LABELS, {"code", "self"})


def _read_table(submission: Submission, cells: list[list[Any]], header_row: int, columns: dict[str, int],
                cell_overrides: Overrides | None = None) -> None:
    submission.header_row = header_row
    submission.columns = columns
    _read_unit_code(submission, cells, header_row)
    submission.rows = table_rows(cells, header_row, columns, cell_overrides or {})


def _read_unit_code(submission: Submission, cells: list[list[Any]], header_row: int) -> None:
    address = submission.identity.get("unit_code_cell")
    if address:
        parsed = parse_address(address)
        if parsed is not None and parsed[0] < len(cells) and parsed[1] < len(cells[parsed[0]]):
            row, column = parsed
            submission.unit_code_cell = address
            submission.unit_code = normalise_code(cells[row][column]) or None
            return
    # No identity sheet: look for the "Unit code:" label above the table and take the cell after it.
    labels = {fold(text(lang, "template.unit_code")).rstrip(":").strip() for lang in LANGUAGES}
    for row_index in range(min(header_row, len(cells))):
        line = cells[row_index]
        for column, value in enumerate(line):
            if isinstance(value, str) and fold(value).rstrip(":").strip() in labels:
                for right in range(column + 1, len(line)):
                    if line[right] not in ("", None):
                        submission.unit_code_cell = cell_address(row_index, right)
                        submission.unit_code = normalise_code(line[right]) or None
                        return
                submission.unit_code_cell = cell_address(row_index, column + 1)
                return


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _short(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return message[:160]
