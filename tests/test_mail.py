"""Saved e-mails in input/: .eml, .mbox and Outlook .msg built in code, each reaching its unit or its issue."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zipfile
from email.policy import SMTP
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.checking.validate import UnitStatus
from pipeline.core.issues import Issue
from pipeline.core.labels import Label, text
from pipeline.outputs.results_json import results_dict
from pipeline.outputs.write import write_outputs
from pipeline.reading.mail.messages import clean_name, open_mail
from pipeline.reading.read import read_attachment
from pipeline.run import RunResult, run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests import mail_builders as mb
from tests.conftest import FULL_SMALL, rules_from, values

RULES = rules_from()
GOOD = values(**FULL_SMALL)
EARLY, LATE = "Mon, 02 Dec 2024 10:00:00 +0700", "Tue, 03 Dec 2024 08:30:00 +0700"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each unit's well-filled template, and A's with a self-score above its maximum ("A-bad")."""
    folder = tmp_path_factory.mktemp("filled")
    files = {code: builders.template_for(RULES, code, folder / f"{code}.xlsx", GOOD).read_bytes() for code in "ABCD"}
    bad = builders.template_for(RULES, "A", folder / "A-bad.xlsx", values(**{**FULL_SMALL, "1.1": 99}))
    files["A-bad"] = bad.read_bytes()
    return files


def issues_of(result: RunResult, code: str) -> list[Issue]:
    return [i for i in result.issues if i.code == code]


def inputs(result: RunResult) -> dict[str, dict[str, object]]:
    return {record["file"]: record for record in results_dict(result)["inputs"]}


# ------------------------------------------------------------------------------------------------ .eml

def test_one_attachment_reaches_its_unit_with_sender_date_and_subject(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "thu-van-phong.eml", [("Bảng tự chấm A.xlsx", filled["A"])], date=EARLY)
    result = run(RULES, Workspace(input=inbox))
    assert result.status["A"] == UnitStatus.SCORED
    assert result.unit_file("A").file == "thu-van-phong.eml › Bảng tự chấm A.xlsx"
    records = inputs(result)
    attached = records["thu-van-phong.eml › Bảng tự chấm A.xlsx"]
    assert attached["unit"] == "A" and attached["outcome"] == "used" and attached["kind"] == "unit"
    assert attached["mail"] == {"message": "thu-van-phong.eml", "sender": "Văn phòng <vp@example.vn>",
                                "date": "2024-12-02T10:00:00+07:00", "subject": "Gửi bảng tự chấm điểm"}
    assert attached["sha256"] == hashlib.sha256(filled["A"]).hexdigest() and attached["size"] == len(filled["A"])
    message = records["thu-van-phong.eml"]
    assert message["kind"] == "mail" and message["outcome"] == "opened" and message["unit"] is None
    assert results_dict(result)["schema_version"] == 4


def test_the_audit_sheet_shows_who_sent_each_attachment_when_and_why(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "thu.eml", [("A.xlsx", filled["A"])], subject="Báo cáo thi đua 2024")
    result = run(RULES, Workspace(input=inbox))
    workbook = load_workbook(write_outputs(result, tmp_path / "output").workbook)
    audit = workbook[text(result.lang, "workbook.sheet_audit")]
    cells = [c.value for row in audit.iter_rows() for c in row if isinstance(c.value, str)]
    shown = next(value for value in cells if value.startswith("thu.eml › A.xlsx"))
    assert "Văn phòng <vp@example.vn>" in shown and "02/12/2024 10:00, Vietnam time" in shown
    assert "Báo cáo thi đua 2024" in shown
    assert text(result.lang, "workbook.audit_mail_file", count=1) in cells  # the message file's own row


def test_several_attachments_of_one_message_each_reach_their_unit(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "tong-hop.eml", [("A.xlsx", filled["A"]), ("B.xlsx", filled["B"]), ("C.xlsx", filled["C"])])
    result = run(RULES, Workspace(input=inbox))
    assert {code: result.unit_file(code).file for code in "ABC"} == {
        "A": "tong-hop.eml › A.xlsx", "B": "tong-hop.eml › B.xlsx", "C": "tong-hop.eml › C.xlsx"}
    assert result.status["D"] == UnitStatus.MISSING


def test_spreadsheets_inside_a_zip_attachment_are_read_and_named_through_it(tmp_path, filled):
    inbox = tmp_path / "input"
    bundle = mb.zipped([("Bảng A.xlsx", filled["A"]), ("thư mục/B.xlsx", filled["B"]), ("ghi-chu.txt", b"x")],
                       utf8_flag=False)
    mb.eml(inbox / "goi.eml", [("Hồ sơ.zip", bundle)])
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "goi.eml › Hồ sơ.zip › Bảng A.xlsx"
    assert result.unit_file("B").file == "goi.eml › Hồ sơ.zip › B.xlsx"  # a member's folder is not a path here
    [skipped] = issues_of(result, "mail-attachment-skipped")
    assert skipped.file == "goi.eml › Hồ sơ.zip › ghi-chu.txt"
    record = inputs(result)["goi.eml › Hồ sơ.zip › ghi-chu.txt"]
    assert record["outcome"] == "skipped" and record["mail"]["message"] == "goi.eml"


def test_a_zip_bomb_attached_is_refused(tmp_path, filled):
    inbox = tmp_path / "input"
    buffer = zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED)
    buffer.writestr("A.xlsx", b"\0" * (3 * 1024 * 1024))  # 3 MB of zeros: ~1000× beyond what real files do
    buffer.close()
    mb.eml(inbox / "bom.eml", [("bom.zip", (tmp_path / "bomb.zip").read_bytes())])
    result = run(RULES, Workspace(input=inbox))
    [bomb] = issues_of(result, "zip-bomb")
    assert bomb.file == "bom.eml › bom.zip"


def _flagged_encrypted(data: bytes) -> bytes:
    """A zip whose members say they are under a password (bit 0 of the flags): no reader opens them."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        at = archive.start_dir  # type: ignore[attr-defined]
        offsets = [info.header_offset + 6 for info in archive.infolist()]
        for _info in archive.infolist():
            offsets.append(at + 8)
            at += 46 + sum(struct.unpack_from("<HHH", patched, at + 28))
    for offset in offsets:
        struct.pack_into("<H", patched, offset, struct.unpack_from("<H", patched, offset)[0] | 0x1)
    return bytes(patched)


def test_every_attachment_refused_or_skipped_has_its_inputs_record(tmp_path, filled):
    """A zip bomb, a damaged zip, a zip member under a password, a damaged member, an attachment whose base64 is
    broken: each refused before any reading, each with its issue and its record in the schema's shape."""
    import jsonschema

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("A.xlsx", b"\0" * (3 * 1024 * 1024))
    damaged_member = bytearray(mb.zipped([("D.xlsx", filled["D"])]))
    damaged_member[60:90] = b"\xff" * 30  # inside the member's deflated bytes: its CRC no longer matches
    mail = mb.message([("B.xlsx", filled["B"]), ("bom.zip", bomb.getvalue()), ("hong.zip", b"PK\x03\x04 damaged"),
                       ("khoa.zip", _flagged_encrypted(mb.zipped([("C.xlsx", filled["C"])]))),
                       ("hong-tep.zip", bytes(damaged_member)), ("A.xlsx", filled["A"]), ("scan.pdf", b"%PDF-1.4")])
    broken = next(part for part in mail.iter_attachments() if part.get_filename() == "A.xlsx")
    broken.set_payload("UEsDBBQ$$$$===\r\n")  # not base64: the attachment's bytes cannot be trusted
    inbox = tmp_path / "input"
    inbox.mkdir()
    (inbox / "thu.eml").write_bytes(mail.as_bytes(policy=SMTP))
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("B").file == "thu.eml › B.xlsx"
    refused = {f"thu.eml › {name}": code for name, code in [
        ("bom.zip", "zip-bomb"), ("hong.zip", "corrupt-file"), ("khoa.zip › C.xlsx", "password-protected"),
        ("hong-tep.zip › D.xlsx", "corrupt-file"), ("A.xlsx", "corrupt-file")]}
    assert {i.file: i.code for i in result.issues if i.file in refused} == refused
    written = json.loads(write_outputs(result, tmp_path / "output").results.read_text(encoding="utf-8"))
    records = {record["file"]: record for record in written["inputs"]}
    assert len(records) == len(written["inputs"])  # each once
    for name in refused:
        assert records[name]["outcome"] == "refused" and records[name]["kind"] == "unit", name
        assert records[name]["mail"]["message"] == "thu.eml" and records[name]["unit"] is None
    assert records["thu.eml › bom.zip"]["sha256"] == hashlib.sha256(bomb.getvalue()).hexdigest()
    assert records["thu.eml › bom.zip"]["size"] == len(bomb.getvalue())
    assert records["thu.eml › khoa.zip › C.xlsx"]["sha256"] == ""  # never taken out of the zip
    assert records["thu.eml › scan.pdf"]["outcome"] == "skipped"
    assert sorted(records) == sorted([*refused, "thu.eml", "thu.eml › B.xlsx", "thu.eml › scan.pdf"])
    schema = json.loads((Path(__file__).parent.parent / "docs" / "results.schema.json").read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(written))

def test_a_later_message_from_a_unit_supersedes_its_earlier_one(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "lan-1.eml", [("A.xlsx", filled["A-bad"])], date=EARLY)
    mb.eml(inbox / "lan-2.eml", [("A (sửa).xlsx", filled["A"])], date=LATE)
    result = run(RULES, Workspace(input=inbox))
    assert result.status["A"] == UnitStatus.SCORED  # the earlier file's error no longer counts
    assert result.unit_file("A").file == "lan-2.eml › A (sửa).xlsx"
    [superseded] = issues_of(result, "mail-superseded")
    assert (superseded.file, superseded.unit, superseded.severity) == ("lan-1.eml › A.xlsx", "A", "info")
    assert superseded.params["other"] == "lan-2.eml › A (sửa).xlsx"
    shown = superseded.message("vi")
    assert "10 giờ 00, ngày 02/12/2024" in shown and "08 giờ 30, ngày 03/12/2024" in shown  # Vietnam's time
    assert not issues_of(result, "score-above-max") and not issues_of(result, "duplicate-unit")
    assert inputs(result)["lan-1.eml › A.xlsx"]["outcome"] == "superseded"


def test_within_an_mbox_the_latest_message_by_its_date_wins_whatever_the_order(tmp_path, filled):
    inbox = tmp_path / "input"
    later = mb.message([("A.xlsx", filled["A"])], date=LATE)
    earlier = mb.message([("A.xlsx", filled["A-bad"])], date=EARLY)
    mb.mbox(inbox / "hop-thu.mbox", [later, earlier])  # exported newest first
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "hop-thu.mbox › #1 › A.xlsx"
    [superseded] = issues_of(result, "mail-superseded")
    assert superseded.file == "hop-thu.mbox › #2 › A.xlsx" and superseded.unit == "A"


def test_messages_without_a_date_are_not_chosen_between(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "lan-1.eml", [("A.xlsx", filled["A-bad"])], date=None)
    mb.eml(inbox / "lan-2.eml", [("A.xlsx", filled["A"])], date=LATE)
    result = run(RULES, Workspace(input=inbox))
    [conflict] = issues_of(result, "duplicate-unit")
    assert conflict.unit == "A" and result.status["A"] == UnitStatus.INVALID
    assert not issues_of(result, "mail-superseded")


def test_the_same_attachment_sent_twice_is_a_duplicate_copy(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "lan-1.eml", [("A.xlsx", filled["A"])], date=EARLY)
    mb.eml(inbox / "lan-2.eml", [("A.xlsx", filled["A"])], date=LATE)
    result = run(RULES, Workspace(input=inbox))
    [copy] = issues_of(result, "duplicate-copy")
    assert (copy.file, copy.unit, copy.params["other"]) == ("lan-1.eml › A.xlsx", "A", "lan-2.eml › A.xlsx")
    assert result.status["A"] == UnitStatus.SCORED
    assert inputs(result)["lan-1.eml › A.xlsx"]["outcome"] == "duplicate-copy"


def test_an_error_in_an_attached_file_is_located_in_it_and_its_unit(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "thu.eml", [("A.xlsx", filled["A-bad"])])
    result = run(RULES, Workspace(input=inbox))
    [error] = issues_of(result, "score-above-max")
    assert (error.file, error.unit, error.criterion) == ("thu.eml › A.xlsx", "A", "1.1")
    assert error.cell is not None and error.sheet is not None


# ------------------------------------------------------------------------------- malformed and hostile

def test_a_file_that_is_no_message_is_malformed(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "B.eml", [("B.xlsx", filled["B"])])
    inbox.joinpath("rac.eml").write_bytes(b"\x00\x01\x02\xff" * 100)
    result = run(RULES, Workspace(input=inbox))
    [malformed] = issues_of(result, "mail-malformed")
    assert (malformed.file, malformed.unit, malformed.severity) == ("rac.eml", None, "error")
    assert inputs(result)["rac.eml"]["outcome"] == "refused"
    assert result.status["B"] == UnitStatus.SCORED


def test_a_multipart_message_without_its_boundary_is_malformed(tmp_path, filled):
    raw = mb.message([("A.xlsx", filled["A"])]).as_bytes()
    broken = raw.replace(b'boundary="', b'bondary="', 1)
    inbox = tmp_path / "input"
    inbox.mkdir()
    inbox.joinpath("hong.eml").write_bytes(broken)
    result = run(RULES, Workspace(input=inbox))
    [malformed] = issues_of(result, "mail-malformed")
    assert malformed.file == "hong.eml"
    assert result.status["A"] == UnitStatus.MISSING


def test_one_malformed_message_of_an_mbox_costs_that_message_only(tmp_path, filled):
    inbox = tmp_path / "input"
    good = mb.message([("B.xlsx", filled["B"])])
    path = mb.mbox(inbox / "hop.mbox", [good])
    path.write_bytes(path.read_bytes() + b"From x Mon Dec  2 10:00:00 2024\n\x00\x00\x00\n")
    result = run(RULES, Workspace(input=inbox))
    [malformed] = issues_of(result, "mail-malformed")
    assert malformed.file == "hop.mbox › #2"
    assert result.unit_file("B").file == "hop.mbox › #1 › B.xlsx"


def test_a_message_with_no_spreadsheet_says_so_and_skips_other_attachments(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "cong-van.eml", [("Công văn.pdf", b"%PDF-1.7 ...")], sender="Ban Tổ chức <btc@example.vn>")
    mb.eml(inbox / "B.eml", [("B.xlsx", filled["B"])])
    result = run(RULES, Workspace(input=inbox))
    [skipped] = issues_of(result, "mail-attachment-skipped")
    assert skipped.file == "cong-van.eml › Công văn.pdf" and skipped.severity == "info"
    [none] = issues_of(result, "mail-no-spreadsheet")
    assert none.file == "cong-van.eml" and none.params["sender"] == "Ban Tổ chức <btc@example.vn>"
    assert "Ban Tổ chức" in none.message("vi")


@pytest.mark.parametrize("hostile", [
    "../../A.xlsx", "/etc/A.xlsx", "..\\..\\Windows\\A.xlsx", "A\x00.xlsx", "\u202eA.xlsx", "A" * 300 + ".xlsx",
])
def test_a_hostile_attachment_name_is_only_shown_sanitised(tmp_path, filled, hostile):
    inbox = tmp_path / "work" / "input"
    mail = mb.message([("placeholder.xlsx", filled["A"])])
    raw = mail.as_bytes()
    # Written raw: a mail program's own escaping would hide what a hostile sender can put there.
    encoded = base64.b64encode(hostile.encode("utf-8")).decode("ascii")
    raw = raw.replace(b'filename="placeholder.xlsx"', f'filename="=?utf-8?b?{encoded}?="'.encode("ascii"))
    inbox.mkdir(parents=True)
    inbox.joinpath("thu.eml").write_bytes(raw)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run(RULES, Workspace(input=inbox))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    shown = result.unit_file("A").file
    name = shown.removeprefix("thu.eml › ")
    assert "/" not in name and "\\" not in name and "\x00" not in name and "\u202e" not in name
    assert name.endswith(".xlsx") and len(name) <= 100 and not name.startswith(".")


@pytest.mark.parametrize("header", [
    "filename*=utf-8''B%E1%BA%A3ng%20%C4%91i%E1%BB%83m%20%C4%90%E1%BA%A3ng%20%E1%BB%A7y.xlsx",  # RFC 2231
    'filename="=?utf-8?b?' + base64.b64encode("Bảng điểm Đảng ủy.xlsx".encode()).decode() + '?="',  # RFC 2047
    'filename="=?utf-8?q?B=E1=BA=A3ng_=C4=91i=E1=BB=83m_=C4=90=E1=BA=A3ng_=E1=BB=A7y.xlsx?="',
])
def test_encoded_vietnamese_attachment_names_are_decoded(tmp_path, filled, header):
    raw = mb.message([("placeholder.xlsx", filled["A"])]).as_bytes()
    raw = raw.replace(b'filename="placeholder.xlsx"', header.encode("ascii"))
    inbox = tmp_path / "input"
    inbox.mkdir()
    inbox.joinpath("thu.eml").write_bytes(raw)
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "thu.eml › Bảng điểm Đảng ủy.xlsx"


def test_an_attachment_over_the_size_limit_is_refused_by_name():
    big = b"PK" + b"\0" * 5000
    raw = mb.message([("A.xlsx", big), ("goi.zip", mb.zipped([("B.xlsx", big)]))]).as_bytes()
    opened = open_mail(raw, "eml", "thu.eml", limit=1000)
    assert [(a.name, a.data, a.size) for a in opened.attachments] == [
        ("thu.eml › A.xlsx", None, 5002), ("thu.eml › goi.zip › B.xlsx", None, 5002)]
    [refused] = read_attachment(opened.attachments[0], Path(), opened.attachments[0].name).issues
    assert (refused.code, refused.file) == ("file-too-large", "thu.eml › A.xlsx")


def test_inline_pictures_of_a_signature_are_not_reported(tmp_path, filled):
    mail = mb.message([("A.xlsx", filled["A"])])
    mail.add_attachment(b"\x89PNG....", maintype="image", subtype="png", filename="image001.png",
                        disposition="inline")
    opened = open_mail(mail.as_bytes(), "eml", "thu.eml", limit=1 << 20)
    assert [a.name for a in opened.attachments] == ["thu.eml › A.xlsx"] and not opened.issues


def test_clean_name_keeps_a_name_readable_and_never_a_path():
    assert clean_name("../../Bảng điểm.xlsx", "x") == "Bảng điểm.xlsx"
    assert clean_name("C:\\Users\\a\\B.xlsx", "x") == "B.xlsx"
    assert clean_name("..", "attachment-1") == "attachment-1"
    assert clean_name("exe.\u202excod.xlsx", "x") == "exe.xcod.xlsx"
    assert clean_name("a › b.xlsx", "x") == "a > b.xlsx"


# ------------------------------------------------------------------------------------------ Outlook .msg

def test_an_outlook_message_reaches_its_units(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.msg(inbox / "thu-outlook.msg", [("Bảng A.xlsx", filled["A"]), ("B.xlsx", filled["B"]),
                                       ("goi.zip", mb.zipped([("C.xlsx", filled["C"])]))],
           sender_name="Ủy ban Kiểm tra", sender_address="ubkt@example.vn", subject="Gửi hồ sơ thi đua")
    result = run(RULES, Workspace(input=inbox))
    assert {code: result.unit_file(code).file for code in "ABC"} == {
        "A": "thu-outlook.msg › Bảng A.xlsx", "B": "thu-outlook.msg › B.xlsx",
        "C": "thu-outlook.msg › goi.zip › C.xlsx"}
    assert inputs(result)["thu-outlook.msg › B.xlsx"]["mail"] == {
        "message": "thu-outlook.msg", "sender": "Ủy ban Kiểm tra <ubkt@example.vn>",
        "date": "2024-12-02T10:00:00+07:00", "subject": "Gửi hồ sơ thi đua"}


def test_an_outlook_message_without_transport_headers_is_dated_by_its_submit_time(tmp_path, filled):
    inbox = tmp_path / "input"
    # 2024-12-03 01:30 UTC as a FILETIME: 100-ns ticks since 1601-01-01
    ticks = (1733189400 + 11644473600) * 10_000_000
    mb.msg(inbox / "lan-2.msg", [("A.xlsx", filled["A"])], date=None, submitted=ticks)
    mb.eml(inbox / "lan-1.eml", [("A.xlsx", filled["A-bad"])], date=EARLY)
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "lan-2.msg › A.xlsx"
    [superseded] = issues_of(result, "mail-superseded")
    assert superseded.file == "lan-1.eml › A.xlsx" and superseded.params["other_date"] == "2024-12-03T01:30:00+00:00"


def test_a_damaged_outlook_message_is_malformed(tmp_path, filled):
    inbox = tmp_path / "input"
    path = mb.msg(inbox / "hong.msg", [("A.xlsx", filled["A"])])
    path.write_bytes(path.read_bytes()[:1536])  # cut after a few sectors
    inbox.joinpath("khong-phai.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = run(RULES, Workspace(input=inbox))
    assert sorted(i.file for i in issues_of(result, "mail-malformed")) == ["hong.msg", "khong-phai.msg"]
    assert result.status["A"] == UnitStatus.MISSING


def test_the_json_lists_each_mail_file_and_attachment_once(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "thu.eml", [("A.xlsx", filled["A"]), ("anh.jpg", b"\xff\xd8")])
    result = run(RULES, Workspace(input=inbox))
    written = json.loads(write_outputs(result, tmp_path / "output").results.read_text(encoding="utf-8"))
    files = [record["file"] for record in written["inputs"]]
    assert sorted(files) == ["thu.eml", "thu.eml › A.xlsx", "thu.eml › anh.jpg"]
    assert len(files) == len(set(files))


# ------------------------------------------------------------------------------------------- mutations

@pytest.mark.parametrize("kind", ["eml", "mbox", "msg"])
def test_damaged_mail_files_become_issues_never_exceptions(tmp_path, filled, kind):
    """Seeded byte flips, cuts and repeats of each format: open_mail returns, whatever it is handed."""
    import random

    attachments = [("A.xlsx", filled["A"][:600]), ("goi.zip", mb.zipped([("B.xlsx", b"PK" + b"x" * 300)]))]
    if kind == "msg":
        seed = mb.msg(tmp_path / "seed.msg", attachments).read_bytes()
    elif kind == "mbox":
        seed = mb.mbox(tmp_path / "seed.mbox", [mb.message(attachments), mb.message(attachments[:1])]).read_bytes()
    else:
        seed = mb.eml(tmp_path / "seed.eml", attachments).read_bytes()
    chance = random.Random(18)
    for _ in range(150):
        data = bytearray(seed)
        for _ in range(chance.randint(1, 8)):
            at = chance.randrange(len(data))
            action = chance.random()
            if action < 0.5:
                data[at] = chance.randrange(256)
            elif action < 0.7:
                del data[at:at + chance.randint(1, 400)]
            else:
                data[at:at] = data[at:at + chance.randint(1, 200)] * chance.randint(1, 5)
        opened = open_mail(bytes(data), kind, f"x.{kind}", limit=1 << 20)
        assert all(i.file and i.file.startswith(f"x.{kind}") for i in opened.issues)
        assert all(a.name.startswith(f"x.{kind} › ") for a in opened.attachments)


def test_a_message_forwarded_as_an_attachment_counts_as_sent_by_the_forwarder(tmp_path, filled):
    inbox = tmp_path / "input"
    inner = mb.message([("B.xlsx", filled["B"])], sender="Ban Tổ chức <btc@example.vn>", date=LATE,
                       subject="Bảng điểm BTC")
    outer = mb.message([("A.xlsx", filled["A"])])
    outer.add_attachment(inner)  # message/rfc822, as "Forward as attachment" sends it
    inbox.mkdir()
    inbox.joinpath("chuyen-tiep.eml").write_bytes(outer.as_bytes())
    mb.msg(inbox / "outlook.msg", [], forwarded=[("C.xlsx", filled["C"])])
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "chuyen-tiep.eml › A.xlsx"
    b = result.unit_file("B")
    assert b.file == "chuyen-tiep.eml › Bảng điểm BTC.eml › B.xlsx"
    # The inner From and Date are text the forwarder could have typed: the file was sent by the outer message.
    outer_envelope = result.unit_file("A").envelope
    assert b.envelope == outer_envelope and outer_envelope is not None
    assert b.envelope.sender != "Ban Tổ chức <btc@example.vn>" and b.envelope.date != "2024-12-03T08:30:00+07:00"
    c = result.unit_file("C")
    assert c.file == "outlook.msg › Chuyển tiếp: bảng điểm › C.xlsx"
    assert c.envelope is not None and c.envelope.sender != "Đảng ủy Khối <duk@example.vn>"
    assert c.envelope.message == "outlook.msg"
    # The forwarded messages are still opened and on record, with their own headers.
    senders = {e.sender for s in result.submissions if s.mail for e in s.mail.envelopes}
    assert {"Ban Tổ chức <btc@example.vn>", "Đảng ủy Khối <duk@example.vn>"} <= senders


def test_two_attachments_of_one_name_are_told_apart_and_both_read(tmp_path, filled):
    inbox = tmp_path / "input"
    mb.eml(inbox / "thu.eml", [("Bang diem.xlsx", filled["A"]), ("Bang diem.xlsx", filled["B"])])
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "thu.eml › Bang diem.xlsx"
    assert result.unit_file("B").file == "thu.eml › Bang diem.xlsx [2]"


def test_a_crash_on_one_attachment_costs_that_attachment_only(filled):
    from pipeline.reading.isolation import read_isolated
    from tests import hostile_readers

    raw = mb.message([("A.xlsx", filled["A"]), ("B.xlsx", filled["B"])]).as_bytes()
    opened = open_mail(raw, "eml", "thu.eml", limit=1 << 20)
    jobs = [(attachment, attachment.name) for attachment in opened.attachments]
    lost, kept = read_isolated(jobs, Path(), workers=1, reader=hostile_readers.abort_attachment)
    assert [(i.code, i.file) for i in lost.issues] == [("reader-crashed", "thu.eml › A.xlsx")]
    assert lost.sha256 == hashlib.sha256(filled["A"]).hexdigest() and lost.envelope == opened.envelopes[0]
    assert kept.readable and kept.unit_code == "B" and not kept.issues


def test_an_mbox_of_more_messages_than_the_limit_says_so(monkeypatch):
    monkeypatch.setattr("pipeline.reading.mail.messages.MAX_MEMBERS", 2)
    raw = b"".join(b"From x Mon Dec  2 10:00:00 2024\nSubject: %d\n\nhi\n" % n for n in range(3))
    opened = open_mail(raw, "mbox", "hop.mbox", limit=1000)
    assert [i.file for i in opened.issues if i.code == "file-too-complex"] == ["hop.mbox"]
    assert [e.subject for e in opened.envelopes] == ["0", "1"]


def test_messages_of_an_mbox_without_a_spreadsheet_are_not_each_reported(tmp_path, filled):
    inbox = tmp_path / "input"
    reply = mb.message([], subject="Re: đã nhận", text="Đã nhận, cảm ơn.")
    mb.mbox(inbox / "hop.mbox", [reply, mb.message([("A.xlsx", filled["A"])])])
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "hop.mbox › #2 › A.xlsx"
    assert not issues_of(result, "mail-no-spreadsheet")


def test_the_attachments_of_a_signed_message_are_read(tmp_path, filled):
    from email.message import EmailMessage

    content = mb.message([("A.xlsx", filled["A"])])
    signed = EmailMessage()
    for header in ("From", "To", "Subject", "Date"):
        signed[header] = content[header]
        del content[header]
    signed.set_type("multipart/signed")
    signed.set_param("protocol", "application/pkcs7-signature")
    signature = EmailMessage()
    signature.set_content(b"0\x82...", maintype="application", subtype="pkcs7-signature", filename="smime.p7s")
    signed.attach(content)
    signed.attach(signature)
    inbox = tmp_path / "input"
    inbox.mkdir()
    inbox.joinpath("ky-so.eml").write_bytes(signed.as_bytes())
    result = run(RULES, Workspace(input=inbox))
    assert result.unit_file("A").file == "ky-so.eml › A.xlsx"
    assert [i.file for i in issues_of(result, "mail-attachment-skipped")] == ["ky-so.eml › smime.p7s"]


def test_a_short_msg_is_never_taken_for_a_file_name(tmp_path):
    """olefile takes bytes shorter than a compound file for a path: a .msg holding a path must not be opened."""
    target = tmp_path / "secret.msg"
    builders_msg = mb.msg(target, [("A.xlsx", b"PK")])
    opened = open_mail(str(builders_msg).encode(), "msg", "x.msg", limit=1000)
    assert [(i.code, i.file) for i in opened.issues] == [("mail-malformed", "x.msg")]
    assert opened.issues[0].params["detail"] == Label("hint.mail_not_ole")
