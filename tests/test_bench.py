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
    code = bench.main(["--sizes", "3", "--criteria", "20,26", "--repeat", "1", "--cache", str(tmp_path / "cache"),
                       "--results", str(tmp_path / "results")])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert "=== Submissions of 20 criteria ===" in lines and "=== Submissions of 26 criteria ===" in lines
    headers = [line for line in lines if line.startswith("N ")]
    assert len(headers) == 2  # one table per table size
    assert headers[0].split() == ["N", "ours", "s", "ours/s", "naive", "s", "naive/s", "sum", "s", "floor", "s",
                                  "floor/s", "ours÷naive", "ours÷sum", "ours÷floor", "read÷floor", "peak", "MB"]
    rows = [line for line in lines if line.startswith("3 ")]
    assert len(rows) == 2 and all(len(row.split()) == 13 for row in rows)
    for stage in ("read", "validate", "score and rank", "write workbook", "JSON, documents: beyond it",
                  "end to end (CLI)"):
        assert any(line.startswith(stage) for line in lines), stage
    example = next(line for line in lines if line.strip().startswith("bloc-score run"))
    assert "imports alone" in example and "above them" in example
    targets = out.split("Targets:")[1]
    for target in ("20 criteria, N=1,000 end to end ≥ 5× reading and summing with pandas",
                   "the example end to end ≤ 0.25 s above importing pandas + pandera",
                   "`bloc-score --help` under 0.3 s"):
        assert target in targets
    # Sizes it did not measure say so rather than pass.
    assert "not measured" in targets and "run with --big" in targets
    saved = json.loads(next((tmp_path / "results").glob("bench-*.json")).read_text(encoding="utf-8"))
    assert [(size["n"], size["criteria"]) for size in saved["sizes"]] == [(3, 20), (3, 26)]
    assert saved["sizes"][0]["stages"]["output"]["units"] == 3
    assert saved["sizes"][0]["naive_sum"]["output"]["units"] == 3
    assert len(saved["example"]["runs"]) == len(saved["example"]["imports"]) == bench.EXAMPLE_RUNS


def test_generated_inputs_are_cached(bench, tmp_path):
    first = bench.ensure_inputs(2, tmp_path)
    marker = first[0].parent / "complete"
    stamp = marker.stat().st_mtime_ns
    assert bench.ensure_inputs(2, tmp_path) == first
    assert marker.stat().st_mtime_ns == stamp
    assert len(list(first[1].glob("*.xlsx"))) == 2
