"""Runs `bloc-score` in a subprocess of a test with a fault the test cannot cause in its own process.

    python -m tests.fault_driver full-disk BYTES|NAME FOLDER -- ARGS…
    python -m tests.fault_driver kill RULES INPUT EARLIER CASES SEED MOMENTS

`full-disk`: the disk under FOLDER fills up once BYTES more have been written into it (or as soon as a file
named NAME is opened there), as a real disk does: every file opened for writing there goes through a file
object whose write fails with ENOSPC past that, whichever library writes (xlsxwriter, python-docx, json,
the journal). The command then runs as `bloc-score ARGS…` does, so what the user would see on stderr is
exactly what this process prints.

`kill`: the example's outputs written over copies of the output folder EARLIER, in CASES, each write in a
child process SIGKILLed: `step-K` at the K-th step of the write (a rename, a flush, a folder made or a file
removed: every call of os.replace, os.fsync, os.mkdir, os.unlink and os.rmdir), for every K until a write
runs to its end; `moment-N` at MOMENTS random moments of a whole write (random.Random(SEED)). `new` is the
new set written without a fault. Prints what happened as JSON; the test then looks at each folder.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class FullDisk:
    """Bytes still free under one folder, shared by every file written there."""

    def __init__(self, folder: Path, free: int, full_at: str | None = None) -> None:
        self.folder = str(folder.resolve())
        self.free = free
        self.full_at = full_at

    def covers(self, file: object, mode: str) -> bool:
        if not isinstance(file, str | os.PathLike) or not any(c in mode for c in "wax+"):
            return False
        return os.path.abspath(os.fspath(file)).startswith(self.folder + os.sep)

    def install(self) -> None:
        real_open = io.open
        disk = self

        class Filling(io.FileIO):
            def write(self, data: Any) -> int:
                size = len(memoryview(data).cast("B"))
                if disk.free <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
                taken = min(size, disk.free)
                disk.free -= taken
                return super().write(memoryview(data).cast("B")[:taken])

        def fake_open(file: Any, mode: str = "r", buffering: int = -1, encoding: str | None = None,
                      errors: str | None = None, newline: str | None = None, closefd: bool = True,
                      opener: Any = None) -> Any:
            if not disk.covers(file, mode):
                return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
            if os.path.basename(os.fspath(file)) == disk.full_at:
                disk.free = 0
            raw = Filling(os.fspath(file), mode.replace("b", "").replace("t", ""))
            buffered = io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
            return buffered if "b" in mode else io.TextIOWrapper(buffered, encoding=encoding or "utf-8",
                                                                  errors=errors, newline=newline)

        builtins.open = io.open = fake_open  # type: ignore[assignment]


STEPS = ("replace", "fsync", "mkdir", "unlink", "rmdir")
_AT_ONCE = 2  # writes killed at their steps side by side, each in its own folder


def kill(rules_file: Path, input_dir: Path, earlier: Path, cases: Path, seed: int, moments: int) -> None:
    from pipeline.outputs.lock import writing_into
    from pipeline.outputs.write import write_outputs
    from pipeline.rules.load import load_rules
    from pipeline.run import RunOptions, run
    from pipeline.workspace.folders import Workspace

    result = run(load_rules(rules_file), Workspace.of(input_dir, None), RunOptions(lang="en"))
    write_outputs(result, cases / "new")

    def write(case: Path, at_step: int | None) -> None:
        with writing_into(case, "en"):  # taken before counting: the steps are the write's own
            if at_step is not None:
                count_steps_to(at_step)
            write_outputs(result, case)

    def start(case: Path, at_step: int | None) -> int:
        shutil.copytree(earlier, case)
        pid = os.fork()
        if pid == 0:
            try:
                write(case, at_step)
            finally:
                os._exit(0)  # the child's end, whatever happened: the test reads the folder
        return pid

    def ended(pid: int) -> str:
        _pid, status = os.waitpid(pid, 0)
        return "killed" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL else "finished"

    report: dict[str, str] = {}
    step = 1
    while "finished" not in report.values():  # until a write runs past its last step
        batch = {f"step-{k:03}": start(cases / f"step-{k:03}", k) for k in range(step, step + _AT_ONCE)}
        report.update({name: ended(pid) for name, pid in batch.items()})
        step += _AT_ONCE
    pid = start(cases / "timed", None)
    started = time.perf_counter()
    ended(pid)
    duration = time.perf_counter() - started
    chosen = random.Random(seed)
    for moment in range(moments):
        pid = start(cases / f"moment-{moment:02}", None)
        # Over the whole write and a little past it: some kills come once the new set is in place.
        time.sleep(chosen.uniform(0, duration * 1.1))
        os.kill(pid, signal.SIGKILL)
        report[f"moment-{moment:02}"] = ended(pid)
    print(json.dumps(report))


def count_steps_to(last: int) -> None:
    """Kill this process just before the `last`-th step."""
    count = 0

    def counted(real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            count += 1
            if count == last:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return step

    for name in STEPS:
        setattr(os, name, counted(getattr(os, name)))


def main(argv: list[str]) -> None:
    mode, rest = argv[0], argv[1:]
    if mode == "kill":
        rules_file, input_dir, earlier, cases, seed, moments = rest
        kill(Path(rules_file), Path(input_dir), Path(earlier), Path(cases), int(seed), int(moments))
        return
    split = rest.index("--")
    options, command = rest[:split], rest[split + 1:]
    if mode == "full-disk":
        free = options[0]
        FullDisk(Path(options[1]), int(free) if free.isdigit() else 1 << 40, None if free.isdigit() else free).install()
    else:
        raise SystemExit(f"unknown mode {mode}")
    from pipeline.cli.main import entry

    sys.argv = ["bloc-score", *command]
    entry()


if __name__ == "__main__":
    main(sys.argv[1:])
