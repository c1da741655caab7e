"""Every problem blamed where it belongs (issue #28, item 3): a typo in the rules' year is the bloc's, not
every unit's; the bloc's own workbooks' mistakes are the bloc's (tests/test_appraisal.py shows the appraisal's)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.errors import RulesYearError
from pipeline.rules.load import load_rules, with_year_warning
from pipeline.run import run
from tests import builders
from tests.conftest import FULL_SMALL, SMALL_RULES, rules_from, values

RULES = rules_from()
GOOD = values(**FULL_SMALL)


def _rules_file(folder: Path, **changes: object) -> Path:
    data = json.loads(json.dumps({**SMALL_RULES, **changes}, default=str))
    path = folder / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _year_line(path: Path) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if line.startswith("year:"))


def test_a_typo_in_the_rules_year_stops_the_run_naming_the_year_line(tmp_path):
    folder = builders.good_files(tmp_path / "input", RULES, "ABCD", GOOD)  # this year's files: 2024
    rules_path = _rules_file(tmp_path, year=2042)
    where = f"{rules_path}:{_year_line(rules_path)}"
    with pytest.raises(RulesYearError) as raised:
        run(load_rules(rules_path), builders.workspace(folder))
    assert where in raised.value.message and "year: 2024" in raised.value.message
    for lang in ("vi", "en"):
        common = ["--rules", str(rules_path), "--input", str(folder), "--lang", lang]
        ran = CliRunner().invoke(main, ["run", *common, "--out", str(tmp_path / "output")])
        assert ran.exit_code == 2 and where in ran.output, ran.output
        assert "wrong-year" not in ran.output and "A.xlsx" not in ran.output  # no unit blamed
        # The terminal is told, once; no letter goes to any unit.
        told = CliRunner().invoke(main, ["feedback", *common, "--out", str(tmp_path / "letters")])
        assert told.exit_code == 2 and where in told.output, told.output
        assert not list((tmp_path / "letters").glob("*.eml"))
    assert not (tmp_path / "output" / "results-2042.json").exists()


def test_one_unit_on_last_years_template_is_that_units_to_correct(tmp_path):
    folder = builders.good_files(tmp_path / "input", RULES, "BCD", GOOD)
    builders.template_for(rules_from(year=2023), "A", folder / "A.xlsx", GOOD)
    result = run(RULES, builders.workspace(folder))
    blamed = [i for i in result.issues if i.code == "wrong-year"]
    assert [i.unit for i in blamed] == ["A"] and result.status["A"] == "invalid"


def test_half_the_files_on_another_year_is_the_rules_year(tmp_path):
    folder = builders.good_files(tmp_path / "input", RULES, "AB", GOOD)
    builders.good_files(folder, rules_from(year=2023), "CD", GOOD)
    with pytest.raises(RulesYearError):
        run(rules_from(year=2023), builders.workspace(folder))


def test_the_rules_command_warns_of_a_year_far_from_today(tmp_path):
    far = [w for w in with_year_warning(rules_from(year=2062), dt.date(2026, 12, 6), "en").warnings
           if w.path == "year"]
    assert len(far) == 1 and "2062" in far[0].message and far[0].line is not None
    near = with_year_warning(rules_from(year=2025), dt.date(2026, 1, 5), "en")
    assert not [w for w in near.warnings if w.path == "year"]
    rules_path = _rules_file(tmp_path, year=2099)
    shown = CliRunner().invoke(main, ["rules", str(rules_path), "--lang", "vi"])
    assert f"{rules_path}:{_year_line(rules_path)}" in shown.output and "2099" in shown.output, shown.output


def test_an_award_without_its_label_is_warned_of():
    rules = rules_from(awards={"flag": {"count": 1}, "merit": {"count": 1, "label": "Bằng khen của UBND huyện"}})
    assert [w.path for w in rules.warnings] == ["awards.flag.label"]


def test_a_wrong_year_letter_says_one_thing_and_attaches_this_years_template(tmp_path):
    import email
    from email import policy

    from pipeline.rules.layout import template_filename

    folder = builders.good_files(tmp_path / "input", RULES, "BCD", GOOD)
    builders.template_for(rules_from(year=2023), "A", folder / "A.xlsx", GOOD)
    rules_path = _rules_file(tmp_path)
    letters = tmp_path / "letters"
    told = CliRunner().invoke(main, ["feedback", "--rules", str(rules_path), "--input", str(folder), "--lang", "vi",
                                     "--out", str(letters)])
    assert told.exit_code == 1, told.output
    mail = email.message_from_bytes((letters / "A.eml").read_bytes(), policy=policy.default)
    body = mail.get_body(("plain",))
    assert body is not None
    said = body.get_content()
    assert "gửi kèm thư này" in said and "không lập tệp mới" not in said
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == template_filename(RULES, RULES.unit("A"))
    assert attached.get_content()[:2] == b"PK"  # a workbook
    other = email.message_from_bytes((letters / "B.eml").read_bytes(), policy=policy.default)
    assert not list(other.iter_attachments())
