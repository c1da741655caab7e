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
    result = run(rules, builders.workspace(inbox))
    records = builders.records_of(inbox)
    records.mkdir(exist_ok=True)
    return write_tally(result, records / "tally-2024.xlsx", lang="en", counts=counts)


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


# The tally's table: header on Excel row 7, A's row 8; columns award A, code B, … present F, votes G.
@pytest.mark.parametrize(("changes", "code", "cell"), [
    ({"G8": 5}, "tally-votes-above-present", "G8"),
    ({"F8": 5, "G8": 5}, "tally-present-above-members", "F8"),
    ({"B8": "C"}, "tally-candidate-unknown", "B8"),
    ({"B8": None}, "tally-candidate-missing", "B8"),
    ({"G8": None}, "tally-value-missing", "G8"),
    ({"F8": "nine"}, "tally-value-invalid", "F8"),
    ({"G8": 2.5}, "tally-value-invalid", "G8"),
    ({"A8": "Golden cup"}, "tally-award-unknown", "A8"),
])
def test_a_bad_tally_is_located_and_leaves_the_vote_pending(bloc, changes, code, cell):
    rules, inbox = bloc
    tally = _tally(rules, inbox, {"A": (4, 3)})
    builders.edit(tally, changes)
    result = run(rules, builders.workspace(inbox))
    assert _issues(result, code) == [("bloc/tally-2024.xlsx", "Tally", cell)]
    assert result.vote_pending and not result.final
    assert all(r.unit_code for r in result.ranked)  # every unit still scored and ranked
    assert not result.provisional


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
    assert _issues(result, "tally-candidate-unknown") == [("bloc/tally-2024.xlsx", "Tally", "B8")]
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
    assert not sheet["F8"].protection.locked and not sheet["G8"].protection.locked
    assert sheet["B8"].protection.locked
    rules_by_cell = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert rules_by_cell["F8"].type == "whole" and rules_by_cell["F8"].formula2 == str(len(SMALL_RULES["units"]))
    assert rules_by_cell["G8"].formula2 == "F8"


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


@pytest.mark.libreoffice
@pytest.mark.slow
@POPPLER
@pytest.mark.parametrize("voters", [None, 3])
def test_the_ballots_print_one_a4_page_per_voter(bloc, tmp_path, lo_profile, voters):
    rules, inbox = bloc
    made = make_ballots(run(rules, builders.workspace(inbox)), tmp_path / "out", voters=voters)
    pdf = libreoffice_convert(made.ballots, "pdf", tmp_path / "pdf", lo_profile)
    expected = voters or len(rules.units)
    assert made.voters == expected
    assert _pages(pdf) == [(595, 842)] * expected  # A4 portrait, one page per voter
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert "Đơn vị A" in first and "Agree" in first


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
    _tally(rules, inbox, {"A": (4, 3)})
    written = write_outputs(run(rules, builders.workspace(inbox)), tmp_path / "out")
    minutes = docx.Document(str(written.documents[0]))
    section = minutes.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    header = minutes.tables[0]
    party = header.cell(0, 1).paragraphs[0].runs[0]
    assert (party.text, party.bold, party.underline) == ("COMMUNIST PARTY OF VIETNAM", True, True)
    assert header.cell(0, 0).paragraphs[1].text == "*"
    assert header.cell(0, 1).paragraphs[-1].runs[0].italic
    counts = [[c.text for c in row.cells] for row in minutes.tables[1].rows]
    assert counts[1] == ["1", "Đơn vị A", "Emulation flag", "3/4", "75.00%", "Passed"]
    assert len(minutes.tables[2].rows[0].cells) == 3  # the counting committee's signatures
    proposals = docx.Document(str(written.documents[1]))
    listed = [[c.text for c in row.cells] for row in proposals.tables[-1].rows]
    # Grouped by award, each group headed by a row across the table; B, C and D tie for the one merit, which
    # is not voted on: all three stay proposed (rank.py).
    assert [row[1] for row in listed[1:]] == ["I. Emulation flag (01 collective)", "Đơn vị A",
                                             "II. Certificate of merit (03 collectives)",
                                             "Đơn vị B", "Đơn vị C", "Đơn vị D"]
    assert listed[0][-1] == "Title or form of commendation proposed"


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
    assert "(5 papers, one A4 page each)" in made.output
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
    builders.edit(tally, {"F8": 4, "G8": 3, "C4": "Hall"})
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
    builders.edit(tally.parent / "tally-copy.xlsx", {"G8": 1})
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
