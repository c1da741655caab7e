"""Progress on stderr for a large run: a line per stage, and bars for reading and writing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from pipeline.core.labels import text

if TYPE_CHECKING:
    from pipeline.run import Progress, Tick


class ProgressBars:
    """Bars on stderr for reading and writing a large run, driven by the library's tick(stage, done, total)."""

    MIN_ITEMS = 50  # below this both stages take a blink: a bar would only flicker

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.open: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def tick(self, stage: str, done: int, total: int) -> None:
        if stage == "save":  # the workbook going to disk: the writing bar is full, say why it pauses
            if "write" in self.open and done < total:
                self._finish("write")
                click.echo(text(self.lang, "progress.saving"), err=True)
            return
        if total < self.MIN_ITEMS or (stage in self.done and stage not in self.open):
            return
        if stage not in self.open:
            # A redraw per file would cost more than some files take to read: about a hundred redraws in all.
            bar = click.progressbar(length=total, label=text(self.lang, f"progress.{stage}"), file=sys.stderr,
                                    update_min_steps=max(1, total // 100))
            self.open[stage] = bar.__enter__()
            self.done[stage] = 0
        self.open[stage].update(done - self.done[stage])
        self.done[stage] = done
        if stage == "read" and done >= total:  # the writing bar waits for the save
            self._finish(stage)

    def _finish(self, stage: str) -> None:
        self.open.pop(stage).__exit__(None, None, None)

    def close(self) -> None:
        for stage in list(self.open):
            self._finish(stage)


@contextmanager
def progress_shown(lang: str, *, quiet: bool) -> Iterator[tuple[Progress | None, Tick | None]]:
    """What a run tells of its progress, on a terminal only and unless quiet: (a line per stage, the bars)."""
    if quiet or not sys.stderr.isatty():
        yield None, None
        return
    bars = ProgressBars(lang)
    try:
        yield (lambda message: click.echo(message, err=True)), bars.tick
    finally:
        bars.close()
