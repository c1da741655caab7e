"""Regenerate docs/ranking-sheet.png and docs/unit-sheet.png: the sample's Ranking and first unit sheet, printed.

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

from pipeline.outputs.pdf import print_pdf  # noqa: E402
from pipeline.outputs.write import write_outputs  # noqa: E402
from pipeline.rules.load import load_rules  # noqa: E402
from pipeline.run import run  # noqa: E402
from pipeline.workspace.folders import EXAMPLE, Workspace, example_rules  # noqa: E402

TARGET = ROOT / "docs" / "ranking-sheet.png"
UNIT_TARGET = ROOT / "docs" / "unit-sheet.png"  # the first unit sheet's first page


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    """The Ranking sheet as `bloc-score pdf` prints it (its own page count in the footer)."""
    return print_pdf(workbook, out_dir / "ranking.pdf", all_sheets=False, lang="vi")


def first_page_png(pdf: Path, target: Path, dpi: int, page: int = 1) -> Path:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is not on PATH; install poppler-utils")
    target.parent.mkdir(parents=True, exist_ok=True)
    # -singlefile writes <prefix>.png for page 1 instead of numbering the pages.
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=100, help="resolution of the picture (default 100)")
    parser.add_argument("--out", type=Path, default=TARGET, help=f"where to write it (default {TARGET})")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        # With the bloc's records (its appraisal workbook and tally), as the example is run: final, not a draft.
        result = run(load_rules(example_rules()), Workspace(input=EXAMPLE / "input", bloc=EXAMPLE / "bloc"))
        workbook = write_outputs(result, work / "output").workbook
        png = first_page_png(to_pdf(workbook, work), options.out, options.dpi)
        # Each sheet printed on its own, pages numbered per sheet: Ranking 1, Chart 2, matrix 3–4, first unit 5.
        whole = print_pdf(workbook, work / "all.pdf", all_sheets=True, lang=result.lang)
        unit_png = first_page_png(whole, UNIT_TARGET, options.dpi, page=5)
    for made in (png, unit_png):
        print(made.relative_to(ROOT) if made.is_relative_to(ROOT) else made)


if __name__ == "__main__":
    main()
