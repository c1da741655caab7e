"""Reading: from the files in the input folder to raw criterion rows, without trusting anything in them.

Each file is read once into memory (its SHA-256 is taken from those very bytes), recognised by its content
rather than its name, checked against zip bombs and XML entity tricks, then handed to python-calamine.
Problems become `Issue`s; nothing here raises for a bad file, and no input is ever written to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import python_calamine

from pipeline.archive import MAX_ROWS, MAX_UNCOMPRESSED_BYTES, check_package
from pipeline.cells import cell_address, parse_address
from pipeline.inputs import display_name, read_regular
from pipeline.issues import Issue
from pipeline.labels import LANGUAGES, Label, text
from pipeline.layout import (
    APPRAISAL_FORMAT,
    APPRAISAL_KEYS,
    APPRAISAL_KIND,
    APPRAISAL_SHEET,
    COLUMN_KEYS,
    COLUMN_LABEL_KEYS,
    IDENTITY_SHEET,
    MADE_FROM_FILE,
    MADE_FROM_SELF,
    PEER_KIND,
    SCORE_COLUMNS,
    TALLY_CANDIDATES,
    TALLY_DATE_CELL,
    TALLY_FORMAT,
    TALLY_KEYS,
    TALLY_PLACE_CELL,
    TEMPLATE_FORMAT,
)
from pipeline.mail import MAIL_SUFFIXES, Attachment, Envelope, Opened, open_mail
from pipeline.sheet import Overrides, apply_override, open_book, overrides
from pipeline.text import clean, fold, normalise_code
from pipeline.zipparts import read_member, zip_members

# Safety limits, documented in the README; those on a zip package's contents are in pipeline/archive.py.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MAIL_BYTES = MAX_UNCOMPRESSED_BYTES  # a saved message or mbox export: each attachment still ≤ MAX_FILE_BYTES
MAX_HEADER_SEARCH_ROWS = 40

SCORE_KEYS = frozenset(SCORE_COLUMNS)  # the columns whose cells are scores: self, appraised
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SheetRow(NamedTuple):
    """One row of the criteria table whose code cell is not empty, cells as calamine returns them."""

    row: int  # 0-based sheet row
    code: str
    title: str
    max: Any
    self_score: Any
    appraised: Any
    evidence: Any


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
    mail_kind = path.suffix.casefold()[1:] if path.suffix.casefold() in MAIL_SUFFIXES else None
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
    kind = _sniff(submission, data)
    if kind is None:
        return
    submission.format = kind
    submission.saved_at = saved_at(data, kind)
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
        _read_book(submission, book, data)
    except Exception as error:  # a damaged sheet part surfaces only when the sheet is read
        submission.issue("corrupt-file", params={"detail": _short(error)})
    finally:
        book.close()


# --------------------------------------------------------------------------------- recognising the file

def _sniff(submission: Submission, data: bytes) -> str | None:
    """The workbook format from the content, or None after recording why it cannot be read."""
    if data.startswith(b"PK"):
        return _sniff_zip(submission, data)
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            submission.issue("password-protected")
            return None
        if "WordDocument".encode("utf-16-le") in data:
            submission.issue("not-excel", params={"kind": "Word (.doc)"})
            return None
        return "xls"
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
    return None


def _sniff_zip(submission: Submission, data: bytes) -> str | None:
    verdict = check_package(data)
    if verdict.refusal is not None:
        submission.issue(verdict.refusal, params=verdict.params)
    return verdict.kind


# Where a workbook's program records when it last saved it: Excel and xlsxwriter in docProps/core.xml,
# LibreOffice in meta.xml. Read from the archive already open, a few kilobytes at most.
_SAVED_AT = {"docProps/core.xml": re.compile(rb"<dcterms:modified\b[^>]*>\s*([0-9T:.+Z-]{10,40})\s*<"),
             "meta.xml": re.compile(rb"<dc:date>\s*([0-9T:.+Z-]{10,40})\s*<")}
_SAVED_AT_MAX_BYTES = 64 * 1024


def saved_at(data: bytes, kind: str) -> str | None:
    """The save time a workbook's program wrote inside it (ISO 8601, as written), or None (.xls, damaged)."""
    if kind == "xls":
        return None
    part = "meta.xml" if kind == "ods" else "docProps/core.xml"
    try:
        member = next(m for m in reversed(zip_members(data)) if m.filename == part)  # as ZipFile.getinfo
        if member.file_size > _SAVED_AT_MAX_BYTES:
            return None
        found = _SAVED_AT[part].search(read_member(data, member))
    except Exception:  # StopIteration (no such part), BadZipFile, zlib.error …: the time is then unknown
        return None
    return found[1].decode("ascii") if found else None


# ---------------------------------------------------------------------------------- reading the sheets

class AppraisalRow(NamedTuple):
    """One criterion row of a unit's sheet in the appraisal workbook, cells as calamine returns them."""

    row: int  # 0-based sheet row
    code: str
    self_score: Any  # as the workbook shows it: what the appraisal was made from
    appraised: Any
    reason: str


@dataclass
class AppraisalSheet:
    """A unit's sheet of the appraisal workbook; `header_row` None when its table was not found."""

    unit_code: str
    sheet: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[AppraisalRow] = field(default_factory=list)


@dataclass
class AppraisalBook:
    """What the bloc's appraisal workbook holds: a sheet per unit, and what it was made from."""

    sheets: dict[str, AppraisalSheet] = field(default_factory=dict)  # unit code → its sheet
    made_from_self: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, criterion) → self-score
    made_from_file: dict[str, str] = field(default_factory=dict)  # unit → the SHA-256 of its file then
    kind: str = APPRAISAL_KIND  # or PEER_KIND: a unit's cross-scoring workbook
    scorer: str = ""  # a cross-scoring workbook's unit, who scores the others
    names: list[str] = field(default_factory=list)  # every sheet of the workbook


class TallyRow(NamedTuple):
    """One candidate's row of the tally, cells as calamine returns them; `cells` locates each by key."""

    row: int  # 0-based sheet row
    award: str
    code: str
    present: Any
    votes: Any
    cells: dict[str, str]


@dataclass
class TallyBook:
    """What the bloc's tally holds: its rows, the meeting's place and date, and the candidates it was made for."""

    sheet: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[TallyRow] = field(default_factory=list)
    candidates: dict[str, list[str]] = field(default_factory=dict)  # award key → unit codes, as made
    candidates_cell: dict[str, str] = field(default_factory=dict)  # award key → its identity cell
    place: str = ""
    date: Any = None


def _read_book(submission: Submission, book: python_calamine.CalamineWorkbook, data: bytes) -> None:
    names = list(book.sheet_names)
    if IDENTITY_SHEET in names:
        submission.identity = _read_identity(book.get_sheet_by_name(IDENTITY_SHEET))
    if submission.identity.get("format") == APPRAISAL_FORMAT:
        _read_appraisal(submission, book, data)
        return
    if submission.identity.get("format") == TALLY_FORMAT:
        _read_tally(submission, book)
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
            submission.other_tables[name] = _table_rows(cells, *header, _overrides_of(data, submission, name, header))
            continue
        submission.sheet = name
        if expected and name != expected:
            submission.issue("sheet-renamed", sheet=name, params={"expected": expected})
        _read_table(submission, cells, *header, _overrides_of(data, submission, name, header))
    if submission.sheet is None and not any(i.code == "too-many-rows" for i in submission.issues):
        columns = " | ".join(text(lang, f"column.{k}") for lang in LANGUAGES for k in ("code", "self"))
        submission.issue("not-a-template", params={"columns": columns})


def _read_identity(sheet: python_calamine.CalamineSheet) -> dict[str, str]:
    identity: dict[str, str] = {}
    # An appraisal workbook's identity holds a few rows per unit: its sheet, file and self-scores.
    for row in sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS):
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            value = row[1]
            identity[row[0].strip()] = clean(value if isinstance(value, str) else _plain(value))
    if identity.get("format") not in (TEMPLATE_FORMAT, APPRAISAL_FORMAT, TALLY_FORMAT):
        return {}
    return identity


def _read_appraisal(submission: Submission, book: python_calamine.CalamineWorkbook, data: bytes) -> None:
    """The bloc's appraisal workbook: each unit's sheet named in its identity, found by its header labels."""
    identity = submission.identity
    kind = PEER_KIND if identity.get("kind") == PEER_KIND else APPRAISAL_KIND
    found = AppraisalBook(kind=kind, scorer=identity.get("scorer", ""), names=list(book.sheet_names))
    names = set(book.sheet_names)
    for key, value in identity.items():
        if key.startswith(MADE_FROM_SELF):
            unit_code = key[len(MADE_FROM_SELF):]
            try:
                scores = json.loads(value)
            except ValueError:
                continue  # a damaged record: no staleness can be told for this unit
            if isinstance(scores, dict):
                found.made_from_self.update({(unit_code, str(c)): str(v) for c, v in scores.items()})
        elif key.startswith(MADE_FROM_FILE):
            found.made_from_file[key[len(MADE_FROM_FILE):]] = value
    for key, name in identity.items():
        if not key.startswith(APPRAISAL_SHEET):
            continue
        unit_sheet = AppraisalSheet(key[len(APPRAISAL_SHEET):], name)
        found.sheets[unit_sheet.unit_code] = unit_sheet
        if name not in names:
            continue
        sheet = book.get_sheet_by_name(name)
        if sheet.height > MAX_ROWS:
            continue
        cells = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        header = _find_appraisal_header(cells, kind)
        if header is None:
            continue
        unit_sheet.header_row, unit_sheet.columns = header
        rows = _table_rows(cells, *header, _overrides_of(data, submission, name, header))
        reason_column = unit_sheet.columns.get("reason")
        for row in rows:
            line = cells[row.row]
            reason = line[reason_column] if reason_column is not None and reason_column < len(line) else ""
            unit_sheet.rows.append(AppraisalRow(row.row, row.code, row.self_score, row.appraised,
                                                clean(reason if isinstance(reason, str) else _plain(reason))))
    submission.appraisal = found


def _read_tally(submission: Submission, book: python_calamine.CalamineWorkbook) -> None:
    """The bloc's tally: its sheet (named in the identity, else the first), its rows found by header labels."""
    identity = submission.identity
    names = [n for n in book.sheet_names if n != IDENTITY_SHEET]
    named = identity.get("sheet", "")
    name = named if named in names else (names[0] if names else "")
    found = TallyBook(name)
    submission.tally = found
    for index, (key, value) in enumerate(identity.items()):
        if key.startswith(TALLY_CANDIDATES):
            award = key[len(TALLY_CANDIDATES):]
            try:
                codes = json.loads(value)
            except ValueError:
                codes = None
            # A damaged record reads as no candidates: it then differs from any run's, and is reported so.
            found.candidates[award] = [str(c) for c in codes] if isinstance(codes, list) else []
            found.candidates_cell[award] = f"B{index + 1}"
    if not name:
        return
    sheet = book.get_sheet_by_name(name)
    if sheet.height > MAX_ROWS:
        return
    cells = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)

    def at(address: str) -> Any:
        found_at = parse_address(address)
        assert found_at is not None
        row, column = found_at
        return cells[row][column] if row < len(cells) and column < len(cells[row]) else None

    place = at(TALLY_PLACE_CELL)
    found.place = clean(place if isinstance(place, str) else _plain(place))
    found.date = at(TALLY_DATE_CELL)
    labels = {key: {fold(text(lang, f"vote.column_{key}")) for lang in LANGUAGES} for key in TALLY_KEYS}
    header = _header_row(cells, labels, {"code", "present", "votes"})
    if header is None:
        return
    found.header_row, found.columns = header
    columns = found.columns
    for index in range(found.header_row + 1, len(cells)):
        line = cells[index]
        got = {key: line[column] if column < len(line) else None for key, column in columns.items()}
        code = normalise_code(got.get("code"))
        if not code:
            continue
        written: Any = got.get("award")
        found.rows.append(TallyRow(index, clean(written if isinstance(written, str) else _plain(written)), code,
                                   got.get("present"), got.get("votes"),
                                   {key: cell_address(index, column) for key, column in columns.items()}))


def _find_appraisal_header(cells: list[list[Any]], kind: str = APPRAISAL_KIND) -> tuple[int, dict[str, int]] | None:
    """The header row of a unit's appraisal table: its columns by label, in either language."""
    label_keys = {"evidence": "unit_evidence"}
    if kind == PEER_KIND:  # the scores' column is "Điểm chấm chéo"; read as the appraisal column
        label_keys |= {"appraised": "peer", "reason": "peer_note"}
    labels = {key: {fold(text(lang, f"column.{label_keys.get(key, key)}")) for lang in LANGUAGES}
              for key in APPRAISAL_KEYS}
    return _header_row(cells, labels, {"code", "appraised"})


def _header_row(cells: list[list[Any]], labels: dict[str, set[str]], required: set[str]
                ) -> tuple[int, dict[str, int]] | None:
    """The first row, among the top ones, whose cells carry the `required` labels: its columns by key."""
    for row_index, row in enumerate(cells[:MAX_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for column, value in enumerate(row):
            if isinstance(value, str) and value:
                folded = fold(value)
                for key, wanted in labels.items():
                    if folded in wanted and key not in columns:
                        columns[key] = column
        if required <= columns.keys():
            return row_index, columns
    return None


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _header_labels() -> dict[str, set[str]]:
    return {key: {fold(text(lang, label)) for lang in LANGUAGES for label in COLUMN_LABEL_KEYS[key]}
            for key in COLUMN_KEYS}


_HEADER_LABELS: dict[str, set[str]] | None = None


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The header row of the criteria table and its columns, found by label in either language."""
    global _HEADER_LABELS
    if _HEADER_LABELS is None:
        _HEADER_LABELS = _header_labels()
    return _header_row(cells, _HEADER_LABELS, {"code", "self"})


def _read_table(submission: Submission, cells: list[list[Any]], header_row: int, columns: dict[str, int],
                cell_overrides: Overrides | None = None) -> None:
    submission.header_row = header_row
    submission.columns = columns
    _read_unit_code(submission, cells, header_row)
    submission.rows = _table_rows(cells, header_row, columns, cell_overrides or {})


def _overrides_of(data: bytes, submission: Submission, sheet: str, header: tuple[int, dict[str, int]]) -> Overrides:
    """What calamine hides in the table's own columns of `sheet` (sheet.overrides)."""
    return overrides(data, submission.format or "", sheet, header[1].values())


def _table_rows(cells: list[list[Any]], header_row: int, columns: dict[str, int],
                cell_overrides: Overrides | None = None) -> list[SheetRow]:
    """The rows of the criteria table under its header whose code cell is not empty."""
    found = cell_overrides or {}

    def get(row_index: int, key: str) -> Any:
        column = columns.get(key)
        if column is None:
            return ""
        row = cells[row_index]
        raw = row[column] if column < len(row) else ""
        if not found:
            return raw
        override = found.get((row_index, column))
        # A note (an error, a bare formula, a percent) speaks for a score cell; elsewhere only a misread
        # date is corrected, so a code, a title or an evidence cell keeps the text calamine read.
        if key not in SCORE_KEYS and not isinstance(override, float):
            return raw
        return apply_override(raw, override)

    rows = []
    for row_index in range(header_row + 1, len(cells)):
        code = normalise_code(get(row_index, "code"))
        if code:
            title = get(row_index, "criterion")
            rows.append(SheetRow(
                row_index, code, clean(title) if isinstance(title, str) else _plain(title),
                get(row_index, "max"), get(row_index, "self"), get(row_index, "appraised"),
                get(row_index, "evidence"),
            ))
    return rows


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
