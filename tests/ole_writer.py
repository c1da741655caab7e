"""A minimal OLE compound-file writer ([MS-CFB] version 3), for building Outlook .msg files in tests.

olefile only reads. This writes what it and Outlook expect: 512-byte sectors, streams under 4096 bytes in
the mini stream, one FAT (no DIFAT sectors, so at most 109 FAT sectors: plenty for a test), a directory whose
siblings form a balanced binary search tree in the order [MS-CFB] 2.6.4 defines (length, then upper case).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

Tree = dict[str, "bytes | Tree"]  # a storage: name → a stream's bytes, or a storage

_SECTOR, _MINI, _CUTOFF = 512, 64, 4096
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_ROOT, _STORAGE, _STREAM = 5, 1, 2


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    size: int = 0


def compound_file(tree: Tree) -> bytes:
    """The bytes of a compound file holding `tree` under its root storage."""
    entries = [_Entry("Root Entry", _ROOT)]
    _add(entries, 0, tree)
    for entry in entries:
        entry.child = _balanced(entries, sorted(entry.children, key=lambda i: _order(entries[i].name)))

    mini = bytearray()
    minifat: list[int] = []
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(data: bytes) -> int:
        count = -(-len(data) // _SECTOR)
        first = len(sectors)
        for index in range(count):
            sectors.append(data[index * _SECTOR:(index + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
            fat.append(first + index + 1 if index + 1 < count else _END)
        return first if count else _END

    for entry in entries:
        if entry.kind != _STREAM or not entry.data:
            continue
        entry.size = len(entry.data)
        if entry.size >= _CUTOFF:
            entry.start = chain(entry.data)
        else:
            count = -(-entry.size // _MINI)
            entry.start = len(minifat)
            minifat += [len(minifat) + i + 1 if i + 1 < count else _END for i in range(count)]
            mini += entry.data.ljust(count * _MINI, b"\0")
    entries[0].start, entries[0].size = (chain(bytes(mini)), len(mini)) if mini else (_END, 0)
    minifat_start = chain(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else _END
    minifat_sectors = -(-len(minifat) * 4 // _SECTOR)
    directory = b"".join(_directory_entry(e) for e in entries)
    directory += _empty_entry() * (-len(entries) % 4)
    directory_start = chain(directory)

    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * (_SECTOR // 4):
        fat_count += 1
    fat_start = len(sectors)
    fat += [_FATSECT] * fat_count
    fat += [_FREE] * (fat_count * (_SECTOR // 4) - len(fat))
    table = b"".join(struct.pack("<I", v) for v in fat)
    sectors += [table[i * _SECTOR:(i + 1) * _SECTOR] for i in range(fat_count)]

    difat = [fat_start + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6,
        b"\0" * 6, 0, fat_count, directory_start, 0, _CUTOFF, minifat_start, minifat_sectors, _END, 0,
    ) + b"".join(struct.pack("<I", v) for v in difat)
    return header + b"".join(sectors)


def _add(entries: list[_Entry], parent: int, tree: Tree) -> None:
    for name, value in tree.items():
        entries.append(_Entry(name, _STREAM, value) if isinstance(value, bytes) else _Entry(name, _STORAGE))
        index = len(entries) - 1
        entries[parent].children.append(index)
        if not isinstance(value, bytes):
            _add(entries, index, value)


def _order(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def _balanced(entries: list[_Entry], ordered: list[int]) -> int:
    if not ordered:
        return _NOSTREAM
    middle = len(ordered) // 2
    node = entries[ordered[middle]]
    node.left = _balanced(entries, ordered[:middle])
    node.right = _balanced(entries, ordered[middle + 1:])
    return ordered[middle]


def _directory_entry(entry: _Entry) -> bytes:
    name = (entry.name + "\0").encode("utf-16-le")
    assert len(name) <= 64, entry.name
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), entry.kind, 1, entry.left, entry.right,
                       entry.child, b"\0" * 16, 0, 0, 0, entry.start, entry.size)


def _empty_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\0" * 16, 0, 0, 0,
                       0, 0)
