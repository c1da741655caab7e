"""The README and docs/ stay true: every command and exit code, every issue code, every link, the shipped copy."""

from __future__ import annotations

import re
import unicodedata

import pytest

from pipeline.cli.main import main
from pipeline.core.errors import ExitCode
from pipeline.core.issues import SEVERITY
from pipeline.core.labels import LANGUAGES, catalogue, placeholders
from scripts.make_docs import ISSUE_CODES, SHIPPED, issue_codes_page, shipped_files
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
README_LINES = 200  # a newcomer's front page; everything else goes into docs/


def test_the_readme_stays_a_front_page():
    assert len(README.splitlines()) <= README_LINES


def test_readme_documents_every_command_and_the_two_set_up_commands():
    assert [command for command in main.commands if f"bloc-score {command}" not in README] == []
    assert "make run" in README and "make test" in README


def test_the_issue_codes_page_is_generated_from_the_registry():
    assert ISSUE_CODES.read_text(encoding="utf-8") == issue_codes_page(), "run `make docs`"
    assert [code for code in SEVERITY if f"| `{code}` |" not in issue_codes_page()] == []


def test_the_package_ships_the_pages_as_they_are_in_docs():
    shipped = {path.name: path.read_bytes() for path in SHIPPED.iterdir()}
    assert shipped == {name: path.read_bytes() for name, path in shipped_files().items()}, "run `make docs`"
    assert "rules.md" in shipped  # the reference the starter rules file names


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


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = "".join(ch for ch in heading.strip().lower()
                   if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    without_code = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_anchor(match) for match in re.findall(r"^#{1,6} (.+)$", without_code, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        headings = _anchors(linked.read_text(encoding="utf-8")) if linked.suffix == ".md" and linked.exists() else set()
        if not linked.exists() or (anchor and headings and anchor not in headings):
            broken.append(target)
    assert broken == []
