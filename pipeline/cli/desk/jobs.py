"""The desk does one thing at a time, as the commands do in a folder: a long one (the run) in a thread of its
own, its progress read by the page while it works."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.core.errors import BlocScoreError
from pipeline.core.labels import text


@dataclass
class Outcome:
    """What an action did, as the page shows it once: the command's own lines, or what went wrong."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    title: str = ""


@dataclass
class Progress:
    """Where the long action stands: the stage's line as the terminal says it, and its count."""

    message: str = ""
    stage: str = ""
    done: int = 0
    total: int = 0
    finished: bool = False
    outcome: Outcome | None = None


class Desk:
    """One action at a time: `busy` is held by whatever is writing into the folder meanwhile."""

    def __init__(self) -> None:
        self.busy = threading.Lock()
        self.progress: Progress | None = None
        self.shown: Outcome | None = None  # shown once on the next page

    def start(self, work: Callable[[Progress], Outcome], lang: str) -> bool:
        """Run `work` in a thread of its own; False when something else is running."""
        if not self.busy.acquire(blocking=False):
            return False
        progress = Progress(message=text(lang, "desk.run_started"))
        self.progress = progress

        def go() -> None:
            try:
                progress.outcome = work(progress)
            except BlocScoreError as error:
                progress.outcome = Outcome(False, [error.message])
            except Exception as error:  # a bug: said in the page as the terminal says it, never a traceback
                progress.outcome = Outcome(False, [text(lang, "cli.internal_error",
                                                        detail=f"{type(error).__name__}: {error}")])
            finally:
                progress.finished = True
                self.busy.release()

        threading.Thread(target=go, name="bloc-score-desk-run", daemon=True).start()
        return True
