"""`bloc-score desk`: the desk served on this PC alone, until the page's Quit button or Ctrl-C."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from waitress.server import create_server

from pipeline.cli.desk.app import create_app
from pipeline.cli.desk.guard import LOOPBACK, Guard

THREADS = 4  # a page, its stylesheet and script, and the run's progress at once


def serve(folder: Path, *, lang: str | None, open_browser: bool, say: Callable[[Guard], None],
          ready: Callable[[Guard], None] | None = None) -> None:
    """Serve the desk of `folder` on the loopback address and a free port until it is quit; `say` is told the
    address (with its token) once the server listens, `ready` too (a test's hook)."""
    stop = threading.Event()
    desk: list[Flask] = []  # the app, once the port it answers on is known
    # Port 0: the system gives a free one; the guard learns it once the socket is bound.
    server = create_server(lambda environ, start: desk[0](environ, start), host=LOOPBACK, port=0,
                           threads=THREADS, ident="bloc-score")
    guard = Guard(port=int(server.effective_port))
    desk.append(create_app(folder, guard, lang=lang, on_quit=stop.set))
    worker = threading.Thread(target=server.run, name="bloc-score-desk", daemon=True)
    worker.start()
    say(guard)
    if ready is not None:
        ready(guard)
    if open_browser:
        webbrowser.open(guard.address)
    try:
        while not stop.wait(0.5):  # a short wait: Ctrl-C is seen at once on Windows too
            pass
    finally:
        server.close()
