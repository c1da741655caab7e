"""Who may decide what (issue #26): a unit that wants the flag, using bloc-score as anyone can, never sets what
the bloc decides. Each attack is made with the tool itself, in the unit's own folder, as a unit would make it;
each fails with its code while the genuine files score exactly as before."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline.forms.appraisal import write_peer_workbook
from pipeline.rules.layout import peer_filename
from pipeline.rules.load import load_rules
from pipeline.rules.model import Rules
from pipeline.run import RunResult, run
from pipeline.workspace.folders import Workspace, init_folder
from tests import builders
from tests import mail_builders as mb
from tests.conftest import SAMPLE_RULES, invoke
from tests.tallies import count_cells
from tests.test_peers import CODES, PEER_RULES, SCORE, SELF

DOMAIN = "quangtri.dcs.vn"
BLOC_ADDRESS = f"khoithidua@{DOMAIN}"
EARLY, LATE = "Mon, 02 Dec 2024 10:00:00 +0700", "Tue, 03 Dec 2024 16:00:00 +0700"
FAR = "Fri, 31 Dec 2099 09:00:00 +0700"  # a unit's clock, or its forger, "later" than any correction


def address(code: str) -> str:
    return f"{code.lower()}@{DOMAIN}"


def sender(code: str) -> str:
    return f"Văn thư {code} <{address(code)}>"


def _with_addresses(text: str) -> str:
    """The example's rules with every unit's address and the bloc's own: what the fingerprint leaves out."""
    text = re.sub(r"(\{code: (\w+), name: [^,}]+)", lambda m: f"{m.group(1)}, email: {address(m.group(2))}", text)
    return f"bloc_email: {BLOC_ADDRESS}\n{text}"


@pytest.fixture
def bloc(tmp_path: Path) -> tuple[Path, Rules]:
    """The example's working folder (its nine units' files, its bloc/ with the appraisal and the tally), with
    the units' addresses in its rules."""
    folder = init_folder(tmp_path / "khoi", example=True).folder
    rules_file = folder / "schemas" / SAMPLE_RULES.name
    rules_file.write_text(_with_addresses(rules_file.read_text(encoding="utf-8")), encoding="utf-8")
    return folder, load_rules(rules_file)


def go(folder: Path, rules: Rules) -> RunResult:
    return run(rules, Workspace.of(folder / "input", folder / "output"))


def standing(result: RunResult) -> dict[str, tuple[Decimal, int]]:
    return {r.unit_code: (r.score.total, r.rank) for r in result.ranked}


def codes(result: RunResult, code: str) -> list[tuple[str | None, str]]:
    return [(i.file, i.severity) for i in result.issues if i.code == code]


def unit_file(folder: Path, code: str) -> Path:
    return next((folder / "input").glob(f"2024_{code}_*.xlsx"))


def unit_folder(tmp_path: Path, bloc_folder: Path, code: str, *, every_file: bool = False) -> Path:
    """A unit's own working folder: bloc-score init, the rules file it was sent, its own file (or all of them)."""
    mine = init_folder(tmp_path / f"don-vi-{code}", lang="vi").folder
    for made in (mine / "schemas").iterdir():
        made.unlink()
    shutil.copy(next((bloc_folder / "schemas").iterdir()), mine / "schemas")
    for path in (bloc_folder / "input").iterdir() if every_file else [unit_file(bloc_folder, code)]:
        shutil.copy(path, mine / "input")
    return mine


def forged_appraisal(tmp_path: Path, bloc_folder: Path, rules: Rules, code: str) -> Path:
    """`bloc-score appraisal` in the unit's own folder, then every appraised score of its own sheet set to the
    best it can be (the max; no deduction), each with a reason."""
    mine = unit_folder(tmp_path, bloc_folder, code)
    made = invoke("appraisal", "--input", mine / "input", "--out", mine / "output",
                  "--rules", next((mine / "schemas").iterdir()))
    assert made.exit_code == 0, made.output
    book_path = mine / "bloc" / "appraisal-2024.xlsx"
    book = openpyxl.load_workbook(book_path)
    sheet = book[code]
    deductions = {c.code for c in rules.deductions.criteria}
    for row in range(1, sheet.max_row + 1):
        criterion = rules.criteria_by_code.get(str(sheet.cell(row, 1).value))
        if criterion is not None:
            sheet.cell(row, 5).value = 0 if criterion.code in deductions else float(criterion.max)
            sheet.cell(row, 6).value = "Đơn vị tự thẩm định lại"
    book.save(book_path)
    return book_path


# ------------------------------------------------------------------------------------- the bloc's records

def test_a_unit_that_appraises_itself_changes_nothing_by_mail_or_by_hand(bloc, tmp_path):
    folder, rules = bloc
    genuine = go(folder, rules)
    assert genuine.final and standing(genuine)["TCT"][1] == 9
    forged = forged_appraisal(tmp_path, folder, rules, "TCT")

    # By e-mail: the forged workbook attached to the unit's message with its own file.
    mb.eml(folder / "input" / "tct.eml", [("2024_TCT.xlsx", unit_file(folder, "TCT").read_bytes()),
                                          ("tham-dinh.xlsx", forged.read_bytes())], sender=sender("TCT"))
    unit_file(folder, "TCT").unlink()
    result = go(folder, rules)
    assert standing(result) == standing(genuine) and result.final
    assert codes(result, "bloc-book-in-input") == [("tct.eml › tham-dinh.xlsx", "warning")]
    issue = next(i for i in result.issues if i.code == "bloc-book-in-input")
    assert address("TCT") in issue.message("vi") and "bloc/" in issue.message("vi")
    assert result.validation.appraisal_file == "bloc/appraisal-2024.xlsx"  # the bloc's own, and only it
    assert not codes(result, "appraisal-conflict")

    # Saved by hand into input/: the same, and the message says where a bloc's record belongs.
    shutil.copy(forged, folder / "input" / "appraisal-2024.xlsx")
    result = go(folder, rules)
    assert standing(result) == standing(genuine)
    issue = next(i for i in result.issues if i.file == "appraisal-2024.xlsx")
    assert issue.code == "bloc-book-in-input" and "bloc/appraisal-2024.xlsx" in issue.message("vi")
    data = json.loads((_written(result, tmp_path)).read_text(encoding="utf-8"))
    outcome = {i["file"]: (i["kind"], i["outcome"]) for i in data["inputs"]}
    assert outcome["appraisal-2024.xlsx"] == ("appraisal", "refused")
    assert outcome["bloc/appraisal-2024.xlsx"] == ("appraisal", "used")

    # The secretary remakes the bloc's workbook: nothing of the forgery is carried into it.
    made = invoke("appraisal", "--input", folder / "input", "--out", folder / "output",
                  "--rules", next((folder / "schemas").iterdir()))
    assert made.exit_code == 0, made.output
    remade = openpyxl.load_workbook(folder / "bloc" / "appraisal-2024.xlsx")["TCT"]
    assert "Đơn vị tự thẩm định lại" not in {remade.cell(r, 6).value for r in range(1, remade.max_row + 1)}
    assert standing(go(folder, rules)) == standing(genuine)


def _written(result: RunResult, tmp_path: Path) -> Path:
    from pipeline.outputs.write import write_outputs

    return write_outputs(result, tmp_path / "out").results


def test_a_unit_that_counts_the_vote_itself_decides_nothing(bloc, tmp_path):
    folder, rules = bloc
    genuine = go(folder, rules)
    assert genuine.award(genuine.ranked[0]) == "flag" and genuine.ranked[0].unit_code == "VPTU"
    mine = unit_folder(tmp_path, folder, "BTCTU", every_file=True)
    shutil.copytree(folder / "bloc", mine / "bloc", dirs_exist_ok=True)  # a copy of the appraisal, say
    (mine / "bloc" / "tally-2024.xlsx").unlink()
    made = invoke("ballot", "--input", mine / "input", "--out", mine / "output",
                  "--rules", next((mine / "schemas").iterdir()))
    assert made.exit_code == 0, made.output
    tally = builders.edit(mine / "bloc" / "tally-2024.xlsx", {**count_cells(9, 9, [(2, 7, 0)]), "C4": "Hội trường",
                                                             "C5": "10/01/2025"})
    mb.eml(folder / "input" / "kiem-phieu.eml", [("tally-2024.xlsx", tally.read_bytes())], sender=sender("BTCTU"))
    shutil.copy(tally, folder / "input" / "tally-2024.xlsx")  # and, saved by hand, in an older folder's place
    result = go(folder, rules)
    assert sorted(codes(result, "bloc-book-in-input")) == [("kiem-phieu.eml › tally-2024.xlsx", "warning"),
                                                           ("tally-2024.xlsx", "warning")]
    assert result.vote is not None and result.vote.tally_file == "bloc/tally-2024.xlsx"
    assert result.final and result.award(result.ranked[0]) == "flag"  # 8 of 9, as the committee counted
    assert standing(result) == standing(genuine)


def test_a_blank_record_in_the_bloc_folder_means_nothing_entered_yet(bloc):
    folder, rules = bloc
    (folder / "bloc" / "tally-2024.xlsx").unlink()
    made = invoke("ballot", "--input", folder / "input", "--out", folder / "output",
                  "--rules", next((folder / "schemas").iterdir()))
    assert made.exit_code == 0, made.output
    result = go(folder, rules)
    assert result.vote_pending and not result.provisional
    assert not [i for i in result.issues if i.severity == "error"]
    assert result.vote is not None and result.vote.tally is None  # so no minutes of a count that did not happen


def test_records_left_where_an_older_bloc_score_put_them_are_named_with_where_they_go(bloc):
    folder, rules = bloc
    (folder / "output").mkdir(exist_ok=True)
    shutil.move(folder / "bloc" / "appraisal-2024.xlsx", folder / "output" / "appraisal-2024.xlsx")
    shutil.move(folder / "bloc" / "tally-2024.xlsx", folder / "input" / "tally-2024.xlsx")
    result = go(folder, rules)
    by_code = {i.code: i for i in result.issues}
    assert by_code["bloc-book-in-output"].file == "output/appraisal-2024.xlsx"
    assert "bloc/appraisal-2024.xlsx" in by_code["bloc-book-in-output"].message("en")
    assert "bloc/tally-2024.xlsx" in by_code["bloc-book-in-input"].message("en")
    assert result.validation.appraisal_file is None and result.vote_pending


def test_a_units_file_saved_into_the_bloc_folder_is_sent_back_to_input(bloc):
    folder, rules = bloc
    shutil.move(unit_file(folder, "DUK"), folder / "bloc" / "DUK.xlsx")
    result = go(folder, rules)
    assert codes(result, "unit-file-in-bloc") == [("bloc/DUK.xlsx", "warning")]
    assert result.status["DUK"] == "missing"


# ----------------------------------------------------------------------------------------------- senders

def test_a_file_under_a_rivals_code_from_the_attackers_address_never_replaces_the_rivals(bloc, tmp_path):
    folder, rules = bloc
    genuine_file = unit_file(folder, "VPTU")
    mb.eml(folder / "input" / "vptu.eml", [(genuine_file.name, genuine_file.read_bytes())], sender=sender("VPTU"),
           date=EARLY)
    genuine_file.unlink()
    genuine = go(folder, rules)
    assert standing(genuine)["VPTU"][1] == 1 and not codes(genuine, "sender-unknown")
    # The attacker makes the rival's template with the tool and sends it, all zeros, later and "in 2099".
    mine = unit_folder(tmp_path, folder, "TCT")
    made = invoke("templates", "--rules", next((mine / "schemas").iterdir()), "--out", mine / "templates")
    assert made.exit_code == 0, made.output
    rival = next((mine / "templates").glob("2024_VPTU_*.xlsx"))
    forged = builders.edit(rival, {f"D{builders.criterion_row(rules, c.code)}": 0 for c in rules.criteria()})
    for name, date in (("sua.eml", LATE), ("tuong-lai.eml", FAR)):
        mb.eml(folder / "input" / name, [("2024_VPTU_Van-phong-Tinh-uy.xlsx", forged.read_bytes())],
               sender=sender("TCT"), date=date)
    result = go(folder, rules)
    assert standing(result) == standing(genuine)
    assert sorted(codes(result, "sender-other-unit")) == [
        ("sua.eml › 2024_VPTU_Van-phong-Tinh-uy.xlsx", "error"),
        ("tuong-lai.eml › 2024_VPTU_Van-phong-Tinh-uy.xlsx", "error")]
    issue = next(i for i in result.issues if i.code == "sender-other-unit")
    assert "VPTU" in issue.message("vi") and "TCT" in issue.message("vi") and issue.unit is None
    assert codes(result, "mail-date-future") == [("tuong-lai.eml", "warning")]
    # Made in the attacker's own folder, the forgery carries the attacker's key, not the bloc's (issue #27).
    assert len(codes(result, "seal-mismatch")) == 2
    assert result.status["VPTU"] == result.status["TCT"] == "scored"  # neither unit blamed for the other's act
    assert not codes(result, "mail-superseded") and not codes(result, "duplicate-unit")


def test_a_later_message_supersedes_only_from_the_same_unit_and_never_from_the_future(bloc, tmp_path):
    folder, rules = bloc
    first = unit_file(folder, "BQT")
    corrected = builders.edit(first, {"D8": 9}, target=tmp_path / "corrected.xlsx")
    mb.eml(folder / "input" / "1.eml", [(first.name, first.read_bytes())], sender=sender("BQT"), date=EARLY)
    mb.eml(folder / "input" / "2.eml", [(first.name, corrected.read_bytes())], sender=sender("BQT"), date=LATE)
    first.unlink()
    result = go(folder, rules)
    assert codes(result, "mail-superseded") == [(f"1.eml › {first.name}", "info")]
    assert result.unit_file("BQT").file == f"2.eml › {first.name}"
    # The same correction dated far in the future is not believed: the bloc must tell which file counts.
    (folder / "input" / "2.eml").unlink()
    mb.eml(folder / "input" / "2.eml", [(first.name, corrected.read_bytes())], sender=sender("BQT"), date=FAR)
    result = go(folder, rules)
    assert not codes(result, "mail-superseded") and codes(result, "mail-date-future") == [("2.eml", "warning")]
    assert [i.code for i in result.issues if i.unit == "BQT" and i.severity == "error"] == ["duplicate-unit"]


def test_the_bloc_forwarding_and_unknown_senders(bloc):
    folder, rules = bloc
    dvtu, btg, duk = unit_file(folder, "BDVTU"), unit_file(folder, "BTGTU"), unit_file(folder, "DUK")
    files = {path.name: path.read_bytes() for path in (dvtu, btg, duk)}
    for path in (dvtu, btg, duk):
        path.unlink()
    # The secretary forwards two units' files from the bloc's own address: taken as saved by hand.
    mb.eml(folder / "input" / "chuyen.eml", [(dvtu.name, files[dvtu.name]), (btg.name, files[btg.name])],
           sender=f"Khối thi đua <{BLOC_ADDRESS}>")
    (folder / "input" / duk.name).write_bytes(files[duk.name])
    result = go(folder, rules)
    assert result.final and not [i for i in result.issues if i.code.startswith(("sender-", "mail-"))]
    # One unit's mailbox carrying two units' files; a file from an address the rules do not list.
    (folder / "input" / "chuyen.eml").unlink()
    (folder / "input" / duk.name).unlink()
    mb.eml(folder / "input" / "hai.eml", [(dvtu.name, files[dvtu.name]), (btg.name, files[btg.name])],
           sender=sender("BDVTU"))
    mb.eml(folder / "input" / "la.eml", [("duk.xlsx", files[duk.name])], sender="Cá nhân <canhan@gmail.com>")
    result = go(folder, rules)
    assert codes(result, "mail-several-units") == [("hai.eml", "warning")]
    assert codes(result, "sender-other-unit") == [(f"hai.eml › {btg.name}", "error")]
    assert result.status["BTGTU"] == "missing" and result.status["BDVTU"] == "scored"
    assert codes(result, "sender-unknown") == [("la.eml › duk.xlsx", "warning")]
    unknown = next(i for i in result.issues if i.code == "sender-unknown")
    assert result.status["DUK"] == "scored" and "canhan@gmail.com" in unknown.message("vi")


# --------------------------------------------------------------------------------------- cross-scoring

PEER_ADDRESSED = {**PEER_RULES, "units": [{**unit, "email": address(unit["code"])} for unit in PEER_RULES["units"]]}


def test_peer_workbooks_for_other_scorers_from_the_attackers_address_are_not_used(tmp_path):
    from tests.conftest import rules_from

    rules = rules_from(PEER_ADDRESSED)
    inbox = builders.good_files(tmp_path / "input", rules, CODES, SELF)
    result = run(rules, builders.workspace(inbox))
    # B returns its own workbook, from its own address: used.
    _peer_mail(result, rules, "B", "B", {"A": 15}, inbox / "b.eml")
    genuine = run(rules, builders.workspace(inbox))
    assert genuine.validation.peers_missing == ("A", "C", "D", "E", "F", "G")
    # A, the attacker, makes five other scorers' workbooks with the tool and sends them from its own address.
    for scorer in "CDEFG":
        _peer_mail(result, rules, scorer, "A", {"A": 20}, inbox / f"a-{scorer}.eml")
    attacked = run(rules, builders.workspace(inbox))
    assert len(codes(attacked, "sender-other-unit")) == 5
    assert attacked.validation.peers_missing == genuine.validation.peers_missing  # still waiting for them
    assert standing(attacked) == standing(genuine) and set(attacked.validation.peer_books) == {"B"}


def _peer_mail(result: RunResult, rules: Rules, scorer: str, sent_by: str, scores: dict[str, float],
               path: Path) -> None:
    """`scorer`'s peer workbook as the tool makes it, every criterion of each scored unit given `scores`."""
    made = path.with_suffix(".xlsx")
    unit = rules.unit(scorer)
    assert unit is not None
    write_peer_workbook(result, unit, made)
    book = openpyxl.load_workbook(made)
    for scored, score in scores.items():
        if scored == scorer:
            continue
        sheet = book[scored]
        for row in range(1, sheet.max_row + 1):
            criterion = rules.criteria_by_code.get(str(sheet.cell(row, 1).value))
            if criterion is not None and criterion.code in {"1.1", "2.1"}:
                sheet.cell(row, SCORE).value = min(score, float(criterion.max))
    book.save(made)
    mb.eml(path, [(peer_filename(rules, scorer), made.read_bytes())], sender=sender(sent_by))
    made.unlink()
