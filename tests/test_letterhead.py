"""The official header and signature as a model any writer renders: rules keys, run options, draft or final,
a report, its annex or a proposal, in the Party's form (Hướng dẫn 36-HD/VPTW) or the State's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli.main import main
from pipeline.core.errors import RulesError
from pipeline.outputs.letterhead import letterhead
from pipeline.rules.procedure import Signer
from pipeline.run import DocumentOptions
from tests.conftest import SAMPLE_BLOC, SAMPLE_INPUT, SAMPLE_RULES, rules_from

OFFICIAL = {
    "parent": "Tỉnh ủy Quảng Trị", "issuer": "Khối thi đua các cơ quan Đảng tỉnh", "place": "Quảng Trị",
    "document_number": "15-BC/KTĐ", "date": "2024-12-20",
    "recipients": ["Ban Thi đua - Khen thưởng tỉnh,", "Lưu VT."],
    "signers": [{"capacity": "T/M Khối thi đua", "position": "Khối trưởng", "office": "Chánh Văn phòng Tỉnh ủy",
                 "name": "Nguyễn Văn A"}],
}


def test_the_rules_keys_fill_every_line_of_a_party_report():
    rules = rules_from(language="vi", header="party", **OFFICIAL)
    assert rules.date == dt.date(2024, 12, 20)
    assert rules.signers == (Signer("T/M Khối thi đua", "Khối trưởng", "Nguyễn Văn A", "Chánh Văn phòng Tỉnh ủy"),)
    head = letterhead(rules, "vi", document="report", summary="kết quả chấm điểm", final=True)
    assert not head.annex
    assert (head.parent, head.issuer, head.mark) == ("TỈNH ỦY QUẢNG TRỊ", "KHỐI THI ĐUA CÁC CƠ QUAN ĐẢNG TỈNH", "*")
    assert head.number == "Số 15-BC/KTĐ"  # the Party's form has no colon
    assert head.national == ("ĐẢNG CỘNG SẢN VIỆT NAM",)
    assert head.place_date == "Quảng Trị, ngày 20 tháng 12 năm 2024"
    assert (head.document_type, head.title, head.attached_to) == ("BÁO CÁO", "kết quả chấm điểm", "")
    assert head.recipients_heading == "Nơi nhận:"
    assert head.recipients == ("- Ban Thi đua - Khen thưởng tỉnh,", "- Lưu VT.")
    (block,) = head.signatures
    assert (block.capacity, block.position, block.office, block.name) == \
        ("T/M KHỐI THI ĐUA", "KHỐI TRƯỞNG", "CHÁNH VĂN PHÒNG TỈNH ỦY", "Nguyễn Văn A")
    assert head.final and not head.draft


def test_the_party_form_sets_the_date_under_the_rule_and_the_sizes_of_its_guidance():
    head = letterhead(rules_from(language="vi", header="party", **OFFICIAL), "vi", document="report",
                      summary="kết quả chấm điểm", final=True)
    left, right = head.header()
    assert [line.text for line in left] == ["TỈNH ỦY QUẢNG TRỊ", "KHỐI THI ĐUA CÁC CƠ QUAN ĐẢNG TỈNH", "*",
                                           "Số 15-BC/KTĐ"]
    # Straight under ĐẢNG CỘNG SẢN VIỆT NAM and its rule, not on the number's line (the State's layout).
    assert [line.text for line in right] == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Trị, ngày 20 tháng 12 năm 2024"]
    national, date = right
    assert (national.size, national.bold, national.underline) == (15, True, True)
    assert (date.size, date.italic) == (14, True)
    assert [(line.size, line.bold) for line in left] == [(14, False), (14, True), (14, False), (14, False)]
    kind, summary = head.title_lines()
    assert (kind.text, kind.size, kind.bold) == ("BÁO CÁO", 16, True)
    assert (summary.size, summary.bold) == (14, True)
    recipients, (signature,) = head.closing()
    assert (recipients[0].underline, recipients[0].size, recipients[1].size) == (True, 14, 12)
    texts = [line.text for line in signature]
    assert texts == ["T/M KHỐI THI ĐUA", "KHỐI TRƯỞNG", "CHÁNH VĂN PHÒNG TỈNH ỦY", "", "Nguyễn Văn A"]
    assert not any("(Ký" in line for line in texts)  # a form's instruction is not printed under a signer


def test_with_attached_to_the_ranking_is_an_annex_without_number_recipients_or_signature():
    rules = rules_from(language="vi", **OFFICIAL,
                       attached_to={"document": "Báo cáo", "number": "15-BC/KTĐ", "date": "2025-01-10"})
    head = letterhead(rules, "vi", document="report", summary="kết quả chấm điểm năm 2024", final=True)
    assert head.annex
    assert head.header() == ([], [])
    assert [line.text for line in head.title_lines()] == [
        "PHỤ LỤC", "KẾT QUẢ CHẤM ĐIỂM NĂM 2024", "(Kèm theo Báo cáo số 15-BC/KTĐ ngày 10/01/2025)"]
    assert (head.number, head.place_date, head.recipients, head.signatures) == ("", "", (), ())
    assert head.closing() == ([], [])
    # The number and date not given: left to fill in by hand; plain text is kept whole, as before.
    blank = letterhead(rules_from(language="vi", attached_to={"document": "Báo cáo"}), "vi", document="report",
                       summary="x", final=True)
    assert blank.attached_to == "(Kèm theo Báo cáo số ……-BC/…… ngày ……/……/20……)"
    plain = letterhead(rules_from(language="vi", attached_to="Báo cáo tổng kết năm 2024"), "vi",
                       document="report", summary="x", final=True)
    assert plain.attached_to == "(Kèm theo Báo cáo tổng kết năm 2024)" and plain.annex
    # Only the ranking report is an annex: the proposal is a document of its own, numbered -TTr.
    proposal = letterhead(rules, "vi", document="proposal", summary="về …", final=True)
    assert not proposal.annex and proposal.document_type == "TỜ TRÌNH"
    assert proposal.number == "Số ……-TTr/……" and proposal.signatures


def test_the_proposal_takes_its_own_number_and_date():
    rules = rules_from(language="vi", **OFFICIAL, proposal={"number": "03-TTr/KTĐ", "date": "2025-01-15"},
                       addressee="Ban Thường vụ Tỉnh ủy", agreement="Giao ước thi đua năm 2024")
    assert (rules.addressee, rules.agreement) == (("Ban Thường vụ Tỉnh ủy",), "Giao ước thi đua năm 2024")
    head = letterhead(rules, "vi", document="proposal", summary="về …", final=True,
                      options=DocumentOptions(number="15-BC/KTĐ"))  # run --number is the report's
    assert head.number == "Số 03-TTr/KTĐ"
    assert head.place_date == "Quảng Trị, ngày 15 tháng 01 năm 2025"
    several = rules_from(addressee=["Ban Thường vụ Tỉnh ủy", "Ban Tổ chức Tỉnh ủy"])
    assert several.addressee == ("Ban Thường vụ Tỉnh ủy", "Ban Tổ chức Tỉnh ủy")


def test_run_options_override_the_rules_number_and_date():
    rules = rules_from(language="vi", header="state", **OFFICIAL)
    head = letterhead(rules, "vi", document="report", summary="T", final=True,
                      options=DocumentOptions(number="07/BC-KTĐ", date=dt.date(2025, 1, 5)))
    assert head.number == "Số: 07/BC-KTĐ"
    assert head.place_date == "Quảng Trị, ngày 05 tháng 01 năm 2025"  # day < 10 and January zero-padded
    assert head.national == ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    assert head.mark.strip("\u2500") == ""
    # The State's form sets the place and date on the number's line.
    left, right = head.header()
    assert len(left) == len(right) and (left[-1].text, right[-1].text) == (head.number, head.place_date)


def test_without_a_date_the_date_is_left_blank_to_sign_never_the_run_date():
    head = letterhead(rules_from(language="vi", place="Quảng Trị"), "vi", document="report", summary="T",
                      final=True)
    assert head.place_date == "Quảng Trị, ngày … tháng … năm 20…"
    assert head.number == "Số ……-BC/……"
    # No signers configured: the bloc leader signs, the name written by hand.
    (block,) = head.signatures
    assert (block.capacity, block.position, block.office, block.name) == ("T/M KHỐI THI ĐUA", "KHỐI TRƯỞNG", "", "")


def test_a_draft_says_so_and_has_no_signature_block():
    head = letterhead(rules_from(language="vi", **OFFICIAL), "vi", document="report", summary="T", final=False)
    assert head.draft == "DỰ THẢO"
    assert head.signatures == ()
    assert not head.final


@pytest.mark.parametrize(("changes", "path"), [
    ({"date": "20/12/2024"}, "date"),
    ({"date": "2024-13-01"}, "date"),
    ({"signers": [{"capacity": "T/M", "position": "KHỐI TRƯỞNG", "rank": "x"}]}, "signers[0].rank"),
    ({"signers": [{"name": "A"}]}, "signers[0]"),
    ({"recipients": "Lưu Khối"}, "recipients"),
    ({"attached_to": {"number": "15-BC/KTĐ"}}, "attached_to"),
    ({"attached_to": {"document": "Báo cáo", "date": "10/01/2025"}}, "attached_to.date"),
    ({"attached_to": {"document": "Báo cáo", "page": 2}}, "attached_to.page"),
    ({"proposal": {"date": "2025-02-30"}}, "proposal.date"),
    ({"proposal": "03-TTr/KTĐ"}, "proposal"),
    ({"addressee": {"to": "Ban Thường vụ"}}, "addressee"),
])
def test_bad_letterhead_keys_are_located(changes, path):
    with pytest.raises(RulesError) as caught:
        rules_from(**changes)
    assert any(problem.path == path for problem in caught.value.problems), caught.value.problems


def test_run_number_and_date_reach_a_stand_alone_ranking_and_never_an_annex(tmp_path):
    annex_rules = SAMPLE_RULES.read_text(encoding="utf-8")
    assert "\nattached_to:" in annex_rules
    stand_alone = tmp_path / "rules.yaml"
    stand_alone.write_text(re.sub(r"\nattached_to:[^\n]*", "", annex_rules), encoding="utf-8")
    shown = {}
    for name, rules in (("annex", SAMPLE_RULES), ("report", stand_alone)):
        out = tmp_path / name
        outcome = CliRunner().invoke(main, ["run", "--rules", str(rules), "--input", str(SAMPLE_INPUT),
                                            "--bloc", str(SAMPLE_BLOC), "--out", str(out), "--quiet",
                                            "--number", "15-BC/KTĐ", "--date", "2024-12-20"])
        assert outcome.exit_code == 0, outcome.output
        ranking = load_workbook(out / "ranking-2024.xlsx").worksheets[0]
        shown[name] = [c.value for row in ranking.iter_rows() for c in row if c.value]
    assert "Số 15-BC/KTĐ" in shown["report"]
    assert "Quảng Trị, ngày 20 tháng 12 năm 2024" in shown["report"]
    assert "TỈNH ỦY QUẢNG TRỊ" in shown["report"] and "Nguyễn Văn A" in shown["report"]
    assert "BÁO CÁO" in shown["report"] and "PHỤ LỤC" not in shown["report"]
    # The annex: its report carries the number, the date, the recipients and the signature.
    assert "PHỤ LỤC" in shown["annex"] and "(Kèm theo Báo cáo số ……-BC/…… ngày ……/……/20……)" in shown["annex"]
    for absent in ("Số 15-BC/KTĐ", "Nguyễn Văn A", "Nơi nhận:", "ĐẢNG CỘNG SẢN VIỆT NAM"):
        assert absent not in shown["annex"]


def test_a_bad_run_date_is_a_usage_error(tmp_path):
    # Day first, the Vietnamese way (20/12/2024 is a date): a month first is refused, said in Vietnamese.
    outcome = CliRunner().invoke(main, ["run", "--date", "12/20/2024", "--input", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "--date" in outcome.output and "'12/20/2024' không phải một ngày" in outcome.output
