"""How sheets are cut into printed pages: pages_tall (no stray last page) and Pager (headings with tables)."""

from __future__ import annotations

import xlsxwriter

from pipeline.outputs.xlsx import PAGE_BODY, Pager, pages_tall


def _sheet(tmp_path, heights: list[float]):
    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    sheet = book.add_worksheet()
    for row, height in enumerate(heights):
        sheet.set_row(row, height)
    return book, sheet


def test_a_few_rows_past_a_page_do_not_make_a_page_of_their_own(tmp_path):
    widths = [100]  # at most one page wide unscaled: the page body's height is the measure
    book, sheet = _sheet(tmp_path, [PAGE_BODY[1] / 10] * 11)  # a page and a tenth
    assert pages_tall(sheet, 10, widths) == 1
    book, sheet = _sheet(tmp_path, [PAGE_BODY[1] / 10] * 16)  # a page and a half: a real second page
    assert pages_tall(sheet, 15, widths) == 2
    book.close()


def test_the_pager_breaks_before_what_does_not_fit_and_only_then(tmp_path):
    book, sheet = _sheet(tmp_path, [20.0] * 100)
    pager = Pager(sheet, [100])
    pager.took(0, 9)
    assert pager.fits(pager.body - pager.used) and not pager.fits(pager.body - pager.used + 1)
    pager.new_page(10)
    assert pager.used == 0 and pager.breaks == [10]
    pager.close()
    assert sheet.hbreaks == [10]
    book.close()
