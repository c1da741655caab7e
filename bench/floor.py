"""The floor: python-calamine reading every cell of every sheet of the same files, and nothing else.

No checks, no parsing, no Python objects beyond what calamine hands back: the fastest any reader of
these files can be on one core. `bloc-score run` reads and checks far more; the benchmark reports how
close its reading stage comes.

Usage: python bench/floor.py INPUT_FOLDER   (prints one JSON line: files, cells, seconds)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import python_calamine


def main(argv: list[str]) -> None:
    paths = sorted(Path(argv[0]).glob("*.xlsx"))
    started = time.perf_counter()
    cells = 0
    for path in paths:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(row) for row in rows)
        book.close()
    print(json.dumps({"files": len(paths), "cells": cells, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main(sys.argv[1:])
