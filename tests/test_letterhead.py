"""The official header and signature as a model any writer renders: rules keys, run options, draft or final."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli.main import main
from pipeline.core.errors import RulesError
from pipeline.outputs.letterhead import letterhead
from pipeline.rules.procedure import Signer
from pipeline.run import DocumentOptions
from tests.conftest import SAMPLE_INPUT, SAMPLE_RULES, rules_from

OFFICIAL = {
    "parent": "Tỉnh ủy Quảng Trị", "issuer": "Khối thi đua các cơ quan Đảng tỉnh", "place": "Quảng Trị",
    "document_number": "15-BC/KTĐ", "date": "2024-12-20", "attached_to": "Báo cáo tổng kết năm 2024",
    "recipients": ["Ban Thi đua - Khen thưởng tỉnh,", "Lưu Khối."],
    "signers": [{"capacity": "T/M Khối thi đua", "position": "Khối trưởng", "name": "Nguyễn Văn A"}],
}


def test_the_rules_keys_fill_every_line_of_a_party_document():
    rules = rules_from(language="vi", header="party", **OFFICIAL)
    assert rules.date == dt.date(2024, 12, 20)
    assert rules.signers == (Signer("T/M Khối thi đua", "Khối trưởng", "Nguyễn Văn A"),)
    head = letterhead(rules, "vi", title="BẢNG TỔNG HỢP", final=True)
    assert (head.parent, head.issuer, head.mark) == ("TỈNH ỦY QUẢNG TRỊ", "KHỐI THI ĐUA CÁC CƠ QUAN ĐẢNG TỈNH", "*")
    assert head.number == "Số 15-BC/KTĐ"  # the Party's form has no colon
    assert head.national == ("ĐẢNG CỘNG SẢN VIỆT NAM",)
    assert head.place_date == "Quảng Trị, ngày 20 tháng 12 năm 2024"
    assert head.attached_to == "(Kèm theo Báo cáo tổng kết năm 2024)"
    assert head.recipients_heading == "Nơi nhận:"
    assert head.recipients == ("- Ban Thi đua - Khen thưởng tỉnh,", "- Lưu Khối.")
    (block,) = head.signatures
    assert (block.capacity, block.position, block.hint, block.name) == \
        ("T/M KHỐI THI ĐUA", "KHỐI TRƯỞNG", "(Ký tên, đóng dấu)", "Nguyễn Văn A")
    assert head.final and not head.draft


def test_run_options_override_the_rules_number_and_date():
    rules = rules_from(language="vi", header="state", **OFFICIAL)
    head = letterhead(rules, "vi", title="T", final=True,
                      options=DocumentOptions(number="07/BC-KTĐ", date=dt.date(2025, 1, 5)))
    assert head.number == "Số: 07/BC-KTĐ"
    assert head.place_date == "Quảng Trị, ngày 05 tháng 01 năm 2025"  # day < 10 and January zero-padded
    assert head.national == ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    assert head.mark.strip("\u2500") == ""


def test_without_a_date_the_date_is_left_blank_to_sign_never_the_run_date():
    head = letterhead(rules_from(language="vi", place="Quảng Trị"), "vi", title="T", final=True)
    assert head.place_date == "Quảng Trị, ngày … tháng … năm 20…"
    assert head.number == "Số ……-BC/……"
    # No signers configured: the bloc leader signs, the name written by hand.
    (block,) = head.signatures
    assert (block.capacity, block.position, block.name) == ("T/M KHỐI THI ĐUA", "KHỐI TRƯỞNG", "")


def test_a_draft_says_so_and_has_no_signature_block():
    head = letterhead(rules_from(language="vi", **OFFICIAL), "vi", title="T", final=False)
    assert head.draft == "DỰ THẢO"
    assert head.signatures == ()
    assert not head.final


@pytest.mark.parametrize(("changes", "path"), [
    ({"date": "20/12/2024"}, "date"),
    ({"date": "2024-13-01"}, "date"),
    ({"signers": [{"capacity": "T/M", "position": "KHỐI TRƯỞNG", "rank": "x"}]}, "signers[0].rank"),
    ({"signers": [{"name": "A"}]}, "signers[0]"),
    ({"recipients": "Lưu Khối"}, "recipients"),
])
def test_bad_letterhead_keys_are_located(changes, path):
    with pytest.raises(RulesError) as caught:
        rules_from(**changes)
    assert any(problem.path == path for problem in caught.value.problems), caught.value.problems


def test_run_number_and_date_reach_the_ranking_sheet(tmp_path):
    out = tmp_path / "output"
    outcome = CliRunner().invoke(main, ["run", "--rules", str(SAMPLE_RULES), "--input", str(SAMPLE_INPUT),
                                        "--out", str(out), "--quiet", "--number", "15-BC/KTĐ",
                                        "--date", "2024-12-20"])
    assert outcome.exit_code == 0, outcome.output
    ranking = load_workbook(out / "ranking-2024.xlsx").worksheets[0]
    shown = [c.value for row in ranking.iter_rows() for c in row if c.value]
    assert "Số 15-BC/KTĐ" in shown
    assert "Quảng Trị, ngày 20 tháng 12 năm 2024" in shown
    assert "TỈNH ỦY QUẢNG TRỊ" in shown and "Nguyễn Văn A" in shown  # the example's parent and signer


def test_a_bad_run_date_is_a_usage_error(tmp_path):
    # Day first, the Vietnamese way (20/12/2024 is a date): a month first is refused, said in Vietnamese.
    outcome = CliRunner().invoke(main, ["run", "--date", "12/20/2024", "--input", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "--date" in outcome.output and "'12/20/2024' không phải một ngày" in outcome.output
