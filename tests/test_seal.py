"""The bloc's authentication code (issue #27): a unit, with the tool and a key of its own, cannot make another
unit's file or another scorer's peer workbook that the bloc accepts; the bloc's own files, re-saved or not,
score exactly."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.forms.appraisal import write_peer_workbook
from pipeline.forms.synthetic import UnitProfile, write_submissions
from pipeline.outputs.feedback import feedback_messages
from pipeline.outputs.write import write_outputs
from pipeline.rules.layout import IDENTITY_SHEET, peer_filename
from pipeline.rules.load import load_rules
from pipeline.rules.model import Rules
from pipeline.rules.seal import SEAL_KEY, SealKey, Seals, Verdict, canonical, seal
from pipeline.run import RunResult, run
from pipeline.workspace.folders import Workspace, init_folder
from pipeline.workspace.seal_keys import SEAL_FILE, read_key
from tests import builders
from tests.conftest import ROOT, SAMPLE_RULES, invoke, rules_from, script_module
from tests.test_peers import CODES, PEER_RULES, SELF


def profiles() -> dict[str, UnitProfile]:
    """How the example's units fill their templates (scripts/make_sample_input.py): every file sound."""
    with script_module(ROOT / "scripts" / "make_sample_input.py", "make_sample_input") as generator:
        return dict(generator.PROFILES)


def _rules_text(extra: str = "") -> str:
    return SAMPLE_RULES.read_text(encoding="utf-8") + extra


def bloc_folder(root: Path, name: str = "khoi", extra: str = "") -> tuple[Path, Rules]:
    """A bloc's working folder made with init (its own key), the example's rules in it."""
    folder = init_folder(root / name, lang="vi", year=2024).folder
    for made in (folder / "schemas").iterdir():
        made.unlink()
    (folder / "schemas" / SAMPLE_RULES.name).write_text(_rules_text(extra), encoding="utf-8")
    return folder, load_rules(folder / "schemas" / SAMPLE_RULES.name)


def key_of(folder: Path) -> SealKey:
    return read_key(folder / "bloc" / SEAL_FILE, "en")


def issue_templates(folder: Path) -> str:
    made = invoke("templates", "--rules", next((folder / "schemas").iterdir()), "--out", folder / "output" / "mau",
                  "--bloc", folder / "bloc")
    assert made.exit_code == 0, made.output
    return made.output


def go(folder: Path, rules: Rules) -> RunResult:
    return run(rules, Workspace.of(folder / "input", folder / "output"))


def found(result: RunResult, code: str) -> list[tuple[str | None, str]]:
    return [(i.file, i.severity) for i in result.issues if i.code == code]


def standing(result: RunResult) -> dict[str, object]:
    return {r.unit_code: (r.score.total_exact, r.rank) for r in result.ranked}


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, Rules]:
    """A bloc that issued sealed templates, and every unit's file returned, made from them."""
    folder, rules = bloc_folder(tmp_path)
    output = issue_templates(folder)
    assert key_of(folder).key_id in output  # the templates say whose code they carry
    write_submissions(rules, profiles(), folder / "input", key=key_of(folder))
    return folder, rules


# ------------------------------------------------------------------------------------------------ the key

def test_the_key_is_made_once_by_the_commands_that_issue_and_never_by_those_that_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_RULES.parent.parent / "input", tmp_path / "input")
    (tmp_path / "schemas").mkdir()
    shutil.copy(SAMPLE_RULES, tmp_path / "schemas")
    for command in (["run"], ["feedback"], ["check", next((tmp_path / "input").iterdir())]):
        invoke(*command)
        assert not (tmp_path / "bloc" / SEAL_FILE).exists(), command
    first = invoke("templates")
    key = tmp_path / "bloc" / SEAL_FILE
    assert first.exit_code == 0 and key.is_file()
    assert read_key(key, "vi").key_id in first.output and "không bao giờ gửi nó cho đơn vị" in first.output
    if os.name == "posix":
        assert key.stat().st_mode & 0o777 == 0o600
    again = invoke("templates")
    assert again.exit_code == 0 and "Đã tạo khóa" not in again.output  # made once, kept
    assert read_key(key, "vi") == read_key(key, "vi") and key.read_text() == key.read_text()


def test_without_a_key_nothing_is_checked_and_that_is_said_once(tmp_path):
    folder, rules = bloc_folder(tmp_path)
    (folder / "bloc" / SEAL_FILE).unlink()
    write_submissions(rules, profiles(), folder / "input")
    result = go(folder, rules)
    assert found(result, "seal-not-checked") == [(None, "info")]
    assert set(result.validation.seals.values()) == {Verdict.NOT_CHECKED}
    assert set(result.status.values()) == {"scored"}


def test_a_unit_checking_its_own_file_gets_no_verdict(sealed):
    folder, _rules = sealed
    result = invoke("check", next((folder / "input").glob("2024_VPTU_*.xlsx")), "--rules",
                    next((folder / "schemas").iterdir()), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "were not checked" in result.output and "seal-mismatch" not in result.output


def test_a_retired_key_still_verifies_what_it_sealed(sealed):
    folder, rules = sealed
    before = go(folder, rules)
    (folder / "bloc" / "keys").mkdir()
    shutil.move(folder / "bloc" / SEAL_FILE, folder / "bloc" / "keys" / "2024.key")
    issue_templates(folder)  # a new key for what is issued from now on
    after = go(folder, rules)
    assert set(after.validation.seals.values()) == {Verdict.VALID} and standing(after) == standing(before)
    assert len(after.seals.keys) == 2


def test_a_real_folder_holding_the_examples_key_is_warned(sealed):
    folder, rules = sealed
    shutil.copy(SAMPLE_RULES.parent.parent / "bloc" / SEAL_FILE, folder / "bloc" / SEAL_FILE)
    result = go(folder, rules)
    assert found(result, "seal-example-key") == [("bloc/seal.key", "warning")]


# -------------------------------------------------------------------------------------------- the attacks

def test_genuine_sealed_files_score_and_every_code_verifies(sealed):
    folder, rules = sealed
    result = go(folder, rules)
    assert set(result.validation.seals.values()) == {Verdict.VALID}
    assert not [i for i in result.issues if i.code.startswith("seal-")]
    assert len(result.ranked) == len(rules.units)


def test_a_file_under_a_rivals_code_made_in_the_attackers_own_folder_is_not_used(sealed, tmp_path):
    folder, rules = sealed
    genuine = go(folder, rules)
    attacker, _ = bloc_folder(tmp_path, "don-vi-TCT")  # the attacker's own init: a key of its own
    issue_templates(attacker)
    rival = next((attacker / "output" / "mau").glob("2024_VPTU_*.xlsx"))
    forged = builders.edit(rival, {f"D{builders.criterion_row(rules, c.code)}": 0 for c in rules.criteria()},
                           target=folder / "input" / "VPTU-sua.xlsx")
    result = go(folder, rules)
    assert found(result, "seal-mismatch") == [(forged.name, "error")]
    issue = next(i for i in result.issues if i.code == "seal-mismatch")
    assert key_of(attacker).key_id in issue.message("vi") and "VPTU" in issue.message("vi")
    assert standing(result) == standing(genuine) and result.status["VPTU"] == "scored"
    assert not found(result, "duplicate-unit")  # the forgery is not a second file of VPTU's


def test_an_edited_identity_sheet_breaks_the_code(sealed):
    folder, rules = sealed
    path = next((folder / "input").glob("2024_BQT_*.xlsx"))
    book = openpyxl.load_workbook(path)
    identity = book[IDENTITY_SHEET]
    row = next(r for r in range(1, identity.max_row + 1) if identity.cell(r, 1).value == "revision")
    identity.cell(row, 2).value = "2"  # as if made for another revision
    book.save(path)
    result = go(folder, rules)
    assert found(result, "seal-mismatch") == [(path.name, "error")]
    assert result.status["BQT"] == "missing"
    letter = next(m for m in feedback_messages(result) if m.unit.code == "BQT")
    assert letter.kind == "fix" and "2024_BQT_" in letter.body  # asked to copy into the template it was sent


def test_an_unsealed_file_in_a_sealed_year_is_not_used_unless_the_rules_accept_it(sealed, tmp_path):
    folder, rules = sealed
    path = next((folder / "input").glob("2024_DUK_*.xlsx"))
    write_submissions(rules, {"DUK": profiles()["DUK"]}, folder / "input")  # the same scores, without the code
    result = go(folder, rules)
    assert found(result, "seal-required") == [(path.name, "error")] and result.status["DUK"] == "missing"
    builders.drop_identity(path)  # no identity sheet at all: still this year's file, still without the code
    result = go(folder, rules)
    assert found(result, "seal-required") == [(path.name, "error")] and result.status["DUK"] == "missing"
    # The bloc accepts it, on the record.
    reason = "Đơn vị gửi bản chép lại; Thường trực Khối đã đối chiếu bản giấy"
    rules_file = next((folder / "schemas").iterdir())
    rules_file.write_text(_rules_text(f'seal: {{accept_unsealed: [DUK], reason: "{reason}"}}\n'), encoding="utf-8")
    rules = load_rules(rules_file)
    result = go(folder, rules)
    assert found(result, "seal-missing-accepted") == [(path.name, "warning")] and result.status["DUK"] == "scored"
    written = write_outputs(result, tmp_path / "out")
    data = json.loads(written.results.read_text(encoding="utf-8"))
    assert data["seal"] == {"checked": True, "keys": [key_of(folder).key_id], "accept_unsealed": ["DUK"],
                            "reason": reason}
    assert {i["file"]: i["seal"] for i in data["inputs"]}[path.name] == "missing"
    audit = openpyxl.load_workbook(written.workbook)["Nguồn và căn cứ"]
    shown = " ".join(str(c.value) for row in audit.iter_rows() for c in row if c.value)
    assert "Ngoại lệ mã xác thực" in shown and reason in shown and "DUK" in shown


def test_a_folder_begun_before_the_code_goes_on_through_its_year(tmp_path):
    folder, rules = bloc_folder(tmp_path)  # a key now, but the templates were issued unsealed, before
    write_submissions(rules, profiles(), folder / "input")
    result = go(folder, rules)
    assert len(found(result, "seal-missing")) == len(rules.units)
    assert set(result.status.values()) == {"scored"}


def test_peer_workbooks_for_other_scorers_made_with_the_attackers_key_are_not_used(tmp_path):
    rules = rules_from(PEER_RULES)
    inbox = builders.good_files(tmp_path / "input", rules, CODES, SELF)
    records = builders.records_of(inbox)
    bloc_key = init_folder(tmp_path / "unused", lang="en", year=2024).key
    assert bloc_key is not None
    shutil.copytree(tmp_path / "unused" / "bloc", records)
    result = run(rules, builders.workspace(inbox))
    genuine = _peer_book(result, rules, "B", bloc_key.key, inbox)
    attacker = init_folder(tmp_path / "attacker", lang="en", year=2024).key
    assert attacker is not None
    for scorer in "CDEFG":
        _peer_book(result, rules, scorer, attacker.key, inbox)
    attacked = run(rules, builders.workspace(inbox))
    assert len(found(attacked, "seal-mismatch")) == 5
    assert set(attacked.validation.peer_books) == {"B"} and attacked.validation.seals[genuine.name] == "valid"
    assert attacked.validation.peers_missing == ("A", "C", "D", "E", "F", "G")


def _peer_book(result: RunResult, rules: Rules, scorer: str, key: SealKey, inbox: Path) -> Path:
    unit = rules.unit(scorer)
    assert unit is not None
    path = inbox / peer_filename(rules, scorer)
    write_peer_workbook(result, unit, path, key=key)
    book = openpyxl.load_workbook(path)
    sheet = book["A"]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == "1.1":
            sheet.cell(row, 5).value = 20
    book.save(path)
    return path


# -------------------------------------------------------------------------------------------- the code

def test_the_code_covers_what_a_file_is_and_not_what_is_typed_into_it():
    key = SealKey(bytes(range(32)))
    identity = {"format": "bloc-score-template", "template_version": "2", "bloc": "Khối thi đua", "year": "2024",
                "revision": "1", "fingerprint": "87092c4023a5", "unit_code": "VPTU", "unit_name": "Văn phòng",
                "language": "vi", "sheet": "Tự chấm"}
    sealed = {**identity, SEAL_KEY: seal(key, identity)}
    seals = Seals((key,))
    assert seals.verdict(sealed) == Verdict.VALID
    # Read back by another program: a number for a revision, spaces around text, NFD letters — still valid.
    resaved = {**sealed, "revision": "1.0", "year": "2024.0", "bloc": " Khối thi đua ".replace("ố", "ố")}
    assert seals.verdict(resaved) == Verdict.VALID
    # Names, sheet names and the language are not sealed; what the file is for is.
    assert seals.verdict({**sealed, "unit_name": "Tên mới", "sheet": "Sheet1", "language": "en"}) == Verdict.VALID
    for changed in ({"unit_code": "TCT"}, {"year": "2025"}, {"revision": "2"}, {"fingerprint": "0" * 12}):
        assert seals.verdict({**sealed, **changed}) == Verdict.MISMATCH, changed
    assert Seals((SealKey(bytes(32)),)).verdict(sealed) == Verdict.MISMATCH  # another bloc's key
    assert seals.verdict(identity) == Verdict.MISSING and Seals().verdict(sealed) == Verdict.NOT_CHECKED
    # A tally's candidates are sealed by value: re-spaced JSON is the same list.
    tally = {**identity, "candidates:flag": '["VPTU"]'}
    assert Seals((key,)).verdict({**tally, SEAL_KEY: seal(key, tally), "candidates:flag": '[ "VPTU" ]'}) == "valid"
    assert canonical(identity) == canonical({**identity, "language": "en"})
