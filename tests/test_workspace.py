"""The working folder: `bloc-score init`, the example kept apart from real files, an empty input/ explained."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.core.errors import BlocScoreError
from pipeline.reading.inputs import discover
from pipeline.rules.load import load_rules, parse_rules
from pipeline.workspace.folders import (
    DESK_SHORTCUT_NAME,
    EXAMPLE,
    GUIDE,
    RULES_REFERENCE,
    desk_shortcut,
    example_files,
    example_rules,
    init_folder,
    starter_rules,
)
from tests.conftest import ROOT, SAMPLE_RULES, invoke


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_init_writes_a_valid_commented_rules_file_and_empty_folders(tmp_path, lang):
    made = init_folder(tmp_path / "khoi", lang=lang, year=2025)
    assert made.rules_file == tmp_path / "khoi" / "schemas" / "rules-2025.yaml"
    readme = tmp_path / "khoi" / "bloc" / "README.txt"
    guide = tmp_path / "khoi" / "huong-dan.html"
    shortcut = tmp_path / "khoi" / DESK_SHORTCUT_NAME
    assert made.written == [made.rules_file, readme, guide, shortcut]
    assert guide.read_bytes() == GUIDE.read_bytes()  # the secretary's guide, opened with a double-click
    assert (tmp_path / "khoi" / "input").is_dir() and not any((tmp_path / "khoi" / "input").iterdir())
    # The bloc's own folder, with a note in the secretary's language of what it is for, and the bloc's key.
    key = tmp_path / "khoi" / "bloc" / "seal.key"
    assert sorted((tmp_path / "khoi" / "bloc").iterdir()) == [readme, key] and made.key is not None
    assert made.key.created and made.key.path == key and len(key.read_text().strip()) == 64
    if os.name == "posix":
        assert key.stat().st_mode & 0o777 == 0o600  # the owner's alone
    assert "bloc-score appraisal" in readme.read_text(encoding="utf-8")
    assert readme.read_text(encoding="utf-8") == (ROOT / "bloc" / "README.txt").read_text(encoding="utf-8")
    assert (tmp_path / "khoi" / "output").is_dir() and not any((tmp_path / "khoi" / "output").iterdir())
    rules = load_rules(made.rules_file)
    assert (rules.year, rules.language) == (2025, lang)
    assert made.rules_file.read_text(encoding="utf-8").startswith("# ")  # commented for the secretary


def test_the_starter_is_the_same_rules_in_both_languages():
    vi, en = (parse_rules(starter_rules(lang, 2025), source=f"rules.{lang}.yaml") for lang in ("vi", "en"))
    assert len(vi.units) == len(en.units)

    def shape(rules):
        criteria = [(c.code, c.max, c.step, c.na_allowed, c.evidence_required, c.disqualifies, c.per_occurrence)
                    for c in rules.criteria()]
        awards = [(a.key, a.count, a.min_score, a.label is not None) for a in rules.awards]
        return criteria, rules.tie_breakers, [t.min for t in rules.classification], awards, rules.bonus.cap

    assert shape(vi) == shape(en)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_starter_names_where_the_rules_reference_is(lang):
    """An installed bloc-score has no README beside it: the starter names the reference the package carries,
    and the secretary's guide init writes into the working folder."""
    made = starter_rules(lang, 2025)
    assert str(RULES_REFERENCE) in made and "huong-dan.html" in made and "README" not in made
    assert RULES_REFERENCE.is_file() and "## " in RULES_REFERENCE.read_text(encoding="utf-8")


def test_init_defaults_to_this_year(tmp_path):
    made = init_folder(tmp_path, lang="en")
    assert load_rules(made.rules_file).year == date.today().year


def test_init_example_copies_the_examples_rules_and_submissions(tmp_path):
    made = init_folder(tmp_path / "demo", example=True)
    assert made.rules_file == tmp_path / "demo" / "schemas" / SAMPLE_RULES.name
    copied = {p.relative_to(tmp_path / "demo") for p in made.written}
    assert copied == set(example_files()) | {Path("bloc/README.txt"), Path("huong-dan.html"), Path(DESK_SHORTCUT_NAME)}
    assert len([p for p in copied if p.parts[0] == "input"]) == 9  # the nine units' files
    # The bloc's filled appraisal workbook and tally are its records, in bloc/.
    assert {p.name for p in copied if p.parts[0] == "bloc"} == {"appraisal-2024.xlsx", "tally-2024.xlsx", "README.txt",
                                                               "seal.key"}  # the example's key, public as it is
    assert not (tmp_path / "demo" / "README.md").exists()  # the example's description stays where it is shipped
    assert (tmp_path / "demo" / "output").is_dir()


def test_init_never_replaces_a_file_and_writes_nothing(tmp_path):
    (tmp_path / "schemas").mkdir()
    own = tmp_path / "schemas" / "rules-2025.yaml"
    own.write_text("bloc: mine\n", encoding="utf-8")
    with pytest.raises(BlocScoreError) as raised:
        init_folder(tmp_path, lang="en", year=2025)
    assert f"{tmp_path} already holds schemas/rules-2025.yaml." in raised.value.message
    assert "never replaces a file, so it wrote nothing" in raised.value.message
    assert own.read_text(encoding="utf-8") == "bloc: mine\n"
    assert not (tmp_path / "input").exists() and not (tmp_path / "output").exists()


def test_init_writes_the_desks_windows_shortcut(tmp_path):
    """The file the secretary double-clicks (docs/desk.md): cmd.exe's line ends, the folder it sits in, the
    Python that has bloc-score, `bloc-score` on the PATH when that Python is gone. Running it needs Windows:
    not tested here (docs/desk.md says so)."""
    import sys

    init_folder(tmp_path / "khoi", lang="vi", year=2025)
    written = (tmp_path / "khoi" / DESK_SHORTCUT_NAME).read_bytes()
    assert written == desk_shortcut()
    lines = written.decode("utf-8").split("\r\n")
    assert lines[0] == "@echo off" and lines[-1] == "" and "\n" not in "".join(lines)
    assert 'cd /d "%~dp0"' in lines and "chcp 65001 >nul" in lines
    assert f'    "{sys.executable}" -m pipeline desk .' in lines and "    bloc-score desk ." in lines
    assert "Đ:\\Kh\u1ed1i\\python.exe" in desk_shortcut("Đ:\\Khối\\python.exe").decode("utf-8")


def test_init_in_a_folder_with_other_files_is_fine(tmp_path):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "README.txt").write_text("note")
    (tmp_path / "ghi-chu.docx").write_bytes(b"x")
    (tmp_path / "bloc").mkdir()
    (tmp_path / "bloc" / "README.txt").write_text("my own note")  # a note already there is kept, never a refusal
    made = init_folder(tmp_path, lang="vi", year=2025)
    assert made.written == [tmp_path / "schemas" / "rules-2025.yaml", tmp_path / "huong-dan.html",
                            tmp_path / DESK_SHORTCUT_NAME]
    assert (tmp_path / "bloc" / "README.txt").read_text() == "my own note"


def test_init_over_a_file_named_like_the_folder_is_refused(tmp_path):
    (tmp_path / "khoi").write_text("not a folder")
    with pytest.raises(BlocScoreError, match="khoi"):
        init_folder(tmp_path / "khoi", lang="en", year=2025)


def test_init_command_exits_2_when_it_would_replace_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "--example", "demo").exit_code == 0
    again = invoke("init", "--example", "demo", "--lang", "en")
    assert again.exit_code == 2
    assert "demo already holds bloc/appraisal-2024.xlsx, bloc/seal.key, bloc/tally-2024.xlsx, input/" in again.stderr
    assert "… (+8)" in again.stderr  # thirteen files: five named, the rest counted
    assert "bloc-score init NEW-FOLDER" in again.stderr


def test_init_command_tells_the_next_steps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "khoi", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        "Working folder khoi ready:", f"  khoi/schemas/rules-{date.today().year}.yaml", "  khoi/bloc/README.txt",
        "  khoi/huong-dan.html"]
    assert "Go into it before running the commands: cd khoi" in result.stdout
    assert "bloc-score templates" in result.stdout and "bloc-score run" in result.stdout


def test_init_folder_may_be_named_with_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "--out", "khoi").exit_code == 0
    assert (tmp_path / "khoi" / "schemas").is_dir()
    assert invoke("init", "a", "--out", "b").exit_code == 2


def test_the_example_scores_in_an_init_made_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    invoke("init", "--example")
    result = invoke("run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Tệp quy định: schemas/{SAMPLE_RULES.name} (tệp duy nhất trong schemas).")
    data = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    assert data["rules"]["file"] == f"schemas/{SAMPLE_RULES.name}"
    assert len(data["inputs"]) == 11


def test_an_empty_input_folder_says_what_to_put_there_and_how_to_try_the_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    invoke("init")
    (tmp_path / "input" / "README.txt").write_text("Đặt vào đây các tệp …", encoding="utf-8")
    (tmp_path / "input" / ".gitkeep").write_text("")
    result = invoke("run")
    assert result.exit_code == 2
    assert "không có tệp bảng tính nào" in result.stderr
    assert "bloc-score templates" in result.stderr
    assert "bloc-score init --example vi-du" in result.stderr
    assert not (tmp_path / "output" / "results-2025.json").exists()


def test_the_folders_own_note_is_skipped_silently(tmp_path):
    for name in ("README.txt", "readme.md", ".gitkeep", "ghi chu.txt"):
        (tmp_path / name).write_text("x")
    files, issues = discover(tmp_path)
    assert files == []
    assert [(i.code, i.file) for i in issues] == [("not-a-spreadsheet", "ghi chu.txt")]


def test_the_repository_keeps_the_example_apart_from_the_secretarys_folders():
    assert example_rules() == SAMPLE_RULES
    assert EXAMPLE.is_relative_to(ROOT / "pipeline")  # package data: an installed command has it
    # What a fresh clone holds (a secretary's own files in this checkout are git-ignored, and fine).
    listed = subprocess.run(["git", "ls-files", "input", "schemas", "output"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert sorted(listed.stdout.split()) == ["input/README.txt", "output/.gitkeep", "schemas/README.txt"]


def test_a_command_run_in_the_parent_folder_names_it_and_the_working_folder_below(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "khoi").exit_code == 0
    result = invoke("run", "--lang", "en")
    # To the secretary, who ran it in the wrong place: not "make one with init", which would make a second.
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{tmp_path.resolve()} is not a bloc's working folder: there is no schemas "
                                    "folder here. Working folder nearby: " f"{tmp_path.resolve() / 'khoi'}.")
    assert "Do not make a new working folder here." in result.stderr and "bloc-score init" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_a_command_run_in_output_names_the_working_folder_above_and_init_refuses_there(tmp_path, monkeypatch):
    init_folder(tmp_path / "khoi", lang="vi", year=2025)
    (tmp_path / "khoi" / "output" / "templates").mkdir()
    monkeypatch.chdir(tmp_path / "khoi" / "output" / "templates")
    result = invoke("templates")
    assert result.exit_code == 2
    here, working = tmp_path.resolve() / "khoi" / "output" / "templates", tmp_path.resolve() / "khoi"
    assert result.stderr.startswith(f"{here} không phải thư mục làm việc của Khối: không có thư mục schemas ở "
                                    f"đây. Thư mục làm việc ở gần: {working}.")
    refused = invoke("init")
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"Không tạo thư mục làm việc ở {here}: chỗ này nằm trong thư mục output của "
                                     f"thư mục làm việc {working}")
    assert list(here.iterdir()) == []  # nothing written


@pytest.mark.parametrize("sub", ["input", "output", "bloc"])
def test_init_refuses_a_working_folder_inside_another_ones_folders(tmp_path, sub):
    init_folder(tmp_path / "khoi", lang="en", year=2025)
    with pytest.raises(BlocScoreError, match=f"it is inside {sub} of the working folder"):
        init_folder(tmp_path / "khoi" / sub / "new", lang="en", year=2025)
    assert not (tmp_path / "khoi" / sub / "new").exists()
    init_folder(tmp_path / "beside", lang="en", year=2025)  # beside it is fine


def test_an_empty_schemas_folder_still_says_how_to_make_a_rules_file(tmp_path, monkeypatch):
    (tmp_path / "schemas").mkdir()
    monkeypatch.chdir(tmp_path)
    result = invoke("rules", "--lang", "en")
    assert result.exit_code == 2
    assert f"none in {(tmp_path / 'schemas').resolve()}" in result.stderr and "bloc-score init" in result.stderr


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_starter_counts_occurrences_grades_emulation_and_labels_its_awards(lang):
    """Issue #28: "trừ 0,5 điểm/lần" is per_occurrence; grades are an emulation result's, not the Party's quality
    rating; every award has its label, and Nơi nhận is the secretary's to fill (no body named by default)."""
    made = starter_rules(lang, 2025)
    rules = parse_rules(made, source=f"rules.{lang}.yaml")
    assert rules.criteria_by_code["D1"].per_occurrence == Decimal("0.5")
    grades = [t.label for t in rules.classification]
    assert grades[:3] == (["Xuất sắc", "Tốt", "Khá"] if lang == "vi" else ["Excellent", "Good", "Fair"])
    assert not any("nhiệm vụ" in g or "completed" in g for g in grades)
    assert all(a.label for a in rules.awards) and not rules.warnings
    assert rules.recipients == () and "# recipients:" in made
