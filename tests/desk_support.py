"""A live desk for the tests: `bloc-score desk`'s own `serve`, on the loopback address and a free port, in a
thread of the test process; and what the tests send it, with or without its cookie."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.cli.desk.guard import COOKIE, Guard
from pipeline.cli.desk.server import serve
from pipeline.workspace.folders import init_folder

# Debian's browser without a screen (package chromium-headless-shell): the binary, or its wrapper on PATH.
BROWSER = next((path for path in ("/usr/lib/chromium/chromium-headless-shell",
                                  shutil.which("chromium-headless-shell") or "") if path and Path(path).is_file()),
               None)
NO_BROWSER = ("Debian's chromium-headless-shell is not installed; .ci/run installs it (with libatomic1) so CI "
              "walks the desk in a real browser")


@dataclass(frozen=True)
class LiveDesk:
    guard: Guard
    folder: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.guard.port}"

    def request(self, method: str, path: str, *, cookie: str | None = "own", headers: Mapping[str, str] = {},
                body: bytes | None = None) -> http.client.HTTPResponse:
        """One request as a client on this PC makes it; `cookie` "own" is the desk's, None none, else that."""
        sent = {"Host": f"127.0.0.1:{self.guard.port}"}
        if method == "POST":
            sent["Origin"] = self.base
        if cookie is not None:
            sent["Cookie"] = f"{COOKIE}={self.guard.token if cookie == 'own' else cookie}"
        sent.update(headers)
        connection = http.client.HTTPConnection("127.0.0.1", self.guard.port, timeout=60)
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.body = response.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        connection.close()
        return response

    def page(self) -> str:
        """The year's page as the browser shows it next: with what the last action said."""
        answer = self.request("GET", "/")
        assert answer.status == 200
        return str(answer.body)  # type: ignore[attr-defined]

    def upload(self, path: str, field: str, files: list[tuple[str, bytes]], *, cookie: str | None = "own",
               headers: Mapping[str, str] = {}) -> http.client.HTTPResponse:
        boundary = uuid.uuid4().hex
        parts = []
        for name, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, cookie=cookie, body=body,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **headers})


@contextmanager
def live_desk(folder: Path, *, lang: str | None = None) -> Iterator[LiveDesk]:
    """The desk of `folder` while the block runs, started in it as `bloc-score desk` starts; closed by its own
    Quit at the end."""
    ready = threading.Event()
    found: list[Guard] = []

    def started(guard: Guard) -> None:
        found.append(guard)
        ready.set()

    thread = threading.Thread(target=serve, kwargs={"folder": Path("."), "lang": lang, "open_browser": False,
                                                    "say": lambda _guard: None, "ready": started}, daemon=True)
    before = os.getcwd()
    os.chdir(folder)
    try:
        thread.start()
        assert ready.wait(30), "the desk did not start"
        desk = LiveDesk(found[0], folder.resolve())
        try:
            yield desk
        finally:
            with contextlib.suppress(OSError):  # closed already, by the page's own button
                desk.request("POST", "/quit")
            thread.join(10)
            assert not thread.is_alive(), "the desk did not stop on Quit"
    finally:
        os.chdir(before)


def example_folder(tmp_path: Path, *, with_inputs: bool = True) -> Path:
    """A working folder made by `init --example`; without its inputs, its units' files are in tmp_path/sent/
    and the bloc's records removed, as on the first day of the year's collection."""
    folder = tmp_path / "khoi"
    init_folder(folder, example=True)
    if not with_inputs:
        sent = tmp_path / "sent"
        sent.mkdir()
        for path in sorted((folder / "input").iterdir()):
            shutil.move(str(path), sent / path.name)
        for record in (folder / "bloc").glob("*.xlsx"):
            record.unlink()
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: what a refused request must leave as it was."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
