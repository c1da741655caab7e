"""Progress of a large run: the library reports (stage, done, total); only the CLI draws bars."""

from __future__ import annotations

import pytest

import pipeline.cli.progress as cli
from pipeline.outputs.write import write_outputs
from pipeline.run import RunOptions, run
from pipeline.workspace.folders import Workspace
from tests.conftest import FULL_SMALL, values


@pytest.fixture
def three_units(small_rules, write_filled, tmp_path):
    for code in ("A", "B", "C"):
        write_filled(small_rules, code, values(**FULL_SMALL))
    return tmp_path / "input"


@pytest.mark.parametrize("workers", [1, 2])
def test_reading_counts_every_file(small_rules, three_units, workers):
    ticks = []
    run(small_rules, Workspace(input=three_units), RunOptions(workers=workers, tick=lambda *event: ticks.append(event)))
    assert ticks == [("read", 1, 3), ("read", 2, 3), ("read", 3, 3)]


def test_writing_counts_units_then_the_save(small_rules, three_units, tmp_path):
    result = run(small_rules, Workspace(input=three_units))
    ticks = []
    write_outputs(result, tmp_path / "out", tick=lambda *event: ticks.append(event))
    # each unit twice (matrix row, then its sheet), then the workbook going to disk
    assert ticks == [("write", n, 6) for n in range(1, 7)] + [("save", 0, 1), ("save", 1, 1)]


class FakeBar:
    def __init__(self, length, label, **_options):
        self.length, self.label, self.done, self.closed = length, label, 0, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def update(self, steps):
        self.done += steps


def test_bars_follow_the_ticks(monkeypatch, capsys):
    bars: list[FakeBar] = []
    monkeypatch.setattr(cli.click, "progressbar", lambda **kw: bars.append(FakeBar(**kw)) or bars[-1])
    progress = cli.ProgressBars("en")
    for done in range(1, 101):
        progress.tick("read", done, 100)
    for done in range(1, 201):
        progress.tick("write", done, 200)
    progress.tick("save", 0, 1)
    progress.tick("save", 1, 1)
    progress.close()
    assert [(b.label, b.length, b.done, b.closed) for b in bars] == [
        ("Reading the files", 100, 100, True), ("Writing the workbook", 200, 200, True)]
    assert "Saving the workbook" in capsys.readouterr().err


def test_no_bar_for_a_small_bloc(monkeypatch):
    monkeypatch.setattr(cli.click, "progressbar", lambda **kw: pytest.fail("a bar for nine files"))
    progress = cli.ProgressBars("vi")
    for done in range(1, 10):
        progress.tick("read", done, 9)
    progress.tick("save", 0, 1)
    progress.close()
