"""The members' vote: the rules key, the decision over a tally, every bad tally located, the outputs."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from docx.enum.text import WD_ALIGN_PARAGRAPH

from pipeline.cli.main import main
from pipeline.core.errors import ExitCode, RulesError
from pipeline.forms.ballot import make_ballots, write_tally
from pipeline.outputs.write import write_outputs
from pipeline.procedure.vote import Count, VoteResult, decide_award, meeting_date, passes
from pipeline.rules.layout import IDENTITY_SHEET
from pipeline.run import RunResult, run
from pipeline.scoring.rank import RankedUnit
from pipeline.scoring.score import score_unit
from tests import builders
from tests.conftest import SMALL_RULES, libreoffice_convert, rules_from, soffice, values
from tests.tallies import candidate_row, count_cells, write_tally_v1

D = Decimal
VOTE = {"awards": ["flag"], "threshold": 0.5, "strict": True, "of": "present"}


def voting_rules(**vote: object):
    return rules_from(vote={**VOTE, **vote})


# ------------------------------------------------------------------------------------------- the rules key

def test_the_vote_key_is_read():
    rules = voting_rules(threshold=0.6, strict=False, of="members")
    assert rules.vote is not None
    assert (rules.vote.awards, rules.vote.threshold, rules.vote.strict, rules.vote.of) == (("flag",), D("0.6"),
                                                                                             False, "members")
    assert rules_from().vote is None


@pytest.mark.parametrize(("vote", "path", "words"), [
    ({**VOTE, "awards": ["cup"]}, "vote.awards[0]", "cup"),
    ({**VOTE, "of": "everyone"}, "vote.of", "everyone"),
    ({**VOTE, "threshold": 1.5}, "vote.threshold", "1.5"),
    ({**VOTE, "strict": "yes"}, "vote.strict", "yes"),
    ({**VOTE, "quorum": 5}, "vote.quorum", "quorum"),
    ({"threshold": 0.5}, "vote", "awards"),
])
def test_a_wrong_vote_key_is_located(vote, path, words):
    with pytest.raises(RulesError) as raised:
        rules_from(vote=vote)
    problems = [p for p in raised.value.problems if p.path == path]
    assert problems, [str(p) for p in raised.value.problems]
    assert problems[0].line is not None and words in problems[0].message


# ------------------------------------------------------------------------------------------- the threshold

@pytest.mark.parametrize(("strict", "of", "present", "votes", "expected"), [
    (True, "present", 6, 3, False),  # exactly half is not more than half
    (True, "present", 6, 4, True),
    (False, "present", 6, 3, True),  # at least half
    (False, "present", 6, 2, False),
    (True, "members", 3, 2, False),  # of the 4 member units: 2 is not more than 2
    (True, "members", 3, 3, True),
    (False, "members", 3, 2, True),
    (True, "present", 0, 0, False),  # nobody present passes nothing
])
def test_threshold(strict, of, present, votes, expected):
    assert passes(voting_rules(strict=strict, of=of), present, votes) is expected


# ------------------------------------------------------------------------------------------- the decision

def _placed(rules, code: str, rank: int, places: int) -> RankedUnit:
    score = score_unit(rules, code, {"1.1": D(20), "1.2": D(10), "2.1": D(10), "2.2": D(10), "B1": D(0),
                                     "D1": D(0), "D2": D(0)})
    return RankedUnit(score, rank, None, "flag", (), places)


@pytest.mark.parametrize(("places", "candidates", "decided", "remarks", "tie"), [
    # one place, one candidate who passes / fails
    (1, [("A", 1, 4)], {"A"}, {}, False),
    (1, [("A", 1, 3)], set(), {"A": "remark.vote_failed"}, False),
    # the better-ranked fails: the next passing candidate, in ranking order, takes the place
    (1, [("A", 1, 2), ("B", 1, 5)], {"B"}, {"A": "remark.vote_failed"}, False),
    # a candidate that passes but falls outside the places is not decided
    (1, [("A", 1, 5), ("B", 2, 6)], {"A"}, {"B": "remark.vote_outside_quota"}, False),
    # a tie for the last place, broken by more votes
    (1, [("A", 1, 5), ("B", 1, 4)], {"A"}, {"A": "remark.vote_tie_broken", "B": "remark.vote_outside_quota"},
     False),
    (2, [("A", 1, 6), ("B", 2, 4), ("C", 2, 5)], {"A", "C"},
     {"C": "remark.vote_tie_broken", "B": "remark.vote_outside_quota"}, False),
    # an exact tie in votes at the boundary stays undecided, with a warning
    (1, [("A", 1, 5), ("B", 1, 5)], set(), {"A": "remark.vote_tie", "B": "remark.vote_tie"}, True),
    (2, [("A", 1, 6), ("B", 2, 4), ("C", 2, 4)], {"A"}, {"B": "remark.vote_tie", "C": "remark.vote_tie"}, True),
    # enough places for everyone tied: no vote needed between them
    (2, [("A", 1, 5), ("B", 1, 4)], {"A", "B"}, {}, False),
])
def test_decision(places, candidates, decided, remarks, tie):
    rules = voting_rules()
    present = 6
    group = [_placed(rules, code, rank, places) for code, rank, _ in candidates]
    result = VoteResult(("flag",), {"flag": group}, tallied={"flag"})
    result.counts = {code: Count("flag", present, votes, passes(rules, present, votes))
                     for code, _, votes in candidates}
    decide_award(rules, "flag", result)
    assert set(result.decided) == decided
    assert {code: [label.key for label in found] for code, found in result.remarks.items()} == \
        {code: [key] for code, key in remarks.items()}
    assert [i.code for i in result.issues] == (["vote-tie"] if tie else [])


# ------------------------------------------------------------------------------------------- the tally

GOOD = values(**{"1.1": 20, "1.2": 10, "2.1": 10, "2.2": 10})
LOWER = values(**{"1.1": 18, "1.2": 9, "2.1": 9, "2.2": 9})


@pytest.fixture
def bloc(tmp_path: Path):
    """Four units; A is proposed for the flag, B for merit. Returns (rules, input folder)."""
    rules = voting_rules()
    inbox = tmp_path / "input"
    builders.good_files(inbox, rules, ["A"], GOOD)
    builders.good_files(inbox, rules, ["B", "C", "D"], LOWER)
    return rules, inbox


def _tally(rules, inbox: Path, counts: dict[str, tuple[int, int]]) -> Path:
    """A filled tally, consistent: `counts` unit → (members present, votes for), the first members marked
    present, every ballot issued, returned and valid, the rest of each vote against."""
    result = run(rules, builders.workspace(inbox))
    records = builders.records_of(inbox)
    records.mkdir(exist_ok=True)
    present = max((p for p, _ in counts.values()), default=0)
    return write_tally(result, records / "tally-2024.xlsx", lang="en",
                       counts={code: (votes, present - votes, 0) for code, (_, votes) in counts.items()},
                       present=[u.code for u in rules.units[:present]],
                       ballots=(present, present, present, 0) if counts else None)


def _tally_v1(rules, inbox: Path, counts: dict[str, tuple[int, int]]) -> Path:
    result = run(rules, builders.workspace(inbox))
    records = builders.records_of(inbox)
    records.mkdir(exist_ok=True)
    return write_tally_v1(result, records / "tally-2024.xlsx", lang="en", counts=counts)


def test_without_a_tally_the_vote_is_pending(bloc):
    rules, inbox = bloc
    result = run(rules, builders.workspace(inbox))
    assert not result.provisional and result.vote_pending and not result.final
    assert result.exit_code == ExitCode.PROBLEMS
    [first, second, *_] = result.ranked
    assert (first.award, result.award(first)) == ("flag", None)
    assert (second.award, result.award(second)) == ("merit", "merit")  # merit is not voted: the proposal stands


def test_a_tally_decides_and_changes_no_score(bloc, tmp_path):
    rules, inbox = bloc
    before = run(rules, builders.workspace(inbox))
    _tally(rules, inbox, {"A": (4, 3)})
    result = run(rules, builders.workspace(inbox))
    assert result.final and result.exit_code == ExitCode.DONE
    assert [(r.unit_code, r.score.total, r.rank) for r in result.ranked] == \
        [(r.unit_code, r.score.total, r.rank) for r in before.ranked]
    written = write_outputs(result, tmp_path / "out")
    data = json.loads(written.results.read_text(encoding="utf-8"))
    unit = next(u for u in data["units"] if u["code"] == "A")
    assert (unit["award_proposed"], unit["vote"], unit["award"]) == ("flag", {"present": 4, "for": 3,
                                                                              "passed": True}, "flag")
    assert data["vote_pending"] is False and data["schema_version"] == 4
    tally = next(i for i in data["inputs"] if i["file"] == "bloc/tally-2024.xlsx")
    assert (tally["kind"], tally["outcome"]) == ("tally", "used")
    assert {p.name for p in written.documents} == {"minutes-2024.docx", "proposals-2024.docx"}


def test_a_failed_vote_decides_no_flag(bloc, tmp_path):
    rules, inbox = bloc
    _tally(rules, inbox, {"A": (4, 2)})
    result = run(rules, builders.workspace(inbox))
    assert result.final
    first = result.ranked[0]
    assert result.award(first) is None
    assert "2 of 4 votes for" in result.remarks(first, "en")
    data = json.loads(write_outputs(result, tmp_path / "out").results.read_text(encoding="utf-8"))
    assert next(u for u in data["units"] if u["code"] == "A")["vote"] == {"present": 4, "for": 2, "passed": False}


def _issues(result: RunResult, code: str):
    return [(i.file, i.sheet, i.cell) for i in result.issues if i.code == code]


# The tally (version 2) of four members: the count block in C4:C16, the members' list on rows 19–22 (marks in
# D), the candidates' table's header on row 25 and A's row 26: agree F, disagree G, invalid for it H.
A_ROW = candidate_row(4)


@pytest.mark.parametrize(("changes", "code", "cell"), [
    ({f"B{A_ROW}": "C"}, "tally-candidate-unknown", f"B{A_ROW}"),
    ({f"B{A_ROW}": None}, "tally-candidate-missing", f"B{A_ROW}"),
    ({f"F{A_ROW}": None}, "tally-value-missing", f"F{A_ROW}"),
    ({f"H{A_ROW}": None}, "tally-value-missing", f"H{A_ROW}"),
    ({"C8": None}, "tally-value-missing", "C8"),
    ({f"G{A_ROW}": "nine"}, "tally-value-invalid", f"G{A_ROW}"),
    ({f"F{A_ROW}": 2.5}, "tally-value-invalid", f"F{A_ROW}"),
    ({"C9": -1}, "tally-value-invalid", "C9"),
    ({f"A{A_ROW}": "Golden cup"}, "tally-award-unknown", f"A{A_ROW}"),
    # Each inconsistency of the count, at the cell it names.
    ({"C10": 1}, "tally-ballots-sum", "C10"),  # 4 valid + 1 invalid is not the 4 returned
    ({"C8": 5, "C9": 5, f"G{A_ROW}": 2}, "tally-returned-above-issued", "C8"),
    ({"C7": 5}, "tally-issued-above-present", "C7"),
    ({"D22": None, "C7": 3, "C8": 3, "C9": 3, f"G{A_ROW}": 0}, None, None),  # three present, consistent
    ({"D22": None}, "tally-issued-above-present", "C7"),  # 4 issued to the 3 now marked present
    ({f"G{A_ROW}": 2}, "tally-candidate-sum", f"F{A_ROW}"),  # 3 + 2 + 0 is not the 4 valid
    ({f"H{A_ROW}": 1}, "tally-candidate-sum", f"F{A_ROW}"),
    ({"D19": "có", "D20": "x"}, "tally-mark-invalid", "D19"),
    ({"D19": None, "D20": None, "D21": None, "D22": None}, "tally-nobody-present", "C11"),
    ({"D18": None}, "tally-table-missing", None),  # the members' list's header gone
])
def test_a_bad_tally_is_located_and_leaves_the_vote_pending(bloc, changes, code, cell):
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    builders.edit(tally, changes)
    result = run(rules, builders.workspace(inbox))
    if code is None:
        assert result.final and not result.bloc_errors, [i.code for i in result.issues]
        return
    assert _issues(result, code) == [("bloc/tally-2024.xlsx", "Tally", cell)]
    assert result.vote_pending and not result.final
    assert all(r.unit_code for r in result.ranked)  # every unit still scored and ranked
    assert not result.provisional


# Version 1's table: header on Excel row 7, A's row 8; columns award A, code B, … present F, votes G.
@pytest.mark.parametrize(("changes", "code", "cell"), [
    ({"G8": 5}, "tally-votes-above-present", "G8"),
    ({"F8": 5, "G8": 5}, "tally-present-above-members", "F8"),
    ({"G8": None}, "tally-value-missing", "G8"),
    ({"F8": "nine"}, "tally-value-invalid", "F8"),
])
def test_a_bad_version_1_tally_is_located_as_before(bloc, changes, code, cell):
    rules, inbox = bloc
    builders.edit(_tally_v1(rules, inbox, {"A": (4, 3)}), changes)
    result = run(rules, builders.workspace(inbox))
    assert _issues(result, code) == [("bloc/tally-2024.xlsx", "Tally", cell)]
    assert result.vote_pending and not result.final


@pytest.mark.parametrize(("present", "votes", "passed"), [(4, 3, True), (4, 2, False), (3, 2, True)])
def test_a_version_1_tally_still_decides_as_before(bloc, tmp_path, present, votes, passed):
    rules, inbox = bloc
    _tally_v1(rules, inbox, {"A": (present, votes)})
    result = run(rules, builders.workspace(inbox))
    assert result.final and result.vote is not None and result.vote.tally is not None
    assert result.vote.tally.version == 1
    count = result.vote.counts["A"]
    assert (count.present, count.votes, count.passed, count.against) == (present, votes, passed, None)
    assert result.award(result.ranked[0]) == ("flag" if passed else None)
    # Its record says what it knows: those present, the votes for; the ballots left to write by hand.
    written = write_outputs(result, tmp_path / "out")
    said = _docx_text(written.documents[0])
    assert f"{present:02d}/04" in said and "Ballots issued: ……" in said


def test_a_tally_for_another_runs_candidates_is_detected(bloc):
    rules, inbox = bloc
    _tally(rules, inbox, {"A": (4, 3)})
    # B resubmits a better file: B is now proposed for the flag, not A.
    for path in inbox.glob("*_B_*.xlsx"):
        path.unlink()
    builders.good_files(inbox, rules, ["B"], values(**{"1.1": 20, "1.2": 10, "2.1": 10, "2.2": 10, "B1": 2}))
    result = run(rules, builders.workspace(inbox))
    assert result.ranked[0].unit_code == "B"
    # The identity sheet's row 11 holds the candidates the tally was made for.
    assert _issues(result, "tally-other-run") == [("bloc/tally-2024.xlsx", IDENTITY_SHEET, "B11")]
    assert _issues(result, "tally-candidate-unknown") == [("bloc/tally-2024.xlsx", "Tally", f"B{A_ROW}")]
    assert result.vote_pending


def test_a_tally_without_a_vote_in_the_rules_is_not_used(bloc):
    rules, inbox = bloc
    _tally(rules, inbox, {"A": (4, 3)})
    result = run(rules_from(), builders.workspace(inbox))
    assert _issues(result, "tally-no-vote") == [("bloc/tally-2024.xlsx", None, None)]
    assert result.final and result.award(result.ranked[0]) == "flag"


def test_the_tally_is_protected_and_validated(bloc):
    rules, inbox = bloc
    tally = _tally(rules, inbox, {})
    sheet = openpyxl.load_workbook(tally)["Tally"]
    assert sheet.protection.sheet
    entries = ["C4", "C5", "C6", "C7", "C8", "C9", "C10", "C12", "C13", "C16", "D19", "D22",
               f"F{A_ROW}", f"G{A_ROW}", f"H{A_ROW}"]
    assert [a for a in entries if sheet[a].protection.locked] == []
    # Those present are the marks counted, in a locked formula: never typed separately.
    assert sheet["C11"].protection.locked and sheet["C11"].value == '=COUNTIF(D19:D22,"x")'
    assert sheet[f"B{A_ROW}"].protection.locked and sheet[f"E{A_ROW}"].protection.locked
    assert [sheet[f"B{row}"].value for row in range(19, 23)] == ["A", "B", "C", "D"]
    rules_by_cell = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert (rules_by_cell["C7"].type, rules_by_cell["C7"].formula2) == ("whole", "C11")  # issued ≤ present
    assert rules_by_cell["C8"].formula2 == "C7" and rules_by_cell["C9"].formula2 == "C8"
    assert rules_by_cell["C10"].formula2 == "C8"
    assert rules_by_cell["D19:D22"].type == "list"
    for column in "FGH":
        assert (rules_by_cell[f"{column}{A_ROW}"].type, rules_by_cell[f"{column}{A_ROW}"].formula2) == ("whole",
                                                                                                    "$C$9")


def test_a_wholly_blank_tally_is_nothing_entered(bloc, tmp_path):
    rules, inbox = bloc
    _tally(rules, inbox, {})
    result = run(rules, builders.workspace(inbox))
    assert result.vote_pending and not [i for i in result.issues if i.severity == "error"]
    assert not any(p.name == "minutes-2024.docx" for p in write_outputs(result, tmp_path / "out").documents)


@pytest.mark.parametrize("start", ["14 giờ 00", dt.time(14, 0), dt.datetime(2025, 1, 10, 14, 0)])
def test_the_start_time_is_read_as_text_or_a_time_cell(bloc, tmp_path, start):
    rules, inbox = bloc
    builders.edit(_tally(rules, inbox, {"A": (4, 3)}), {"C6": start})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    said = _docx_text(written.documents[0])
    assert ("14 giờ 00" if isinstance(start, str) else "14:00") in said


# ------------------------------------------------------------------------------------------- printing

POPPLER = pytest.mark.skipif(shutil.which("pdfinfo") is None,
                             reason="poppler-utils (pdfinfo) is not installed; .ci/run installs it so CI runs this")


def _writer_absent() -> bool:
    """LibreOffice without Writer (libreoffice-calc-nogui alone) cannot open a .docx at all."""
    found = soffice()
    return found is None or not (Path(os.path.realpath(found)).parent / "libswlo.so").exists()


def _pages(pdf: Path) -> list[tuple[int, int]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def _papers(path: Path) -> list[list[tuple[object, ...]]]:
    """The ballot sheet's papers, each the values, merges, borders and heights of its rows: a paper starts at
    the row holding the stamp's label, and is as long as the last one, which ends the sheet."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    merged = {(m.min_row, m.min_col): (m.max_row - m.min_row, m.max_col - m.min_col) for m in sheet.merged_cells}
    starts = [row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 3).value in ("Stamp here", "Nơi đóng dấu")]
    length = sheet.max_row - starts[-1] + 1
    return [[(*((sheet.cell(row, c).value, merged.get((row, c)), sheet.cell(row, c).border.bottom.style,
                 sheet.cell(row, c).font.b) for c in range(1, 5)), sheet.row_dimensions[row].height)
             for row in range(first, first + length)] for first in starts]


@pytest.mark.parametrize("voters", [None, 5])
def test_the_ballot_papers_are_identical_and_unnumbered(bloc, tmp_path, voters):
    rules, inbox = bloc
    made = make_ballots(run(rules, builders.workspace(inbox)), tmp_path / "out", voters=voters)
    expected = voters or len(rules.units)
    papers = _papers(made.ballots)
    assert made.voters == len(papers) == expected
    # Nothing tells one paper from another: every paper's cells, merges, borders and heights compare equal.
    assert all(paper == papers[0] for paper in papers[1:])
    said = [value for row in papers[0] for cell in row[:-1] for value in cell[:1] if value]
    assert said[:4] == ["KHỐI THI ĐUA THỬ NGHIỆM", "Stamp here", "*", "BALLOT: REVIEW AND VOTE"]
    assert "1. Emulation flag (places: 01)" in said and "Đơn vị A" in said
    sheet = openpyxl.load_workbook(made.ballots).worksheets[0]
    printed = [sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter, sheet.firstHeader,
               sheet.firstFooter]
    assert not any(part.text and ("&P" in part.text or "&N" in part.text) for page in printed
                   for part in (page.left, page.center, page.right))
    assert made.per_page == 3  # this short paper, three to an A4 page
    # A manual page break after each full page; a dashed cut line between papers on a page.
    breaks = [b.id for b in sheet.row_breaks.brk]
    assert len(breaks) == (expected - 1) // made.per_page
    assert sum(1 for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).border.bottom.style == "dashed") == \
        expected - 1 - len(breaks)


@pytest.mark.libreoffice
@pytest.mark.slow
@POPPLER
@pytest.mark.parametrize("voters", [None, 7])
def test_the_ballots_print_several_papers_to_an_a4_page(bloc, tmp_path, lo_profile, voters):
    rules, inbox = bloc
    made = make_ballots(run(rules, builders.workspace(inbox)), tmp_path / "out", voters=voters)
    pdf = libreoffice_convert(made.ballots, "pdf", tmp_path / "pdf", lo_profile)
    expected = voters or len(rules.units)
    assert _pages(pdf) == [(595, 842)] * -(-expected // made.per_page)  # A4 portrait, no paper split
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert first.count("Đơn vị A") == made.per_page and "Disagree" in first


@pytest.mark.libreoffice
@pytest.mark.slow
@POPPLER
def test_the_examples_ballots_print_three_to_a_page(tmp_path, lo_profile):
    from pipeline.rules.load import load_rules
    from pipeline.workspace.folders import EXAMPLE, Workspace

    rules = load_rules(EXAMPLE / "schemas" / "quang-tri-co-quan-dang-2024.yaml")
    made = make_ballots(run(rules, Workspace(input=EXAMPLE / "input", bloc=EXAMPLE / "bloc")), tmp_path / "out",
                        records=tmp_path / "bloc")
    pdf = libreoffice_convert(made.ballots, "pdf", tmp_path / "pdf", lo_profile)
    assert made.voters == 9 and _pages(pdf) == [(595, 842)] * -(-9 // made.per_page)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert text.count("PHIẾU BÌNH XÉT, SUY TÔN") == 9 and "Phiếu 1" not in text


@pytest.mark.libreoffice
@pytest.mark.slow
@POPPLER
@pytest.mark.skipif(_writer_absent(), reason="LibreOffice Writer is not installed (only Calc): it cannot open "
                    ".docx; .ci/run installs libreoffice-writer-nogui so CI runs this")
def test_the_minutes_and_the_proposals_print_on_a4(bloc, tmp_path, lo_profile):
    rules, inbox = bloc
    _tally(rules, inbox, {"A": (4, 3)})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    for document in written.documents:
        pdf = libreoffice_convert(document, "pdf", tmp_path / "pdf", lo_profile)
        pages = _pages(pdf)
        assert pages and set(pages) == {(595, 842)}, document.name


def test_the_minutes_record_the_count_in_the_official_form(bloc, tmp_path):
    rules, inbox = bloc
    result = run(rules, builders.workspace(inbox))
    records = builders.records_of(inbox)
    records.mkdir(exist_ok=True)
    # Three of the four present; three ballots issued, all returned, two valid; A: 2 for, none against.
    write_tally(result, records / "tally-2024.xlsx", lang="en", counts={"A": (2, 0, 0)}, place="Hall 2",
                date=dt.date(2025, 1, 10), time="14:30", present=["A", "B", "D"], ballots=(3, 3, 2, 1),
                head="Nguyễn Văn Hùng", committee=["Trần Thị Mai", "Lê Quang Minh"])
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    minutes = docx.Document(str(written.documents[0]))
    section = minutes.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    header = minutes.tables[0]
    party = header.cell(0, 1).paragraphs[0].runs[0]
    assert (party.text, party.bold, party.underline) == ("COMMUNIST PARTY OF VIETNAM", True, True)
    assert header.cell(0, 0).paragraphs[1].text == "*"
    assert header.cell(0, 1).paragraphs[-1].runs[0].italic
    said = [p.text for p in minutes.paragraphs]
    # Every figure typed in the tally, and the names: no "……" for what the tally gives.
    assert any("14:30" in line and "Hall 2" in line and "10 January 2025" in line for line in said), said
    assert "Member units in all: 04; units present: 03/04: Đơn vị A, Đơn vị B, Đơn vị D." in said
    assert "Ballots issued: 03; returned: 03; valid: 02; invalid: 01." in said
    assert [line for line in said if line.startswith("- ")] == ["- Nguyễn Văn Hùng, head;",
                                                                "- Trần Thị Mai, member;", "- Lê Quang Minh, member."]
    assert "Result: Đơn vị A chosen and proposed for Emulation flag, 2024." in said
    counts = [[c.text for c in row.cells] for row in minutes.tables[1].rows]
    assert counts[2] == ["1", "Đơn vị A", "2 (66.67%)", "0 (0.00%)", "0", "Proposed"]
    assert not any("……" in line for line in said[:said.index("Result of the count:")])
    # Lists of names and lines to fill are never stretched by justification.
    committee = next(p for p in minutes.paragraphs if p.text == "Counting committee:")
    assert committee.alignment == WD_ALIGN_PARAGRAPH.LEFT
    # Signed by the committee's head and its members, each name under the room to sign; no secretary.
    signatures = minutes.tables[2].rows[0].cells
    assert [c.paragraphs[0].text for c in signatures] == ["HEAD OF THE COUNTING COMMITTEE", "MEMBER", "MEMBER"]
    assert [c.paragraphs[-1].text for c in signatures] == ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Quang Minh"]
    assert signatures[0].width >= docx.shared.Mm(70)  # the head's title on one line
    assert "SECRETARY" not in _docx_text(written.documents[0])
    proposals = docx.Document(str(written.documents[1]))
    listed = [[c.text for c in row.cells] for row in proposals.tables[-1].rows]
    # Grouped by award, each group headed by a row across the table; B, C and D tie for the one merit, which
    # is not voted on: all three stay proposed (rank.py).
    assert [row[1] for row in listed[1:]] == ["I. Emulation flag (01 collective)", "Đơn vị A",
                                             "II. Certificate of merit (03 collectives)",
                                             "Đơn vị B", "Đơn vị C", "Đơn vị D"]
    assert listed[0][-1] == "Title or form of commendation proposed"


def test_no_record_is_written_from_a_tally_with_errors(bloc, tmp_path):
    """A count the tally contradicts is not recorded: the earlier record moves to previous/."""
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    out = tmp_path / "out"
    first = write_outputs(run(rules, builders.workspace(inbox)), out)
    assert (out / "minutes-2024.docx") in first.documents
    builders.edit(tally, {"C10": 1})  # 4 valid + 1 invalid, 4 returned
    result = run(rules, builders.workspace(inbox))
    assert result.vote is not None and result.vote.tally is not None and result.vote.tally_errors
    written = write_outputs(result, out)
    assert not written.documents and not (out / "minutes-2024.docx").exists()
    assert [p.name for p in (out / "previous").glob("*/minutes-2024.docx")] == ["minutes-2024.docx"]


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for table in document.tables for row in table.rows for c in row.cells])


def test_the_proposal_is_a_tờ_trình_to_its_addressee_with_its_basis_and_list(tmp_path):
    rules = rules_from(vote=VOTE, language="vi", header="party", parent="Tỉnh ủy Quảng Trị", place="Quảng Trị",
                       addressee="Ban Thường vụ Tỉnh ủy", agreement="Giao ước thi đua năm 2024 của Khối",
                       basis="Luật Thi đua, khen thưởng ngày 15/6/2022; Nghị định số 98/2023/NĐ-CP.",
                       proposal={"number": "03-TTr/KTĐ", "date": "2025-01-15"},
                       awards={"flag": {"label": "Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh", "count": 1,
                                        "min_score": 0},
                               "merit": {"label": "Bằng khen của Ban Thường vụ Tỉnh ủy", "count": 1,
                                         "min_score": 0}})
    inbox = tmp_path / "input"
    builders.good_files(inbox, rules, ["A"], GOOD)
    builders.good_files(inbox, rules, ["B", "C", "D"], LOWER)
    tally = _tally(rules, inbox, {"A": (4, 3)})
    builders.edit(tally, {"C5": "10/01/2025"})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    said = _docx_text(written.documents[1])
    assert "TỜ TRÌNH" in said and "Số 03-TTr/KTĐ" in said and "Quảng Trị, ngày 15 tháng 01 năm 2025" in said
    assert "về tập thể đề nghị Ban Thường vụ Tỉnh ủy tặng Cờ thi đua, Bằng khen năm 2024" in said
    assert "Kính gửi: Ban Thường vụ Tỉnh ủy" in said
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15/6/2022;" in said and "Căn cứ Nghị định số 98/2023/NĐ-CP;" in said
    assert "Căn cứ Giao ước thi đua năm 2024 của Khối;" in said
    assert "kết quả bình xét, suy tôn (bỏ phiếu kín) ngày 10/01/2025" in said
    assert "1. Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh năm 2024 cho 01 tập thể: Đơn vị A." in said
    assert "Kính trình Ban Thường vụ Tỉnh ủy xem xét, quyết định./." in said
    assert "(Kèm theo Tờ trình số 03-TTr/KTĐ ngày 15/01/2025 của " in said
    assert "Danh hiệu, hình thức khen thưởng đề nghị" in said
    words = re.findall(r"\w+", said.lower())
    doubled = [a for a, b in itertools.pairwise(words) if a == b and not a.isdigit()]
    assert not doubled, doubled  # never "ngày ngày"
    assert "(Ký" not in said  # no form instruction under the signer


def test_the_word_documents_set_the_sizes_of_the_party_guidance(tmp_path):
    """Hướng dẫn 36-HD/VPTW, Phụ lục 3: ĐẢNG CỘNG SẢN VIỆT NAM 15 bold, the bodies and the number 14, the place
    and date 14 italic, the document type 16 bold, its summary 14 bold, the body 14."""
    rules = rules_from(vote=VOTE, language="vi", header="party", parent="Tỉnh ủy Quảng Trị", place="Quảng Trị",
                       addressee="Ban Thường vụ Tỉnh ủy")
    inbox = tmp_path / "input"
    builders.good_files(inbox, rules, ["A"], GOOD)
    builders.good_files(inbox, rules, ["B", "C", "D"], LOWER)
    _tally(rules, inbox, {"A": (4, 3)})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    for path in written.documents:
        document = docx.Document(str(path))
        assert document.styles["Normal"].font.size.pt == 14, path.name
        left, right = (document.tables[0].cell(0, column).paragraphs for column in (0, 1))
        runs = [(p.runs[0].text, p.runs[0].font.size.pt, bool(p.runs[0].bold), bool(p.runs[0].italic))
                for p in (*left, *right) if p.runs]
        assert ("TỈNH ỦY QUẢNG TRỊ", 14, False, False) in runs
        assert (rules.issuer.upper(), 14, True, False) in runs
        assert ("ĐẢNG CỘNG SẢN VIỆT NAM", 15, True, False) in runs
        assert [size for text_, size, _, italic in runs if italic] == [14]
        titles = [(p.text, p.runs[0].font.size.pt, p.runs[0].bold) for p in document.paragraphs
                  if p.runs and p.alignment == WD_ALIGN_PARAGRAPH.CENTER][:2]
        assert titles[0][1:] == (16, True) and titles[0][0] in ("TỜ TRÌNH", "BIÊN BẢN")
        assert titles[1][1:] == (14, True) and titles[1][0] == titles[1][0].lower()[:1] + titles[1][0][1:]


def test_a_document_holds_what_python_docx_saves_each_member_dated_by_the_run(bloc, tmp_path, monkeypatch):
    """The same members, in the same order, with the same bytes as `Document.save`, every one dated with the
    run's time (so SOURCE_DATE_EPOCH gives identical files)."""
    import io
    import zipfile

    from pipeline.outputs import minutes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714000000")
    rules, inbox = bloc
    _tally(rules, inbox, {"A": (4, 3)})
    result = run(rules, builders.workspace(inbox))
    written = minutes.write_minutes(result, tmp_path / "m.docx")
    saved = io.BytesIO()
    docx.Document(str(written)).save(saved)  # what python-docx itself writes of the same package
    with zipfile.ZipFile(written) as ours, zipfile.ZipFile(saved) as theirs:
        assert [m.filename for m in ours.infolist()] == [m.filename for m in theirs.infolist()]
        assert {m.filename: ours.read(m) for m in ours.infolist()} == \
               {m.filename: theirs.read(m) for m in theirs.infolist()}
        moment = result.started_at.astimezone(dt.UTC)
        stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second // 2 * 2)
        assert {m.date_time for m in ours.infolist()} == {stamp}
        assert {m.compress_type for m in ours.infolist()} == {zipfile.ZIP_DEFLATED}


def test_the_state_header_reads_the_two_lines(bloc):
    from pipeline.outputs.letterhead import STATE_RULE_CHARACTER, letterhead

    rules = rules_from(vote=VOTE, header="state", place="Quảng Trị", language="vi", parent="UBND tỉnh Quảng Trị",
                       document_number="15/BC-KTĐ")
    left, right = letterhead(rules, "vi", document="report", summary="x", final=True).header()
    assert [line.text for line in right[:2]] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert [line.underline for line in right[:2]] == [False, True]
    assert right[-1].italic and right[-1].text.startswith("Quảng Trị, ngày")
    # The same letterhead as the Ranking sheet: the upper body, the issuer, the State's rule, the number.
    assert [line.text for line in left[:2]] == ["UBND TỈNH QUẢNG TRỊ", rules.issuer.upper()]
    assert set(left[2].text) == {STATE_RULE_CHARACTER} and left[3].text == "Số: 15/BC-KTĐ"
    unnumbered, _ = letterhead(rules, "vi", document="record", summary="x", final=True).header()
    assert len(unnumbered) == 3


# ------------------------------------------------------------------------------------------- commands and sheets

def _invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _rules_file(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({**SMALL_RULES, **changes}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def test_ballot_then_run_says_pending_then_decides(bloc, tmp_path):
    _, inbox = bloc
    rules_file = _rules_file(tmp_path, vote=VOTE)
    out = tmp_path / "out"
    made = _invoke("ballot", "--rules", rules_file, "--input", inbox, "--out", out, "--voters", 5)
    assert made.exit_code == ExitCode.DONE, made.output
    assert "(5 identical papers, 3 to an A4 page, 2 pages)" in made.output
    # The papers are printed from the output folder; the tally is the bloc's record, filled where it is made.
    tally = builders.records_of(inbox) / "tally-2024.xlsx"
    assert (out / "ballots-2024.xlsx").exists() and tally.exists() and not (out / "tally-2024.xlsx").exists()
    assert str(tally) in made.output
    pending = _invoke("run", "--rules", rules_file, "--input", inbox, "--out", out)
    assert pending.exit_code == ExitCode.PROBLEMS  # the tally as made: the vote is not counted yet, no error
    assert "VOTE PENDING: Emulation flag not tallied yet" in pending.output and "tally-" not in pending.output
    assert not (out / "minutes-2024.docx").exists() and not (out / "proposals-2024.docx").exists()
    data = json.loads((out / "results-2024.json").read_text(encoding="utf-8"))
    assert [(i["file"], i["outcome"]) for i in data["inputs"] if i["kind"] == "tally"] == [("bloc/tally-2024.xlsx",
                                                                                            "blank")]
    builders.edit(tally, {**count_cells(4, 4, [(3, 1, 0)]), "C4": "Hall"})
    decided = _invoke("run", "--rules", rules_file, "--input", inbox, "--out", out)
    assert decided.exit_code == ExitCode.DONE, decided.output
    assert "3/4: decided" in decided.output and "Emulation flag: A" in decided.output
    assert (out / "minutes-2024.docx").exists() and (out / "proposals-2024.docx").exists()
    # The tally goes: the vote is pending again, and the documents it backed move to previous/.
    tally.unlink()
    again = _invoke("run", "--rules", rules_file, "--input", inbox, "--out", out)
    assert again.exit_code == ExitCode.PROBLEMS
    assert not (out / "minutes-2024.docx").exists()
    assert sorted(p.name for p in (out / "previous").glob("*/*.docx")) == ["minutes-2024.docx", "proposals-2024.docx"]
    # Made again, the earlier papers are kept, each named for what it is (never "the appraisal workbook").
    remade = _invoke("ballot", "--rules", rules_file, "--input", inbox, "--out", out, "--voters", 5)
    assert "The earlier ballots-2024.xlsx is kept as " in remade.output and "appraisal" not in remade.output


def test_ballot_without_a_vote_in_the_rules_is_a_user_error(bloc, tmp_path):
    _, inbox = bloc
    made = _invoke("ballot", "--rules", _rules_file(tmp_path), "--input", inbox, "--out", tmp_path / "out")
    assert made.exit_code == ExitCode.USER_ERROR
    assert "no `vote:` section" in made.output


def _ranking_rows(path: Path) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path)["Ranking"]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_ranking_sheet_shows_proposal_votes_and_decision(bloc, tmp_path):
    rules, inbox = bloc
    pending = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "pending")
    rows = _ranking_rows(pending.workbook)
    assert any(isinstance(v, str) and v.startswith("VOTE PENDING") for row in rows for v in row)
    header = next(row for row in rows if "Proposed award" in row)
    votes, decision = header.index("Vote"), header.index("Outcome of the vote")
    first = rows[rows.index(header) + 1]
    assert (first[header.index("Proposed award")], first[decision]) == ("Emulation flag", "Vote pending")
    _tally(rules, inbox, {"A": (4, 2)})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "decided")
    rows = _ranking_rows(written.workbook)
    assert not any(isinstance(v, str) and v.startswith("VOTE PENDING") for row in rows for v in row)
    first = rows[rows.index(header) + 1]
    assert (first[votes], first[decision]) == ("2/4 (50.00%)", "")
    assert "did not reach the vote's threshold for Emulation flag (2 of 4 votes for)" in first[-1]


def test_the_same_tally_twice_counts_once_and_two_different_ones_none(bloc, tmp_path):
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    shutil.copy(tally, tally.parent / "tally-copy.xlsx")
    result = run(rules, builders.workspace(inbox))
    assert _issues(result, "tally-duplicate") == [("bloc/tally-copy.xlsx", None, None)]
    assert result.final
    builders.edit(tally.parent / "tally-copy.xlsx", {f"F{A_ROW}": 2, f"G{A_ROW}": 2})
    result = run(rules, builders.workspace(inbox))
    assert _issues(result, "tally-conflict") == [("bloc/tally-2024.xlsx", None, None)]
    assert result.vote_pending
    data = json.loads(write_outputs(result, tmp_path / "out").results.read_text(encoding="utf-8"))
    assert {i["file"]: i["outcome"] for i in data["inputs"] if i["kind"] == "tally"} == {
        "bloc/tally-2024.xlsx": "conflicting", "bloc/tally-copy.xlsx": "conflicting"}


@pytest.mark.libreoffice
@pytest.mark.slow
@POPPLER
def test_a_long_ballot_still_prints_on_one_page_per_voter(tmp_path, lo_profile):
    # Twenty units, all tied for a merit with twenty places that the members vote on: a paper that is taller
    # than A4 at full size is printed smaller, never over two pages.
    units = [{"code": f"U{i:02d}", "name": f"Đơn vị số {i} có tên khá dài để xuống dòng trên phiếu"}
             for i in range(1, 21)]
    rules = rules_from(units=units, awards={"flag": {"count": 1, "min_score": 100},
                                                 "merit": {"count": 20, "min_score": 0}},
                       vote={**VOTE, "awards": ["merit"]})
    inbox = builders.good_files(tmp_path / "input", rules, [u["code"] for u in units], LOWER)
    made = make_ballots(run(rules, builders.workspace(inbox)), tmp_path / "out", voters=2)
    pdf = libreoffice_convert(made.ballots, "pdf", tmp_path / "pdf", lo_profile)
    assert _pages(pdf) == [(595, 842)] * 2


@pytest.mark.parametrize(("typed", "day"), [
    ("18/12/2026", dt.date(2026, 12, 18)), ("8/1/2027", dt.date(2027, 1, 8)), ("2026-12-18", dt.date(2026, 12, 18)),
    (" 18/12/2026 ", dt.date(2026, 12, 18)), ("31/02/2026", None), ("ngày 18 tháng 12", None), ("12/18/2026", None),
])
def test_a_tally_date_typed_as_text_is_read_or_located(bloc, typed, day):
    """Never dropped silently: a date typed as text is read; anything else is an error at its cell."""
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    builders.edit(tally, {"C5": typed})
    result = run(rules, builders.workspace(inbox))
    assert meeting_date(result.vote.tally if result.vote else None) == day
    if day is None:
        assert _issues(result, "tally-date-invalid") == [("bloc/tally-2024.xlsx", "Tally", "C5")]
        assert result.bloc_errors and not result.final
        assert "C5" in result.bloc_errors_note("vi") and typed.strip() in result.bloc_errors_note("en")
    else:
        assert not _issues(result, "tally-date-invalid")


def test_the_proposals_name_only_the_rules_recipients_and_the_typed_meeting_date(bloc, tmp_path):
    """Nơi nhận come from the rules only (a district's bloc sends to no province's council by default); a tally
    date typed as text still gives the proposal list its vote clause."""
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    builders.edit(tally, {"C5": "18/12/2024"})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    proposals = docx.Document(str(written.documents[1]))
    said = "\n".join([p.text for p in proposals.paragraphs]
                     + [c.text for table in proposals.tables for row in table.rows for c in row.cells])
    assert "Hội đồng" not in said and "Council" not in said and "……" in said
    assert "18/12/2024" in said or "18 December 2024" in said or "2024-12-18" in said, said
