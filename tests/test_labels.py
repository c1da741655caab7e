"""The two label tables: the same keys and the same {placeholders}, so either language renders every text."""

from importlib import resources

import pytest

from pipeline.core.labels import LANGUAGES, catalogue, placeholders, text


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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_key_is_written_twice_in_a_catalogue(lang):
    # YAML keeps the last of two equal keys without a word: a text added twice (two branches, say) would
    # silently lose one of them.
    import yaml

    found: list[str] = []

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    found.append(f"{key} (line {key_node.start_mark.line + 1})")
                seen.add(key)
            return super().construct_mapping(node, deep)

    source = resources.files("pipeline.core").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    yaml.load(source, Loader=Loader)
    assert found == []

