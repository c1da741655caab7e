"""Which rules file a command uses without --rules, and that it always says which and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.errors import BlocScoreError
from pipeline.workspace.choice import IDENTITY_SAMPLE, choose_rules_file
from tests.conftest import FULL_SMALL, SMALL_RULES, rules_from, values


def _rules_file(folder: Path, name: str, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({**SMALL_RULES, **changes}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def two_years(tmp_path) -> Path:
    """schemas/ holding this year's rules (2024) and next year's (2025), as in December."""
    _rules_file(tmp_path / "schemas", "khoi-2024.yaml", year=2024)
    _rules_file(tmp_path / "schemas", "khoi-2025.yaml", year=2025)
    return tmp_path / "schemas"


def _submit_all(write_filled, year: int, **changes) -> None:
    rules = rules_from(year=year, **changes)
    for unit in rules.units:
        write_filled(rules, unit.code, values(**FULL_SMALL))


def test_this_years_submissions_choose_this_years_rules(two_years, tmp_path, write_filled):
    _submit_all(write_filled, 2024)
    choice = choose_rules_file(None, two_years, tmp_path / "input")
    assert choice.path == two_years / "khoi-2024.yaml"
    assert choice.reason == "submissions"
    said = choice.describe("en")
    assert said.startswith(f"Rules file: {two_years / 'khoi-2024.yaml'}, because 4 of the 4 files read in")
    assert "(Khối thi đua thử nghiệm, 2024). Not used: khoi-2025.yaml." in said
    assert "vì 4/4 tệp đã đọc" in choice.describe("vi")


def test_the_run_uses_this_years_rules_and_says_so(two_years, tmp_path, write_filled, monkeypatch):
    _submit_all(write_filled, 2024)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rules file: schemas/khoi-2024.yaml, because 4 of the 4 files read in input")
    data = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert data["year"] == 2024
    assert data["rules"]["file"] == "schemas/khoi-2024.yaml"
    assert not (tmp_path / "output" / "results-2025.json").exists()


def test_next_years_submissions_choose_next_years_rules(two_years, tmp_path, write_filled):
    _submit_all(write_filled, 2025)
    assert choose_rules_file(None, two_years, tmp_path / "input").path == two_years / "khoi-2025.yaml"


def test_no_submissions_choose_the_newest_year(two_years, tmp_path):
    (tmp_path / "input").mkdir()
    choice = choose_rules_file(None, two_years, tmp_path / "input")
    assert (choice.path, choice.reason) == (two_years / "khoi-2025.yaml", "newest")
    said = choice.describe("en")
    assert "the newest year (2025) of the 2 rules files" in said and "Not used: khoi-2024.yaml" in said
    assert "năm mới nhất (2025)" in choice.describe("vi")


def test_submissions_of_another_bloc_choose_the_newest_year(two_years, tmp_path, write_filled):
    _submit_all(write_filled, 2024, bloc="Khối thi đua khác")
    assert choose_rules_file(None, two_years, tmp_path / "input").reason == "newest"


def test_a_missing_input_folder_chooses_the_newest_year(two_years, tmp_path):
    assert choose_rules_file(None, two_years, tmp_path / "nowhere").path == two_years / "khoi-2025.yaml"


def test_the_only_file_is_used_and_said(tmp_path):
    only = _rules_file(tmp_path / "schemas", "khoi.yml")
    choice = choose_rules_file(None, tmp_path / "schemas", tmp_path / "input")
    assert (choice.path, choice.reason) == (only, "only")
    assert choice.describe("vi") == f"Tệp quy định: {only} (tệp duy nhất trong {tmp_path / 'schemas'})."


def test_a_named_file_is_used_and_said(two_years, tmp_path):
    named = tmp_path / "elsewhere.yaml"
    choice = choose_rules_file(named, two_years, tmp_path / "input")
    assert (choice.path, choice.reason) == (named, "given")
    assert choice.describe("en") == f"Rules file: {named} (named on the command line)."


def test_no_rules_file_says_how_to_make_one(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "README.txt").write_text("rules go here")
    with pytest.raises(BlocScoreError, match="bloc-score init") as raised:
        choose_rules_file(None, tmp_path / "schemas", tmp_path / "input", "en")
    assert "--rules" in raised.value.message and "--example" in raised.value.message


def test_the_same_bloc_and_year_twice_is_told_apart_by_revision(tmp_path, write_filled):
    schemas = tmp_path / "schemas"
    _rules_file(schemas, "khoi-2024.yaml", revision=1)
    _rules_file(schemas, "khoi-2024-sua.yaml", revision=2)
    _submit_all(write_filled, 2024, revision=2)
    assert choose_rules_file(None, schemas, tmp_path / "input").path == schemas / "khoi-2024-sua.yaml"


def test_two_identical_claims_stop_and_ask_for_rules(tmp_path, write_filled):
    schemas = tmp_path / "schemas"
    _rules_file(schemas, "khoi-2024.yaml")
    _rules_file(schemas, "khoi-2024 - Copy.yaml")
    _submit_all(write_filled, 2024)
    with pytest.raises(BlocScoreError, match="--rules") as raised:
        choose_rules_file(None, schemas, tmp_path / "input", "en")
    assert "khoi-2024 - Copy.yaml, khoi-2024.yaml" in raised.value.message


def test_a_broken_rules_file_beside_a_good_one_is_not_chosen(tmp_path):
    schemas = tmp_path / "schemas"
    good = _rules_file(schemas, "khoi-2024.yaml")
    (schemas / "nhap.yaml").write_text("bloc: [unclosed\n", encoding="utf-8")
    assert choose_rules_file(None, schemas, tmp_path / "input").path == good


def test_check_chooses_by_the_files_it_is_given(two_years, tmp_path, write_filled, monkeypatch):
    rules = rules_from(year=2024)
    path = write_filled(rules, "A", values(**FULL_SMALL))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", str(path), "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rules file: schemas/khoi-2024.yaml, because 1 of the 1 file read in "
                                    "the files checked")


def test_only_a_sample_of_a_large_folder_is_read(two_years, tmp_path, write_filled):
    rules = rules_from(year=2024)
    first = write_filled(rules, "A", values(**FULL_SMALL))
    for number in range(IDENTITY_SAMPLE + 5):
        (tmp_path / "input" / f"copy-{number:03}.xlsx").write_bytes(first.read_bytes())
    choice = choose_rules_file(None, two_years, tmp_path / "input")
    assert choice.params["read"] == IDENTITY_SAMPLE
    assert choice.path == two_years / "khoi-2024.yaml"
