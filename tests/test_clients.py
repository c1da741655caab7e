"""Every client's file reads the same: the sample re-saved by LibreOffice and by Gnumeric scores exactly as sent.

Each program converts the shipped sample (and a file with hidden cell contents) to .xlsx, .ods and .xls;
the converted folder must give the same final value for every unit and criterion, the same totals, and
no issue but the legacy-format note. Skipped, with the reason, where a program is not installed; .ci/run
installs both.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from pipeline.run import RunResult, run
from pipeline.workspace.folders import Workspace
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT, soffice
from tests.test_cells import folder  # noqa: F401  (the fixture)
from tests.test_hostile import go, good_file, one

SAMPLE = sorted(SAMPLE_INPUT.glob("*.xlsx"))
RECORDS = sorted(SAMPLE_BLOC.glob("*.xlsx"))  # the bloc's appraisal workbook and tally, re-saved as well
FORMATS = ("xlsx", "ods", "xls")


def ssconvert() -> str | None:
    return shutil.which("ssconvert")


needs_gnumeric = pytest.mark.skipif(
    ssconvert() is None,
    reason="Gnumeric (ssconvert) is not installed; .ci/run installs gnumeric so CI runs this",
)
needs_libreoffice = pytest.mark.skipif(
    soffice() is None,
    reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui so CI runs this",
)


def gnumeric_convert(sources: list[Path], target: str, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    produced = []
    for source in sources:
        result = out_dir / f"{source.stem}.{target}"
        subprocess.run([ssconvert(), str(source), str(result)], check=True, capture_output=True, timeout=120)
        assert result.exists(), f"Gnumeric did not produce {result}"
        produced.append(result)
    return produced


def libreoffice_convert_all(sources: list[Path], target: str, out_dir: Path, profile: Path) -> list[Path]:
    """One LibreOffice start for all files: converting nine files one by one costs nine starts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    produced = [out_dir / f"{source.stem}.{target}" for source in sources]
    assert all(p.exists() for p in produced), f"LibreOffice did not produce {produced}"
    return produced


def convert(program: str, sources: list[Path], target: str, out_dir: Path, profile: Path) -> list[Path]:
    if program == "gnumeric":
        return gnumeric_convert(sources, target, out_dir)
    return libreoffice_convert_all(sources, target, out_dir, profile)


PROGRAMS = [
    pytest.param("libreoffice", marks=[pytest.mark.libreoffice, needs_libreoffice]),
    pytest.param("gnumeric", marks=[pytest.mark.gnumeric, needs_gnumeric]),
]


def _final(result: RunResult) -> dict[tuple[str, str], object]:
    final = result.validation.final
    return {(u, c): v for u, c, v in zip(final["unit_code"], final["criterion_code"], final["value"], strict=True)}


@pytest.fixture(scope="module")
def sample_result(sample_rules) -> RunResult:
    return run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("target", FORMATS)
def test_sample_resaved_by_a_spreadsheet_program_scores_exactly(
        program, target, sample_rules, sample_result, tmp_path, lo_profile):
    converted = convert(program, SAMPLE, target, tmp_path / "input", lo_profile)
    records = convert(program, RECORDS, target, tmp_path / "bloc", lo_profile)
    shutil.copy(SAMPLE_BLOC / "seal.key", tmp_path / "bloc")  # the bloc's own key: the codes are checked
    result = run(sample_rules, Workspace(input=tmp_path / "input", bloc=tmp_path / "bloc"))
    # Every authentication code survives the program's re-save, and verifies.
    assert {result.validation.seals[s.file] for s in result.submissions} == {"valid"}
    assert {s.file: s.format for s in result.submissions} == {
        **{p.name: target for p in converted}, **{f"bloc/{p.name}": target for p in records}}
    # Copied out of the example's own folder, its public key is said to be the example's.
    assert [(i.code, i.file, i.cell) for i in result.issues if i.code not in ("legacy-format", "seal-example-key")] == \
        [(i.code, i.file, i.cell) for i in sample_result.issues]
    assert result.status == sample_result.status
    assert _final(result) == _final(sample_result)
    assert [(r.unit_code, r.rank, r.score.total_exact) for r in result.ranked] == \
        [(r.unit_code, r.rank, r.score.total_exact) for r in sample_result.ranked]


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("target", FORMATS)
def test_hidden_cell_contents_survive_a_resave(program, target, folder, lo_profile):  # noqa: F811
    source = good_file(folder.parent / "scratch", "A.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    sheet["D18"] = "=1/0"  # the program computes it on load (D1): #DIV/0!
    sheet["D11"], sheet["D11"].number_format = 0.045, "0.0%"
    sheet["D8"], sheet["D8"].number_format = 19, "dd/mm/yyyy"
    book.save(source)
    (converted,) = convert(program, [source], target, folder, lo_profile)
    result = go(folder)
    for code, cell in (("cell-error", "D18"), ("score-percent", "D11"), ("score-date", "D8")):
        issue = one(result, code)
        assert (issue.file, issue.cell, issue.unit) == (converted.name, cell, "A"), (code, issue)
    assert result.status["A"] == "invalid"
    assert {r.unit_code for r in result.ranked} == {"B", "C", "D"}
