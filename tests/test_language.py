"""No English word of the code's vocabulary reaches a Vietnamese reader: catalogue texts and rendered outputs.

The vocabulary is what the program names things by inside (issue codes, rules keys, statuses, award keys,
scorers, file kinds); a Vietnamese text shows each one through its label instead. Messages about the rules
file (`rules.*`) may name the file's own keys, which the secretary types in English; anything in backticks
is a command or a value to type, and file names are the units' own.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from pipeline.checking.validate import UnitStatus
from pipeline.cli.console import render_rules, render_run
from pipeline.core.issues import SEVERITY
from pipeline.core.labels import catalogue
from pipeline.outputs.write import write_outputs
from pipeline.rules import awards as rules_awards
from pipeline.rules import load as rules_load
from pipeline.rules import model as rules_model
from pipeline.rules import procedure as rules_procedure
from pipeline.run import run
from pipeline.workspace.folders import BLOC, INPUT, OUTPUT, SCHEMAS
from tests import builders
from tests.conftest import SAMPLE_INPUT

RULES_KEYS = frozenset({
    *rules_load._TOP_KEYS, *rules_load._CRITERION_KEYS, *rules_procedure._APPRAISAL_KEYS,
    *rules_procedure._PEERS_KEYS, *rules_procedure._VOTE_KEYS, *rules_procedure._SIGNER_KEYS,
    "name", "parent", "criteria", "cap", "weight", "min", "label", "min_criterion_share", "count", "share",
    "share_of", "min_score", *rules_model.NA_POLICIES, *rules_awards.SHARE_BASES, *rules_model.HEADERS,
})
AWARD_KEYS = frozenset({"flag", "merit"})
VOCABULARY = frozenset({
    *SEVERITY, *RULES_KEYS, *AWARD_KEYS, *(status.value for status in UnitStatus), "self", "appraised",
    # what the reader calls a file that is not a workbook, or an entry of the input folder it skips
    "text", "hidden", "folder", "special", "file", "error", "warning", "info",
})

_QUOTED = re.compile(r"`[^`]*`")
_COMMAND = re.compile(r"bloc-score(?: [a-z]+)?|--[a-z-]+")
_MENU = re.compile(r"\([^()]*›[^()]*\)")  # a program's menu path, as its English menus read
_ISSUE_CODE = re.compile(r"^ +[x!·] \[[a-z-]+\]", re.MULTILINE)  # the terminal's stable code of each issue
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_FILE_NAME = re.compile(r"\S+\.(?:xlsx|xlsm|xlsb|xls|ods|pdf|txt|csv|ini|yaml|yml|json|key)\b", re.IGNORECASE)
# The working folder's folders, written as paths: their names are what the secretary sees on disk.
_FOLDER = re.compile(r"\b(?:" + "|".join(p.as_posix() for p in (SCHEMAS, INPUT, BLOC, OUTPUT)) + ")/")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9]+)*")


def english_words(value: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The vocabulary's words in `value`, outside backticks, placeholders and file names."""
    for pattern in (_QUOTED, _COMMAND, _MENU, _ISSUE_CODE, _PLACEHOLDER, _FILE_NAME, _FOLDER):
        value = pattern.sub(" ", value)
    return [word for word in _WORD.findall(value) if word.lower() in VOCABULARY - allowed]


def test_the_checker_finds_what_leaked_before():
    assert english_words("ngôn ngữ: vi · quốc hiệu: party") == ["party"]
    assert english_words("D2 ≤ 5 (không xét: flag)") == ["flag"]
    assert english_words("Bỏ qua .x: hidden file.") == ["hidden", "file"]
    assert english_words("{file} không phải tệp Excel (nội dung giống text)") == ["text"]
    assert english_words("mã not-a-number") == ["not-a-number"]
    assert english_words("chạy `bloc-score run --rules x.yaml` với tệp 2024_flag.xlsx") == []
    assert english_words("  x [not-a-number] D8: chạy bloc-score appraisal (File › Info) --max") == []


# Words of Excel's and Windows' English menus and common English words: a Vietnamese text names a menu by
# its Vietnamese name (Lưu thành › Sổ làm việc Excel), as Excel shows it in Vietnamese.
ENGLISH_UI = frozenset({
    "file", "info", "save", "as", "workbook", "protect", "number", "format", "cells", "text", "general", "open",
    "print", "page", "layout", "view", "home", "insert", "data", "review", "sheet", "options", "menu", "click",
    "password", "encrypt", "with", "and", "the", "of", "or", "is", "not", "for", "date", "time", "error",
    "warning", "select", "paste", "values", "only", "ok", "cancel",
})


def test_no_vietnamese_text_has_an_english_menu_or_word():
    leaks = {}
    for key, value in catalogue("vi").items():
        for pattern in (_QUOTED, _COMMAND, _ISSUE_CODE, _PLACEHOLDER, _FILE_NAME, _FOLDER):
            value = pattern.sub(" ", value)
        found = [word for word in _WORD.findall(value) if word.lower() in ENGLISH_UI]
        if found and not key.startswith("click."):  # click's own (its msgids are looked up, not shown)
            leaks[key] = found
    assert leaks == {}


def test_no_vietnamese_text_names_the_codes_vocabulary():
    leaks = {}
    for key, value in catalogue("vi").items():
        allowed = RULES_KEYS | AWARD_KEYS if key.startswith(("rules.", "cli.")) else frozenset()
        found = english_words(value, allowed)
        if found:
            leaks[key] = found
    assert leaks == {}


def _workbook_words(path: Path) -> dict[str, list[str]]:
    leaks: dict[str, list[str]] = {}
    book = openpyxl.load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        code_column = None
        for number, row in enumerate(rows, 1):
            cells = ["" if value is None else str(value) for value in row]
            if "Mã lỗi" in cells:  # the Issues sheet keeps each issue's stable code, beside its description
                code_column = cells.index("Mã lỗi")
                continue
            for column, value in enumerate(cells):
                found = [] if column == code_column else english_words(value)
                if found:
                    leaks[f"{sheet.title}!{openpyxl.utils.get_column_letter(column + 1)}{number}"] = found
    return leaks


@pytest.mark.slow
def test_no_vietnamese_output_names_the_codes_vocabulary(sample_rules, tmp_path):
    from tests.builders import every_problem_folder

    folder = tmp_path / "input"
    every_problem_folder(sample_rules, folder)
    assert english_words(render_rules(sample_rules, "vi")) == []
    for name, source in (("sample", SAMPLE_INPUT), ("problems", folder)):
        result = run(sample_rules, builders.workspace(source))
        assert result.lang == "vi"
        assert (name, english_words(render_run(result))) == (name, [])
        out = tmp_path / name
        write_outputs(result, out)
        assert (name, _workbook_words(out / f"ranking-{sample_rules.year}.xlsx")) == (name, {})


# Words of an English sentence, and of a Vietnamese one: a help or a usage error in the other language has some.
ENGLISH_SENTENCE = frozenset({
    "the", "and", "of", "to", "is", "not", "for", "with", "this", "that", "show", "message", "exit", "usage",
    "options", "option", "error", "invalid", "value", "missing", "such", "does", "exist", "default", "example",
    "examples", "try", "help", "write", "folder", "file", "every", "each", "unit", "units", "commands", "did",
    "you", "mean", "version", "path", "argument", "one", "date", "print", "make",
})
VIETNAMESE_SENTENCE = frozenset({"của", "và", "không", "tệp", "thư", "mục", "lỗi", "hiện", "cách", "dùng", "ví",
                                 "dụ", "giá", "trị", "lệnh", "tùy", "chọn", "gõ", "đơn", "vị", "quy", "định"})
_NAMES = re.compile(r"\S*[/.]\S*|--[a-z-]+|-[a-z]\b|bloc-score(?: [a-z-]+)?|'[^']*'|\[[^\]]*\]|<[^>]*>")


def _commands_said(lang: str) -> str:
    """Every command's --help and a usage error of each kind, as a user in `lang` sees them."""
    from click.testing import CliRunner

    from pipeline.cli.main import main

    said = []
    for args in ([], *([name] for name in sorted(main.commands))):
        said.append(CliRunner().invoke(main, ["--lang", lang, *args, "--help"], prog_name="bloc-score").output)
    for args in (["rule"], ["check", "khong-co.xlsx"], ["run", "--date", "12/20/2024"], ["run", "--lang", "fr"],
                 ["run", "--lang"], ["run", "--khong"], ["pdf"], ["ballot", "--voters", "0"], ["--version"]):
        result = CliRunner().invoke(main, ["--lang", lang, *args], prog_name="bloc-score")
        assert result.exit_code in (0, 2), result.output
        said.append(result.output)
    return "\n".join(said)


@pytest.mark.parametrize(("lang", "foreign"), [("vi", ENGLISH_SENTENCE), ("en", VIETNAMESE_SENTENCE)])
def test_every_help_and_usage_error_is_in_one_language(lang, foreign):
    said = _commands_said(lang)
    words = [word for line in said.splitlines() for word in _NAMES.sub(" ", line).lower().split()]
    found = sorted({word.strip(".,:;()?!") for word in words} & foreign)
    assert found == [], said


def test_vietnamese_help_and_errors_say_what_they_say():
    said = _commands_said("vi")
    for line in ("Cách dùng: bloc-score [TÙY_CHỌN] LỆNH [THAM_SỐ]...", "Lỗi: Không có lệnh 'rule'.",
                 "Tùy chọn:", "Hiện hướng dẫn này rồi thoát.", "'khong-co.xlsx' không tồn tại.",
                 "'12/20/2024' không phải một ngày"):
        assert line in said
