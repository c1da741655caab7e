"""The two label tables: the same keys and the same {placeholders}, so either language renders every text."""

import pytest

from pipeline.labels import LANGUAGES, catalogue, placeholders, text


def test_both_languages_have_the_same_keys():
    vi, en = catalogue("vi"), catalogue("en")
    assert sorted(set(vi) - set(en)) == []
    assert sorted(set(en) - set(vi)) == []


def test_both_languages_expect_the_same_placeholders():
    vi, en = catalogue("vi"), catalogue("en")
    assert [key for key in vi if placeholders(vi[key]) != placeholders(en.get(key, ""))] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_twelve_month_names(lang):
    assert len(text(lang, "workbook.month_names").split(",")) == 12


@pytest.mark.parametrize(("month", "shown"), [(1, "01"), (2, "02"), (3, "3"), (11, "11")])
def test_vietnamese_dates_pad_day_and_only_the_first_two_months(month, shown):
    # Nghị định 30/2020/NĐ-CP: days below 10 and months 1 and 2 take a leading zero.
    name = text("vi", "workbook.month_names").split(",")[month - 1]
    assert text("vi", "workbook.place_date", place="Quảng Trị", day=5, month=name, year=2024) == \
        f"Quảng Trị, ngày 05 tháng {shown} năm 2024"
