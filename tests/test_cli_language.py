"""The language of the command line: --lang, else the rules files' `language:` line when they agree (read
before any YAML is parsed), else the system's locale, else Vietnamese; and option values the Vietnamese way."""

from __future__ import annotations

from datetime import date

import click
import pytest
from click.testing import CliRunner

from pipeline.cli.commands.options import SigningDate
from pipeline.cli.language import decide, system_language
from pipeline.cli.main import main


@pytest.fixture
def no_locale(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("locale.setlocale", lambda *args: "C")


def _rules(folder, name, language):
    (folder / "schemas").mkdir(exist_ok=True)
    line = f"language: {language}\n" if language else ""
    # Not YAML at all past the line: the line is read before any parser.
    (folder / "schemas" / name).write_text(f"bloc: Khối\n{line}units: [\n\t{{", encoding="utf-8")


def test_the_option_first(tmp_path, no_locale):
    _rules(tmp_path, "a.yaml", "en")
    assert decide(["run", "--lang", "vi"], tmp_path) == "vi"
    assert decide(["run", "--lang=vi"], tmp_path) == "vi"


def test_then_the_rules_files_when_they_agree(tmp_path, no_locale):
    _rules(tmp_path, "a.yaml", "en")
    assert decide(["run"], tmp_path) == "en"
    _rules(tmp_path, "b.yaml", "'en'  # English")
    assert decide(["run"], tmp_path) == "en"
    _rules(tmp_path, "c.yaml", None)  # no line: the rules' default, Vietnamese
    assert decide(["run"], tmp_path) == "vi"


def test_a_rules_file_named_counts_alone(tmp_path, no_locale):
    _rules(tmp_path, "a.yaml", "vi")
    (tmp_path / "khac.yaml").write_text("language: en\n", encoding="utf-8")
    assert decide(["run", "--rules", "khac.yaml"], tmp_path) == "en"
    assert decide(["rules", "khac.yaml"], tmp_path) == "en"
    assert decide(["new-year", "--previous", "khac.yaml"], tmp_path) == "en"
    assert decide(["run", "--previous", "khac.yaml"], tmp_path) == "vi"  # run's --previous is last year's JSON


@pytest.mark.parametrize(("setting", "lang"), [("vi_VN.UTF-8", "vi"), ("en_GB.UTF-8", "en"), ("fr_FR.UTF-8", "vi"),
                                               ("C.UTF-8", "vi"), ("", "vi")])
def test_then_the_system_then_vietnamese(tmp_path, no_locale, monkeypatch, setting, lang):
    monkeypatch.setenv("LANG", setting)
    assert decide(["run"], tmp_path) == lang


def test_the_windows_locale_names(no_locale, monkeypatch):
    monkeypatch.setattr("locale.setlocale", lambda *args: "Vietnamese_Vietnam.1258")
    assert system_language() == "vi"
    monkeypatch.setattr("locale.setlocale", lambda *args: "English_United States.1252")
    assert system_language() == "en"


def test_the_language_decided_leaves_the_environment_as_it_was(tmp_path, no_locale, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, ["--lang", "en", "--help"])
    import os

    assert "LANGUAGE" not in os.environ


@pytest.mark.parametrize(("written", "meant"), [("2024-12-20", date(2024, 12, 20)), ("20/12/2024", date(2024, 12, 20)),
                                                ("5/1/2025", date(2025, 1, 5)), ("05/01/2025", date(2025, 1, 5))])
def test_a_date_day_first_or_iso(written, meant):
    assert SigningDate().convert(written, None, None) == meant


@pytest.mark.parametrize("written", ["12/20/2024", "2024/12/20", "20-12-2024", "31/02/2024", "hôm nay"])
def test_never_month_first(written):
    with pytest.raises(click.BadParameter):
        SigningDate().convert(written, None, None)


def test_every_command_reads_the_language_decided(tmp_path, no_locale, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no rules file anywhere: the system decides
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    english = CliRunner().invoke(main, ["run"])
    assert english.exit_code == 2 and "is not a bloc's working folder" in english.output
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    vietnamese = CliRunner().invoke(main, ["run"])
    assert vietnamese.exit_code == 2 and "không phải thư mục làm việc của Khối" in vietnamese.output
    assert "is not a bloc's working folder" in CliRunner().invoke(main, ["--lang", "en", "run"]).output
