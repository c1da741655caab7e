"""The year walked through the desk in a real browser (Debian's chromium-headless-shell driven by Playwright),
as a secretary would: open, drop the units' files with one broken, see its problem at its cell, drop the
corrected file and set the broken one aside, fill and upload the appraisal, run, download the ranking — whose
every cell equals the command line's run on the same folder. In Vietnamese, then in English.

Screenshots of every page at 1366×768 land in the test's folder, or in $DESK_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import openpyxl
import pytest

from pipeline.core.labels import text
from pipeline.rules.load import load_rules
from pipeline.run import check_submissions
from tests.conftest import invoke
from tests.desk_support import BROWSER, NO_BROWSER, example_folder, live_desk
from tests.golden_dump import dump_workbook
from tests.test_province import province_folder  # noqa: F401  (the province built in code, as a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]
WINDOW = {"width": 1366, "height": 768}
BROKEN_UNIT, BROKEN_CELL = "BTGTU", "D8"  # criterion 1.1, at most 20 points
APPRAISED_UNIT, APPRAISED_CODE, APPRAISED_SCORE = "VPTU", "1.1", 17


@pytest.fixture(scope="module")
def browser():
    if BROWSER is None:
        pytest.skip(NO_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A launch error fails the test: only an absent browser skips.
        launched = playwright.chromium.launch(executable_path=BROWSER)
        yield launched
        launched.close()


class Screens:
    def __init__(self, folder: Path, lang: str) -> None:
        self.folder, self.lang, self.count = folder, lang, 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.lang}-{self.count:02d}-{name}.png"))


def fits(page) -> bool:
    """No sideways scrolling in a 1366×768 window."""
    return page.evaluate("document.documentElement.scrollWidth") <= WINDOW["width"]


def submit(page, button) -> None:
    """Press a form's button and wait for the page the desk answers with."""
    with page.expect_navigation():
        button.click()


def broken_copy(source: Path, target: Path) -> Path:
    """The unit's file with a score above its criterion's maximum, as a unit's slip makes it."""
    book = openpyxl.load_workbook(source)
    book.worksheets[0][BROKEN_CELL] = 25
    book.save(target)
    return target


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_year_walked_in_the_browser(browser, tmp_path, monkeypatch, lang):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1734660000")  # the desk's run and the command's: the same moment
    folder = example_folder(tmp_path, with_inputs=False)
    rules = load_rules(next((folder / "schemas").glob("*.yaml")))
    sent = sorted((tmp_path / "sent").iterdir())
    genuine = next(path for path in sent if f"_{BROKEN_UNIT}_" in path.name)
    broken = broken_copy(genuine, tmp_path / genuine.name)
    dropped = [broken if path == genuine else path for path in sent]
    screens = Screens(Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path / "screens"), lang)

    def t(key: str, **params: object) -> str:
        return text(lang, f"desk.{key}", **params)

    context = browser.new_context(viewport=WINDOW, locale="vi-VN" if lang == "vi" else "en-US",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    with live_desk(folder) as desk:
        page.goto(desk.guard.address)
        assert page.url == f"{desk.base}/"  # the token left the address at once
        if lang == "en":
            submit(page, page.get_by_role("button", name="English"))
        assert page.get_by_role("heading", level=1).inner_text() == t("title")
        assert fits(page)
        screens.take(page, "open")

        # Every unit's file dropped at once, one of them broken.
        page.get_by_label(t("drop_label")).set_input_files([str(path) for path in dropped])
        submit(page, page.get_by_role("button", name=t("drop_button")))
        assert t("received", name=broken.name) in page.locator(".outcome").inner_text()
        row = page.locator(f"#unit-{BROKEN_UNIT}")
        assert t("unit_invalid") in row.inner_text()
        screens.take(page, "dropped")

        # Its problem at its cell, in the words the terminal uses.
        row.get_by_role("link").click()
        problems = page.locator("table.problems")
        assert BROKEN_CELL in problems.inner_text()
        for issue in check_submissions(rules, [broken]).issues:
            if issue.severity == "error":
                assert issue.message(lang) in problems.inner_text()
        screens.take(page, "problems")

        # The corrected file: a second file of the unit until the broken one is set aside.
        page.get_by_role("link", name=t("back")).click()
        page.get_by_label(t("drop_label")).set_input_files(str(genuine))
        submit(page, page.get_by_role("button", name=t("drop_button")))
        corrected = f"{genuine.stem} (2){genuine.suffix}"
        assert t("received", name=corrected) in page.locator(".outcome").inner_text()
        row.get_by_role("link").click()
        submit(page, page.get_by_role("button", name=f"{t('set_aside_button')}: {broken.name}"))
        assert t("set_aside_done", name=broken.name, path="\0").split("\0")[0] in page.inner_text("main")
        assert t("unit_scored") in row.inner_text()
        assert not (folder / "input" / broken.name).exists()
        assert list((folder / "input" / "previous").rglob(broken.name))
        screens.take(page, "corrected")

        # The bloc's appraisal: made, downloaded, filled as the leaders decided, uploaded.
        submit(page, page.get_by_role("button", name=t("make_appraisal")))
        with page.expect_download() as download:
            page.get_by_role("link", name=t("download", name=f"appraisal-{rules.year}.xlsx")).click()
        book_path = tmp_path / "filled.xlsx"
        download.value.save_as(book_path)
        book = openpyxl.load_workbook(book_path)
        sheet = book[APPRAISED_UNIT]
        row_of = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
        sheet.cell(row_of[APPRAISED_CODE], 5).value = APPRAISED_SCORE
        sheet.cell(row_of[APPRAISED_CODE], 6).value = "Kết quả kiểm tra của Khối"
        book.save(book_path)
        page.get_by_label(t("upload_label", what=t("record_appraisal").lower())).set_input_files(str(book_path))
        submit(page, page.get_by_role("button", name=t("upload_button"), exact=True).first)
        assert t("record_saved", name="filled.xlsx", path=f"bloc/appraisal-{rules.year}.xlsx") \
            in page.locator(".outcome").inner_text()
        assert t("record_filled") in page.locator("table.records").inner_text()
        screens.take(page, "appraised")

        # The run, its report as the terminal shows it, and the ranking workbook downloaded.
        page.get_by_role("button", name=t("run_button")).click()
        page.get_by_role("heading", name=t("done_title")).wait_for()
        report = page.locator("pre").inner_text()
        assert text(lang, "report.title", year=rules.year) in report
        screens.take(page, "ran")
        with page.expect_download() as download:
            page.get_by_role("link", name=t("output_ranking")).click()
        from_desk = tmp_path / "from-desk.xlsx"
        download.value.save_as(from_desk)
        page.get_by_role("link", name=t("back")).click()
        assert t("unit_scored") in page.locator(f"#unit-{APPRAISED_UNIT}").inner_text()
        assert fits(page)
        screens.take(page, "year")
        page.goto(f"{desk.base}/rules")
        screens.take(page, "rules")
        page.goto(f"{desk.base}/")

        # The status page printed: no button, no form, the units and the outputs.
        page.emulate_media(media="print")
        assert not page.get_by_role("button", name=t("run_button")).is_visible()
        assert page.locator("table.units").is_visible()
        page.pdf(path=str(screens.folder / f"{lang}-status.pdf"), format="A4", print_background=True)
        page.emulate_media(media="screen")

        # Closed from the page; a browser without the desk's cookie is refused.
        submit(page, page.get_by_role("button", name=t("quit")))
        assert page.get_by_role("heading", name=t("closed_title")).is_visible()
        screens.take(page, "closed")
    context.close()

    # The command line on the same folder, as the secretary could at any moment.
    monkeypatch.chdir(folder)
    result = invoke("run", "--lang", lang) if lang == "en" else invoke("run")
    assert result.exit_code in (0, 1), result.output
    replacements = {str(folder): "<folder>"}
    assert dump_workbook(from_desk, replacements) == dump_workbook(folder / "output" / f"ranking-{rules.year}.xlsx",
                                                                   replacements)
    ranking = openpyxl.load_workbook(from_desk)
    assert any(cell.value == APPRAISED_SCORE for sheet in ranking.worksheets if APPRAISED_UNIT in sheet.title
               for row in sheet.iter_rows() for cell in row)
    shutil.rmtree(tmp_path / "sent")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_long_run_shows_its_progress(browser, tmp_path, monkeypatch, lang):
    """A province-sized run takes a while: the page follows it (the script reads /progress) and shows the
    report once it is done. The run is held at its writing stage here, to be seen."""
    from pipeline.cli.desk import actions
    from pipeline.cli.desk.jobs import Outcome

    folder = example_folder(tmp_path)
    release = threading.Event()
    screens = Screens(Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path / "screens"), lang)

    def held_run(_folder, _lang, progress):
        progress.message, progress.stage, progress.done, progress.total = "Ghi bảng tổng hợp", "write", 420, 1000
        release.wait(60)
        return Outcome(True, ["Đã chấm đủ 1000 đơn vị."])

    monkeypatch.setattr(actions, "run_year", held_run)
    context = browser.new_context(viewport=WINDOW)
    page = context.new_page()
    page.set_default_timeout(30_000)
    with live_desk(folder, lang=lang) as desk:
        page.goto(desk.guard.address)
        # By the keyboard alone, as without a mouse: Tab to the button, Enter.
        run_button = page.get_by_role("button", name=text(lang, "desk.run_button"))
        for _ in range(40):
            page.keyboard.press("Tab")
            if run_button.evaluate("button => button === document.activeElement"):
                break
        assert run_button.evaluate("button => button === document.activeElement"), "the Run button is not reachable"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('run-bar').value == 420")
        assert page.get_by_role("status").inner_text() == "Ghi bảng tổng hợp"
        assert page.evaluate("document.getElementById('run-bar').max") == 1000
        screens.take(page, "running")
        with page.expect_navigation():
            release.set()  # the script sees the run finished and shows its report
        assert page.get_by_role("heading", name=text(lang, "desk.done_title")).is_visible()
        assert "Đã chấm đủ 1000 đơn vị." in page.locator("pre").inner_text()
    context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_province_folder_shows_its_blocs(browser, tmp_path, province_folder, lang):  # noqa: F811
    """A province folder (docs/province.md) on the desk: each bloc with its state and problems, as a bloc's
    units are; the consolidation by `bloc-score province`'s own calls, its workbook downloaded."""
    folder = tmp_path / "tinh"
    shutil.copytree(province_folder, folder)
    screens = Screens(Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path / "screens"), f"province-{lang}")

    def t(key: str, **params: object) -> str:
        return text(lang, f"desk.{key}", **params)

    context = browser.new_context(viewport=WINDOW, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    with live_desk(folder, lang=lang) as desk:
        page.goto(desk.guard.address)
        assert page.get_by_role("heading", level=1).inner_text() == t("title_province")
        blocs = page.locator("table.units")
        for code, state in (("KA", "final"), ("KC", "provisional"), ("KD", "broken"), ("KE", "missing")):
            assert text(lang, f"province.state_{state}") in page.locator(f"#bloc-{code}").inner_text()
        assert "khoi-a" in blocs.inner_text()
        assert fits(page)
        screens.take(page, "blocs")
        page.locator("#bloc-KD").get_by_role("link").click()
        assert "province-fingerprint-mismatch" in page.locator("table.problems").inner_text()
        screens.take(page, "bloc-problems")
        page.get_by_role("link", name=t("back")).click()
        submit(page, page.get_by_role("button", name=t("province_button")))
        page.get_by_role("heading", name=t("done_title")).wait_for()
        screens.take(page, "consolidated")
        with page.expect_download() as download:
            page.get_by_role("link", name=t("province_output_workbook")).click()
        saved = tmp_path / "province.xlsx"
        download.value.save_as(saved)
        assert openpyxl.load_workbook(saved).sheetnames[0]
        assert desk.request("GET", "/unit/A1").status == 404  # a bloc's pages have no year here
    context.close()
