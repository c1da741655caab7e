"""Checks on a workbook's zip package before any reader opens it: what python-calamine would read, and how big.

Every limit is measured the way the reader will meet it: worksheet parts are found through the workbook's
relationships (not by their names), cell references are found whatever their quoting, spacing or namespace
prefix, every XML part is searched for a DTD from its first byte to its last, and the parts are inflated
in chunks, so a check never costs what it guards against.
"""

from __future__ import annotations

import contextlib
import functools
import posixpath
import re
import struct
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.labels import Label
from pipeline.reading.extents import CHUNK_BYTES, TooComplex, XlsbExtent, XlsxExtent, ods_extent
from pipeline.reading.zipparts import open_zip, zip_members

# Safety limits, documented in the README (› Safety limits). A filled template is ~15 KB and ~50 rows.
MAX_FILE_BYTES = 20 * 1024 * 1024  # a workbook, whether a file of the input folder or an e-mail's attachment
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # real workbooks compress 5–30×; bombs, thousands of times
MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_MEMBERS = 10_000

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header, as zipfile reads it
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_OFFICE_DOCUMENT = "/officeDocument"
# Parts no reader parses as XML unless the workbook points a sheet at them.
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".bin",
                    ".ttf", ".odttf", ".fntdata", ".wdp", ".jfif")
_SHEET_TYPES = frozenset({"worksheet", "chartsheet", "dialogsheet"})  # what an absurdly long reference counts as


@dataclass
class Verdict:
    """What the package check found: the format, or the issue code (and its parameters) that refuses it."""

    kind: str | None = None
    refusal: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    members: list[zipfile.ZipInfo] = field(default_factory=list)  # the parts listed, for the readings after it


def check_package(data: bytes) -> Verdict:
    """The workbook format of a zip package, or why no reader may open it."""
    try:
        members = zip_members(data)
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as error:
        # NotImplementedError: a damaged "version needed" or compression field (found by make fuzz)
        # The usual case, a zip header with no zip behind it, is said in the reader's language.
        not_zip = isinstance(error, zipfile.BadZipFile) and "not a zip file" in str(error)
        return Verdict(refusal="corrupt-file",
                       params={"detail": Label("file_kind.not_zip") if not_zip else _short(error)})
    package = _Package(members, data)
    with contextlib.closing(package):
        if len(members) > MAX_MEMBERS or expands_too_far(members):
            return Verdict(refusal="zip-bomb", params={"limit_mb": _mb(MAX_UNCOMPRESSED_BYTES)})
        try:
            if package.duplicate is not None:
                return Verdict(refusal="duplicate-member", params={"member": package.duplicate})
            kind = package.kind()
            if kind is None or kind.startswith("not:"):
                what = kind[4:] if kind else "ZIP"
                return Verdict(refusal="not-excel", params={"kind": what})
            declares_entities, rows, columns = package.scan(kind)
            if declares_entities:
                return Verdict(refusal="xml-entities")
        except TooComplex as error:
            return Verdict(refusal="file-too-complex", params={"limit": error.limit})
        except Exception as error:  # BadZipFile, zlib.error, EOFError, XML errors … from a damaged part
            return Verdict(refusal="corrupt-file", params={"detail": _short(error)})
    if rows > MAX_ROWS:
        return Verdict(refusal="too-many-rows", params={"rows": rows, "limit": MAX_ROWS})
    if columns > MAX_COLUMNS:
        return Verdict(refusal="too-many-columns", params={"columns": columns, "limit": MAX_COLUMNS})
    return Verdict(kind=kind, members=members)


# The shared strings' uniqueCount, which python-calamine reserves room for before reading one: 30 bytes
# changed make it ask for 96 GB and abort. Each string takes at least five bytes of the part (<si/>).
_UNIQUE_COUNT = re.compile(rb"""[\s"']uniqueCount\s*=\s*["']([0-9]+)["']""")


def _check_shared_strings(head: bytes, part_size: int) -> None:
    announced = max((int(digits[:12]) for digits in _UNIQUE_COUNT.findall(head)), default=0)
    if announced > part_size // 5 + 1:
        raise TooComplex(f"{part_size // 5 + 1:,} shared strings")


def normalised(name: str) -> str:
    """A member name as python-calamine looks it up: case and slash direction do not matter."""
    return name.replace("\\", "/").lstrip("/").lower()


_SMALL_PART_BYTES = 64 * 1024  # _rels/.rels and mimetype: a few hundred bytes in every real package


def package_kind(archive: zipfile.ZipFile) -> str | None:
    """The workbook format of a zip package opened from a file (xlsx, xlsm, xlsb, ods), None for any other
    package (a .docx, a .zip of files): the very decision `check_package` makes, for a file looked at before it
    is read. Only the table of contents and two parts of a few hundred bytes are read (_rels/.rels, mimetype);
    either one larger than real ones ever are counts as absent."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return None
    kind = _Package(members, b"", archive, max_part=_SMALL_PART_BYTES).kind()
    return None if kind is None or kind.startswith("not:") else kind


class _Package:
    def __init__(self, members: list[zipfile.ZipInfo], data: bytes, archive: zipfile.ZipFile | None = None, *,
                 max_part: int | None = None) -> None:
        self.members, self.data = members, data
        self._archive: zipfile.ZipFile | None = archive  # without `data`, every part is read through it
        self.max_part = max_part
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        self.duplicate: str | None = None
        self._folder: str | None = None
        for member in members:
            key = normalised(member.filename)
            if key in self.by_name and self.duplicate is None:
                self.duplicate = member.filename
            self.by_name[key] = member

    @property
    def archive(self) -> zipfile.ZipFile:
        """zipfile's own reading, opened only for what the fast paths leave to it."""
        if self._archive is None:
            self._archive = open_zip(self.data)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def member(self, name: str) -> zipfile.ZipInfo | None:
        return self.by_name.get(normalised(name))

    def read(self, name: str) -> bytes | None:
        member = self.member(name)
        if member is None or (self.max_part is not None and member.file_size > self.max_part):
            return None
        return b"".join(self.chunks(member))

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
        shared_strings = self._shared_strings()
        rows = columns = 0
        for member in self.members:
            is_sheet = member.filename in sheets
            binary = member.filename.lower().endswith(_BINARY_SUFFIXES) and (kind == "xlsb" or not is_sheet)
            if binary and not is_sheet:
                continue
            extent: XlsxExtent | XlsbExtent | None = None
            if is_sheet:
                extent = XlsbExtent() if kind == "xlsb" else XlsxExtent()
            strings = kind in ("xlsx", "xlsm") and normalised(member.filename) in shared_strings
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
            rows, columns = ods_extent(self.archive)
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

    "!" is rare in a workbook's XML (no comments, no CDATA), so each one is found with a single fast byte
    search and the bytes around it looked at: "<" just before it (UTF-8), or "<" and a zero byte (UTF-16,
    where each letter is followed or preceded by a zero byte). Searching for "<!" instead stops at every tag.
    """
    at = content.find(b"!")
    while at >= 0:
        if at >= 1 and content[at - 1] == 0x3C:  # "<!"
            word = content[at + 1:at + 8].upper()
        elif at >= 2 and content[at - 2:at] == b"<\x00":
            word = content[at + 2:at + 16:2].upper()
        else:
            word = b""
        if word == b"DOCTYPE" or word.startswith(b"ENTITY"):
            return True
        at = content.find(b"!", at + 1)
    return False


def expands_too_far(members: list[zipfile.ZipInfo]) -> bool:
    """More than the limits let a package (or a zip attached to an e-mail) inflate to."""
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
