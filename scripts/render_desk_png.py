"""Regenerate docs/desk.png: the desk's page over a copy of the example, as a 1366×768 window shows it.

Starts `bloc-score desk`'s own server on a copy of the example bloc-year (pipeline/examples/quang-tri-2024/) in a
temporary folder and photographs its page with Debian's chromium-headless-shell through Playwright (a test
extra). Usage: .venv/bin/python scripts/render_desk_png.py [--lang vi|en]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cli.desk.guard import Guard  # noqa: E402
from pipeline.cli.desk.server import serve  # noqa: E402
from pipeline.workspace.folders import init_folder  # noqa: E402

TARGET = ROOT / "docs" / "desk.png"
BROWSER = "/usr/lib/chromium/chromium-headless-shell"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", choices=["vi", "en"], default="vi")
    parser.add_argument("--out", type=Path, default=TARGET)
    options = parser.parse_args()
    if not Path(BROWSER).is_file():
        raise SystemExit(f"{BROWSER} is missing: apt-get install chromium-headless-shell")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "khoi-thi-dua"
        init_folder(folder, example=True)
        os.chdir(folder)
        started: list[Guard] = []
        ready = threading.Event()
        threading.Thread(target=serve, daemon=True, kwargs={
            "folder": Path("."), "lang": options.lang, "open_browser": False, "say": lambda _guard: None,
            "ready": lambda guard: (started.append(guard), ready.set())}).start()
        if not ready.wait(30):
            raise SystemExit("the desk did not start")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER)
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
            page.goto(started[0].address)
            page.screenshot(path=str(options.out))
            browser.close()
    print(options.out)


if __name__ == "__main__":
    main()
