"""The program ends as `sys.exit` would end it (its status, its output flushed, its exit handlers run), only
without Python's walk over every object at shutdown (cli.main.entry)."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _program(body: str) -> str:
    """A program whose `bloc-score` command is replaced by `body`, ended by entry()."""
    return ("import atexit, sys\n"
            "import pipeline.cli.main as cli\n"
            "def command():\n" + "".join(f"    {line}\n" for line in body.splitlines()) +
            "cli.main = command\n"
            "cli.entry()\n")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)


def test_the_output_is_flushed_the_handlers_run_and_the_status_kept():
    done = _python(_program("atexit.register(print, 'handler ran')\n"
                            "print('buffered', end=' ')\n"
                            "sys.stderr.write('to stderr')\n"
                            "sys.exit(3)"))
    assert (done.returncode, done.stdout, done.stderr) == (3, "buffered handler ran\n", "to stderr")


def test_a_status_as_sys_exit_takes_it():
    assert _python(_program("sys.exit(None)")).returncode == 0
    assert _python(_program("pass")).returncode == 0
    done = _python(_program("sys.exit('Cannot go on.')"))
    assert (done.returncode, done.stderr) == (1, "Cannot go on.\n")


def test_an_output_closed_early_is_status_120_as_python_says():
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-c", _program("import time\nprint('never read')\ntime.sleep(1)")],
                               stdout=subprocess.PIPE, env=environment)  # the line waits in the buffer
    assert process.stdout is not None
    process.stdout.close()  # what `bloc-score … | head -1` does once it has its line
    time.sleep(0.1)
    assert process.wait(timeout=60) == 120
