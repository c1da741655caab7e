"""The two label tables: the same keys and the same {placeholders}, so either language renders every text."""

from importlib import resources

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

    source = resources.files("pipeline").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    yaml.load(source, Loader=Loader)
    assert found == []


# ------------------------------------------------------------------------------ the parsed catalogue kept

def _catalogue_file(folder, body="a:\n  b: Một\nc: Hai\n"):
    path = folder / "xx.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _stored(folder):
    return sorted((folder / "__pycache__").glob("xx.*.marshal"))


def test_a_catalogue_parsed_once_is_kept_and_read_back_the_same(tmp_path, monkeypatch):
    from pipeline import labels

    path = _catalogue_file(tmp_path)
    first = labels.load_catalogue(path)
    assert first == {"a.b": "Một", "c": "Hai"}
    assert len(_stored(tmp_path)) == 1

    def no_parsing(source):
        raise AssertionError("the kept table should have been read")

    monkeypatch.setattr(labels, "parse_catalogue", no_parsing)
    assert labels.load_catalogue(path) == first


def test_an_edited_catalogue_is_parsed_again_and_replaces_the_kept_table(tmp_path):
    from pipeline.labels import load_catalogue

    path = _catalogue_file(tmp_path)
    load_catalogue(path)
    old = _stored(tmp_path)
    _catalogue_file(tmp_path, "c: Ba\n")
    assert load_catalogue(path) == {"c": "Ba"}
    assert len(_stored(tmp_path)) == 1 and _stored(tmp_path) != old


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_kept_table_is_ignored_and_rewritten(tmp_path, damage):
    import marshal

    from pipeline.labels import load_catalogue

    path = _catalogue_file(tmp_path)
    load_catalogue(path)
    [kept] = _stored(tmp_path)
    # None: a well-formed table of the wrong shape (a number where a text should be)
    kept.write_bytes(marshal.dumps({"c": 1}) if damage is None else damage)
    assert load_catalogue(path) == {"a.b": "Một", "c": "Hai"}
    assert load_catalogue(path) == {"a.b": "Một", "c": "Hai"}
    assert marshal.loads(kept.read_bytes()) == {"a.b": "Một", "c": "Hai"}


def test_a_folder_where_nothing_can_be_kept_still_gives_the_catalogue(tmp_path):
    from pipeline.labels import load_catalogue

    path = _catalogue_file(tmp_path)
    (tmp_path / "__pycache__").write_text("a file where the folder would be")
    assert load_catalogue(path) == {"a.b": "Một", "c": "Hai"}
    assert load_catalogue(path) == {"a.b": "Một", "c": "Hai"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_catalogues_read_the_same_kept_or_parsed(lang):
    from pipeline.labels import parse_catalogue

    source = resources.files("pipeline").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    assert catalogue(lang) == parse_catalogue(source)
