"""The secretary's guide (huong-dan.html): shipped in the package, written by init, opened by `bloc-score guide`,
printed on at most four A4 pages."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from pipeline.workspace.folders import GUIDE, GUIDE_NAME, init_folder
from tests.conftest import invoke, libreoffice_convert

MAX_PAGES = 4


def test_the_guide_is_one_self_contained_vietnamese_html_file():
    html = GUIDE.read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert "@page { size: A4;" in html  # printed on A4
    # No external asset: it opens alone with a double-click, from a USB stick or an e-mail.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//|[^"'#])""", html)
    assert "<script" not in html and "@import" not in html
    for fact in ("schemas/", "input/", "bloc/", "output/", "bloc-score templates", "bloc-score appraisal",
                 "bloc-score run", "bloc-score feedback", "bloc-score ballot", "bloc-score pdf",
                 "bloc-score new-year --archive", "seal.key", "DỰ THẢO"):
        assert fact in html, fact


def test_init_writes_the_guide_and_keeps_one_already_there(tmp_path):
    init_folder(tmp_path / "khoi", lang="vi", year=2025)
    assert (tmp_path / "khoi" / GUIDE_NAME).read_bytes() == GUIDE.read_bytes()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / GUIDE_NAME).write_text("ghi chú riêng", encoding="utf-8")
    made = init_folder(tmp_path / "mine", lang="vi", year=2025)
    assert tmp_path / "mine" / GUIDE_NAME not in made.written
    assert (tmp_path / "mine" / GUIDE_NAME).read_text(encoding="utf-8") == "ghi chú riêng"


def test_guide_opens_the_working_folders_copy_else_the_packages(tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    monkeypatch.chdir(tmp_path)
    result = invoke("guide")
    assert result.exit_code == 0, result.output
    assert opened == [GUIDE.resolve().as_uri()]
    assert str(GUIDE.resolve()) in result.stdout and "Đã mở hướng dẫn" in result.stdout
    init_folder(tmp_path, lang="vi", year=2025)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert invoke("guide", "--print-path").stdout.strip() == str((tmp_path / GUIDE_NAME).resolve())
    invoke("guide")
    assert opened[-1] == (tmp_path / GUIDE_NAME).resolve().as_uri()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # writes nothing


def test_guide_says_where_the_file_is_when_no_browser_opens(tmp_path, monkeypatch):
    monkeypatch.setattr("webbrowser.open", lambda url: False)
    monkeypatch.chdir(tmp_path)
    result = invoke("guide", "--lang", "en")
    assert result.exit_code == 0
    assert f"Double-click this file to open the guide: {GUIDE.resolve()}" in result.stdout


@pytest.mark.libreoffice
def test_the_guide_prints_on_at_most_four_a4_pages(tmp_path, lo_profile):
    pdf = libreoffice_convert(GUIDE, "pdf", tmp_path, lo_profile)
    pages = PdfReader(pdf).pages
    assert 1 <= len(pages) <= MAX_PAGES
    width, height = (float(x) for x in pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "".join(page.extract_text() for page in pages)
    assert "Hướng dẫn cho thư ký" in text and "Năm mới" in text  # its end is printed too

