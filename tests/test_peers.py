"""Cross-scoring (chấm chéo): units score each other, the extremes are dropped, the mean is exact.

Seven units; each unit's peer-scoring workbook is written as `bloc-score appraisal` writes it, then filled
with openpyxl as the unit would, and saved into the input folder beside the self-assessments.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli.main import main
from pipeline.forms.appraisal import write_peer_workbook
from pipeline.outputs.results_json import results_dict
from pipeline.reading.read import read_submission
from pipeline.rules.layout import peer_filename, template_filename
from pipeline.run import RunResult, run
from pipeline.scoring.score import trimmed_mean
from tests import builders
from tests.conftest import SMALL_RULES, libreoffice_convert, rules_from, values

CODES = "ABCDEFG"
PEER_RULES = {**SMALL_RULES, "units": [{"code": c, "name": f"Đơn vị {c}"} for c in CODES],
              "appraisal": {"by": "peers", "peers": {"trim": 1, "min_scorers": 5}}}
RULES = rules_from(PEER_RULES)
SELF = values(**{"1.1": 18, "1.2": 9, "2.1": 9.5, "2.2": 8, "B1": 1})
SCORE = 5  # the peer score's column (E) in every sheet, as in the appraisal workbook

# Unit A as scored by the six others: {criterion: {scorer: score}}.
A_SCORES: dict[str, dict[str, object]] = {
    "1.1": {"B": 16, "C": 18, "D": 18, "E": 20, "F": 14, "G": 18},   # drop 14 and 20: 70/4 = 17.5
    "1.2": {"B": 7, "C": 8, "D": 8},                                 # 3 < min_scorers: plain mean 23/3
    "2.1": {"B": 8, "C": 8, "D": 9, "E": 9, "F": 10, "G": 10},       # ties at both ends: (8+9+9+10)/4 = 9
    "2.2": {"B": 6, "C": 7, "D": 8, "E": 9, "F": 10},                # exactly min_scorers: drop 6, 10 → 8
}                                                                    # B1: nobody → the self-score 1 stands
A_MEANS = {"1.1": Fraction(35, 2), "1.2": Fraction(23, 3), "2.1": Fraction(9), "2.2": Fraction(8)}
A_TOTAL_EXACT = Fraction(35, 2) + Fraction(23, 3) + 9 + 8 + 1


@pytest.fixture
def folder(tmp_path) -> Path:
    return builders.good_files(tmp_path / "input", RULES, CODES, SELF)


@pytest.fixture(scope="module")
def scored_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seven units' files and every peer's workbook scoring unit A (A_SCORES), made once for the module."""
    folder = builders.good_files(tmp_path_factory.mktemp("peers") / "input", RULES, CODES, SELF)
    peer_books(folder, {"A": by_scorer(A_SCORES)})
    return folder


@pytest.fixture
def scored(scored_once: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A copy of that folder for one test to change, and each scorer's workbook in it."""
    folder = shutil.copytree(scored_once, tmp_path / "input")
    return folder, {scorer: folder / peer_filename(RULES, scorer) for scorer in CODES}


def by_scorer(scores: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """{criterion: {scorer: score}} → {scorer: {criterion: score}}."""
    turned: dict[str, dict[str, object]] = {}
    for code, given_by in scores.items():
        for scorer, score in given_by.items():
            turned.setdefault(scorer, {})[code] = score
    return turned


def peer_books(folder: Path, scored: Mapping[str, Mapping[str, Mapping[str, object]]], *,
               scorers: str = CODES, rules=RULES) -> dict[str, Path]:
    """Each scorer's workbook made from the folder's files, filled: {scored unit: {scorer: {criterion: score}}}."""
    result = run(rules, builders.workspace(folder))
    written = {}
    for scorer in scorers:
        made = folder.parent / f".{scorer}-made.xlsx"
        write_peer_workbook(result, rules.unit(scorer), made)
        book = openpyxl.load_workbook(made)
        for unit_code, given_by in scored.items():
            mine = given_by.get(scorer, {})
            if not mine:
                continue
            sheet = book[unit_code]
            rows = {sheet.cell(row, 1).value: row for row in range(1, sheet.max_row + 1)}
            for code, score in mine.items():
                sheet.cell(rows[code], SCORE).value = score
        target = folder / peer_filename(rules, scorer)
        book.save(target)
        made.unlink()
        written[scorer] = target
    return written


def go(folder: Path) -> RunResult:
    return run(RULES, builders.workspace(folder))


def found(result: RunResult, code: str) -> list:
    return [i for i in result.issues if i.code == code]


def decided(result: RunResult, unit: str) -> dict[str, tuple[str, object]]:
    final = result.validation.final
    mine = final[final["unit_code"] == unit]
    return {c: (s, v) for c, s, v in zip(mine["criterion_code"], mine["scorer"], mine["value"], strict=True)}


def total(result: RunResult, unit: str):
    return next(r.score for r in result.ranked if r.unit_code == unit)


# ------------------------------------------------------------------------------------------------ the rules

@pytest.mark.parametrize(("peers", "by", "expected"), [
    ({"trim": 2, "min_scorers": 4}, "peers", "make min_scorers 5 or more"),  # trimming 4 of 4 leaves nothing
    ({"trim": 1, "min_scorers": 7}, "peers", "at most 6 other units"),  # 7 units: 6 peers at most
    ({"trim": -1}, "peers", "appraisal.peers.trim"),
    ({"trim": 1, "scorers": 5}, "peers", "appraisal.peers.scorers"),
    ({"trim": 1}, "units", "appraisal.by"),
])
def test_bad_cross_scoring_rules_are_located(peers, by, expected):
    from pipeline.core.errors import RulesError

    with pytest.raises(RulesError) as raised:
        rules_from(PEER_RULES, appraisal={"by": by, "peers": peers})
    assert expected in str(raised.value) and "test-rules.yaml:" in str(raised.value)


def test_cross_scoring_defaults():
    assert (RULES.appraisal_by, RULES.peer_trim, RULES.peer_min_scorers) == ("peers", 1, 5)
    plain = rules_from()
    assert (plain.appraisal_by, plain.peer_trim, plain.peer_min_scorers) == ("bloc", 1, 3)
    assert rules_from(PEER_RULES, appraisal={"by": "peers", "peers": {"trim": 2}}).peer_min_scorers == 5


# ----------------------------------------------------------------------------------- the trimmed means

def test_seven_units_reproduce_the_trimmed_means_exactly(scored):
    folder, _books = scored
    result = go(folder)
    a = decided(result, "A")
    for code, mean in A_MEANS.items():
        scorer, value = a[code]
        assert scorer == "peers" and Fraction(value) == mean, code
    assert a["B1"] == ("self", Decimal(1))  # nobody scored it: the self-score stands …
    warning = next(i for i in found(result, "peer-none") if i.unit == "A")  # … with a warning
    assert warning.severity == "warning" and warning.criterion == "B1" and warning.params["criteria"] == "B1"
    assert total(result, "A").total_exact == A_TOTAL_EXACT  # exact to the end, rounded once
    assert total(result, "A").total == Decimal("43.17")
    assert not result.provisional  # every scorer sent a workbook, every cell in order
    peers = result.validation.peers
    assert peers[("A", "1.1")].dropped == {"F", "E"} and not peers[("A", "1.2")].trimmed
    assert len(peers[("A", "2.1")].dropped) == 2  # one 8 and one 10 dropped, whichever: the mean is 9
    assert peers[("A", "2.2")].dropped == {"B", "F"}


def test_the_json_says_who_scored_what(scored):
    folder, _books = scored
    data = results_dict(go(folder))
    assert data["schema_version"] == 4
    unit = next(u for u in data["units"] if u["code"] == "A")
    row = next(c for c in unit["criteria"] if c["code"] == "1.2")
    assert row["source"] == "peers" and row["peer_mean"] == "23/3" and row["final_exact"] == "23/3"
    assert row["peers"] == [{"scorer": "B", "score": 7}, {"scorer": "C", "score": 8}, {"scorer": "D", "score": 8}]
    own = next(c for c in unit["criteria"] if c["code"] == "B1")
    assert own["source"] == "self" and own["peers"] == [] and own["peer_mean"] is None
    kinds = {i["file"]: i["kind"] for i in data["inputs"]}
    assert kinds[peer_filename(RULES, "B")] == "peer"
    assert next(i for i in data["inputs"] if i["file"] == peer_filename(RULES, "B"))["outcome"] == "used"


def test_the_bloc_appraisal_still_overrides_the_peers(scored):
    folder, _books = scored
    builders.appraise(RULES, folder, {"A": {"1.1": (12, "Thiếu minh chứng")}})
    result = go(folder)
    assert decided(result, "A")["1.1"] == ("appraised", Decimal(12))
    assert decided(result, "A")["2.1"][0] == "peers"


# ------------------------------------------------------------------------------------------------ faults

def test_a_missing_scorer_makes_the_run_provisional_and_is_named(scored, tmp_path):
    folder, books = scored
    books["G"].unlink()
    result = go(folder)
    assert result.provisional and result.validation.peers_missing == ("G",)
    issue = next(iter(found(result, "peer-missing")))
    assert issue.unit == "G" and issue.params["template"] == peer_filename(RULES, "G")
    assert {r.unit_code for r in result.ranked} == set(CODES)  # still ranked, provisionally
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(PEER_RULES), encoding="utf-8")
    out = CliRunner().invoke(main, ["run", "--rules", str(rules_file), "--input", str(folder),
                                    "--out", str(tmp_path / "out"), "--lang", "en"])
    assert out.exit_code == 1, out.output
    assert "No peer-scoring workbook from unit G" in out.output
    assert "No peer-scoring workbook yet from: G." in out.output  # beside the provisional line
    book = openpyxl.load_workbook(tmp_path / "out" / "ranking-2024.xlsx")
    banner = [c.value for row in book["Ranking"].iter_rows(max_row=12) for c in row if isinstance(c.value, str)
              and c.value.startswith("PROVISIONAL")]
    assert banner and banner[0].endswith("No peer-scoring workbook yet from: G.")
    audit = {row[0].value: row for row in book["Audit"].iter_rows() if row[0].value}
    scorer_b = audit[peer_filename(RULES, "B")]
    assert scorer_b[1].value == builders.sha256(books["B"]) and scorer_b[3].value == "B"
    assert scorer_b[4].value == "Peer-scoring workbook (used)"
    unit_a = [row for row in book["A"].iter_rows(values_only=True) if row[0] == "1.1"]
    # G's workbook missing, five peers scored 1.1: still trimmed, (16 + 18 + 18) / 3.
    assert unit_a[-1][1] == "B: 16; C: 18; D: 18; E: 20 (dropped); F: 14 (dropped)"
    assert unit_a[-1][7] == pytest.approx(52 / 3)


def test_bad_peer_cells_are_located_and_do_not_count(folder):
    scores = by_scorer(A_SCORES)
    scores["B"] = {"1.1": 25, "1.2": "N/A", "2.1": 8.1, "2.2": "tốt"}
    books = peer_books(folder, {"A": scores})
    result = go(folder)
    where = {i.code: (i.file, i.sheet, i.cell, i.unit, i.criterion) for i in result.issues
             if i.code.startswith("peer-score") or i.code == "peer-not-a-number"}
    name = books["B"].name
    assert where == {"peer-score-out-of-range": (name, "A", "E6", "A", "1.1"),
                     "peer-score-na": (name, "A", "E7", "A", "1.2"),
                     "peer-score-off-step": (name, "A", "E9", "A", "2.1"),
                     "peer-not-a-number": (name, "A", "E10", "A", "2.2")}
    assert result.status["A"] == "scored" and result.provisional  # the scorer must fix them
    assert result.validation.peers[("A", "1.1")].scores[0][0] == "C"  # B's 25 is not among the scores


def test_a_self_score_changed_after_the_peers_scored_is_stale_and_still_counts(scored):
    folder, books = scored
    unit_a = folder / template_filename(RULES, RULES.unit("A"))
    builders.edit(unit_a, {"D8": 19, "D9": 8})  # resubmitted: 1.1 (scored by six peers) and 1.2 (by three)
    result = go(folder)
    stale = sorted((i.params["scorer"], i.criterion, i.file, i.sheet, i.cell) for i in found(result, "peer-stale"))
    assert stale == sorted([(scorer, "1.1", books[scorer].name, "A", "E6") for scorer in "BCDEFG"]
                           + [(scorer, "1.2", books[scorer].name, "A", "E7") for scorer in "BCD"])
    issue = next(i for i in found(result, "peer-stale") if i.params["scorer"] == "B" and i.criterion == "1.1")
    assert (issue.params["made_from"], issue.params["current"]) == (18, 19)
    assert issue.params["unit_file"] == unit_a.name and issue.params["unit_cell"] == "D8"
    for lang in ("en", "vi"):
        assert "D8" in issue.message(lang) and unit_a.name in issue.message(lang)
    assert issue.severity == "warning"
    assert decided(result, "A")["1.1"] == ("peers", Decimal("17.5"))  # the peers' scores still count


def test_peer_scores_given_on_the_current_self_scores_are_not_stale(scored):
    folder, _books = scored
    assert not found(go(folder), "peer-stale")


def test_a_scorer_scoring_itself_and_two_different_workbooks(scored):
    folder, books = scored
    book = openpyxl.load_workbook(books["B"])
    book.copy_worksheet(book["A"]).title = "B"  # B adds a sheet for itself
    book.save(books["B"])
    shutil.copy(books["C"], folder / "cham-cheo-C-sua.xlsx")
    builders.edit(folder / "cham-cheo-C-sua.xlsx", {"E6": 17}, sheet="A")
    result = go(folder)
    issue = next(iter(found(result, "peer-self-scoring")))
    assert (issue.file, issue.sheet, issue.unit, issue.severity) == (books["B"].name, "B", "B", "error")
    conflict = next(iter(found(result, "peer-conflict")))
    assert conflict.unit == "C" and conflict.cell == "E6" and conflict.sheet == "A"
    assert "C" not in result.validation.peer_books and result.provisional


def test_a_peer_workbook_of_another_year_is_refused(scored, tmp_path):
    folder, books = scored
    book = openpyxl.load_workbook(books["D"])
    identity = book["bloc-score"]
    for row in identity.iter_rows():
        if row[0].value == "year":
            row[1].value = "2023"
    book.save(books["D"])
    result = go(folder)
    issue = next(iter(found(result, "wrong-year")))
    assert issue.file == books["D"].name and result.provisional
    assert all(scorer != "D" for scorer, _ in result.validation.peers[("A", "1.1")].scores)


def test_na_criteria_are_locked_in_the_peer_workbook(folder, tmp_path):
    builders.edit(folder / next(p.name for p in folder.iterdir() if "_A_" in p.name), {"D9": "N/A"})
    result = go(folder)
    path = write_peer_workbook(result, RULES.unit("B"), tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(path)
    assert "B" not in book.sheetnames and {"A", "C", "D", "E", "F", "G"} <= set(book.sheetnames)
    sheet = book["A"]
    assert sheet.protection.sheet and sheet.cell(4, SCORE).value == "Peer score"
    assert sheet.cell(7, 1).value == "1.2" and sheet.cell(7, 4).value == "N/A"
    assert sheet.cell(7, SCORE).protection.locked and not sheet.cell(6, SCORE).protection.locked
    assert sheet.cell(6, 7).value == "evidence"  # the scored unit's evidence is shown
    validated = {str(cells) for rule in sheet.data_validations.dataValidation for cells in rule.sqref.ranges}
    assert "E6" in validated and "E7" not in validated  # 1.1 refuses what is off the rules; 1.2 takes nothing
    made = read_submission(path, tmp_path)
    assert made.peer and made.appraisal.scorer == "B" and made.identity["kind"] == "peer"
    assert made.identity["fingerprint"] == RULES.fingerprint


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_peer_workbook_resaved_by_libreoffice_reads_the_same(scored, tmp_path, lo_profile):
    folder, books = scored
    expected = go(folder)
    resaved = libreoffice_convert(books["E"], "xlsx", tmp_path / "calc", lo_profile)
    books["E"].unlink()
    shutil.copy(resaved, folder / "cham-cheo-E.xlsx")
    result = go(folder)
    assert result.validation.peer_books["E"].file == "cham-cheo-E.xlsx"  # recognised by content
    assert result.validation.peers == expected.validation.peers
    assert decided(result, "A") == decided(expected, "A")
    assert total(result, "A").total_exact == A_TOTAL_EXACT


# -------------------------------------------------------------------------------- the mean, as a property

@given(st.lists(st.decimals(min_value=0, max_value=20, places=2), max_size=12), st.integers(0, 3),
       st.integers(1, 9))
def test_the_trimmed_mean_is_the_mean_of_the_middle(scores, trim, min_scorers):
    pairs = [(f"U{i}", score) for i, score in enumerate(scores)]
    result = trimmed_mean(pairs, trim, min_scorers)
    if not scores:
        assert result.mean is None
        return
    ordered = sorted(Fraction(s) for s in scores)
    kept = ordered[trim:len(ordered) - trim] if len(scores) >= min_scorers and len(scores) > 2 * trim and trim \
        else ordered
    assert result.mean == sum(kept, Fraction(0)) / len(kept)
    assert min(ordered) <= result.mean <= max(ordered)
    assert len(result.dropped) == (2 * trim if result.trimmed else 0)
    # Dropping only ever removes extremes: what remains is no lower than what was dropped from below.
    kept_values = sorted(Fraction(s) for c, s in pairs if c not in result.dropped)
    assert kept_values == kept


# ----------------------------------------------------------------------------------------- the command

def test_the_appraisal_command_writes_one_peer_workbook_per_unit(folder, tmp_path):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(PEER_RULES), encoding="utf-8")
    peer_books(folder, {"A": by_scorer(A_SCORES)}, scorers="B")  # B has already returned its scores
    out = tmp_path / "output"
    args = ["appraisal", "--rules", str(rules_file), "--input", str(folder), "--out", str(out), "--lang", "en"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "7 peer-scoring workbooks (peer-scores-…) written" in first.output
    assert "No peer-scoring workbook yet from: A, C, D, E, F, G." in first.output
    # The bloc's appraisal workbook is its record (bloc/); the units' peer workbooks go out (output/).
    assert (builders.records_of(folder) / "appraisal-2024.xlsx").exists() and not (out / "appraisal-2024.xlsx").exists()
    made = {p.name: read_submission(p, out) for p in out.glob("peer-scores-*.xlsx")}
    assert set(made) == {peer_filename(RULES, c) for c in CODES}
    b = made[peer_filename(RULES, "B")]
    assert b.peer and b.appraisal.scorer == "B" and "B" not in b.appraisal.sheets
    row = next(r for r in b.appraisal.sheets["A"].rows if r.code == "1.1")
    assert row.appraised == 16  # B's scores are carried into its new workbook
    second = CliRunner().invoke(main, args)
    assert "7 earlier peer-scoring workbooks are kept" in second.output
    # One write, one subfolder of previous/: the earlier workbooks there under their own names.
    [subfolder] = (out / "previous").iterdir()
    assert len(list(subfolder.glob("peer-scores-2024_*.xlsx"))) == 7
    assert (subfolder / "peer-scores-2024_B.xlsx").exists()


def test_checking_a_peer_workbook_alone_reports_its_cells_not_the_absent_scorers(folder, tmp_path):
    scores = by_scorer(A_SCORES)
    scores["C"] = {**scores["C"], "1.1": 21}
    books = peer_books(folder, {"A": scores}, scorers="C")
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(json.dumps(PEER_RULES), encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(books["C"]), "--rules", str(rules_file), "--lang", "en"])
    assert "peer-score-out-of-range" in out.output or "outside 0 to 20" in out.output, out.output
    assert "No peer-scoring workbook" not in out.output and "No unit peer-scored" not in out.output


def test_a_peer_sheet_whose_table_is_gone_is_reported(scored):
    folder, books = scored
    builders.edit(books["D"], {"E4": "Ghi chú"}, sheet="A")  # the header relabelled: D's scores of A are lost
    result = go(folder)
    issue = next(iter(found(result, "peer-table-missing")))
    assert (issue.file, issue.sheet, issue.unit, issue.severity) == (books["D"].name, "A", "A", "error")
    assert result.status["A"] == "scored" and result.provisional
    assert all(scorer != "D" for scorer, _ in result.validation.peers[("A", "1.1")].scores)


def test_a_peer_workbook_shows_a_count_apart_from_its_points(tmp_path):
    from tests.test_appraisal import COUNTED, assert_counts_apart

    rules = rules_from(PEER_RULES, deductions=COUNTED)
    inbox = builders.good_files(tmp_path / "input", rules, CODES, {**SELF, **values(D1=3)})
    path = write_peer_workbook(run(rules, builders.workspace(inbox)), rules.unit("B"), tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(path)
    for code in "ACDEFG":
        assert_counts_apart(book[code], "times")
    sheet = book["A"]
    # The scoring unit's head signs, one block, centred; each sheet numbers its own pages.
    heads = [c for row in sheet.iter_rows() for c in row if c.value == "HEAD OF THE SCORING UNIT"]
    assert len(heads) == 1 and heads[0].alignment.horizontal == "center"
    assert "&N" not in sheet.oddFooter.center.text
