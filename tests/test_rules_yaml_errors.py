"""A syntax error of the rules file in words, at the line where the mistake is, in both languages."""

from __future__ import annotations

import pytest

from pipeline.core.errors import RulesError
from pipeline.rules.load import parse_rules

CASES = {
    "tab": ("bloc: x\nunits:\n\t- a\n", 3, "ký tự Tab"),
    "unclosed quote": ('bloc: x\nname: "Khối thi đua\nyear: 2024\n\n\n', 2, "dấu nháy mở ở dòng này chưa được đóng"),
    "unclosed bracket": ("bloc: x\nunits: [a, b\nyear: 1\n", 2, "dấu '[' mở ở dòng này chưa được đóng bằng ']'"),
    "missing colon": ("bloc: x\nyear 2024\nunits: 1\n", 2, "thiếu dấu hai chấm"),
    "no space after the colon": ("bloc: x\nyear:2024\nunits:\n  - a\n", 2, "thiếu dấu cách sau dấu hai chấm"),
    "indented too deep": ("bloc: x\n  year: 2024\n", 2, "thụt vào sâu hơn"),
    "bad indentation": ("bloc: x\nunits:\n  - a: 1\n   b: 2\n", 4, "thụt lề không đúng"),
    "duplicate anchor": ("a: &x 1\nb: &x 2\n", 2, "tên neo &x được đặt hai lần"),
    "reserved character": ("bloc: @x\n", 1, "ký tự '@'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_syntax_error_is_told_in_words_at_its_line(case):
    source, line, said = CASES[case]
    with pytest.raises(RulesError) as raised:
        parse_rules(source, source="khoi.yaml", lang="vi")
    message = raised.value.message
    assert f"khoi.yaml:{line}: " in message and said in message, message
    assert "(trình đọc YAML báo: " in message  # the parser's own text, for whoever helps


def test_in_english_too():
    with pytest.raises(RulesError) as raised:
        parse_rules("bloc: x\nunits:\n\t- a\n", source="khoi.yaml", lang="en")
    assert "khoi.yaml:3: this line has a Tab character" in raised.value.message
