"""A Windows PC, simulated on Linux: an output stream in the ANSI code page (cp1258 on a Vietnamese system,
cp1252 on a Western one) as when `bloc-score run > ketqua.txt` is redirected there, folder and file names
with Vietnamese letters and spaces, and the reading workers started as Windows starts them (`spawn`).

The run never fails for its terminal: it exits as it would anywhere and writes every output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.workspace.folders import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
# The program as installed runs it (pipeline.cli.main.entry), its reading workers started by `spawn`.
_SPAWNED = ("import pipeline.reading.isolation as isolation\n"
            "isolation.start_method = lambda: 'spawn'\n"
            "from pipeline.cli.main import entry\n"
            "entry()\n")


def _working_folder(tmp_path: Path) -> Path:
    """The example bloc-year in a folder named as a secretary names one, its files renamed likewise."""
    folder = tmp_path / "Khối thi đua 2024" / "Cơ quan Đảng"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("README.md"))
    for path in sorted((folder / "input").iterdir()):
        path.rename(path.with_name(path.name.replace("-", " ").replace("Ban ", "Bản ")))
    return folder


def _run(folder: Path, encoding: str, program: list[str], *args: str) -> tuple[int, str]:
    environment = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(ROOT)}
    out = folder / "kết quả.txt"
    with out.open("wb") as stdout:
        process = subprocess.run([*program, *args], cwd=folder, stdout=stdout, stderr=subprocess.PIPE,
                                 env=environment, check=False, timeout=300)
    return process.returncode, out.read_bytes().decode("utf-8") + process.stderr.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["cp1258", "cp1252"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_run_redirected_to_a_file_in_the_ansi_code_page_writes_every_output(tmp_path, encoding, lang):
    folder = _working_folder(tmp_path)
    status, said = _run(folder, encoding, [sys.executable, "-m", "pipeline"], "run", "--lang", lang)
    assert status in (0, 1), said
    assert "Error" not in said and "UnicodeEncodeError" not in said
    assert "Quảng Trị" in said or "Tỉnh ủy" in said or "Ban" in said
    written = {path.name for path in (folder / "output").iterdir()}
    assert {"ranking-2024.xlsx", "results-2024.json"} <= written, written


@pytest.mark.slow
def test_the_reading_workers_started_as_on_windows_read_every_file(tmp_path):
    folder = _working_folder(tmp_path)
    status, said = _run(folder, "cp1258", [sys.executable, "-c", _SPAWNED], "run", "--lang", "vi")
    assert status in (0, 1), said
    assert "UnicodeEncodeError" not in said
    import json

    results = json.loads((folder / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert len(results["units"]) == 9


def test_a_stream_that_cannot_write_vietnamese_is_made_to(tmp_path):
    program = ("import sys\nfrom pipeline.cli.main import write_any_letter\nwrite_any_letter()\n"
               "print('Bản Dân vận Tỉnh ủy: hợp lệ')\nprint('ệ', file=sys.stderr)\n")
    environment = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONPATH": str(ROOT)}
    process = subprocess.run([sys.executable, "-c", program], capture_output=True, env=environment, check=False,
                             timeout=60)
    assert process.returncode == 0, process.stderr
    assert process.stdout.decode("utf-8") == "Bản Dân vận Tỉnh ủy: hợp lệ\n"
    assert process.stderr.decode("utf-8") == "ệ\n"
