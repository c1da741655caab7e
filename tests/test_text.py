"""Vietnamese text as it really arrives."""

import unicodedata

import pytest

from pipeline.core.text import clean, fold, legacy_encoding, normalise_code, slug


@pytest.mark.parametrize(("raw", "expected"), [
    (unicodedata.normalize("NFD", "Văn phòng Tỉnh ủy"), "Văn phòng Tỉnh ủy"),
    ("\u200bVăn\u00a0phòng  Tỉnh ủy\ufeff ", "Văn phòng Tỉnh ủy"),
    ("\u00d0ảng ủy Khối", "Đảng ủy Khối"),  # Icelandic eth for Đ
])
def test_clean(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("Hòa", "Hoà"), ("Ủy ban", "Uỷ ban"), ("thủy", "thuỷ"), ("ĐIỂM TỰ CHẤM", "điểm tự chấm"),
    (unicodedata.normalize("NFD", "Mã"), "Mã"),
])
def test_fold_ignores_case_accents_and_tone_placement(a, b):
    assert fold(a) == fold(b)


def test_slug():
    assert slug("Văn phòng Tỉnh ủy") == "Van-phong-Tinh-uy"
    assert slug("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh") == "Dang-uy-Khoi-cac-co-quan-va-doanh-nghiep-tinh"
    assert slug("Trường CT Lê Duẩn (bản sửa)") == "Truong-CT-Le-Duan-ban-sua"


@pytest.mark.parametrize(("raw", "code"), [
    ("1.1", "1.1"), (" 1.1 ", "1.1"), (1.1, "1.1"), (2.0, "2"), (3, "3"), ("i", "I"), ("1.", "1"),
    ("vptu\u200b", "VPTU"), (None, ""), ("", ""),
])
def test_normalise_code(raw, code):
    assert normalise_code(raw) == code


@pytest.mark.parametrize(("value", "encoding"), [
    ("B¶o Th¾ng", "tcvn3"),
    ("B¸o c¸o tæng kÕt c«ng t¸c n¨m 2024", "tcvn3"),
    ("Xin chaøo", "vni"),
    ("Coâng vaên soá 45", "vni"),
    ("Báo cáo tổng kết công tác năm 2024", None),
    ("Hoà thuận, thuỷ lợi, Uỷ ban", None),
    ("Bao cao so 45 ngay 10/12/2024", None),
    ("Báo cáo", None),
    ("Nhiệt độ 25°C ± 2", None),
    ("", None),
])
def test_legacy_encoding(value, encoding):
    assert legacy_encoding(value) == encoding


VIETNAMESE_LOWER = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"


def test_tcvn3_round_trip_of_every_vietnamese_letter():
    from pipeline.core.text import from_tcvn3, to_tcvn3

    assert from_tcvn3(to_tcvn3(VIETNAMESE_LOWER)) == VIETNAMESE_LOWER
    # every letter with a mark really went through the table (nothing left as Unicode Vietnamese)
    assert all(ord(ch) < 0x100 for ch in to_tcvn3(VIETNAMESE_LOWER))


@pytest.mark.parametrize(("legacy", "unicode"), [
    ("B¶o Th¾ng", "Bảo Thắng"),
    ("B¸o c¸o tæng kÕt c«ng t¸c n¨m 2024", "Báo cáo tổng kết công tác năm 2024"),
    ("§¶ng ñy Khèi", "Đảng ủy Khối"),
])
def test_from_tcvn3(legacy, unicode):
    from pipeline.core.text import from_tcvn3

    assert from_tcvn3(legacy) == unicode
    assert legacy_encoding(legacy) == "tcvn3"
