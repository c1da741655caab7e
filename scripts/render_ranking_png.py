"""Regenerate docs/ranking-sheet.png: the sample's Ranking sheet as it comes out of the printer.

Scores the example bloc-year (pipeline/examples/quang-tri-2024/) into a temporary folder, has LibreOffice print the
workbook to PDF, and renders page 1 — the Ranking sheet — with pdftoppm. Needs `soffice` and
`pdftoppm` (poppler-utils) on PATH. Usage: .venv/bin/python scripts/render_ranking_png.py [--dpi 100]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.rules import load_rules  # noqa: E402
from pipeline.run import run  # noqa: E402
from pipeline.workspace import EXAMPLE, example_rules  # noqa: E402
from pipeline.write import write_outputs  # noqa: E402

TARGET = ROOT / "docs" / "ranking-sheet.png"


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    """Print `workbook` to PDF with a throwaway LibreOffice profile, so a running LibreOffice is not disturbed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice (LibreOffice) is not on PATH; install libreoffice-calc-nogui")
    profile = (out_dir / "lo-profile").resolve().as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to",
                    "pdf", "--outdir", str(out_dir), str(workbook)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{workbook.stem}.pdf"


def first_page_png(pdf: Path, target: Path, dpi: int) -> Path:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is not on PATH; install poppler-utils")
    target.parent.mkdir(parents=True, exist_ok=True)
    # -singlefile writes <prefix>.png for page 1 instead of numbering the pages.
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=100, help="resolution of the picture (default 100)")
    parser.add_argument("--out", type=Path, default=TARGET, help=f"where to write it (default {TARGET})")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        result = run(load_rules(example_rules()), EXAMPLE / "input")
        workbook = write_outputs(result, work / "output").workbook
        png = first_page_png(to_pdf(workbook, work), options.out, options.dpi)
    print(png.relative_to(ROOT) if png.is_relative_to(ROOT) else png)


if __name__ == "__main__":
    main()
