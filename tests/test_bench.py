"""The benchmark runs end to end at a tiny size, so it cannot rot. It checks that it runs, never timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import script_fixture

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


bench = script_fixture(BENCH, "bench_run")


@pytest.mark.slow
def test_the_benchmark_runs_and_saves_what_it_measured(bench, tmp_path, capsys):
    code = bench.main(["--sizes", "3", "--repeat", "1", "--no-example", "--no-province",
                       "--cache", str(tmp_path / "cache"), "--results", str(tmp_path / "results")])
    assert code == 0
    saved = json.loads(next((tmp_path / "results").glob("bench-*.json")).read_text(encoding="utf-8"))
    [size] = saved["sizes"]
    # Every program ran on the three generated files, and ours ranked them all.
    assert (size["n"], size["stages"]["output"]["units"], size["naive_sum"]["output"]["units"]) == (3, 3, 3)
    budgets = capsys.readouterr().out.split("Budgets:\n")[1].split("\n\n")[0].splitlines()
    assert len(budgets) == len(bench.targets([], None)) and all(line.split()[0] in ("ok", "MISSED", "—")
                                                                  for line in budgets)


def test_generated_inputs_are_cached(bench, tmp_path):
    first = bench.ensure_inputs(2, tmp_path)
    marker = first[0].parent / "complete"
    stamp = marker.stat().st_mtime_ns
    assert bench.ensure_inputs(2, tmp_path) == first
    assert marker.stat().st_mtime_ns == stamp
    assert len(list(first[1].glob("*.xlsx"))) == 2
