"""One command at a time writes into a folder, and a write is a whole set or nothing, whenever it is killed.

The lock (pipeline/outputs/lock.py): a second command waits, saying so, then stops with exit 2; every command
that writes takes it; two real runs at once both finish with complete outputs. The commit
(pipeline/outputs/commit.py): files and folder flushed before the renames; a write SIGKILLed at every step of
its commit and at 20 seeded moments leaves, once the next command has taken the lock, exactly the earlier set
or the new one (tests/fault_driver.py kills it in a subprocess).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from pipeline.core.errors import OutputError
from pipeline.core.own_files import JOURNAL_NAME, LOCK_NAME
from pipeline.outputs import lock
from pipeline.outputs.commit import staged_pattern
from pipeline.outputs.lock import writing_into
from tests.conftest import ROOT, SAMPLE_INPUT, SAMPLE_RULES, invoke

SET = ["minutes-2024.docx", "proposals-2024.docx", "ranking-2024.xlsx", "results-2024.json"]
EARLIER_EPOCH, NEW_EPOCH = "1714000000", "1714086400"  # the two sets differ in every file


def run_into(out: Path, *extra: object):
    return invoke("run", "--rules", SAMPLE_RULES, "--input", SAMPLE_INPUT, "--out", out, *extra)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != LOCK_NAME}


# ------------------------------------------------------------------------------------------------ the lock

def test_a_second_command_waits_then_stops_with_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    out = tmp_path / "output"
    out.mkdir()
    other = FileLock(out / LOCK_NAME)  # another bloc-score, writing there
    other.acquire()
    try:
        english = run_into(out, "--lang", "en")
        vietnamese = run_into(out, "--lang", "vi")
    finally:
        other.release()
    assert english.exit_code == vietnamese.exit_code == 2
    assert english.stderr.splitlines() == [
        f"Another bloc-score is writing into {out}; waiting up to 0.3 s…",
        f"Another bloc-score is still writing into {out} after 0.3 s, so this command did nothing. Let it finish "
        "(look for another window or another user running bloc-score on this folder), then run this command again."]
    assert vietnamese.stderr.startswith(f"Một lệnh bloc-score khác đang ghi vào {out}; đang chờ tối đa 0.3 giây…\n")
    assert "chưa làm gì" in vietnamese.stderr and "Traceback" not in vietnamese.stderr
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]  # nothing read there, nothing written


def test_a_second_command_goes_on_once_the_first_has_finished(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "WAIT_SECONDS", 60)
    out = tmp_path / "output"
    out.mkdir()
    other = FileLock(out / LOCK_NAME, thread_local=False)
    other.acquire()
    threading.Timer(0.5, other.release).start()  # the other command ends
    result = run_into(out, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("waiting up to 60 s") == 1
    assert set(files(out)) == set(SET)


@pytest.mark.parametrize("command", ["run", "appraisal", "ballot", "feedback", "templates", "new-year", "pdf"])
def test_every_command_that_writes_holds_the_lock_of_its_folder(tmp_path, monkeypatch, command):
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.05)
    out = tmp_path / "somewhere"
    out.mkdir()
    workbook = tmp_path / "ranking-2024.xlsx"
    workbook.write_bytes(b"PK")
    arguments = {"new-year": ["--previous", SAMPLE_RULES, "--out", out],
                 "pdf": [workbook, "--out", out / "ranking.pdf"],
                 "templates": ["--rules", SAMPLE_RULES, "--out", out]}.get(
        command, ["--rules", SAMPLE_RULES, "--input", SAMPLE_INPUT, "--out", out])
    other = FileLock(out / LOCK_NAME)
    other.acquire()
    try:
        result = invoke(command, *arguments, "--lang", "en")
    finally:
        other.release()
    assert result.exit_code == 2, result.output
    assert f"Another bloc-score is still writing into {out} after 0.05 s" in result.stderr
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]


def test_the_lock_is_the_same_hold_inside_a_command(tmp_path):
    with writing_into(tmp_path / "out", "en") as folder, writing_into(folder, "en"):
        assert lock.held(tmp_path / "out" / ".." / "out")
    assert not lock.held(tmp_path / "out")


@pytest.mark.slow
def test_two_runs_at_once_both_finish_with_complete_outputs(tmp_path):
    folder = tmp_path / "khoi"
    assert invoke("init", "--example", folder).exit_code == 0
    command = [sys.executable, "-m", "pipeline", "run", "--lang", "en"]
    runs = [subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    ended = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _out, _err in ended] == [0, 0], ended
    assert all("Traceback" not in err and err.count("waiting up to") <= 1 for _code, _out, err in ended)
    out = folder / "output"
    assert sorted(p.name for p in out.iterdir()) == sorted([LOCK_NAME, "previous", *SET])
    [earlier] = (out / "previous").iterdir()  # the first run's set, moved whole by the second
    assert sorted(p.name for p in earlier.iterdir()) == SET
    for kept in (out, earlier):
        assert json.loads((kept / "results-2024.json").read_text(encoding="utf-8"))["provisional"] is False


# -------------------------------------------------------------------------------------------- the commit

def test_files_and_folder_are_flushed_before_the_renames(tmp_path, monkeypatch):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("names an open file through /proc (Linux)")
    out = tmp_path / "output"
    assert run_into(out).exit_code == 0
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source: object, target: object) -> None:
        calls.append(("replace", f"{source} -> {target}"))
        real_replace(source, target)  # type: ignore[arg-type]
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    assert run_into(out).exit_code == 0
    journal = next(i for i, (kind, what) in enumerate(calls) if kind == "replace" and what.endswith(JOURNAL_NAME))
    flushed = [what for kind, what in calls[:journal] if kind == "fsync"]
    for name in SET:  # each staged file, before the journal that makes the commit
        assert any(staged_pattern(out / name).fullmatch(Path(path).name) for path in flushed), name
    assert str(out) in flushed[-3:]  # the folder: the staged files' names, before the journal
    moves = [i for i, (kind, _what) in enumerate(calls) if kind == "replace"]
    assert len(moves) == 1 + 4 + 4  # the journal, the earlier set to previous/, the new set into place
    assert ("fsync", str(out)) in calls[moves[-1] + 1:]  # and once the new set is in place
    assert not (out / JOURNAL_NAME).exists()


def test_a_journal_naming_a_path_outside_the_folder_moves_nothing(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    outside = tmp_path / "precious.xlsx"
    outside.write_bytes(b"keep me")
    (out / JOURNAL_NAME).write_text(json.dumps({"bloc-score journal": 1, "earlier": [["../precious.xlsx", "x"]],
                                                "staged": []}), encoding="utf-8")
    with writing_into(out, "en"):
        pass
    assert outside.read_bytes() == b"keep me" and not (out / "x").exists() and not (out / JOURNAL_NAME).exists()


def test_a_commit_that_cannot_be_finished_says_what_to_do(tmp_path):
    out = tmp_path / "output"
    (out / "ranking-2024.xlsx").mkdir(parents=True)  # where the staged workbook must go: a folder, not empty
    (out / "ranking-2024.xlsx" / "x").write_bytes(b"")
    (out / ".ranking-2024-abcdefgh.xlsx").write_bytes(b"new")
    (out / JOURNAL_NAME).write_text(json.dumps({"bloc-score journal": 1, "earlier": [],
                                                "staged": [[".ranking-2024-abcdefgh.xlsx", "ranking-2024.xlsx"]]}),
                                    encoding="utf-8")
    with pytest.raises(OutputError, match="An earlier bloc-score was stopped while it was putting its outputs"), \
            writing_into(out, "en"):
        pass
    result = run_into(out, "--lang", "en")
    assert result.exit_code == 2 and "Close any program that has a file of that folder open" in result.stderr
    assert (out / JOURNAL_NAME).exists() and (out / ".ranking-2024-abcdefgh.xlsx").read_bytes() == b"new"


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """Copies of an earlier set, each overwritten by a write killed at one step or one moment."""
    root = tmp_path_factory.mktemp("killed")
    earlier = root / "earlier"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EARLIER_EPOCH)
        assert run_into(earlier).exit_code == 0
    done = subprocess.run([sys.executable, "-m", "tests.fault_driver", "kill", str(SAMPLE_RULES), str(SAMPLE_INPUT),
                           str(earlier), str(root / "cases"), "2026", "20"], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=600, env={**os.environ, "SOURCE_DATE_EPOCH": NEW_EPOCH})
    assert done.returncode == 0, done.stderr
    return root, json.loads(done.stdout), done.stderr


def outcome(case: Path, earlier: dict[str, bytes], new: dict[str, bytes]) -> str:
    """"earlier" or "new": which whole set the folder holds, and nothing else; fails on anything else."""
    assert {p.name for p in case.iterdir()} <= {LOCK_NAME, "previous", *SET}, sorted(os.listdir(case))
    previous = sorted((case / "previous").iterdir()) if (case / "previous").exists() else []
    if files(case) == earlier:
        assert [p for p in previous if any(p.iterdir())] == []
        return "earlier"
    assert files(case) == new, "a mix of the two sets"
    assert [files(p) for p in previous] == [earlier]  # the earlier set, whole, in one subfolder
    return "new"


@pytest.mark.slow
def test_a_write_killed_at_any_step_or_moment_leaves_one_whole_set(killed):
    root, report, stderr = killed
    earlier, new = files(root / "earlier"), files(root / "cases" / "new")
    assert set(earlier) == set(new) == set(SET) and all(earlier[name] != new[name] for name in SET)
    assert "Traceback" not in stderr and "Exception" not in stderr
    steps = sorted(name for name in report if name.startswith("step-"))
    assert len(steps) > 20 and report[steps[0]] == "killed" and report[steps[-1]] == "finished"
    assert sum(1 for name in report if name.startswith("moment-")) == 20
    seen = {}
    for name in sorted(report):
        case = shutil.copytree(root / "cases" / name, root / "recovered" / name)  # the killed one, for the next test
        with writing_into(case, "en"):  # what the next command does first
            pass
        seen[name] = outcome(case, earlier, new)
    # Before the journal is in place the earlier set stands, after it the new one: never back again.
    by_step = [seen[name] for name in steps]
    assert by_step == sorted(by_step), by_step  # "earlier" sorts before "new"
    assert {"earlier", "new"} <= set(by_step)


@pytest.mark.slow
def test_the_next_command_finishes_a_killed_commit_before_its_own(killed, monkeypatch):
    root, report, _stderr = killed
    earlier, new = files(root / "earlier"), files(root / "cases" / "new")
    # A step inside the commit: the journal in place, the earlier set gone to previous/, the new one not all there.
    for name in sorted(n for n in report if n.startswith("step-")):
        case = root / "cases" / name
        if (case / JOURNAL_NAME).exists() and not all((case / n).exists() for n in SET):
            break
    else:
        pytest.fail("no kill fell between the earlier set's moves and the new set's")
    retried = root / "retried"
    shutil.copytree(case, retried)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NEW_EPOCH)
    result = run_into(retried, "--lang", "en")  # as the killed write was made
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert files(retried) == new
    # The killed write's set was finished first, then moved aside whole by this one's.
    assert sorted(files(p) == earlier for p in (retried / "previous").iterdir()) == [False, True]
    assert all(files(p) in (earlier, new) for p in (retried / "previous").iterdir())
