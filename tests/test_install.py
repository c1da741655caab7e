"""Installed like an application: the wheel builds without warnings, carries the locales, the starter rules
and the example, and its `bloc-score` works in a fresh virtual environment on an `init`-made folder.

The fresh environment takes bloc-score from the wheel and nothing else; its dependencies (pandas, pandera,
…) come from the project's environment through a .pth file. Installing them from PyPI into each fresh
environment took 55 s on the CI machine against 3 s this way, for no more certainty about bloc-score's own
packaging, which is what this test is for. (A .pth file adds a folder to sys.path without running the .pth
files inside it, so the project's editable install of bloc-score stays out: the test checks it.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from pipeline.workspace.folders import example_files
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy: setuptools builds in the source tree, and a stale build/ folder can leak old files
    # into a wheel. The copy holds what a build needs, nothing else.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    # -v: the build backend's own output, where setuptools prints its deprecation warnings.
    built = _run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-w", dist, "-v")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    log = built.stdout + built.stderr
    warnings = [line for line in log.splitlines() if "deprecat" in line.lower() or "BuildBackendWarning" in line]
    assert not warnings, "\n".join(warnings)
    return next(dist.glob("bloc_score-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The `bloc-score` command of a fresh virtual environment holding the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "project-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    done = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel)
    assert done.returncode == 0, done.stderr
    where = _run(python, "-c", "import pipeline; print(pipeline.__file__)", cwd=venv)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    return bin_dir / ("bloc-score.exe" if os.name == "nt" else "bloc-score")


def test_the_wheel_carries_the_license_locales_starter_example_and_docs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert {"pipeline/core/locales/vi.yaml", "pipeline/core/locales/en.yaml",
            "pipeline/workspace/starter/rules.vi.yaml", "pipeline/workspace/starter/rules.en.yaml",
            "pipeline/workspace/starter/huong-dan.html",
            "pipeline/cli/commands/init.py", "pipeline/docs/rules.md", "pipeline/docs/results.schema.json"} <= names
    example = {f"pipeline/examples/quang-tri-2024/{relative.as_posix()}" for relative in example_files()}
    assert len(example) >= 10  # the rules file and nine submissions
    assert example <= names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert b"License-Expression: MIT" in metadata


def test_installed_command_scores_the_example_in_an_init_made_folder(installed, tmp_path):
    made = _run(installed, "init", "--example", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "demo"
    assert (folder / "output").is_dir()
    scored = _run(installed, "run", cwd=folder)
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert "Tệp quy định: schemas/quang-tri-co-quan-dang-2024.yaml" in scored.stdout
    assert "Đã chấm đủ 9 đơn vị." in scored.stdout
    assert (folder / "output" / "ranking-2024.xlsx").is_file()
    data = json.loads((folder / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert data["provisional"] is False
    assert len(data["inputs"]) == 11  # nine units' files, the bloc's appraisal workbook and its tally
    # python-docx came with the wheel's dependencies: the vote's minutes are written by the installed command.
    assert (folder / "output" / "minutes-2024.docx").is_file()


def test_installed_command_starts_a_new_bloc(installed, tmp_path):
    made = _run(installed, "init", "--lang", "en", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = _run(installed, "rules", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    templates = _run(installed, "templates", cwd=tmp_path)
    assert templates.returncode == 0, templates.stderr
    assert len(list((tmp_path / "output" / "templates").glob("*.xlsx"))) == 3
    empty = _run(installed, "run", cwd=tmp_path)
    assert empty.returncode == 2
    assert "bloc-score init --example" in empty.stderr
