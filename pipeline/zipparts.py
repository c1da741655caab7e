"""A workbook package's list of parts, read once per file however many readers look into it."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

# The last file's bytes and its parts. The package check, the save time and the second reading of each
# sheet all need the list; parsing the zip's central directory three times cost 0.5 ms a file.
_last: tuple[bytes, list[zipfile.ZipInfo]] | None = None


# And the parts of that file the package check has inflated already, by (name, offset): the second reading
# of a sheet and the save time read them again. Only small parts are kept, up to KEPT_BYTES a file.
_kept: dict[tuple[str, int], bytes] = {}
_kept_bytes = 0
KEPT_BYTES = 4 * 1024 * 1024


def zip_members(data: bytes) -> list[zipfile.ZipInfo]:
    """The parts of the zip package `data`, as `ZipFile.infolist()` lists them (its errors included)."""
    global _last, _kept_bytes
    if _last is not None and _last[0] is data:
        return _last[1]
    _last = None
    _kept.clear()
    _kept_bytes = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    _last = (data, members)
    return members


def keep(data: bytes, member: zipfile.ZipInfo, content: bytes) -> None:
    """Remember a part of the current file, inflated whole, for `read_member` to hand out again."""
    global _kept_bytes
    if _last is None or _last[0] is not data or len(content) != member.file_size \
            or _kept_bytes + len(content) > KEPT_BYTES:
        return
    _kept[(member.filename, member.header_offset)] = content
    _kept_bytes += len(content)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The package as `zipfile` opens it: for what the fast paths leave to zipfile's own checks."""
    return zipfile.ZipFile(io.BytesIO(data))


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header


def read_member(data: bytes, member: zipfile.ZipInfo) -> bytes:
    """A part's content, inflated straight from the package's bytes.

    `ZipFile.read` opens a stream per member, which costs more than inflating these small parts; every file
    takes this way, falling back to zipfile on anything unusual (encryption, another method, a damaged
    header), which keeps zipfile's checks and errors. No CRC check here: calamine reads these very parts
    too, and a damaged one only costs the reading that asked for it.
    """
    if _last is not None and _last[0] is data:
        kept = _kept.get((member.filename, member.header_offset))
        if kept is not None:
            return kept
    offset = member.header_offset
    if member.flag_bits & 0x1 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return _read_with_zipfile(data, member)
    header = _LOCAL_HEADER.unpack_from(data, offset)
    start = offset + _LOCAL_HEADER.size + header[10] + header[11]
    end = start + member.compress_size
    if header[0] != b"PK\x03\x04" or end > len(data):
        return _read_with_zipfile(data, member)
    body = data[start:end]
    if member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        body = inflater.decompress(body, member.file_size + 1)
        if len(body) != member.file_size or not inflater.eof:
            return _read_with_zipfile(data, member)
    elif len(body) != member.file_size:
        return _read_with_zipfile(data, member)
    return body


def _read_with_zipfile(data: bytes, member: zipfile.ZipInfo) -> bytes:
    with open_zip(data) as archive:
        return archive.read(member)
