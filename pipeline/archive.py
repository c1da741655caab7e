"""Checks on a workbook's zip package before any reader opens it: what python-calamine would read, and how big.

Every limit is measured the way the reader will meet it: worksheet parts are found through the workbook's
relationships (not by their names), cell references are found whatever their quoting, spacing or namespace
prefix, every XML part is searched for a DTD from its first byte to its last, and the parts are inflated
in chunks, so a check never costs what it guards against.
"""

from __future__ import annotations

import contextlib
import functools
import io
import posixpath
import re
import struct
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# Safety limits, documented in the README (› Safety limits). A filled template is ~15 KB and ~50 rows.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # real workbooks compress 5–30×; bombs, thousands of times
MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_MEMBERS = 10_000

CHUNK_BYTES = 1 << 20  # parts are inflated and scanned this much at a time
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header, as zipfile reads it
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_OFFICE_DOCUMENT = "/officeDocument"
# Parts no reader parses as XML unless the workbook points a sheet at them.
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".bin",
                    ".ttf", ".odttf", ".fntdata", ".wdp", ".jfif")
_HUGE = 10**9
_SHEET_TYPES = frozenset({"worksheet", "chartsheet", "dialogsheet"})  # what an absurdly long reference counts as


@dataclass
class Verdict:
    """What the package check found: the format, or the issue code (and its parameters) that refuses it."""

    kind: str | None = None
    refusal: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def check_package(data: bytes) -> Verdict:
    """The workbook format of a zip package, or why no reader may open it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as error:
        # NotImplementedError: a damaged "version needed" or compression field (found by make fuzz)
        return Verdict(refusal="corrupt-file", params={"detail": _short(error)})
    with archive:
        if len(members) > MAX_MEMBERS or _expands_too_far(members):
            return Verdict(refusal="zip-bomb", params={"limit_mb": _mb(MAX_UNCOMPRESSED_BYTES)})
        try:
            package = _Package(archive, members, data)
            if package.duplicate is not None:
                return Verdict(refusal="duplicate-member", params={"member": package.duplicate})
            kind = package.kind()
            if kind is None or kind.startswith("not:"):
                what = kind[4:] if kind else "ZIP"
                return Verdict(refusal="not-excel", params={"kind": what})
            declares_entities, rows, columns = package.scan(kind)
            if declares_entities:
                return Verdict(refusal="xml-entities")
        except _TooComplex as error:
            return Verdict(refusal="file-too-complex", params={"limit": error.limit})
        except Exception as error:  # BadZipFile, zlib.error, EOFError, XML errors … from a damaged part
            return Verdict(refusal="corrupt-file", params={"detail": _short(error)})
    if rows > MAX_ROWS:
        return Verdict(refusal="too-many-rows", params={"rows": rows, "limit": MAX_ROWS})
    if columns > MAX_COLUMNS:
        return Verdict(refusal="too-many-columns", params={"columns": columns, "limit": MAX_COLUMNS})
    return Verdict(kind=kind)


class _TooComplex(Exception):
    """A part no real workbook has: one tag longer than a chunk, or more strings announced than it holds."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


# The shared strings' uniqueCount, which python-calamine reserves room for before reading one: 30 bytes
# changed make it ask for 96 GB and abort. Each string takes at least five bytes of the part (<si/>).
_UNIQUE_COUNT = re.compile(rb"""[\s"']uniqueCount\s*=\s*["']([0-9]+)["']""")


def _check_shared_strings(head: bytes, part_size: int) -> None:
    announced = max((int(digits[:12]) for digits in _UNIQUE_COUNT.findall(head)), default=0)
    if announced > part_size // 5 + 1:
        raise _TooComplex(f"{part_size // 5 + 1:,} shared strings")


def normalised(name: str) -> str:
    """A member name as python-calamine looks it up: case and slash direction do not matter."""
    return name.replace("\\", "/").lstrip("/").lower()


class _Package:
    def __init__(self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], data: bytes) -> None:
        self.archive, self.members, self.data = archive, members, data
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        self.duplicate: str | None = None
        self._folder: str | None = None
        for member in members:
            key = normalised(member.filename)
            if key in self.by_name and self.duplicate is None:
                self.duplicate = member.filename
            self.by_name[key] = member

    def member(self, name: str) -> zipfile.ZipInfo | None:
        return self.by_name.get(normalised(name))

    def read(self, name: str) -> bytes | None:
        member = self.member(name)
        return None if member is None else b"".join(self.chunks(member))

    def kind(self) -> str | None:
        if self.member(self.folder() + "workbook.xml") or self.member("xl/workbook.xml"):
            return "xlsm" if self.member("xl/vbaProject.bin") else "xlsx"
        if self.member("xl/workbook.bin"):
            return "xlsb"
        mimetype = self.read("mimetype")
        if mimetype is not None and mimetype.strip() == _ODS_MIMETYPE:
            return "ods"
        return "not:Word (.docx)" if self.member("word/document.xml") else None

    def folder(self) -> str:
        """The folder of the workbook part `_rels/.rels` names ("xl/" when none): newer python-calamine
        reads workbook.xml, its relationships and its sheets from there."""
        if self._folder is None:
            self._folder = "xl/"
            for _id, kind, target in self._relationships("_rels/.rels"):
                if kind.endswith(_OFFICE_DOCUMENT):
                    self._folder = posixpath.dirname(target.lstrip("/")) + "/" if "/" in target else ""
                    break
        return self._folder

    def _relationships(self, name: str) -> list[tuple[str, str, str]]:
        content = self.read(name)
        if not content or _has_doctype(content.lower()):
            return []
        found: list[tuple[str, str, str]] = []
        parser = xml.parsers.expat.ParserCreate()

        def start(tag: str, attributes: dict[str, str]) -> None:
            if tag.rpartition(":")[2] == "Relationship":
                found.append((attributes.get("Id", ""), attributes.get("Type", ""), attributes.get("Target", "")))

        parser.StartElementHandler = start
        with contextlib.suppress(xml.parsers.expat.ExpatError):  # what came before the damage still counts
            parser.Parse(content, True)
        return found

    def sheet_parts(self, kind: str) -> list[zipfile.ZipInfo]:
        """Every part a reader may parse as a worksheet: the relationships' targets, however they are written.

        A target is looked up both as python-calamine joins it (the workbook's folder + target, "../" kept)
        and as a path resolves; the parts under xl/worksheets/ are added whatever points to them.
        """
        if kind == "xlsb":
            folders, rels = ["xl/"], ["xl/_rels/workbook.bin.rels"]
        else:
            folders = sorted({self.folder(), "xl/"})
            rels = [f"{folder}_rels/workbook.xml.rels" for folder in folders]
        parts: dict[str, zipfile.ZipInfo] = {}
        for rel in dict.fromkeys(rels):
            for _id, kind_of_part, target in self._relationships(rel):
                if kind_of_part.rpartition("/")[2] not in _SHEET_TYPES and kind != "xlsb":
                    continue  # python-calamine refuses a sheet whose relationship has another type
                for folder in folders:
                    joined = target[1:] if target.startswith("/") else folder + target
                    for candidate in (joined, posixpath.normpath(joined)):
                        member = self.member(candidate)
                        if member is not None:
                            parts[member.filename] = member
        for member in self.members:
            if normalised(member.filename).startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")):
                parts[member.filename] = member
        return list(parts.values())

    def scan(self, kind: str) -> tuple[bool, int, int]:
        """Whether any XML part declares a DTD, and the rows and columns the largest sheet spans.

        A DTD anywhere in a part is the door to "billion laughs" and external entities; Excel, LibreOffice
        and WPS never write one, so refusing it loses nothing real. Images and binary parts are not searched
        unless a relationship points a sheet at them. Each part is inflated once, a chunk at a time.
        """
        sheets = set() if kind == "ods" else {m.filename for m in self.sheet_parts(kind)}
        rows = columns = 0
        for member in self.members:
            is_sheet = member.filename in sheets
            binary = member.filename.lower().endswith(_BINARY_SUFFIXES) and (kind == "xlsb" or not is_sheet)
            if binary and not is_sheet:
                continue
            extent: _XlsxExtent | _XlsbExtent | None = None
            if is_sheet:
                extent = _XlsbExtent() if kind == "xlsb" else _XlsxExtent()
            strings = kind in ("xlsx", "xlsm") and normalised(member.filename) in self._shared_strings()
            tail = b""
            for chunk in self.chunks(member):
                if strings:
                    _check_shared_strings(chunk, member.file_size)
                    strings = False
                if not binary:
                    window = tail + chunk
                    if _has_doctype(window):
                        return True, 0, 0
                    tail = window[-32:]
                if extent is not None:
                    extent.feed(chunk)
            if extent is not None:
                part_rows, part_columns = extent.result(functools.partial(self.chunks, member))
                rows, columns = max(rows, part_rows), max(columns, part_columns)
        if kind == "ods":
            rows, columns = _ods_extent(self.archive)
        return False, rows, columns

    def _shared_strings(self) -> set[str]:
        return {normalised(f"{folder}sharedStrings.xml") for folder in (self.folder(), "xl/")}

    def chunks(self, member: zipfile.ZipInfo) -> Iterator[bytes]:
        """A part's content, inflated a chunk at a time straight from the archive's bytes.

        `ZipFile.open` costs more than the inflating itself on a dozen small parts per file (bench/run.py).
        Anything unusual — encryption, another method, a damaged or truncated header — goes through zipfile
        with its own errors.
        """
        body = self._body(member)
        if body is None:
            with self.archive.open(member) as part:
                while chunk := part.read(CHUNK_BYTES):
                    yield chunk
            return
        if member.compress_type == zipfile.ZIP_STORED:
            for start in range(0, len(body), CHUNK_BYTES):
                yield bytes(body[start:start + CHUNK_BYTES])
            return
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        produced = 0
        pending: bytes | memoryview = body
        while produced < member.file_size:
            chunk = inflater.decompress(pending, CHUNK_BYTES)
            pending = inflater.unconsumed_tail
            if not chunk:
                if inflater.eof or not pending:
                    break
                continue
            produced += len(chunk)
            yield chunk
        if produced < member.file_size:
            raise zipfile.BadZipFile(f"{member.filename}: truncated")

    def _body(self, member: zipfile.ZipInfo) -> memoryview | None:
        if member.flag_bits & 0x1 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        offset = member.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > len(self.data):
            return None
        header = _LOCAL_HEADER.unpack_from(self.data, offset)
        start = offset + _LOCAL_HEADER.size + header[10] + header[11]  # after the name and the extra field
        end = start + member.compress_size
        if header[0] != b"PK\x03\x04" or end > len(self.data):
            return None
        return memoryview(self.data)[start:end]


def _has_doctype(content: bytes) -> bool:
    """A "<!DOCTYPE" or "<!ENTITY", in any case, in UTF-8 or UTF-16 (either byte order) text.

    "<!" is rare in a workbook's XML (no comments, no CDATA), so finding it and looking at the word after
    costs next to nothing; in UTF-16 each letter is followed or preceded by a zero byte.
    """
    for opener, first, step in ((b"<!", 2, 1), (b"<\x00!", 4, 2)):
        at = content.find(opener)
        while at >= 0:
            word = content[at + first:at + first + 7 * step:step].upper()
            if word == b"DOCTYPE" or word.startswith(b"ENTITY"):
                return True
            at = content.find(opener, at + 1)
    return False


# ------------------------------------------------------------------------------------ worksheet extents

# Where a cell's start tag may begin — "<c" or "…:c" (a namespace prefix), then a space, a line end, "/" or
# ">" — a superset of the cells the reader sees; and the form every spreadsheet program writes, the
# reference first, in double quotes.
_CELL_START = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL_START = re.compile(rb":c[\s/>]")
_CANONICAL_REFERENCE = re.compile(rb'<c r="([A-Za-z]*)([0-9]+)"')


class _XlsxExtent:
    """The rows and columns a sheet part makes python-calamine allocate: it builds a dense grid from the
    first cell to the last, so two cells at A1 and XFD5000 would cost it two gigabytes.

    Fast path: when every place a cell could start is a `<c r="…"` tag, each cell's place is its reference
    and the largest reference is the extent. Otherwise (another quoting, spacing, a prefix, a cell without
    reference — it follows the previous one) the part is replayed tag by tag, as the reader walks it.
    """

    def __init__(self) -> None:
        self.kept = b""
        self.starts = self.canonical = self.rows = self.columns = 0  # cell starts, and canonical cells

    def feed(self, chunk: bytes) -> None:
        window = self.kept + chunk
        cut = window.rfind(b"<")  # nothing counted contains a "<" but its first byte: no match is split
        if cut < 0:
            cut = len(window)
        if len(window) - cut > CHUNK_BYTES:
            raise _TooComplex(f"{CHUNK_BYTES // (1024 * 1024)} MB tag")  # no spreadsheet program writes one
        self._count(window[:cut])
        self.kept = window[cut:]

    def _count(self, body: bytes) -> None:
        self.starts += len(_CELL_START.findall(body)) + len(_PREFIXED_CELL_START.findall(body))
        references = _CANONICAL_REFERENCE.findall(body)
        self.canonical += len(references)
        self.rows, self.columns = _largest(references, self.rows, self.columns)

    def result(self, again: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
        self._count(self.kept)
        self.kept = b""
        if self.starts == self.canonical:
            return self.rows, self.columns
        return _replayed_extent(again())


class _XlsbExtent:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.parts.append(chunk)

    def result(self, _again: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
        return _xlsb_extent(b"".join(self.parts))


def _largest(references: list[tuple[bytes, bytes]], rows: int, columns: int) -> tuple[int, int]:
    if not references:
        return rows, columns
    for letters in {letters for letters, _digits in references}:
        columns = max(columns, _column_number(letters))
    for digits in {digits for _letters, digits in references}:
        rows = max(rows, int(digits) if len(digits) < 10 else _HUGE)
    return rows, columns


def _column_number(letters: bytes) -> int:
    if len(letters) > 6:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _replayed_extent(parts: Iterable[bytes]) -> tuple[int, int]:
    """Rows and columns, replaying the reader's walk: a row's r sets the row, a cell's r its place, a cell
    without one goes right of the previous cell; each row end moves down one and back to column A."""
    state = {"row": 0, "column": 0, "rows": 0, "columns": 0}

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        reference = attributes.get("r")
        if local == "row":
            if reference and reference.isdigit():
                state["row"] = int(reference) - 1 if len(reference) < 10 else _HUGE
        elif local == "c":
            row, column = state["row"], state["column"]
            match = re.fullmatch(r"([A-Za-z]*)([0-9]+)", reference or "")
            if match:
                column = _column_number(match.group(1).encode()) - 1
                row = int(match.group(2)) - 1 if len(match.group(2)) < 10 else _HUGE
            state["rows"] = max(state["rows"], row + 1)
            state["columns"] = max(state["columns"], column + 1)
            state["column"] = column + 1

    def end(tag: str) -> None:
        if tag.rpartition(":")[2] == "row":
            state["row"] += 1
            state["column"] = 0

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for part in parts:
        parser.Parse(part, False)
    parser.Parse(b"", True)
    return state["rows"], state["columns"]


# Records of an .xlsb sheet (MS-XLSB 2.4): a row header, then one record per cell, its column first.
_ROW_HEADER = 0x0000
_CELL_RECORDS = frozenset(range(0x0002, 0x000C))  # RK, error, bool, real, string, shared string, formulas
_MAX_XLSB_ROW = 0x0010_0000  # python-calamine stops reading a sheet at a row header past this


def _xlsb_extent(data: bytes) -> tuple[int, int]:
    """Rows and columns of an .xlsb sheet from its records, as python-calamine walks them.

    Its record buffer is reused: a record shorter than four bytes leaves the previous one's bytes in place,
    and a cell's column is read from there; so is it here.
    """
    buffer = bytearray(4)
    position = row = rows = columns = 0
    while position < len(data):
        kind = data[position]
        position += 1
        if kind & 0x80:
            if position >= len(data):
                break
            kind = (kind & 0x7F) + ((data[position] & 0x7F) << 7)
            position += 1
        size = shift = 0
        for _ in range(4):
            if position >= len(data):
                return rows, columns
            byte = data[position]
            position += 1
            size += (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        body = data[position:position + size]
        position += size
        buffer[:len(body[:4])] = body[:4]
        if kind == _ROW_HEADER:
            row = int.from_bytes(buffer[:4], "little")
            if row > _MAX_XLSB_ROW:
                break
        elif kind in _CELL_RECORDS:
            rows = max(rows, row + 1)
            columns = max(columns, int.from_bytes(buffer[:4], "little") + 1)
        elif kind == 0x0092:  # the end of the sheet's data
            break
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


def _expands_too_far(members: list[zipfile.ZipInfo]) -> bool:
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        m.file_size > 1024 * 1024 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        for m in members
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _short(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return message[:160]
