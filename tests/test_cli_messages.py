"""The command line as a new user meets it: every problem listed, plain messages, examples, exit codes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.core.labels import catalogue, text
from pipeline.reading.read import Submission, read_workbook
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.conftest import FULL_SMALL, SAMPLE_INPUT, SAMPLE_RULES, invoke, rules_from, values


@pytest.fixture
def blank_file(write_filled, sample_rules) -> Path:
    """A template sent back empty: one error per criterion, more than a screenful."""
    return write_filled(sample_rules, "BDVTU", {})


def test_check_lists_every_problem(blank_file):
    result = invoke("check", blank_file, "--rules", SAMPLE_RULES, "--lang", "en")
    assert result.exit_code == 1
    listed = [line for line in result.stdout.splitlines() if line.startswith("  x ")]
    assert len(listed) > 12 and "…" not in result.stdout
    summary = result.stdout.splitlines()[-1]
    assert summary == f"Read 1 file, {len(listed)} errors, 0 warnings."


def test_check_max_shortens_the_list_and_says_how_many_more(blank_file):
    full = invoke("check", blank_file, "--rules", SAMPLE_RULES, "--lang", "en")
    total = sum(line.startswith("  x ") for line in full.stdout.splitlines())
    result = invoke("check", blank_file, "--rules", SAMPLE_RULES, "--lang", "en", "--max", "2")
    assert sum(line.startswith("  x ") for line in result.stdout.splitlines()) == 2
    assert f"… and {total - 2} more problems in this file (run without --max to see all)." in result.stdout


def test_check_quiet_prints_only_problems_and_the_summary(blank_file):
    result = invoke("check", blank_file, "--rules", SAMPLE_RULES, "--lang", "en", "--quiet")
    lines = result.stdout.splitlines()
    assert not any(line.startswith("Rules file:") for line in result.stdout.splitlines())
    assert lines[0].startswith(blank_file.name) and re.fullmatch(r"Read 1 file, \d+ errors, 0 warnings\.", lines[-1])
    good = invoke("check", next(SAMPLE_INPUT.glob("2024_VPTU_*.xlsx")), "--rules", SAMPLE_RULES, "--quiet")
    assert good.exit_code == 0 and good.stdout == "Đã đọc 1 tệp, 0 lỗi, 0 cảnh báo.\n"


def test_run_quiet_prints_only_problems_and_the_summary(tmp_path):
    result = invoke("run", "--rules", SAMPLE_RULES, "--input", SAMPLE_INPUT, "--out", tmp_path, "-q",
                    "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "Read 9 files, 0 errors, 0 warnings."
    assert not any(line.startswith(("Rules file:", "Written:", "Complete")) for line in lines)
    assert not any(line.startswith("  · ") for line in lines)  # informational lines are not problems


@pytest.mark.parametrize("command", sorted(main.commands))
@pytest.mark.parametrize(("lang", "examples"), [("en", "Example"), ("vi", "Ví dụ")])
def test_every_command_help_has_an_example(command, lang, examples):
    result = CliRunner().invoke(main, [command, "--help", "--lang", lang], prog_name="bloc-score",
                                catch_exceptions=False)
    assert examples in result.output and f"bloc-score {command}" in result.output.split(examples, 1)[1]


def test_debug_keeps_exit_3_on_an_internal_error(tmp_path, monkeypatch):
    def broken(*args: object, **kwargs: object):
        raise RuntimeError("a bug")
    monkeypatch.setattr("pipeline.run.run", broken)
    args = ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT), "--out", str(tmp_path)]
    plain = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert plain.exit_code == 3 and "Internal error" in plain.stderr
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "RuntimeError: a bug" in debug.stderr


def test_english_plurals():
    assert text("en", "report.summary_errors", errors=1, warnings=0, files=1) == "1 error, 0 warnings in 1 file."
    assert text("en", "report.summary_errors", errors=2, warnings=1, files=3) == "2 errors, 1 warning in 3 files."
    assert text("en", "report.templates_written", count=1, folder="x") == "1 template written to x."
    assert text("vi", "report.summary_errors", errors=1, warnings=2, files=1) == "1 lỗi, 2 cảnh báo trong 1 tệp."
    assert text("en", "report.summary_read", read=1, errors=1, warnings=2) == "Read 1 file, 1 error, 2 warnings."
    assert text("vi", "report.summary_read", read=9, errors=0, warnings=0) == "Đã đọc 9 tệp, 0 lỗi, 0 cảnh báo."
    assert text("en", "template.per_occurrence", points=1, max=3) == "1/time, at most 3"
    # No English text is left with the "(s)" of a count, and Vietnamese texts have no plural forms.
    assert [k for k, v in catalogue("en").items() if "(s)" in v] == []
    assert [k for k, v in catalogue("vi").items() if "|" in v] == []


def test_input_naming_a_file_says_so(tmp_path):
    one = next(SAMPLE_INPUT.glob("*.xlsx"))
    result = invoke("run", "--rules", SAMPLE_RULES, "--input", one, "--out", tmp_path, "--lang", "en")
    assert result.exit_code == 2
    assert f"{one} is a file, not a folder" in result.stderr and str(one.parent) in result.stderr


@pytest.mark.parametrize(("lang", "said"), [("en", "the file does not exist"), ("vi", "tệp không tồn tại")])
def test_a_missing_rules_file_in_the_users_language(tmp_path, lang, said):
    result = invoke("rules", tmp_path / "khoi-2024.yaml", "--lang", lang)
    assert result.exit_code == 2
    assert said in result.stderr and "No such file" not in result.stderr


def test_a_decimal_comma_in_the_rules_gets_a_hint(tmp_path):
    source = SAMPLE_RULES.read_text(encoding="utf-8")
    changed = re.sub(r"(\n\s+max: )(\d+)\n", r'\1"4,5"\n', source, count=1)
    assert changed != source
    rules_file = tmp_path / "khoi.yaml"
    rules_file.write_text(changed, encoding="utf-8")
    result = invoke("rules", rules_file, "--lang", "en")
    assert result.exit_code == 2
    assert "'4,5' is not a number in a rules file: write 4.5" in result.stderr
    vi = invoke("rules", rules_file, "--lang", "vi")
    assert "hãy viết 4.5" in vi.stderr


# ------------------------------------------------------------------------------------ two files of a unit

RULES = rules_from()


def _saved(path: Path, when: str) -> None:
    """Rewrite the save time inside an .xlsx, as Excel does on saving."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info) for info in book.infolist()}
    core = parts["docProps/core.xml"].decode()
    parts["docProps/core.xml"] = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when}\g<2>", core).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


@pytest.fixture
def folder(tmp_path) -> Path:
    return builders.good_files(tmp_path / "input", RULES, "BCD", values(**FULL_SMALL))


def _duplicate(folder: Path):
    result = run(RULES, Workspace(input=folder))
    [issue] = [i for i in result.issues if i.code == "duplicate-unit"]
    assert result.status["A"] == "invalid"
    return issue


def test_two_files_of_a_unit_say_which_is_newer(folder):
    old = builders.template_for(RULES, "A", folder / "A.xlsx", values(**FULL_SMALL))
    new = builders.template_for(RULES, "A", folder / "A_sua.xlsx", values(**{**FULL_SMALL, "1.1": 19}))
    _saved(old, "2024-05-08T09:00:00Z")
    _saved(new, "2024-05-09T14:30:00Z")
    issue = _duplicate(folder)
    assert issue.severity == "error" and issue.unit == "A"
    # The times are shown, but a time a file states about itself never decides: the unit is asked.
    # In Vietnam's time (UTC+07:00), the Vietnamese way.
    assert ("A_sua.xlsx (09/05/2024 21:30, Vietnam time) was saved after A.xlsx (08/05/2024 16:00, Vietnam time), "
            "but a file states "
            "that time itself and whoever made it can set it: ask the unit which file is right") in issue.message("en")
    assert "A_sua.xlsx (21 giờ 30, ngày 09/05/2024) được lưu sau A.xlsx (16 giờ 00, ngày 08/05/2024)" \
        in issue.message("vi")
    assert "hỏi đơn vị tệp nào đúng" in issue.message("vi") and "hãy bỏ A.xlsx" not in issue.message("vi")


def test_two_files_of_a_unit_the_older_first_by_name(folder):
    new = builders.template_for(RULES, "A", folder / "A.xlsx", values(**FULL_SMALL))
    old = builders.template_for(RULES, "A", folder / "A_cu.xlsx", values(**{**FULL_SMALL, "1.1": 19}))
    _saved(old, "2024-05-08T09:00:00Z")
    _saved(new, "2024-05-09T14:30:00Z")
    message = _duplicate(folder).message("en")
    assert "A.xlsx (09/05/2024 21:30, Vietnam time) was saved after A_cu.xlsx" in message
    assert "remove A_cu" not in message


def test_two_files_of_a_unit_saved_at_the_same_time(folder):
    builders.template_for(RULES, "A", folder / "A.xlsx", values(**FULL_SMALL))
    builders.template_for(RULES, "A", folder / "A_sua.xlsx", values(**{**FULL_SMALL, "1.1": 19}))
    message = _duplicate(folder).message("en")
    assert "do not tell which was saved later" in message and "A.xlsx" in message and "A_sua.xlsx" in message


def test_the_save_time_of_an_ods_is_read(tmp_path):
    path = builders.sparse_ods(tmp_path / "a.ods", repeat=3)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("meta.xml", '<?xml version="1.0"?><office:document-meta><office:meta>'
                                     "<dc:date>2024-05-09T14:30:00.123</dc:date></office:meta></office:document-meta>")
    submission = Submission("a.ods")
    read_workbook(submission, path.read_bytes())
    assert submission.format == "ods" and submission.saved_at == "2024-05-09T14:30:00.123"


def test_the_save_time_of_an_xlsx_is_read(tmp_path):
    path = builders.template_for(RULES, "A", tmp_path / "A.xlsx", values(**FULL_SMALL))
    _saved(path, "2024-05-09T14:30:00Z")
    submission = Submission("A.xlsx")
    read_workbook(submission, path.read_bytes())
    assert submission.saved_at == "2024-05-09T14:30:00Z"


def test_problems_about_no_file_are_headed_the_blocs_or_the_units():
    from pipeline.cli.console import render_issues, summary_line
    from pipeline.core.issues import Issue

    issues = [Issue("award-tie", params={"award": "Cờ", "units": "A, B", "rank": 3, "count": 3}),
              Issue("unit-missing", unit="C", params={"name": "Đơn vị C"})]
    vi = render_issues(issues, "vi").splitlines()
    assert vi[0] == "Vấn đề của Khối: 1 cảnh báo" and vi[2] == "Đơn vị C (không thuộc tệp nào): 1 lỗi"
    assert "—" not in "\n".join(line for line in vi if not line.startswith("  "))
    en = render_issues(issues, "en").splitlines()
    assert en[0] == "The bloc's problems: 1 warning" and en[2] == "Units C (about no file): 1 error"
    assert summary_line(issues, "vi", 9) == "Đã đọc 9 tệp, 1 lỗi, 1 cảnh báo."


def test_the_example_runs_to_read_nine_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = invoke("init", "--example", ".")
    assert "9 tệp đơn vị đã nộp trong input/" in made.stdout
    result = invoke("run", "--quiet")
    # The nine units' files: the bloc's two records, read from bloc/ too, are not counted as sent files.
    assert result.stdout.splitlines()[-1] == "Đã đọc 9 tệp, 0 lỗi, 1 cảnh báo."
