"""Runs `bloc-score` in a subprocess of a test with a fault the test cannot cause in its own process.

    python -m tests.fault_driver full-disk BYTES|NAME FOLDER -- ARGS…

`full-disk`: the disk under FOLDER fills up once BYTES more have been written into it (or as soon as a file
named NAME is opened there), as a real disk does: every file opened for writing there goes through a file
object whose write fails with ENOSPC past that, whichever library writes (xlsxwriter, python-docx, json,
the journal). The command then runs as
`bloc-score ARGS…` does, so what the user would see on stderr is exactly what this process prints.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sys
from pathlib import Path
from typing import Any


class FullDisk:
    """Bytes still free under one folder, shared by every file written there."""

    def __init__(self, folder: Path, free: int, full_at: str | None = None) -> None:
        self.folder = str(folder.resolve())
        self.free = free
        self.full_at = full_at

    def covers(self, file: object, mode: str) -> bool:
        if not isinstance(file, str | os.PathLike) or not any(c in mode for c in "wax+"):
            return False
        return os.path.abspath(os.fspath(file)).startswith(self.folder + os.sep)

    def install(self) -> None:
        real_open = io.open
        disk = self

        class Filling(io.FileIO):
            def write(self, data: Any) -> int:
                size = len(memoryview(data).cast("B"))
                if disk.free <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
                taken = min(size, disk.free)
                disk.free -= taken
                return super().write(memoryview(data).cast("B")[:taken])

        def fake_open(file: Any, mode: str = "r", buffering: int = -1, encoding: str | None = None,
                      errors: str | None = None, newline: str | None = None, closefd: bool = True,
                      opener: Any = None) -> Any:
            if not disk.covers(file, mode):
                return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
            if os.path.basename(os.fspath(file)) == disk.full_at:
                disk.free = 0
            raw = Filling(os.fspath(file), mode.replace("b", "").replace("t", ""))
            buffered = io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
            return buffered if "b" in mode else io.TextIOWrapper(buffered, encoding=encoding or "utf-8",
                                                                  errors=errors, newline=newline)

        builtins.open = io.open = fake_open  # type: ignore[assignment]


def main(argv: list[str]) -> None:
    mode, rest = argv[0], argv[1:]
    split = rest.index("--")
    options, command = rest[:split], rest[split + 1:]
    if mode == "full-disk":
        free = options[0]
        FullDisk(Path(options[1]), int(free) if free.isdigit() else 1 << 40, None if free.isdigit() else free).install()
    else:
        raise SystemExit(f"unknown mode {mode}")
    from pipeline.cli.main import entry

    sys.argv = ["bloc-score", *command]
    entry()


if __name__ == "__main__":
    main(sys.argv[1:])
