"""The benchmark runs end to end at a tiny size, so it cannot rot. It asserts what it prints, never timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import script_fixture

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


bench = script_fixture(BENCH, "bench_run")


@pytest.mark.slow
def test_benchmark_prints_the_table(bench, tmp_path, capsys):
    code = bench.main(["--sizes", "3", "--repeat", "1", "--cache", str(tmp_path / "cache"),
                       "--results", str(tmp_path / "results")])
    out = capsys.readouterr().out
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("N "))
    assert header.split() == ["N", "ours", "s", "ours/s", "naive", "s", "naive/s", "floor", "s", "floor/s",
                              "ours÷naive", "ours÷floor", "read÷floor", "peak", "MB"]
    row = next(line for line in out.splitlines() if line.startswith("3 "))
    assert len(row.split()) == 11
    for stage in ("read", "validate", "score and rank", "write workbook", "write JSON", "end to end (CLI)"):
        assert any(line.startswith(stage) for line in out.splitlines()), stage
    assert "Targets:" in out
    assert "`bloc-score --help` under 0.3 s" in out
    saved = json.loads(next((tmp_path / "results").glob("bench-*.json")).read_text(encoding="utf-8"))
    assert [size["n"] for size in saved["sizes"]] == [3]
    assert saved["sizes"][0]["stages"]["output"]["units"] == 3


def test_generated_inputs_are_cached(bench, tmp_path):
    first = bench.ensure_inputs(2, tmp_path)
    marker = first[0].parent / "complete"
    stamp = marker.stat().st_mtime_ns
    assert bench.ensure_inputs(2, tmp_path) == first
    assert marker.stat().st_mtime_ns == stamp
    assert len(list(first[1].glob("*.xlsx"))) == 2
