"""A full disk: the clear message only on stderr (no "Exception ignored … Traceback" from a half-written zip),
exit 2, the earlier outputs as they were and no temporary file left.

The disk fills in a subprocess (tests/fault_driver.py) at the file boundary every writer goes through, at a
byte chosen to fall inside each output of the set in turn; then once more on a real tmpfs where this machine
may mount one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core.own_files import JOURNAL_DRAFT_NAME, LOCK_NAME
from tests.conftest import ROOT, SAMPLE_INPUT, SAMPLE_RULES, invoke

SET = ["ranking-2024.xlsx", "results-2024.json", "minutes-2024.docx", "proposals-2024.docx"]


# The run's time, the same for the earlier set and the new one: the new files are then as large.
EPOCH = "1714000000"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder a successful run wrote (copied per case)."""
    out = tmp_path_factory.mktemp("full-disk") / "output"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        assert invoke("run", "--rules", SAMPLE_RULES, "--input", SAMPLE_INPUT, "--out", out).exit_code == 0
    return out


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but its lock, which stays between commands."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != LOCK_NAME}


def command(out: Path) -> list[str]:
    return ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT), "--out", str(out), "--lang", "en"]


def assert_only_the_message(done: subprocess.CompletedProcess[str], named: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"Cannot write {named}: the disk is full. Free some space, or choose a folder on "
                           "another drive with --out. Earlier outputs were left as they were.\n")


@pytest.mark.slow
def test_a_disk_full_inside_each_output_says_so_and_leaves_the_earlier_set(tmp_path, earlier):
    sizes = [(earlier / name).stat().st_size for name in SET]
    # Free bytes that run out inside the workbook, the JSON, the first document (the second is written
    # alike), then at the commit's journal, written once the whole set is staged.
    cases = {name: str(sum(sizes[:index]) + 1000) for index, name in enumerate(SET[:3])}
    cases["journal"] = JOURNAL_DRAFT_NAME
    running = {}
    for name, free in cases.items():
        out = shutil.copytree(earlier, tmp_path / name)
        running[name] = (out, subprocess.Popen(
            [sys.executable, "-m", "tests.fault_driver", "full-disk", free, str(out), "--", *command(out)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}))
    before = files(earlier)
    for name, (out, process) in running.items():
        stdout, stderr = process.communicate(timeout=120)
        done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        # The output the disk filled in; the folder itself when the commit's own journal could not be written.
        assert_only_the_message(done, out if name == "journal" else out / name)
        assert files(out) == before, name  # no temporary file, no journal, nothing moved to previous/


def test_a_real_full_disk(tmp_path, earlier):
    mount = tmp_path / "small"
    mount.mkdir()
    size = sum(p.stat().st_size for p in earlier.iterdir()) + 100_000  # the earlier set fits, not a second one
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this machine cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): {made.stderr}")
    try:
        out = shutil.copytree(earlier, mount / "output")
        before = files(out)
        done = subprocess.run([sys.executable, "-m", "pipeline", *command(out)], cwd=ROOT, capture_output=True,
                              text=True, check=False, timeout=120)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "the disk is full" in done.stderr and "Traceback" not in done.stderr
        assert files(out) == before
    finally:
        subprocess.run(["umount", str(mount)], check=False)
