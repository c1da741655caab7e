"""Output faults are user errors (exit 2) with a message that says what to do; outputs are reproducible.

The operating system's refusals are injected at the write boundary: the test machines run as root, where
permissions never stop a write.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.own_files import LOCK_NAME, OWN_FILES
from pipeline.outputs import write
from pipeline.outputs.lock import writing_into
from tests import builders
from tests.conftest import SAMPLE_RULES, invoke

FAULTS = {errno.EROFS: "read-only", errno.EACCES: "permission denied", errno.ENOSPC: "disk is full",
          errno.EPERM: "permission denied"}
# What each message tells the user to do, in Vietnamese.
FAULTS_VI = {errno.EROFS: "chỉ cho phép đọc", errno.EACCES: "không có quyền ghi", errno.ENOSPC: "ổ đĩa đã đầy",
             errno.EPERM: "không có quyền ghi"}



def run_sample(input_dir: Path, out: Path, *extra: object):
    return invoke("run", "--rules", SAMPLE_RULES, "--input", input_dir, "--out", out, *extra)


@pytest.fixture(scope="module")
def sample_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults") / "input"
    return builders.copy_sample(folder)


@pytest.fixture(scope="module")
def earlier_outputs(sample_input: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder a successful run wrote, for a failing run to leave as it was (copied per test)."""
    out = tmp_path_factory.mktemp("earlier") / "output"
    assert run_sample(sample_input, out).exit_code == 0
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path: what a failed run must leave unchanged."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def oserror(number: int, path: object = None) -> OSError:
    return OSError(number, os.strerror(number), str(path) if path is not None else None)


def _fail_mkstemp(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real = tempfile.mkstemp

    def fake(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if kwargs.get("dir") is None:  # not an output: the reading workers' log, in the system's temp folder
            return real(*args, **kwargs)
        raise oserror(number, kwargs.get("dir"))
    monkeypatch.setattr(tempfile, "mkstemp", fake)


def _fail_json_write(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real = Path.write_text

    def fake(self: Path, *args: object, **kwargs: object):
        if self.suffix == ".json":
            self.write_bytes(b'{"half": ')  # what a full disk leaves: the start of the file
            raise oserror(number, self)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", fake)


def _fail_workbook_file(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    # A workbook is zipped in memory, then written with open(name, "wb") (outputs/xlsx.py).
    def fake(file: object, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb" and str(file).endswith(".xlsx"):
            Path(str(file)).write_bytes(b"PK\x03\x04half")
            raise oserror(number, file)
        return open(file, mode, *args, **kwargs)  # type: ignore[call-overload]
    monkeypatch.setattr("pipeline.outputs.xlsx.open", fake, raising=False)


def _fail_final_rename(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    real = os.replace

    def fake(source: object, target: object) -> None:
        # A staged file going into place, once the earlier outputs have moved to previous/ (not the journal).
        name = Path(str(source)).name
        if name.startswith(".") and name not in OWN_FILES:
            raise oserror(number, target)
        real(source, target)
    monkeypatch.setattr(os, "replace", fake)


BOUNDARIES: dict[str, Callable[[pytest.MonkeyPatch, int], None]] = {
    "temp-file": _fail_mkstemp, "json": _fail_json_write, "workbook": _fail_workbook_file,
    "rename": _fail_final_rename,
}


@pytest.mark.parametrize("number", sorted(FAULTS), ids=[errno.errorcode[n] for n in sorted(FAULTS)])
@pytest.mark.parametrize("boundary", sorted(BOUNDARIES))
def test_run_output_fault_is_a_user_error(tmp_path, monkeypatch, sample_input, earlier_outputs, boundary, number):
    out = shutil.copytree(earlier_outputs, tmp_path / "output")
    before = snapshot(out)
    BOUNDARIES[boundary](monkeypatch, number)
    for lang, expected in (("en", FAULTS[number]), ("vi", FAULTS_VI[number])):
        result = run_sample(sample_input, out, "--lang", lang)
        assert result.exit_code == 2, result.output
        assert "Internal error" not in result.output and "Traceback" not in result.output
        message = result.stderr
        assert expected in message and "--out" in message
        assert str(out) in message
    assert snapshot(out) == before  # no temp file left, the earlier outputs as they were


@pytest.mark.parametrize("number", sorted(FAULTS), ids=[errno.errorcode[n] for n in sorted(FAULTS)])
def test_templates_output_fault_is_a_user_error(tmp_path, monkeypatch, number):
    out = tmp_path / "templates"
    assert invoke("templates", "--rules", SAMPLE_RULES, "--out", out).exit_code == 0
    before = snapshot(out)
    _fail_final_rename(monkeypatch, number)
    result = invoke("templates", "--rules", SAMPLE_RULES, "--output", out, "--lang", "en")
    assert result.exit_code == 2
    assert FAULTS[number] in result.stderr and str(out) in result.stderr and "--out" in result.stderr
    assert snapshot(out) == before


def test_output_folder_is_a_file(tmp_path, sample_input):
    out = tmp_path / "ranking.xlsx"
    out.write_bytes(b"not a folder")
    for command in (["run", "--input", sample_input], ["templates"]):
        result = invoke(*command, "--rules", SAMPLE_RULES, "--out", out, "--lang", "en")
        assert result.exit_code == 2
        assert f"Cannot write into {out}: it is a file, not a folder" in result.stderr
    assert out.read_bytes() == b"not a folder"


def test_output_folder_under_a_file(tmp_path, sample_input):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    result = run_sample(sample_input, blocker / "output", "--lang", "vi")
    assert result.exit_code == 2
    assert f"Không ghi được vào {blocker}: đây là một tệp, không phải thư mục" in result.stderr


def test_a_missing_output_folder_is_made(tmp_path, sample_input):
    out = tmp_path / "new" / "deeper"
    assert run_sample(sample_input, out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME, "minutes-2024.docx", "proposals-2024.docx",
                                                     "ranking-2024.xlsx", "results-2024.json"]


def test_stale_temporary_files_of_killed_runs_are_removed(tmp_path, sample_input):
    out = tmp_path / "output"
    out.mkdir()
    old = time.time() - 3600
    stale = [out / ".ranking-2024-k3_x9a2b.xlsx", out / ".results-2024-0abcdefg.json",
             out / ".other-2024-k3_x9a2b.xlsx"]  # any output's: the folder's lock says nobody else writes
    kept = [out / ".ranking-2024-notours.xlsx",  # not mkstemp's eight characters
            out / ".ranking-2024-k3_x9a2b.xlsx.bak", out / "ranking-2024-k3_x9a2b.xlsx",
            out / ".notes-k3_x9a2b.txt"]  # not a suffix bloc-score stages
    for path in stale + kept:
        path.write_bytes(b"half")
        os.utime(path, (old, old))
    fresh = out / ".results-2024-zzzzzzzz.json"  # however recent: under the folder's lock nobody else writes
    fresh.write_bytes(b"half")
    assert run_sample(sample_input, out).exit_code == 0
    assert [p for p in [*stale, fresh] if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []


def test_without_the_folders_lock_no_temporary_file_is_removed(tmp_path):
    # Another command's work in progress, for all this process knows (the bug of two runs at once).
    staged = tmp_path / ".ranking-2024-k3_x9a2b.xlsx"
    staged.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(staged, (old, old))
    assert write.remove_stale_temporaries(tmp_path / "ranking-2024.xlsx") == []
    assert staged.exists()
    with writing_into(tmp_path, "en"):  # the lock's holder: a killed command's leftover, removed on taking it
        assert not staged.exists()
        staged.write_bytes(b"half")
        assert write.remove_stale_temporaries(tmp_path / "ranking-2024.xlsx") == [staged]


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_outputs_honour_the_umask(tmp_path, sample_input, mask):
    previous = os.umask(mask)
    try:
        out = tmp_path / "output"
        assert run_sample(sample_input, out).exit_code == 0
        templates = tmp_path / "templates"
        assert invoke("templates", "--rules", SAMPLE_RULES, "--out", templates).exit_code == 0
    finally:
        os.umask(previous)
    files = [*out.iterdir(), *templates.iterdir()]
    assert files and {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o666 & ~mask)}


def test_a_real_read_only_mount(tmp_path, sample_input):
    mount = tmp_path / "ro"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"this machine cannot mount a read-only tmpfs (needs root and CAP_SYS_ADMIN): {made.stderr}")
    try:
        result = run_sample(sample_input, mount / "output", "--lang", "en")
        assert result.exit_code == 2
        assert "read-only" in result.stderr and "--out" in result.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_stale_libreoffice_lock_gets_a_hint(tmp_path, sample_input):
    out = tmp_path / "output"
    out.mkdir()
    lock = out / ".~lock.ranking-2024.xlsx#"
    lock.write_text(",someone,host,26.11.2026 08:00,file:///home/someone/.config/libreoffice/4;")
    result = run_sample(sample_input, out, "--lang", "en")
    assert result.exit_code == 2
    assert "close" in result.stderr.lower() and f"delete {lock}" in result.stderr


# ---------------------------------------------------------------------------------------- reproducible

def test_source_date_epoch_makes_outputs_byte_identical(tmp_path, sample_input, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714000000")
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_sample(sample_input, first).exit_code == 0
    time.sleep(1.1)  # a clock that would show would now show another second
    assert run_sample(sample_input, second).exit_code == 0
    assert snapshot(first) == snapshot(second)
    with zipfile.ZipFile(first / "ranking-2024.xlsx") as book:
        core = book.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-04-24T23:06:40Z</dcterms:created>" in core
    assert '"generated_at": "2024-04-24T23:06:40+00:00"' in (first / "results-2024.json").read_text()


def test_without_source_date_epoch_the_workbook_says_when_it_was_made(tmp_path, sample_input, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "output"
    assert run_sample(sample_input, out).exit_code == 0
    with zipfile.ZipFile(out / "ranking-2024.xlsx") as book:
        core = book.read("docProps/core.xml").decode()
    assert f"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{time.gmtime().tm_year}-" in core


def test_write_file_leaves_no_temporary_on_a_bug(tmp_path):
    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        write.write_file(tmp_path / "a.xlsx", broken, "en")
    assert [p.name for p in tmp_path.iterdir()] == [LOCK_NAME]
