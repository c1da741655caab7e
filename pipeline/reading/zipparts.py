"""A workbook package's parts, read straight from the file's bytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def zip_members(data: bytes) -> list[zipfile.ZipInfo]:
    """The parts of the zip package `data`, as `ZipFile.infolist()` lists them (its errors included)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist()


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
