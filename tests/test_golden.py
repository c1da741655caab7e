"""Outputs stay identical: the JSON and every workbook cell of two runs, against committed text dumps.

One run is the shipped sample; the other a folder with every kind of problem a secretary meets. A change
that alters an output on purpose regenerates the dumps in the same commit (`UPDATE_GOLDEN=1 make test`)
with a line in the commit message saying why.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
import types
from pathlib import Path

import pytest

from pipeline.outputs.write import write_outputs
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests.builders import every_problem_folder
from tests.conftest import ROOT, SAMPLE_INPUT
from tests.golden_dump import dump_outputs

GOLDEN = Path(__file__).parent / "golden"
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
# An input's size, in the JSON and in the Audit sheet (the only cells formatted #,##0).


def _check(name: str, dump: str) -> None:
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(dump, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8")
    if dump != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), dump.splitlines(True), "committed",
                                                  "this run", n=1))[:80])
        pytest.fail(f"outputs differ from tests/golden/{name}.txt (UPDATE_GOLDEN=1 on purpose):\n{diff}")


@pytest.mark.slow
def test_sample_outputs_identical(sample_rules, tmp_path):
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT))
    write_outputs(result, tmp_path)
    _check("sample", dump_outputs(tmp_path, sample_rules.year, {str(tmp_path): "<out>", str(ROOT): "<repo>"}))


class _SavedAt(datetime.datetime):
    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> _SavedAt:
        return cls(2024, 12, 1, 8, 0, 0, tzinfo=tz)


@pytest.mark.slow
def test_problem_folder_outputs_identical(sample_rules, tmp_path, monkeypatch):
    # openpyxl stamps every file it saves with the time in docProps/core.xml; the digits change how well
    # the part compresses, hence the edited files' sizes. A fixed time keeps the sizes (not the hashes).
    import openpyxl.writer.excel

    monkeypatch.setattr(openpyxl.writer.excel, "datetime",
                        types.SimpleNamespace(datetime=_SavedAt, timezone=datetime.timezone))
    folder = tmp_path / "input"
    every_problem_folder(sample_rules, folder)
    result = run(sample_rules, Workspace(input=folder))
    write_outputs(result, tmp_path / "out")
    dump = dump_outputs(tmp_path / "out", sample_rules.year, {str(tmp_path): "<tmp>", str(ROOT): "<repo>"})
    # openpyxl stamps the edited files with the time of the edit, so their hashes change on every run.
    _check("problems", _SHA256.sub("<sha256>", dump))
