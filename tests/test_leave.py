"""The program ends as `sys.exit` would end it: its exit status, its output flushed, its atexit handlers run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.conftest import SAMPLE_INPUT, SAMPLE_RULES


def _python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def test_leave_flushes_runs_atexit_handlers_and_keeps_the_status():
    done = _python("import atexit, sys\n"
                   "from pipeline.cli import leave\n"
                   "atexit.register(print, 'handler ran')\n"
                   "print('buffered', end=' ')\n"
                   "sys.stderr.write('to stderr')\n"
                   "leave(3)\n")
    assert (done.returncode, done.stdout, done.stderr) == (3, "buffered handler ran\n", "to stderr")


def test_leave_takes_what_sys_exit_takes():
    assert _python("from pipeline.cli import leave; leave(None)").returncode == 0
    done = _python("from pipeline.cli import leave; leave('Cannot go on.')")
    assert (done.returncode, done.stderr) == (1, "Cannot go on.\n")


def test_an_output_closed_early_is_status_120_as_python_says():
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-c", "import time\nfrom pipeline.cli import leave\n"
                                "print('never read'); time.sleep(1); leave(0)"], stdout=subprocess.PIPE,
                               env=environment)  # the line waits in the buffer until leave() flushes it
    assert process.stdout is not None
    process.stdout.close()  # what `bloc-score … | head -1` does once it has its line
    time.sleep(0.1)
    assert process.wait(timeout=60) == 120


def test_the_program_ends_with_the_commands_status(tmp_path):
    command = [sys.executable, "-m", "pipeline", "run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT),
               "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "out" / "ranking-2024.xlsx").exists()
    assert not list((tmp_path / "out").glob("*.tmp*"))  # nothing staged is left behind
    missing = subprocess.run([sys.executable, "-m", "pipeline", "run", "--rules", str(tmp_path / "no.yaml"),
                              "--input", str(SAMPLE_INPUT), "--out", str(tmp_path / "out")],
                             capture_output=True, text=True, check=False, timeout=120)
    assert missing.returncode == 2
    assert "no.yaml" in missing.stderr
