"""`bloc-score feedback`: one sendable draft per unit, naming every problem of its file at its cell."""

from __future__ import annotations

import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from pipeline.checking.validate import UnitStatus
from pipeline.cli.main import main
from pipeline.core.errors import ExitCode
from pipeline.core.labels import format_number, text
from pipeline.outputs.feedback import bloc_issues, unit_issues, write_feedback
from pipeline.rules.load import load_rules
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.builders import every_problem_folder
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT, SAMPLE_RULES

EMAILS = {"VPTU": "vanphong@tinhuy.example.vn", "BDVTU": "dan.van@tinhuy.example.vn, vanthu@tinhuy.example.vn"}


def _rules_file(folder: Path, **top: object) -> Path:
    """The sample's rules with units' e-mail addresses and the given top-level keys."""
    data = yaml.safe_load(SAMPLE_RULES.read_text(encoding="utf-8"))
    for unit in data["units"]:
        if unit["code"] in EMAILS:
            unit["email"] = EMAILS[unit["code"]]
    data.update(top)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SAMPLE_RULES.name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _parse(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@pytest.fixture(scope="module")
def problems(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feedback")
    rules = load_rules(_rules_file(tmp / "schemas", deadline="2025-01-15"))
    every_problem_folder(rules, tmp / "input")
    result = run(rules, builders.workspace(tmp / "input"))
    return result, write_feedback(result, tmp / "out")


@pytest.mark.slow
def test_every_unit_gets_one_parseable_draft_naming_each_problem_of_its_file_at_its_cell(problems):
    result, written = problems
    lang = result.lang
    assert sorted(p.name for p in written.drafts) == sorted(f"{u.code}.eml" for u in result.rules.units)
    found = unit_issues(result)
    assert found["VPTU"] and found["TCT"] and found["DUK"]  # the folder has problems to send
    for unit in result.rules.units:
        mail = _parse(written.folder / f"{unit.code}.eml")
        assert mail["X-Unsent"] == "1"
        body = mail.get_content()
        for issue in found[unit.code]:
            # The Issues sheet's own message, and the place it is at: file, sheet, cell.
            assert issue.message(lang) in body, (unit.code, issue.code)
            place = ", ".join(part for part in (f"tệp {issue.file}", issue.sheet and f"trang {issue.sheet}",
                                                issue.cell and f"ô {issue.cell}") if part)
            assert place[:1].upper() + place[1:] in body, (unit.code, issue.code)
        # No problem of another unit's file, nor of the bloc's own appraisal workbook, reaches this unit.
        for other in result.issues:
            if other not in found[unit.code] and other.file and other.file not in body:
                assert other.message(lang) not in body


@pytest.mark.slow
def test_a_unit_with_errors_is_asked_to_correct_and_resend_by_the_deadline(problems):
    result, written = problems
    mail = _parse(written.folder / "VPTU.eml")
    assert mail["To"].addresses[0].addr_spec == EMAILS["VPTU"]
    assert mail["To"].addresses[0].display_name == "Văn phòng Tỉnh ủy"
    assert mail["Subject"] == text("vi", "feedback.subject_fix", bloc=result.rules.bloc, year=2024,
                                   unit="Văn phòng Tỉnh ủy")
    body = mail.get_content()
    assert "Tệp 2024_VPTU_Van-phong-Tinh-uy.xlsx, trang Tự chấm điểm, ô D8 (lỗi):" in body
    assert "chậm nhất ngày 15/01/2025" in body


@pytest.mark.slow
def test_the_subject_is_encoded_and_the_raw_file_is_ascii(problems):
    _, written = problems
    raw = (written.folder / "TCT.eml").read_bytes()
    raw.decode("ascii")  # encoded words and quoted-printable: any mail client reads it
    subject_line = next(line for line in raw.splitlines() if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line


@pytest.mark.slow
def test_a_missing_unit_gets_a_reminder_with_the_deadline_to_every_address(problems):
    result, written = problems
    assert result.status["BDVTU"] == UnitStatus.MISSING
    mail = _parse(written.folder / "BDVTU.eml")
    assert [a.addr_spec for a in mail["To"].addresses] == EMAILS["BDVTU"].split(", ")
    body = mail.get_content()
    assert "2024_BDVTU_Ban-Dan-van-Tinh-uy.xlsx" in body and "chậm nhất ngày 15/01/2025" in body
    assert "đề nghị Ban Dân vận Tỉnh ủy gửi" in mail["Subject"]


@pytest.mark.slow
def test_a_provisional_run_tells_no_total_nor_rank(problems):
    result, written = problems
    assert result.provisional
    body = _parse(written.folder / "BQT.eml").get_content()  # scored, nothing to correct
    assert text("vi", "feedback.result_pending") in body
    assert "xếp thứ" not in body


@pytest.mark.slow
def test_the_summary_lists_one_row_per_unit_and_the_bloc_own_problems(problems):
    result, written = problems
    sheet = openpyxl.load_workbook(written.summary).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    units = [row for row in rows if row[1] in {u.code for u in result.rules.units}]
    assert [row[1] for row in units] == [u.code for u in result.rules.units]
    by_code = {row[1]: row for row in units}
    assert by_code["VPTU"][3] == EMAILS["VPTU"] and by_code["VPTU"][5] == 1 and by_code["VPTU"][7] == "VPTU.eml"
    assert by_code["BDVTU"][4] == "Nhắc gửi bản tự chấm chậm nhất ngày 15/01/2025"
    assert by_code["BQT"][3] == "(chưa có địa chỉ)"
    texts = " ".join(str(row[0]) for row in rows)
    for issue in bloc_issues(result):  # the appraisal workbook's and the unreadable file's: for the bloc
        assert issue.message(result.lang) in texts
    assert any(i.file == "hong.xlsx" for i in bloc_issues(result))


@pytest.mark.slow
def test_a_final_run_confirms_with_total_and_rank(sample_rules, tmp_path):
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    assert not result.provisional
    written = write_feedback(result, tmp_path)
    first = result.ranked[0]
    body = _parse(tmp_path / f"{first.unit_code}.eml").get_content()
    total = format_number(first.score.total_exact, "vi", sample_rules.decimals)
    assert f"Sau thẩm định, đơn vị đạt {total} điểm, xếp thứ 1/9 đơn vị trong Khối" in body
    assert "báo cáo tự chấm điểm đúng mẫu, không phải chỉnh sửa" in body
    assert {m.kind for m in written.messages} == {"received"}
    # Written again: the earlier drafts are kept, never overwritten.
    again = write_feedback(result, tmp_path)
    # One write, one subfolder of previous/ for all of them: the drafts and the list sent together.
    assert len(again.kept) == 10 and {p.parent.parent for p in again.kept} == {tmp_path / "previous"}
    assert len({p.parent for p in again.kept}) == 1


def test_the_command_writes_reminders_for_an_empty_inbox_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _rules_file(tmp_path / "schemas")
    (tmp_path / "input").mkdir()
    outcome = CliRunner().invoke(main, ["feedback", "--lang", "en", "--output", "letters"])
    assert outcome.exit_code == ExitCode.PROBLEMS, outcome.output
    assert "Wrote 9 drafts into letters: 0 asking for corrections, 0 receipts, 9 reminders." in outcome.output
    assert "List to print: letters/feedback-2024.xlsx" in outcome.output
    assert "The tool sent nothing" in outcome.output
    mail = _parse(tmp_path / "letters" / "BQT.eml")
    assert "please send your 2024 self-assessment" in mail["Subject"]
    assert "No e-mail address for 7 units" in outcome.output


@pytest.mark.slow
def test_the_command_on_a_final_run_exits_0_into_output_feedback_year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    builders.copy_sample(tmp_path / "input")
    outcome = CliRunner().invoke(main, ["feedback", "--rules", str(SAMPLE_RULES)])
    assert outcome.exit_code == ExitCode.DONE, outcome.output
    assert (tmp_path / "output" / "feedback-2024" / "VPTU.eml").is_file()
    assert (tmp_path / "output" / "feedback-2024" / "feedback-2024.xlsx").is_file()



def test_with_source_date_epoch_two_runs_write_byte_identical_drafts_and_list(tmp_path, monkeypatch):
    import time
    import zipfile

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714000000")
    _rules_file(tmp_path / "schemas")
    (tmp_path / "input").mkdir()
    shutil.copy(next(SAMPLE_INPUT.glob("*_VPTU_*.xlsx")), tmp_path / "input")
    folder = tmp_path / "letters"
    first = CliRunner().invoke(main, ["feedback", "--output", str(folder)])
    assert first.exit_code == ExitCode.PROBLEMS, first.output
    written = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    time.sleep(1.1)  # a clock that would show would now show another second
    second = CliRunner().invoke(main, ["feedback", "--output", str(folder)])
    assert second.exit_code == ExitCode.PROBLEMS, second.output
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == written
    with zipfile.ZipFile(folder / "feedback-2024.xlsx") as book:
        core = book.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2024-04-24T23:06:40Z</dcterms:created>' in core

# ------------------------------------------------------------------------------- the rules keys it reads

def test_rules_read_units_email_and_the_deadline():
    from tests.conftest import SMALL_RULES, rules_from

    units = [{**SMALL_RULES["units"][0], "email": "a@khoi.example.vn; b@khoi.example.vn"}, *SMALL_RULES["units"][1:]]
    rules = rules_from(units=units, deadline="2025-01-15")
    assert rules.unit("A").email == "a@khoi.example.vn, b@khoi.example.vn" and rules.unit("B").email == ""
    assert str(rules.deadline) == "2025-01-15"
    assert rules_from().deadline is None


def test_a_wrong_address_or_date_is_reported_at_its_line():
    from pipeline.core.errors import RulesError
    from pipeline.rules.load import parse_rules

    source = SAMPLE_RULES.read_text(encoding="utf-8").replace(
        "{code: BQT, name: Báo Quảng Trị,", "{code: BQT, name: Báo Quảng Trị, email: toa-soan at baoqt,")
    source = source.replace("revision: 1\n", "revision: 1\ndeadline: 15/01/2025\n")
    with pytest.raises(RulesError) as raised:
        parse_rules(source, source="r.yaml")
    rendered = [p.render("r.yaml") for p in raised.value.problems]
    line = source.splitlines().index(next(x for x in source.splitlines() if "toa-soan" in x)) + 1
    assert f"r.yaml:{line} (units[7].email): 'toa-soan at baoqt' không phải địa chỉ thư điện tử" in rendered[1]
    assert rendered[0].startswith("r.yaml:7 (deadline): '15/01/2025' không phải ngày")


# A name long enough that the subject and the To header fold over several lines, a space at every fold.
LONG_NAME = "Ban Tổ chức Tỉnh ủy và Ủy ban Kiểm tra Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh Quảng Trị"


@pytest.mark.parametrize("name", [LONG_NAME, "Ban Tổ chức Tỉnh ủy", 'Ban "A", B', "VP"])
def test_a_folded_subject_decodes_to_the_units_exact_name(name):
    """Mail readers drop the white space between two encoded words: a fold must never fall on a space."""
    from email.header import decode_header, make_header

    from pipeline.outputs.feedback import Feedback, draft
    from pipeline.rules.model import Unit

    unit = Unit("X", name, email="a@tinhuy.example.vn, b@tinhuy.example.vn")
    subject = text("vi", "feedback.subject_received", bloc="Khối thi đua các cơ quan Đảng tỉnh Quảng Trị",
                   year=2024, unit=name)
    raw = draft(Feedback(unit, "received", (), subject, "…", "…"), None).as_bytes()
    assert raw.isascii() and all(len(line) <= 78 for line in raw.split(b"\r\n"))
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert mail["Subject"] == subject
    # The To header as RFC 2047 readers (Outlook, Thunderbird) decode it: each name exact, spaces kept.
    # (The e-mail package's own address parser adds a space between encoded words of a display name.)
    folded = BytesParser(policy=policy.compat32).parsebytes(raw)["To"]
    to = str(make_header(decode_header(" ".join(folded.split()))))
    assert to == f"{name} <a@tinhuy.example.vn>, {name} <b@tinhuy.example.vn>"


@pytest.mark.slow
def test_every_drafts_subject_names_its_unit_exactly(sample_rules, tmp_path):
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    for message in write_feedback(result, tmp_path).messages:
        mail = _parse(tmp_path / f"{message.unit.code}.eml")
        assert mail["Subject"] == message.subject and mail["Subject"].endswith(message.unit.name)
