"""The ranking workbook as leadership prints it: bloc-score pdf (LibreOffice) on the sample and a draft."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.errors import ExitCode
from pipeline.core.labels import text
from pipeline.outputs.pdf import print_pdf
from pipeline.outputs.write import write_outputs
from pipeline.run import RunOptions, run
from pipeline.workspace.folders import Workspace
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT, SAMPLE_RULES

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed; .ci/run installs it so CI runs this",
)
SAMPLE_PAGES = 35  # the README says the same
FOOTER_TOP = 550  # the page-number footer sits below this, in points from the top of the A4 landscape page
POINTS_PER_HEIGHT = 1.299  # a word's box is 1.3 × its font size in LibreOffice's PDF (Times New Roman)


def _pdf_text(pdf: Path, page: int) -> str:
    """The page's text with all white space removed: PDF text extraction splits Vietnamese words at will."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def _words(pdf: Path, page: int) -> list[tuple[float, float, float]]:
    """(top, bottom, font size) of every word on the page."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    boxes = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', out)
    return [(float(top), float(bottom), (float(bottom) - float(top)) / POINTS_PER_HEIGHT) for top, bottom in boxes]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


@pytest.fixture(scope="module")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory, sample_rules):
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("print")
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    workbook = write_outputs(result, folder / "output").workbook
    ranking = print_pdf(workbook, folder / "ranking.pdf", all_sheets=False, lang=result.lang)
    whole = print_pdf(workbook, folder / "all.pdf", all_sheets=True, lang=result.lang)
    return result, ranking, whole


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_the_sample_ranking_is_one_a4_landscape_annex_page_numbered_1_of_1_with_comma_decimals(sample_pdfs):
    result, ranking, _ = sample_pdfs
    assert _pages(ranking) == 1
    info = subprocess.run(["pdfinfo", str(ranking)], check=True, capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4, landscape
    page = _pdf_text(ranking, 1)
    assert _squeeze(text("vi", "workbook.page_footer", page=1, pages=1)) in page  # not "1 / 26"
    for placed in result.ranked:
        assert _squeeze(result.rules.unit(placed.unit_code).name) in page
    # An annex of the bloc's report (the rules' attached_to): the report is numbered and signed, not the table.
    assert _squeeze(text("vi", "letterhead.annex")) in page
    assert _squeeze(result.rules.signers[0].name) not in page
    assert _squeeze(text("vi", "letterhead.draft")) not in page
    # Printed in the document's language: a decimal comma, as the terminal and the Word documents write it.
    assert "98,50" in page and "98.50" not in page


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_the_whole_sample_prints_to_the_pages_the_readme_states_each_numbered_per_sheet(sample_pdfs):
    _, _, whole = sample_pdfs
    assert _pages(whole) == SAMPLE_PAGES
    assert f"prints to {SAMPLE_PAGES} A4 pages" in (Path(__file__).parent.parent / "README.md").read_text()
    assert _squeeze(text("vi", "workbook.chart_title", year=2024)) in _pdf_text(whole, 2)
    footers = []
    for page in range(1, SAMPLE_PAGES + 1):
        words = _words(whole, page)
        body = [bottom for _, bottom, _ in words if bottom < FOOTER_TOP]
        # No stray block: the text above the footer reaches at least a fifth down the page's body.
        assert max(body) > 36 + (FOOTER_TOP - 36) / 5, page
        # Nothing printed smaller than 8 pt, on any sheet.
        assert min(size for *_, size in words) >= 8 - 0.05, page
        raw = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(whole), "-"], check=True,
                             capture_output=True, text=True).stdout
        footers.append(re.search(r"Trang\s*(\d+)\s*/\s*(\d+)\b", raw).groups())
    # Each sheet's pages counted on their own: the unit sheets' "1/3, 2/3, 3/3", never "7/35".
    assert all(int(page) <= int(pages) < SAMPLE_PAGES for page, pages in footers)
    assert footers[0] == ("1", "1")


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_the_sample_matrix_prints_no_text_below_8_pt(sample_pdfs):
    _, _, whole = sample_pdfs
    matrix_pages = [page for page in range(1, SAMPLE_PAGES + 1)
                    if _squeeze(text("vi", "column.criterion")) in _pdf_text(whole, page)
                    and "VPTU" in _pdf_text(whole, page) and "BQT" in _pdf_text(whole, page)][:2]
    assert matrix_pages == [3, 4]
    for page in matrix_pages:
        assert min(size for *_, size in _words(whole, page)) >= 8 - 0.05, page


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_a_provisional_ranking_prints_draft_and_no_signature_block(sample_rules, tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    for path in sorted(SAMPLE_INPUT.glob("*.xlsx"))[1:]:  # one unit's file missing
        shutil.copy(path, folder / path.name)
    result = run(sample_rules, Workspace(input=folder))
    assert result.provisional and not result.final
    workbook = write_outputs(result, tmp_path / "output").workbook
    page = _pdf_text(print_pdf(workbook, tmp_path / "draft.pdf", all_sheets=False, lang="vi"), 1)
    assert _squeeze(text("vi", "letterhead.draft")) in page
    assert _squeeze(text("vi", "letterhead.capacity_party")) not in page
    assert _squeeze(sample_rules.signers[0].name) not in page


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_every_figure_on_the_whole_sample_is_written_the_vietnamese_way(sample_pdfs):
    _, _, whole = sample_pdfs
    printed = subprocess.run(["pdftotext", "-layout", str(whole), "-"], check=True, capture_output=True,
                             text=True).stdout
    assert re.search(r"\b\d{1,3}\.\d{3}\b", printed)  # the Audit's file sizes: 14.040
    assert not re.search(r"\b\d+\.\d{2}\b", printed)  # never 98.50
    assert not re.search(r"\b\d{1,3},\d{3}\b", printed)  # never 14,040
    assert not re.search(r"\d %", printed)  # 88,89%: no space before the sign


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_poppler
def test_an_english_workbook_prints_with_decimal_points_whoever_prints_it(sample_rules, tmp_path):
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC), RunOptions(lang="en"))
    workbook = write_outputs(result, tmp_path / "output").workbook
    page = _pdf_text(print_pdf(workbook, tmp_path / "en.pdf", all_sheets=False, lang="vi"), 1)
    assert "98.50" in page and "98,50" not in page


def test_run_pdf_without_libreoffice_says_how_to_get_it_and_does_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = tmp_path / "output"
    outcome = CliRunner().invoke(main, ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT),
                                        "--out", str(out), "--pdf"])
    assert outcome.exit_code == ExitCode.USER_ERROR
    assert text("vi", "paper.no_soffice") in outcome.output
    assert not out.exists()  # nothing done as asked: exit 2


def test_pdf_command_without_libreoffice_explains_itself(tmp_path, monkeypatch):
    workbook = tmp_path / "ranking-2024.xlsx"
    workbook.write_bytes(b"PK")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    outcome = CliRunner().invoke(main, ["pdf", str(workbook), "--lang", "en"])
    assert outcome.exit_code == ExitCode.USER_ERROR
    assert text("en", "paper.no_soffice") in outcome.output


@pytest.mark.libreoffice
@pytest.mark.slow
def test_run_pdf_writes_the_ranking_pdf_beside_the_workbook(tmp_path):
    out = tmp_path / "output"
    outcome = CliRunner().invoke(main, ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT),
                                        "--out", str(out), "--pdf", "--number", "15-BC/KTĐ", "--date", "2024-12-20"])
    assert outcome.exit_code == ExitCode.DONE, outcome.output
    assert (out / "ranking-2024.pdf").read_bytes().startswith(b"%PDF")
    assert text("vi", "paper.written", path=str(out / "ranking-2024.pdf"), pages=1) in outcome.output
