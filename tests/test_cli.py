"""The command line, driven in-process: exit codes, messages, files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from fractions import Fraction
from importlib.metadata import version
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.own_files import LOCK_NAME
from tests import builders
from tests.conftest import SAMPLE_INPUT, SAMPLE_RULES, SMALL_RULES, invoke, rules_from, values
from tests.test_rules import BROKEN


@pytest.fixture
def sample_input(tmp_path) -> Path:
    folder = tmp_path / "input"
    return builders.copy_sample(folder)


def run_sample(input_dir: Path, output_dir: Path, *extra: str):
    return invoke("run", "--rules", SAMPLE_RULES, "--input", input_dir, "--output", output_dir, *extra)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [command, "--help", "--lang", "en"], prog_name="bloc-score",
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: bloc-score {command} [OPTIONS]")
    described = main.commands[command]
    first_paragraph = " ".join((described.help or "").split("\n\n")[0].split())
    assert first_paragraph and first_paragraph in " ".join(result.output.split())  # as click rewraps it
    assert [o.name for o in described.params if isinstance(o, click.Option) and not o.help] == []


def test_the_main_help_lists_every_command_and_the_workflow():
    result = invoke("--lang", "en", "--help")
    assert result.exit_code == 0
    assert "Workflow" in result.output
    assert [c for c in main.commands if f"  {c} " not in result.output] == []


def test_version_is_the_installed_package_version():
    result = invoke("--lang", "en", "--version")
    assert result.exit_code == 0
    assert result.output == f"bloc-score, version {version('bloc-score')}\n"


def test_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0
    assert "bloc-score" in done.stdout


def test_the_program_ends_with_the_commands_status_and_leaves_nothing_staged(sample_input, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "run", "--rules", str(SAMPLE_RULES), "--input", str(sample_input),
               "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    # No staged `.ranking-…` file and no journal is left; the folder's lock stays for the next command.
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME, "minutes-2024.docx", "proposals-2024.docx",
                                                     "ranking-2024.xlsx", "results-2024.json"]
    missing = subprocess.run([*command[:4], str(tmp_path / "no.yaml"), *command[5:]], capture_output=True, text=True,
                             check=False, timeout=120)
    assert missing.returncode == 2
    assert "no.yaml" in missing.stderr


def test_run_on_the_sample_ranks_all_nine_units(sample_input, tmp_path):
    output = tmp_path / "output"
    result = run_sample(sample_input, output)
    assert result.exit_code == 0, result.output
    assert "Văn phòng Tỉnh ủy" in result.stdout
    assert "Đã chấm đủ 9 đơn vị." in result.stdout
    assert (output / "ranking-2024.xlsx").is_file()
    data = json.loads((output / "results-2024.json").read_text(encoding="utf-8"))
    assert data["provisional"] is False
    assert [u["rank"] for u in data["units"] if u["rank"] == 1] == [1]
    assert {u["status"] for u in data["units"]} == {"scored"}
    assert len(data["inputs"]) == 11  # the nine units' files, the bloc's appraisal workbook and its tally
    assert [i["file"] for i in data["inputs"] if i["kind"] == "appraisal"] == ["bloc/appraisal-2024.xlsx"]


def test_json_contract(sample_input, tmp_path):
    result = run_sample(sample_input, tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results-2024.json").read_text(encoding="utf-8"))
    assert {"schema_version", "bloc", "year", "provisional", "units", "issues", "inputs", "previous_year"} <= set(data)
    assert data["schema_version"] == 4
    assert data["vote_pending"] is False
    unit = data["units"][0]
    assert {"code", "name", "status", "total", "base", "bonus", "deductions", "sections", "rank",
            "classification", "award", "criteria", "previous"} <= set(unit)
    for criterion in unit["criteria"]:  # who decided each score, and why
        keys = {"code", "self", "appraised", "final", "final_exact", "source", "reason"}
        per_occurrence = criterion["code"] in ("D1", "D2")  # the example counts late reports and absences
        assert set(criterion) == (keys | {"points"} if per_occurrence else keys)
        assert criterion["source"] in ("self", "appraisal")
        assert criterion["final"] == "N/A" or isinstance(criterion["final"], int | float)
    assert isinstance(unit["total"], float)
    assert round(unit["total"], 2) == unit["total"]  # rounded to the rules' decimals
    assert set(unit["sections"]) == {"I", "II", "III", "IV", "V"}
    assert unit["award"] in ("flag", "merit", None)
    assert unit["award_proposed"] in ("flag", "merit", None)
    assert unit["vote"] is None or set(unit["vote"]) == {"present", "for", "passed"}
    for entry in data["inputs"]:
        assert set(entry) >= {"file", "sha256", "unit", "kind"}
        assert len(entry["sha256"]) == 64
    for issue in data["issues"]:
        assert set(issue) >= {"severity", "code", "file", "sheet", "cell", "unit", "criterion", "message"}


def test_section_scores_in_json_keep_nine_decimals_and_totals_the_rules_decimals(tmp_path, write_filled):
    # Section I rescales 26.5 applicable points of 30 to its 50: 44.1666…, which two decimals would hide.
    data = {**SMALL_RULES, "sections": [
        {"code": "I", "title": "Nhiệm vụ chính trị", "criteria": [
            {"code": "1.1", "title": "a", "max": 15}, {"code": "1.2", "title": "b", "max": 20, "na_allowed": True},
            {"code": "1.3", "title": "c", "max": 15, "step": 0.5}]},
        SMALL_RULES["sections"][1]]}
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = rules_from(data)
    write_filled(rules, "A", values(**{"1.1": 14, "1.2": "N/A", "1.3": 12.5, "2.1": 9.25, "2.2": 7}))
    result = invoke("run", "--rules", rules_file, "--input", tmp_path / "input", "--output", tmp_path / "out")
    assert result.exit_code == 1  # B, C and D sent nothing
    results = json.loads((tmp_path / "out" / "results-2024.json").read_text(encoding="utf-8"))
    a = next(u for u in results["units"] if u["code"] == "A")
    assert a["sections"] == {"I": 44.166666667, "II": 16.25}  # 26.5 × 50/30; 9.25 + 7
    assert a["total"] == 60.42  # 44.1666… + 16.25 rounded once, at the end
    assert Fraction(a["total_exact"]) == Fraction(265, 6) + Fraction(65, 4)


def test_a_missing_unit_makes_the_run_provisional(sample_input, tmp_path):
    next(sample_input.glob("2024_BQT_*.xlsx")).unlink()
    result = run_sample(sample_input, tmp_path / "out")
    assert result.exit_code == 1
    assert "KẾT QUẢ TẠM THỜI" in result.stdout
    data = json.loads((tmp_path / "out" / "results-2024.json").read_text(encoding="utf-8"))
    assert data["provisional"] is True
    bqt = next(u for u in data["units"] if u["code"] == "BQT")
    assert bqt["status"] == "missing"
    assert bqt["rank"] is None and bqt["award"] is None
    assert any(i["code"] == "unit-missing" and i["unit"] == "BQT" for i in data["issues"])


def test_empty_input_folder_exits_2(tmp_path):
    (tmp_path / "input").mkdir()
    result = run_sample(tmp_path / "input", tmp_path / "out")
    assert result.exit_code == 2
    assert "không có tệp bảng tính nào" in result.stderr
    # The output folder is made when the command starts, to hold its lock; nothing is written into it.
    assert [p.name for p in (tmp_path / "out").iterdir()] == [LOCK_NAME]


def test_missing_input_folder_exits_2(tmp_path):
    result = run_sample(tmp_path / "nowhere", tmp_path / "out", "--lang", "en")
    assert result.exit_code == 2
    assert "The input folder" in result.stderr and "does not exist" in result.stderr


def test_a_file_given_as_the_input_folder_is_refused_naming_its_folder(tmp_path):
    workbook = tmp_path / "thu-ve" / "ket-qua.xlsx"
    workbook.parent.mkdir()
    workbook.write_bytes(b"PK")
    result = run_sample(workbook, tmp_path / "out", "--lang", "en")
    assert result.exit_code == 2
    assert f"{workbook} is a file, not a folder" in result.stderr and f"(here: {workbook.parent})" in result.stderr


def test_broken_rules_file_lists_every_problem_and_exits_2(tmp_path):
    rules_file = tmp_path / "broken.yaml"
    rules_file.write_text(BROKEN, encoding="utf-8")
    result = invoke("rules", rules_file, "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.count("\n  - ") >= 15
    assert "broken.yaml:15 (sections[0].criteria[1].step)" in result.stderr
    assert "Traceback" not in result.output
    result = invoke("run", "--rules", rules_file, "--input", tmp_path, "--output", tmp_path / "o")
    assert result.exit_code == 2


def test_run_says_a_rules_file_is_broken_before_it_imports_pandas(tmp_path, sample_input):
    """The rules are loaded before pandas and pandera (a few tenths of a second): a mistake in them is
    told at once, and the run imports nothing more."""
    rules_file = tmp_path / "broken.yaml"
    rules_file.write_text(BROKEN, encoding="utf-8")
    program = (
        "import sys\n"
        "from pipeline.cli.main import main\n"
        "try:\n"
        f"    main(['run', '--rules', {str(rules_file)!r}, '--input', {str(sample_input)!r},"
        f" '--out', {str(tmp_path / 'o')!r}, '--quiet'])\n"
        "except SystemExit as stop:\n"
        "    print(int(stop.code), 'pandas' in sys.modules, 'pandera' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["2", "False", "False"], done.stderr
    assert "broken.yaml" in done.stderr


def test_rules_summary():
    result = invoke("rules", SAMPLE_RULES)
    assert result.exit_code == 0
    for fragment in ("hợp lệ", "Khối thi đua các cơ quan Đảng tỉnh Quảng Trị", "VPTU", "100"):
        assert fragment in result.stdout


def test_templates_command(tmp_path):
    result = invoke("templates", "--rules", SAMPLE_RULES, "--out", tmp_path / "t")
    assert result.exit_code == 0
    assert len(list((tmp_path / "t").glob("2024_*.xlsx"))) == 9
    assert "Đã ghi 9 mẫu" in result.stdout


def test_check_a_good_file():
    result = invoke("check", next(SAMPLE_INPUT.glob("2024_VPTU_*.xlsx")), "--rules", SAMPLE_RULES)
    assert result.exit_code == 0
    assert "không có lỗi hay cảnh báo" in result.stdout


def test_check_a_bad_file(tmp_path, write_filled, sample_rules):
    path = write_filled(sample_rules, "BDVTU", values(**{"1.1": 25}))
    result = invoke("check", path, "--rules", SAMPLE_RULES, "--lang", "en")
    assert result.exit_code == 1
    assert "D8: the self-score of criterion 1.1 is 25, above its max of 20" in result.stdout
    assert "no self-score for criterion 1.2" in result.stdout
    assert "unit-missing" not in result.stdout  # checking one file does not expect the others


def test_output_open_in_excel_is_refused_clearly(sample_input, tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    (output / "~$ranking-2024.xlsx").write_bytes(b"lock")
    result = run_sample(sample_input, output, "--lang", "en")
    assert result.exit_code == 2
    assert "ranking-2024.xlsx is open in another program" in result.stderr
    assert "Traceback" not in result.output


def test_earlier_outputs_are_kept(sample_input, tmp_path):
    output = tmp_path / "out"
    assert run_sample(sample_input, output).exit_code == 0
    first = (output / "results-2024.json").read_bytes()
    made = datetime.fromtimestamp((output / "ranking-2024.xlsx").stat().st_mtime)
    result = run_sample(sample_input, output)
    assert result.exit_code == 0
    # One subfolder per write, named by when the set it holds was made: no ':' in a name on Windows.
    [subfolder] = (output / "previous").iterdir()
    assert subfolder.name == made.strftime("%Y-%m-%d %H.%M.%S")
    kept = sorted(subfolder.iterdir(), key=lambda p: (p.suffix, p.name))
    # The pair, and the minutes and proposal list the example's tally makes (docs/results-json.md).
    assert [p.name for p in kept] == ["minutes-2024.docx", "proposals-2024.docx", "results-2024.json",
                                      "ranking-2024.xlsx"]
    assert kept[2].read_bytes() == first
    assert "được giữ lại" in result.stdout


def test_debug_shows_the_traceback_of_a_user_error(tmp_path):
    rules_file = tmp_path / "broken.yaml"
    rules_file.write_text("bloc: [", encoding="utf-8")
    plain = invoke("rules", rules_file)
    assert plain.exit_code == 2 and "Traceback" not in plain.output
    debug = CliRunner().invoke(main, ["--debug", "rules", str(rules_file)])
    assert debug.exit_code == 2
    assert "Traceback" in debug.stderr and "RulesError" in debug.stderr


@pytest.mark.parametrize(("lang", "said"), [("en", "Invalid value for '--lang'"),
                                           ("vi", "Giá trị không hợp lệ cho '--lang'")])
def test_usage_error_exits_2(lang, said):
    result = CliRunner().invoke(main, ["--lang", lang, "run", "--lang", "fr"])
    assert result.exit_code == 2
    assert said in result.output


def test_english_labels(sample_input, tmp_path):
    result = run_sample(sample_input, tmp_path / "out", "--lang", "en")
    assert result.exit_code == 0
    assert "Consolidated emulation scores, 2024" in result.stdout
    assert "Remarks:" in result.stdout and "all places for" in result.stdout
    assert "98.50" in result.stdout  # English decimal point


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any folder; needs POSIX permissions")
def test_unreadable_input_folder_exits_2(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    folder.chmod(0)
    try:
        result = run_sample(folder, tmp_path / "out", "--lang", "en")
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 2
    assert "Cannot list the input folder" in result.stderr


def test_unreadable_input_folder_message(tmp_path, monkeypatch):
    """The same path as above for machines where the test runs as root: listing fails with an OSError."""
    import pipeline.run as run_module

    def refuse(_folder):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(run_module, "discover", refuse)
    (tmp_path / "input").mkdir()
    result = run_sample(tmp_path / "input", tmp_path / "out", "--lang", "en")
    assert result.exit_code == 2
    assert "Cannot list the input folder" in result.stderr and "Permission denied" in result.stderr
