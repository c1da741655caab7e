"""A line or paragraph separator in the rules file (Word's Shift+Enter is U+000B): an error in a code, a space
with a warning in a name or title; and no header of a feedback draft can hold one, whatever the text."""

from __future__ import annotations

from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import ExitCode, RulesError
from pipeline.core.text import one_line
from pipeline.outputs.feedback import Feedback, draft
from pipeline.rules.load import parse_rules
from pipeline.rules.model import Unit
from tests import builders
from tests.conftest import FULL_SMALL, SMALL_RULES, invoke, values

PLAIN = yaml.safe_dump(SMALL_RULES, allow_unicode=True, sort_keys=False)
# Each name or title with one of the characters, as a YAML double-quoted escape (a raw one is no YAML text).
MENDED = {
    "bloc: Khối thi đua thử nghiệm": r'bloc: "Khối thi đua\fthử nghiệm"',  # form feed
    "name: Đơn vị A": r'name: "Đơn vị\vA"\n  email: a@khoi.example.vn',  # Word's Shift+Enter
    "name: Đơn vị B": r'name: "Đơn vị\NB"',  # U+0085, next line
    "name: Đơn vị C": r'name: "Đơn vị\LC"',  # U+2028, line separator
    "name: Đơn vị D": r'name: "Đơn vị\PD\x1c"',  # U+2029, paragraph separator; U+001C, file separator
    "title: Nhiệm vụ chính trị": r'title: "Nhiệm vụ\x1Dchính trị"',
    "title: Chương trình công tác": r'title: "Chương trình\x1Fcông tác"',
}


def _mended_rules() -> str:
    source = PLAIN
    for plain, escaped in MENDED.items():
        assert plain in source
        source = source.replace(plain, escaped.replace(r"\n  email", "\n  email"), 1)
    return source


UNIT_A = r"Đơn vị\vA"  # as written in the file


def _line(source: str, needle: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), 1) if needle in line)


def test_names_and_titles_read_on_one_line_with_a_warning_at_each_line():
    source = _mended_rules()
    rules = parse_rules(source, source="r.yaml")
    assert rules.bloc == "Khối thi đua thử nghiệm"
    assert [u.name for u in rules.units] == ["Đơn vị A", "Đơn vị B", "Đơn vị C", "Đơn vị D"]
    assert rules.sections[0].title == "Nhiệm vụ chính trị"
    assert rules.sections[0].criteria[0].title == "Chương trình công tác"
    # SMALL_RULES' flag and merit have no label: warned of too (tests/test_blame.py), not counted here.
    rendered = [w.render("r.yaml") for w in rules.warnings if not w.path.startswith("awards.")]
    assert len(rendered) == 7
    assert rendered[1] == (f"r.yaml:{_line(source, UNIT_A)} (units[0].name): a line break or a control "
                           "character (Shift+Enter in Word, say) is read as a space; type the text again on one "
                           "line to keep it as it will be shown.")
    assert rendered[0].startswith("r.yaml:1 (bloc): ")
    assert rendered[-1].startswith(f"r.yaml:{_line(source, 'Chương trình')} (sections[0].criteria[0].title): ")
    # What changes no score changes no template: the fingerprint is the plain file's.
    assert rules.fingerprint == parse_rules(PLAIN).fingerprint


@pytest.mark.parametrize("escaped", [r"\v", r"\f", r"\N", r"\L", r"\P", r"\x1c", r"\x1f", r"\0"])
def test_such_a_character_in_a_code_is_an_error_at_its_line(escaped):
    source = PLAIN.replace("- code: B\n", f'- code: "B{escaped}X"\n', 1)
    with pytest.raises(RulesError) as raised:
        parse_rules(source, source="r.yaml")
    [problem] = raised.value.problems
    line = _line(source, 'code: "B')
    assert problem.render("r.yaml") == (
        f"r.yaml:{line} (units[1].code): a code cannot hold a line break or a control "
        "character (Shift+Enter in Word, say): type the code again on one line.")


def test_an_award_key_with_one_is_an_error_too():
    source = PLAIN.replace("  flag:\n", '  "fl\\vag":\n', 1)
    with pytest.raises(RulesError) as raised:
        parse_rules(source, source="r.yaml")
    assert any(p.path == "awards.fl\vag" and "a code cannot hold" in p.message for p in raised.value.problems)


def test_the_commands_warn_then_run_and_write_feedback(tmp_path: Path):
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text(_mended_rules(), encoding="utf-8")
    checked = invoke("rules", rules_file)
    assert checked.exit_code == ExitCode.DONE, checked.output
    # 7, the 2 awards without label and, from 2026 on, the year 2024 far from today's.
    count = 9 + (abs(2024 - date.today().year) > 1)
    assert f"{count} warnings (the file is used, read as said):" in checked.output
    assert f"  ! {rules_file}:{_line(_mended_rules(), UNIT_A)} (units[0].name): a line break" in checked.output
    assert "A (Đơn vị A), B (Đơn vị B)" in checked.output
    inbox = tmp_path / "input"
    inbox.mkdir()
    builders.template_for(parse_rules(_mended_rules()), "A", inbox / "A.xlsx", values(**FULL_SMALL))
    out = tmp_path / "out"
    ran = invoke("run", "--rules", rules_file, "--input", inbox, "--out", out)
    assert ran.exit_code == ExitCode.PROBLEMS, ran.output  # B, C and D sent nothing
    made = invoke("feedback", "--rules", rules_file, "--input", inbox, "--out", tmp_path / "letters")
    assert made.exit_code == ExitCode.PROBLEMS, made.output
    mail = BytesParser(policy=policy.default).parsebytes((tmp_path / "letters" / "A.eml").read_bytes())
    assert str(mail["To"]) == "Đơn vị A <a@khoi.example.vn>"
    assert "Khối thi đua thử nghiệm" in mail["Subject"] and "Đơn vị A" in mail["Subject"]


@pytest.mark.parametrize("character", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029",
                                       "\r\n", "\0", "\x7f"])
def test_every_header_of_a_draft_is_one_line_whatever_the_text(character):
    """Defence in depth: a unit built in code, past the rules' checks, still makes a draft that parses."""
    unit = Unit("A", f"Đơn vị{character}A", "a@khoi.example.vn, not an address, x@[y")
    message = Feedback(unit, "reminder", (), f"Khối{character}thi đua: Đơn vị{character}A", "Nội dung\n", "s")
    mail = BytesParser(policy=policy.default).parsebytes(draft(message, parse_rules(PLAIN)).as_bytes())
    assert str(mail["To"]) == "Đơn vị A <a@khoi.example.vn>"  # an address no client could use is left out
    assert mail["Subject"] == "Khối thi đua: Đơn vị A"
    assert one_line(f"a{character}b") == "a b"
