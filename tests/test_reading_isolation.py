"""A file that crashes, exhausts or hangs the reader costs that file only: the other units are ranked.

Each test hands `run` a reader (tests/hostile_readers.py) that misbehaves on unit A's file inside a worker
process, as python-calamine can on a hostile workbook, and checks the file is named with its code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipeline import isolation
from pipeline.errors import ExitCode
from pipeline.layout import template_filename
from pipeline.run import RunResult, run
from pipeline.write import write_outputs
from tests import builders, hostile_readers
from tests.conftest import FULL_SMALL, rules_from, values

RULES = rules_from()
GOOD = values(**FULL_SMALL)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the address-space limit is enforced on Linux only (README › Safety limits)")


@pytest.fixture
def folder(tmp_path) -> Path:
    """Good files for units A, B, C and D; A's is the one the hostile readers pick on."""
    inbox = tmp_path / "input"
    builders.template_for(RULES, "A", inbox / hostile_readers.VICTIM, GOOD)
    for code in ("B", "C", "D"):
        builders.template_for(RULES, code, inbox / template_filename(RULES, RULES.unit(code)), GOOD)
    return inbox


def only(result: RunResult, code: str):
    hits = [i for i in result.issues if i.code == code]
    assert len(hits) == 1, [(i.code, i.file, i.params) for i in result.issues]
    return hits[0]


def assert_a_lost_the_rest_ranked(result: RunResult, code: str):
    issue = only(result, code)
    assert issue.file == hostile_readers.VICTIM and issue.unit == "A"
    assert result.status == {"A": "invalid", "B": "scored", "C": "scored", "D": "scored"}
    assert [r.unit_code for r in result.ranked] == ["B", "C", "D"]
    assert result.exit_code == ExitCode.PROBLEMS  # ranked, but provisional
    return issue


@pytest.mark.parametrize("workers", [1, 2])
def test_a_native_crash_costs_its_file_only(folder, workers):
    result = run(RULES, folder, workers=workers, reader=hostile_readers.abort)
    issue = assert_a_lost_the_rest_ranked(result, "reader-crashed")
    assert issue.params["detail"] == "SIGABRT"


def test_the_crashed_file_is_still_accounted_for(folder, tmp_path):
    result = run(RULES, folder, workers=1, reader=hostile_readers.abort)
    write_outputs(result, tmp_path / "output")
    data = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    inputs = {entry["file"]: entry for entry in data["inputs"]}
    assert inputs[hostile_readers.VICTIM]["outcome"] == "refused"
    assert inputs[hostile_readers.VICTIM]["sha256"] == builders.sha256(folder / hostile_readers.VICTIM)
    assert sorted(entry["outcome"] for entry in data["inputs"]) == ["refused", "used", "used", "used"]
    assert data["provisional"] is True


@linux_only
def test_a_runaway_allocation_hits_the_workers_limit(folder):
    result = run(RULES, folder, workers=1, reader=hostile_readers.allocate)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"] == f"{isolation.READ_MEMORY_LIMIT // (1024 * 1024)} MB"


@linux_only
def test_calamine_asked_for_a_sheet_to_xfd1048576_aborts_in_its_worker(folder, tmp_path):
    # The issue's first hostile file: single-quoted references the old extent regex did not see.
    sheet = ("<?xml version='1.0'?><worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
             "<sheetData><row r='1'><c r='A1' t='n'><v>1</v></c></row>"
             "<row r='1048576'><c r='XFD1048576' t='n'><v>1</v></c></row></sheetData></worksheet>")
    victim = folder / hostile_readers.VICTIM
    builders._replace_part(victim, victim, "xl/worksheets/sheet1.xml", sheet.encode())
    result = run(RULES, folder, workers=1, reader=hostile_readers.unchecked)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"].endswith("MB")


@pytest.mark.slow
def test_a_hang_is_cut_at_the_time_limit(folder, monkeypatch):
    monkeypatch.setattr(isolation, "READ_TIME_LIMIT", 1.0)
    result = run(RULES, folder, workers=2, reader=hostile_readers.hang)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"] == "1 s"


def test_a_bug_in_the_program_is_not_blamed_on_the_file(folder):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        run(RULES, folder, workers=1, reader=hostile_readers.bug)


def test_reading_in_workers_equals_reading_in_process(folder):
    isolated, in_process = run(RULES, folder, workers=2), run(RULES, folder, workers=0)
    assert [(r.unit_code, r.score.total_exact) for r in isolated.ranked] == \
           [(r.unit_code, r.score.total_exact) for r in in_process.ranked]
    assert isolated.issues == in_process.issues
