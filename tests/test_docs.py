"""The README stays true: every issue code, command and exit code it should mention, it does."""

import re

from pipeline.cli.main import main
from pipeline.core.errors import ExitCode
from pipeline.core.issues import SEVERITY
from pipeline.core.labels import LANGUAGES, catalogue, placeholders
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_issue_code():
    missing = [code for code in SEVERITY if f"`{code}`" not in README]
    assert not missing


def test_readme_documents_every_command_and_the_two_set_up_commands():
    for command in main.commands:
        assert f"bloc-score {command}" in README
    assert "make run" in README and "make test" in README


def test_every_issue_code_has_a_message_in_every_language():
    for lang in LANGUAGES:
        texts = catalogue(lang)
        assert not [code for code in SEVERITY if f"issue.{code}" not in texts], lang


def test_languages_have_the_same_keys_and_placeholders():
    english, vietnamese = catalogue("en"), catalogue("vi")
    assert set(english) == set(vietnamese)
    assert [k for k in english if placeholders(english[k]) != placeholders(vietnamese[k])] == []


def _readme_table(heading: str) -> list[list[str]]:
    """The rows of the first table under a README heading, each a list of stripped cells."""
    section = README.split(f"\n{heading}\n", 1)[1]
    section = section[section.index("\n|") + 1:]  # past any sentence that introduces the table
    rows = []
    for line in section.splitlines():
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows[2:]  # after the header and its --- line


def test_readme_exit_code_table_is_exit_code():
    documented = {int(row[0]): row[1] for row in _readme_table("### Exit codes")}
    assert sorted(documented) == sorted(code.value for code in ExitCode)
    assert all(documented.values())
    # The two a user must not confuse: a provisional ranking and a bug to report.
    assert "provisional" in documented[ExitCode.PROBLEMS] and "bug" in documented[ExitCode.BUG]
