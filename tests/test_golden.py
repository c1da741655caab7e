"""Outputs stay identical: the JSON and every workbook cell of two runs, against committed text dumps.

One run is the shipped sample; the other a folder with every kind of problem a secretary meets. A change
that alters an output on purpose regenerates the dumps in the same commit (`UPDATE_GOLDEN=1 make test`)
with a line in the commit message saying why.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest

from pipeline.run import run
from pipeline.write import write_outputs
from tests.builders import criterion_row, edit
from tests.conftest import ROOT
from tests.golden_dump import dump_outputs

GOLDEN = Path(__file__).parent / "golden"
SAMPLE_INPUT = ROOT / "input"
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def _sample_files() -> list[Path]:
    return sorted(SAMPLE_INPUT.glob("*.xlsx"))


def _file_of(unit_code: str) -> Path:
    return next(p for p in _sample_files() if p.name.split("_")[1] == unit_code)


def _problem_folder(rules, folder: Path) -> None:
    """Every kind of problem at once, each in a different unit's file."""
    folder.mkdir()
    for path in _sample_files():
        shutil.copy(path, folder / path.name)

    def cell(column: str, code: str) -> str:
        return f"{column}{criterion_row(rules, code)}"

    def target(unit_code: str) -> Path:
        return folder / _file_of(unit_code).name

    edit(target("VPTU"), {cell("D", "1.1"): 25})  # above the max
    edit(target("BTCTU"), {cell("D", "2.1"): "đã trừ 0,5 do chậm BC"})  # a note in a score cell
    edit(target("BTGTU"), {cell("D", "2.2"): "3,75"})  # a number typed as text: a warning, still scored
    (folder / _file_of("BDVTU").name).unlink()  # a unit that sent nothing
    shutil.copy(target("BNCTU"), folder / "BNCTU - ban sao.xlsx")  # the same attachment saved twice
    edit(target("UBKTTU"), {cell("E", "1.1"): 20})  # an appraised value in the unit's own file
    edit(target("DUK"), {cell("D", "2.3"): 2}, target=folder / "DUK_v2_sua.xlsx")  # two different versions
    edit(target("TCT"), {cell("D", "2.1"): "N/A", cell("F", "2.2"): "Tæ chøc tèt"})  # N/A not allowed; TCVN3
    edit(target("BQT"), {cell("D", "D1"): 1.5, cell("F", "D1"): "Chậm báo cáo 3 lần"})  # a deduction
    (folder / "hong.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (folder / "ghi chu.txt").write_text("nộp muộn\n")


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
    result = run(sample_rules, SAMPLE_INPUT, workers=1)
    write_outputs(result, tmp_path)
    _check("sample", dump_outputs(tmp_path, sample_rules.year, {str(tmp_path): "<out>", str(ROOT): "<root>"}))


@pytest.mark.slow
def test_problem_folder_outputs_identical(sample_rules, tmp_path):
    folder = tmp_path / "input"
    _problem_folder(sample_rules, folder)
    result = run(sample_rules, folder, workers=1)
    write_outputs(result, tmp_path / "out")
    dump = dump_outputs(tmp_path / "out", sample_rules.year, {str(tmp_path): "<tmp>", str(ROOT): "<root>"})
    # openpyxl stamps the edited files with the time of the edit, so their hashes change on every run.
    _check("problems", _SHA256.sub("<sha256>", dump))
