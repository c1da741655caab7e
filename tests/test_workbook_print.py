"""The ranking sheet as leadership prints it: LibreOffice turns the sample's workbook into a PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.labels import text
from pipeline.run import run
from pipeline.write import write_outputs
from tests.conftest import SAMPLE_INPUT, libreoffice_convert

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed; .ci/run installs it so CI runs this",
)


def _pdf_text(pdf: Path, page: int) -> str:
    """The page's text with all white space removed: PDF text extraction splits Vietnamese words at will."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_the_sample_ranking_prints_on_one_a4_landscape_page(sample_rules, tmp_path, lo_profile):
    result = run(sample_rules, SAMPLE_INPUT)
    workbook = write_outputs(result, tmp_path / "output").workbook
    pdf = libreoffice_convert(workbook, "pdf", tmp_path / "pdf", lo_profile)

    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "1", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    width, height = map(float, re.search(r"Page\s+1 size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4, landscape

    lang = result.lang
    first_page = _pdf_text(pdf, 1)
    for placed in result.ranked:
        assert _squeeze(result.rules.unit(placed.unit_code).name) in first_page
    # The signature blocks close the sheet: on page 1, nothing of the ranking spilled onto page 2.
    assert _squeeze(text(lang, "workbook.signed_by_secretary")) in first_page
    assert _squeeze(text(lang, "workbook.signed_by_leader")) in first_page
    assert _squeeze(text(lang, "report.title", year=result.rules.year).upper()) in first_page
    assert _squeeze(text(lang, "workbook.chart_title", year=result.rules.year)) in _pdf_text(pdf, 2)
