"""Reading: from the files in the input folder to raw criterion rows, without trusting anything in them.

Each file is read once into memory (its SHA-256 is taken from those very bytes), recognised by its content
rather than its name, checked against zip bombs and XML entity tricks, then handed to python-calamine.
Problems become `Issue`s; nothing here raises for a bad file, and no input is ever written to.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import python_calamine

from pipeline.cells import cell_address, parse_address
from pipeline.issues import Issue
from pipeline.labels import LANGUAGES, text
from pipeline.layout import COLUMN_KEYS, IDENTITY_SHEET, SCORE_COLUMNS, TEMPLATE_FORMAT
from pipeline.sheet import Overrides, apply_override, open_book, overrides
from pipeline.text import clean, fold, normalise_code

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})

# Safety limits, documented in the README. A filled template is ~15 KB and ~50 rows.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # real workbooks compress 5–30×; bombs, thousands of times
MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_HEADER_SEARCH_ROWS = 40
MAX_MEMBERS = 10_000
# Files worth reading in parallel: below this, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64

SCORE_KEYS = frozenset(SCORE_COLUMNS)  # the columns whose cells are scores: self, appraised
PROLOG_BYTES = 4096  # an XML part's prolog, where a DTD would have to be
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header, as zipfile reads it
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_STRAY_NAMES = {"desktop.ini": "desktop.ini", "thumbs.db": "Thumbs.db", ".ds_store": ".DS_Store"}
# The folder's own note (input/README.txt says what to put there) and git's placeholder: not worth a line.
_FOLDER_NOTES = frozenset({"readme.txt", "readme.md", ".gitkeep"})


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
    format: str | None = None  # xlsx, xlsm, xls, ods
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

    @property
    def readable(self) -> bool:
        return self.header_row is not None

    def issue(self, code: str, **kwargs: Any) -> None:
        self.issues.append(Issue(code, file=self.file, **kwargs))


def display_name(path: Path, root: Path) -> str:
    """The name shown to users: relative, forward slashes, NFC (macOS hands out NFD names)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return unicodedata.normalize("NFC", relative.as_posix())


def discover(folder: Path) -> tuple[list[Path], list[Issue]]:
    """The spreadsheet files directly inside `folder`, and an info line for everything skipped."""
    files: list[Path] = []
    issues: list[Issue] = []
    for entry in sorted(folder.iterdir(), key=lambda p: unicodedata.normalize("NFC", p.name)):
        name = display_name(entry, folder)
        lower = unicodedata.normalize("NFC", entry.name).casefold()
        if lower in _FOLDER_NOTES and entry.is_file():
            continue
        stray = _stray_kind(lower)
        if stray:
            issues.append(Issue("stray-file", file=name, params={"what": stray}))
        elif entry.is_dir():
            if entry.suffix.casefold() in SPREADSHEET_SUFFIXES:
                issues.append(Issue("not-a-file", file=name))
            else:
                issues.append(Issue("stray-file", file=name, params={"what": "folder"}))
        elif entry.suffix.casefold() in SPREADSHEET_SUFFIXES:
            files.append(entry)
        else:
            issues.append(Issue("not-a-spreadsheet", file=name))
    return files, issues


def _stray_kind(lower_name: str) -> str | None:
    if lower_name.startswith("~$"):
        return "Excel lock file (~$…)"
    if lower_name.startswith(".~lock."):
        return "LibreOffice lock file (.~lock…#)"
    if lower_name.startswith("._"):
        return "macOS metadata (._…)"
    if lower_name in _STRAY_NAMES:
        return _STRAY_NAMES[lower_name]
    if lower_name.startswith("."):
        return "hidden file"
    return None


def read_submissions(paths: Iterable[Path], root: Path, *, workers: int | None = None,
                     on_read: Callable[[int], None] | None = None) -> list[Submission]:
    """Read every file; in parallel worker processes when there are many. `on_read(done)` follows along."""
    paths = list(paths)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(paths) >= PARALLEL_THRESHOLD else 1
    if workers <= 1:
        results = (read_submission(p, root) for p in paths)
        return _counted(results, on_read)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return _counted(pool.map(read_submission, paths, [root] * len(paths), chunksize=16), on_read)


def _counted(submissions: Iterable[Submission], on_read: Callable[[int], None] | None) -> list[Submission]:
    read: list[Submission] = []
    for submission in submissions:
        read.append(submission)
        if on_read is not None:
            on_read(len(read))
    return read


def read_submission(path: Path, root: Path) -> Submission:
    """Read one file; never raises for what the file contains."""
    submission = Submission(display_name(path, root))
    try:
        stat = path.stat()
    except OSError as error:
        submission.issue("corrupt-file", params={"detail": error.strerror or str(error)})
        return submission
    submission.size = stat.st_size
    submission.modified = stat.st_mtime
    if stat.st_size == 0:
        submission.issue("empty-file")
        return submission
    if stat.st_size > MAX_FILE_BYTES:
        submission.issue("file-too-large", params={"size_mb": _mb(stat.st_size), "limit_mb": _mb(MAX_FILE_BYTES)})
        submission.sha256 = _hash_file(path)
        return submission
    try:
        data = path.read_bytes()
    except OSError as error:
        submission.issue("corrupt-file", params={"detail": error.strerror or str(error)})
        return submission
    submission.sha256 = hashlib.sha256(data).hexdigest()
    read_workbook(submission, data)
    return submission


def read_workbook(submission: Submission, data: bytes) -> None:
    """Fill `submission` from the bytes of a workbook (a file today, an e-mail attachment tomorrow)."""
    kind = _sniff(submission, data)
    if kind is None:
        return
    submission.format = kind
    submission.saved_at = saved_at(data, kind)
    if kind in ("xls", "ods"):
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
    if head.startswith(b"%pdf"):
        kind = "PDF"
    elif head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        kind = "HTML/XML"  # web systems often export "Excel" files that are really HTML tables
    elif b"\0" not in data[:1024] and data[:1024].decode("utf-8", errors="replace").count("\ufffd") <= 1:
        kind = "text"  # a CSV or a text file renamed .xlsx
    else:
        kind = "?"
    submission.issue("not-excel", params={"kind": kind})
    return None


def _sniff_zip(submission: Submission, data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as error:
        # NotImplementedError: a damaged "version needed" or compression field (found by make fuzz)
        submission.issue("corrupt-file", params={"detail": _short(error)})
        return None
    with archive:
        names = {m.filename for m in members}
        if len(members) > MAX_MEMBERS or _expands_too_far(members):
            submission.issue("zip-bomb", params={"limit_mb": _mb(MAX_UNCOMPRESSED_BYTES)})
            return None
        if "xl/workbook.xml" in names:
            kind = "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
        elif "mimetype" in names and _mimetype(archive) == _ODS_MIMETYPE:
            kind = "ods"
        elif "xl/workbook.bin" in names:
            submission.issue("not-excel", params={"kind": "Excel binary (.xlsb)"})
            return None
        else:
            what = "Word (.docx)" if "word/document.xml" in names else "ZIP"
            submission.issue("not-excel", params={"kind": what})
            return None
        try:
            if _declares_entities(archive, members, data):
                submission.issue("xml-entities")
                return None
            extent = _ods_extent(archive) if kind == "ods" else _xlsx_extent(archive, members)
        except Exception as error:  # zlib.error, EOFError, XML errors … from a truncated or damaged part
            submission.issue("corrupt-file", params={"detail": _short(error)})
            return None
    rows, columns = extent
    if rows > MAX_ROWS:
        submission.issue("too-many-rows", params={"rows": rows, "limit": MAX_ROWS})
        return None
    if columns > MAX_COLUMNS:
        submission.issue("too-many-columns", params={"columns": columns, "limit": MAX_COLUMNS})
        return None
    return kind


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    """An OpenDocument package's first member; a damaged one is no OpenDocument file (found by make fuzz)."""
    try:
        return archive.read("mimetype")[:200].strip()
    except Exception:  # zlib.error, BadZipFile, NotImplementedError … from a damaged member
        return b""


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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = archive.getinfo(part)
            if member.file_size > _SAVED_AT_MAX_BYTES:
                return None
            found = _SAVED_AT[part].search(archive.read(member))
    except Exception:  # KeyError (no such part), BadZipFile, zlib.error …: the time is then unknown
        return None
    return found[1].decode("ascii") if found else None


# Loose on purpose (make fuzz found r='…', r = "…" and ten-digit rows slipping past a strict pattern into
# calamine, which then asked for a terabyte): any length, either quote, spaces around "=".
_CELL_REFERENCE = re.compile(rb"<c\b[^>]*?\br\s*=\s*[\"']\s*([A-Za-z]*)([0-9]*)")
_ROW_REFERENCE = re.compile(rb"<row\b[^>]*?\br\s*=\s*[\"']\s*([0-9]*)")


def _xlsx_extent(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> tuple[int, int]:
    """The rows and columns the largest sheet spans, from its XML, before any reader allocates them.

    calamine builds a dense grid from the first to the last cell: two cells at A1 and XFD5000 would cost it
    two gigabytes. Cells without a reference follow the previous one, so counting them bounds the rest.
    """
    rows = columns = 0
    for member in members:
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        part = archive.read(member)
        unreferenced = part.count(b"<c>") + part.count(b"<c/>")
        for letters, digits in _CELL_REFERENCE.findall(part):
            column = 0
            for letter in letters[:8].upper():
                column = column * 26 + letter - 64
            columns = max(columns, column)
            rows = max(rows, int(digits[:12] or 0))
        for digits in _ROW_REFERENCE.findall(part):
            rows = max(rows, int(digits[:12] or 0))
        rows = max(rows, part.count(b"<row"))
        columns = max(columns, unreferenced)
    return rows, columns


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_extent(archive: zipfile.ZipFile) -> tuple[int, int]:
    """Rows and columns up to the last non-empty cell of any sheet of an .ods file.

    LibreOffice pads every row with thousands of repeated empty cells, which readers skip; only repeats
    that come before content make a reader allocate them.
    """
    from defusedxml.ElementTree import iterparse

    rows = columns = row_index = column_index = 0
    row_has_content = False
    with archive.open("content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == f"{_ODS_TABLE}table" and event == "start":
                row_index = 0
            elif tag == f"{_ODS_TABLE}table-row" and event == "start":
                column_index, row_has_content = 0, False
            elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell") and event == "end":
                repeat = int(element.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                if len(element) or element.attrib.keys() - {f"{_ODS_TABLE}number-columns-repeated",
                                                             f"{_ODS_TABLE}style-name"}:
                    columns = max(columns, column_index + repeat)
                    row_has_content = True
                column_index += repeat
                element.clear()
            elif tag == f"{_ODS_TABLE}table-row" and event == "end":
                repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                row_index += repeat
                if row_has_content:
                    rows = max(rows, row_index)
                element.clear()
    return rows, columns


def _part_head(data: bytes, member: zipfile.ZipInfo, size: int) -> bytes | None:
    """The first `size` bytes of a plainly stored or deflated part, straight from the archive's bytes.

    `ZipFile.open` costs more than the inflating itself on a dozen small parts per file, about a third of
    reading a submission (bench/run.py). Anything unusual — encryption, another method, a damaged or
    truncated header — returns None, and the caller takes zipfile's path with its own error messages.
    """
    if member.flag_bits & 0x1 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    offset = member.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return None
    header = _LOCAL_HEADER.unpack_from(data, offset)
    start = offset + _LOCAL_HEADER.size + header[10] + header[11]  # after the name and the extra field
    end = start + member.compress_size
    if header[0] != b"PK\x03\x04" or end > len(data):
        return None
    body = memoryview(data)[start:end]
    if member.compress_type == zipfile.ZIP_STORED:
        return bytes(body[:size])
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    head = inflater.decompress(body, size)
    if len(head) < min(size, member.file_size) and not inflater.eof:
        return None
    return head


def _expands_too_far(members: list[zipfile.ZipInfo]) -> bool:
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        m.file_size > 1024 * 1024 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        for m in members
    )


def _declares_entities(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], data: bytes) -> bool:
    """True when an XML part declares a DTD: the door to "billion laughs" and external entities.

    Excel, LibreOffice and WPS never write one, so refusing the file loses nothing real. The prolog sits
    at the start of a part, so a few kilobytes of each are enough.
    """
    for member in members:
        if member.filename.endswith((".xml", ".rels", ".vml")):
            head = _part_head(data, member, PROLOG_BYTES)
            if head is None:
                with archive.open(member) as part:
                    head = part.read(PROLOG_BYTES)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                return True
    return False


# ---------------------------------------------------------------------------------- reading the sheets

def _read_book(submission: Submission, book: python_calamine.CalamineWorkbook, data: bytes) -> None:
    names = list(book.sheet_names)
    if IDENTITY_SHEET in names:
        submission.identity = _read_identity(book.get_sheet_by_name(IDENTITY_SHEET))
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
            submission.other_tables[name] = _table_rows(cells, *header, overrides(data, submission.format or "", name))
            continue
        submission.sheet = name
        if expected and name != expected:
            submission.issue("sheet-renamed", sheet=name, params={"expected": expected})
        _read_table(submission, cells, *header, overrides(data, submission.format or "", name))
    if submission.sheet is None and not any(i.code == "too-many-rows" for i in submission.issues):
        columns = " | ".join(text(lang, f"column.{k}") for lang in LANGUAGES for k in ("code", "self"))
        submission.issue("not-a-template", params={"columns": columns})


def _read_identity(sheet: python_calamine.CalamineSheet) -> dict[str, str]:
    identity: dict[str, str] = {}
    for row in sheet.to_python(skip_empty_area=False, nrows=100):
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            value = row[1]
            identity[row[0].strip()] = clean(value if isinstance(value, str) else _plain(value))
    if identity.get("format") != TEMPLATE_FORMAT:
        return {}
    return identity


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _header_labels() -> dict[str, set[str]]:
    return {key: {fold(text(lang, f"column.{key}")) for lang in LANGUAGES} for key in COLUMN_KEYS}


_HEADER_LABELS: dict[str, set[str]] | None = None


def _find_header(cells: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The header row of the criteria table and its columns, found by label in either language."""
    global _HEADER_LABELS
    if _HEADER_LABELS is None:
        _HEADER_LABELS = _header_labels()
    for row_index, row in enumerate(cells[:MAX_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for column, value in enumerate(row):
            if isinstance(value, str) and value:
                folded = fold(value)
                for key, labels in _HEADER_LABELS.items():
                    if folded in labels and key not in columns:
                        columns[key] = column
        if "code" in columns and "self" in columns:
            return row_index, columns
    return None


def _read_table(submission: Submission, cells: list[list[Any]], header_row: int, columns: dict[str, int],
                cell_overrides: Overrides | None = None) -> None:
    submission.header_row = header_row
    submission.columns = columns
    _read_unit_code(submission, cells, header_row)
    submission.rows = _table_rows(cells, header_row, columns, cell_overrides or {})


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


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _short(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return message[:160]
