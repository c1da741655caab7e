"""The rules file: loading, every mistake reported with its line, the fingerprint."""

import copy
import re
from decimal import Decimal

import pytest

from pipeline.core.errors import RulesError
from pipeline.rules.load import load_rules, parse_rules
from tests.conftest import SMALL_RULES, rules_from


def test_sample_rules_load(sample_rules):
    assert sample_rules.year == 2024
    assert len(sample_rules.units) == 9
    assert sample_rules.base_max == Decimal(100)
    assert [s.code for s in sample_rules.sections] == ["I", "II", "III", "IV", "V"]
    assert sample_rules.bonus.cap == Decimal(5)
    assert sample_rules.deductions.criteria[-1].disqualifies == ("flag",)
    assert [str(b) for b in sample_rules.tie_breakers] == ["section:I", "deductions", "bonus"]


def test_weights_keep_their_decimal_digits():
    rules = rules_from(sections=[{"code": "I", "title": "t", "weight": 0.6, "criteria": [
        {"code": "1", "title": "t", "max": 10}]}], tie_breakers=[])
    assert rules.sections[0].weight == Decimal("0.6")  # not 0.59999999999999997779…


def test_defaults(small_rules):
    criterion = small_rules.sections[0].criteria[1]
    assert criterion.step is None
    assert criterion.evidence_required is False
    assert small_rules.sections[0].weight == 1
    assert small_rules.header == "party"
    assert small_rules.revision == 1


BROKEN = """\
bloc: Khối thử
year: 2024
language: fr
decimals: 2
colour: blue
units:
  - {code: A, name: Đơn vị A}
  - {code: A, name: Đơn vị A lần hai}
sections:
  - code: I
    title: Phần một
    weight: 0
    criteria:
      - {code: "1.1", title: Một, max: 0}
      - {code: "1.2", title: Hai, max: 10, step: 3}
      - {code: "1.1", title: Lặp mã, max: 5}
      - {code: 1.3, title: Mã là số, max: 5}
      - {code: "1.4", title: Sai kiểu, max: mười}
bonus:
  cap: -1
  criteria:
    - {code: B1, title: Cộng, max: 2, na_allowed: true}
deductions:
  criteria:
    - {code: D1, title: Trừ, max: 5, disqualifies: [cup]}
tie_breakers: ["section:IX", "luck"]
classification:
  - {min: 80, label: Tốt}
  - {min: 90, label: Xuất sắc}
awards:
  flag: {count: 0, min_score: 95}
"""


def test_every_mistake_is_reported_with_its_line():
    with pytest.raises(RulesError) as caught:
        parse_rules(BROKEN, source="broken.yaml", lang="en")
    problems = {(p.path, p.line) for p in caught.value.problems}
    expected = {
        ("language", 3),
        ("colour", 5),
        ("units[1].code", 8),
        ("sections[0].weight", 12),
        ("sections[0].criteria[0].max", 14),
        ("sections[0].criteria[1].step", 15),
        ("sections[0].criteria[2].code", 16),
        ("sections[0].criteria[3].code", 17),
        ("sections[0].criteria[4].max", 18),
        ("bonus.cap", 20),
        ("bonus.criteria[0].na_allowed", 22),
        ("deductions.criteria[0].disqualifies[0]", 25),
        ("tie_breakers[0]", 26),
        ("tie_breakers[1]", 26),
        ("classification[1].min", 29),
        ("awards.flag.count", 31),
    }
    assert expected <= problems, expected - problems
    message = caught.value.message
    assert message.startswith("The rules file broken.yaml cannot be used:")
    assert "broken.yaml:15 (sections[0].criteria[1].step): the step 3 does not divide the max 10" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(("text", "fragment"), [
    ("bloc: [unclosed", "is not closed by ']'"),
    ("", "the file is empty"),
    ("- just\n- a list\n", "the file is empty"),
    ("bloc: X\nyear: 2024\nunits: []\nsections: []\n", "the list is empty"),
    ("bloc: X\nbloc: Y\nyear: 2024\nunits: [{code: A, name: A}]\nsections: [{code: I, title: T, criteria: "
     "[{code: '1', title: T, max: 1}]}]\n", "the key 'bloc' appears twice"),
    ("year: 2024\nunits: [{code: A, name: A}]\nsections: [{code: I, title: T, criteria: "
     "[{code: '1', title: T, max: 1}]}]\n", "the key 'bloc' is required"),
])
def test_single_mistakes(text, fragment):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, lang="en")
    assert fragment in caught.value.message


def test_messages_follow_the_file_language():
    with pytest.raises(RulesError) as caught:
        parse_rules(BROKEN.replace("language: fr", "language: vi"), source="x.yaml")
    assert caught.value.message.startswith("Không dùng được tệp quy định x.yaml:")
    assert "điểm tối đa 10 không chia hết cho bước 3" in caught.value.message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("bloc: Khối\n".encode("utf-16"))
    with pytest.raises(RulesError, match="UTF-8"):
        load_rules(path, lang="en")


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="Cannot open the rules file"):
        load_rules(tmp_path / "nope.yaml", lang="en")


def _edited(edit) -> dict:
    data = copy.deepcopy(SMALL_RULES)
    edit(data)
    return data


def _first_criterion(data: dict) -> dict:
    return data["sections"][0]["criteria"][0]


@pytest.mark.parametrize("edit", [
    lambda d: _first_criterion(d).update(title="Chương trình công tác (sửa lời)"),
    lambda d: d["sections"][1].update(title="Công tác xây dựng Đảng"),
    lambda d: d["units"][0].update(name="Đơn vị A (tên mới)"),
    lambda d: d.update(language="vi"),
    lambda d: d["classification"][0].update(label="Hoàn thành xuất sắc"),
], ids=["criterion title", "section title", "unit name", "language", "classification label"])
def test_rewording_keeps_the_fingerprint_so_sent_templates_stay_valid(small_rules, edit):
    assert rules_from(_edited(edit)).fingerprint == small_rules.fingerprint


@pytest.mark.parametrize("edit", [
    lambda d: _first_criterion(d).update(max=25),
    lambda d: _first_criterion(d).update(step=0.25),
    lambda d: _first_criterion(d).update(na_allowed=True),
    lambda d: d["sections"][0].update(weight=0.5),
    lambda d: d["bonus"].update(cap=2),
    lambda d: d.update(year=2025),
], ids=["max", "step", "N/A allowed", "weight", "bonus cap", "year"])
def test_a_scoring_change_changes_the_fingerprint(small_rules, edit):
    changed = rules_from(_edited(edit)).fingerprint
    assert changed != small_rules.fingerprint
    assert re.fullmatch(r"[0-9a-f]{12}", changed)
