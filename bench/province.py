"""A province for the benchmark: 40 blocs of 25 units, each bloc with a criteria table of its own, every
bloc a working folder of filled submissions (`bloc-score province` reads and scores all 1,000 files).

    python bench/province.py [--cache DIR]     # build it (once, cached) and time `bloc-score province` once

bench/run.py measures it with the other budgets (docs/performance.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # a fresh clone runs without installing the package first
    sys.path.insert(0, str(ROOT))

BLOCS = 40
UNITS = 25
YEAR = 2024
FOLDER = f"province-{BLOCS}x{UNITS}-v1"  # a new name when what is generated changes: the cache never goes stale


def criteria_of(bloc: int) -> int:
    """Each bloc its own table: from 20 to 59 criteria, so no two blocs of the 40 have the same."""
    return 20 + bloc % 40


def ensure_province(cache: Path) -> Path:
    """The province folder (province.yaml and 40 working folders), generated once and then reused."""
    from pipeline.forms.synthetic import random_profiles, synthetic_rules_yaml, write_submissions
    from pipeline.rules.load import parse_rules

    root = cache / FOLDER
    if (root / "province.yaml").is_file():
        return root
    building = cache / f".{FOLDER}-building"
    shutil.rmtree(building, ignore_errors=True)
    blocs = []
    for bloc in range(1, BLOCS + 1):
        name = f"Khối thi đua số {bloc:02d} (dữ liệu thử)"
        text = synthetic_rules_yaml(UNITS, criteria_of(bloc), year=YEAR)
        text = text.replace("bloc: Khối thi đua tổng hợp (dữ liệu thử)", f"bloc: {name}", 1)
        folder = building / f"khoi-{bloc:02d}"
        (folder / "schemas").mkdir(parents=True)
        (folder / "bloc").mkdir()
        (folder / "schemas" / "rules.yaml").write_text(text, encoding="utf-8")
        rules = parse_rules(text)
        write_submissions(rules, random_profiles(rules, seed=bloc), folder / "input", seed=bloc)
        blocs.append(f"  - {{code: K{bloc:02d}, name: \"{name}\", folder: khoi-{bloc:02d}}}")
    (building / "province.yaml").write_text("\n".join([
        "province: Tỉnh ủy (dữ liệu thử)", "board: Ban Thi đua - Khen thưởng tỉnh", f"year: {YEAR}", "blocs:",
        *blocs, "awards:", "  province_flag: {label: Cờ thi đua của tỉnh, from: [flag], count: 60}",
        "  government_flag: {label: Cờ thi đua của Chính phủ, from: [province_flag], share: 0.2, "
        "share_of: eligible}", "  merit: {label: Bằng khen của tỉnh, from: [merit], count: 400}", ""]),
        encoding="utf-8")
    building.rename(root)
    return root


def command(folder: Path, out: Path) -> list[str]:
    """`bloc-score province` as a user types it, in a fresh process."""
    return [sys.executable, "-m", "pipeline", "province", str(folder), "--out", str(out), "--quiet"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=BENCH / ".cache")
    args = parser.parse_args(argv)
    from bench.run import spawn

    folder = ensure_province(args.cache)
    with tempfile.TemporaryDirectory() as out:
        measured = spawn(command(folder, Path(out)), allowed_exit=(0, 1))
    print(f"province of {BLOCS} blocs × {UNITS} units: {measured.seconds:.2f} s, peak {measured.peak_mb or 0:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
