"""`bloc-score desk` as the secretary starts it, and what the page says when something goes wrong."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli.desk import app as desk_app
from pipeline.cli.desk.guard import COOKIE, Guard
from pipeline.core.labels import text
from pipeline.workspace.folders import init_folder
from pipeline.workspace.intake import Received, save_received, set_aside, unused_name
from tests.conftest import invoke
from tests.desk_support import example_folder


def test_the_command_serves_the_folder_until_quit(tmp_path):
    """A real process: it prints the address and how to stop, answers on the loopback address only with the
    token, and ends (exit 0) when the page's Quit is pressed."""
    folder = tmp_path / "khoi"
    init_folder(folder, example=True)
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "desk", str(folder), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        address = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", "".join(lines))
        assert address, lines
        assert text("vi", "desk.how_to_stop") in "".join(lines)
        port, token = int(address.group(1)), address.group(2)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", f"/?token={token}")
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 302
        cookie = answer.getheader("Set-Cookie").split(";")[0]
        connection.request("GET", "/", headers={"Cookie": cookie})
        page = connection.getresponse().read().decode("utf-8")
        assert "Khối thi đua các cơ quan Đảng tỉnh Quảng Trị" in page and "VPTU" in page
        connection.request("POST", "/quit", headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"})
        assert text("vi", "desk.closed_title") in connection.getresponse().read().decode("utf-8")
        connection.close()
        out, _err = process.communicate(timeout=30)
        assert process.returncode == 0 and text("vi", "desk.stopped") in out
    finally:
        if process.poll() is None:
            process.kill()


def test_a_folder_that_is_not_a_working_folder_is_told(tmp_path):
    result = invoke("desk", tmp_path, "--no-browser")
    assert result.exit_code == 2
    assert "không phải thư mục làm việc của Khối" in result.output and "bloc-score init" in result.output


@pytest.fixture
def client(tmp_path, monkeypatch):
    """The desk's pages through Flask's test client, as the desk's own browser asks for them."""
    folder = example_folder(tmp_path)
    monkeypatch.chdir(folder)
    guard = Guard(port=5000)
    app = desk_app.create_app(Path("."), guard)
    tester = app.test_client()
    tester.set_cookie(COOKIE, guard.token, domain="127.0.0.1")
    headers = {"Host": "127.0.0.1:5000", "Origin": "http://127.0.0.1:5000"}
    return tester, headers


def test_a_fault_of_the_program_is_said_in_the_page_never_a_traceback(client, monkeypatch):
    tester, headers = client

    def broken(_folder, _lang):
        raise RuntimeError("boom")

    monkeypatch.setitem(desk_app.MAKERS, "templates", broken)
    answer = tester.post("/make/templates", headers=headers)
    assert answer.status_code == 303
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert "Lỗi của chương trình (RuntimeError: boom)" in page and "Traceback" not in page


def test_a_users_problem_is_said_as_the_command_says_it(client):
    tester, headers = client
    tester.post("/make/next-year", headers=headers)  # writes next year's rules file
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert text("vi", "next_year.written", path="schemas/quang-tri-co-quan-dang-2025.yaml") in page
    assert Path("schemas/quang-tri-co-quan-dang-2025.yaml").is_file()
    answer = tester.post("/make/next-year", headers=headers)  # a second time: the command refuses, and says why
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert answer.status_code == 303 and 'class="outcome failed"' in page


def test_a_missing_page_is_said_in_her_language(client):
    tester, headers = client
    answer = tester.get("/template/VPTU", headers=headers)  # no template made yet
    assert answer.status_code == 404 and answer.get_data(as_text=True) == text("vi", "desk.not_found")


def test_archiving_asks_to_be_confirmed(client):
    tester, headers = client
    tester.post("/make/archive", headers=headers)
    assert text("vi", "desk.archive_confirm_missing") in tester.get("/", headers=headers).get_data(as_text=True)
    assert not Path("archive").exists()


def test_the_run_reports_its_progress(client):
    tester, headers = client
    assert tester.post("/run", headers=headers).status_code == 303
    for _ in range(600):
        state = tester.get("/progress", headers=headers).get_json()
        if state["finished"]:
            break
        time.sleep(0.1)
    assert state["finished"]
    page = tester.get("/run", headers=headers).get_data(as_text=True)
    assert text("vi", "report.title", year=2024) in page and Path("output/ranking-2024.xlsx").is_file()


def test_a_dropped_file_never_replaces_one(tmp_path):
    first = save_received(tmp_path, [Received("Báo cáo.xlsx", b"1")], "vi")
    second = save_received(tmp_path, [Received("báo cáo.xlsx", b"2"), Received("Báo cáo.xlsx", b"3")], "vi")
    assert [p.name for p in first + second] == ["Báo cáo.xlsx", "báo cáo (2).xlsx", "Báo cáo (3).xlsx"]
    assert (tmp_path / "Báo cáo.xlsx").read_bytes() == b"1"


def test_a_dropped_name_is_cleaned_as_an_attachments_is(tmp_path):
    long = "Đ" * 150 + ".xlsx"
    decomposed = "Ba\u0301o ca\u0301o\u202e.xlsx"  # NFD letters and a direction override
    saved = save_received(tmp_path, [Received(long, b"1"), Received(decomposed, b"2")], "vi")
    assert len(saved[0].name) == 100 and saved[0].suffix == ".xlsx"
    assert saved[1].name == "Báo cáo.xlsx"


def test_setting_aside_moves_only_a_file_of_the_folder(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"1")
    moved = set_aside(tmp_path, "a.xlsx", "vi")
    assert moved.read_bytes() == b"1" and moved.parent.parent == tmp_path / "previous"
    for name in ("../a.xlsx", "previous", "missing.xlsx", ""):
        with pytest.raises(Exception, match="input/"):
            set_aside(tmp_path, name, "vi")
    assert unused_name(tmp_path, "a.xlsx") == tmp_path / "a.xlsx"


def test_templates_and_letters_are_made_and_downloaded(client):
    import io
    import zipfile

    tester, headers = client
    tester.post("/make/templates", headers=headers)
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert 'href="/template/VPTU"' in page and 'href="/templates.zip"' in page
    with tester.get("/template/VPTU", headers=headers) as answer:
        assert answer.status_code == 200 and answer.data[:2] == b"PK"
        assert "2024_VPTU_Van-phong-Tinh-uy.xlsx" in answer.headers["Content-Disposition"]
    with tester.get("/templates.zip", headers=headers) as answer:
        packed = zipfile.ZipFile(io.BytesIO(answer.data))
    assert len(packed.namelist()) == 9 and all(name.endswith(".xlsx") for name in packed.namelist())
    tester.post("/make/feedback", headers=headers)
    with tester.get("/letter/VPTU", headers=headers) as letter:
        assert letter.status_code == 200 and b"Subject:" in letter.data


def test_the_tally_is_made_downloaded_and_taken_back(client):
    tester, headers = client
    Path("bloc/tally-2024.xlsx").unlink()
    tester.post("/make/ballot", headers=headers)
    with tester.get("/download/tally", headers=headers) as tally:
        assert tally.status_code == 200
        made = tally.data
    answer = tester.post("/upload/tally", headers=headers, content_type="multipart/form-data",
                         data={"file": (io_of(made), "kiem-phieu.xlsx")})
    assert answer.status_code == 303
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert text("vi", "desk.record_saved", name="kiem-phieu.xlsx", path="bloc/tally-2024.xlsx") in page
    assert list(Path("bloc/previous").rglob("tally-2024.xlsx"))  # the one made a moment ago, kept


def test_a_bloc_record_dropped_among_the_units_files_is_told_where_it_belongs(client):
    tester, headers = client
    record = Path("bloc/appraisal-2024.xlsx").read_bytes()
    tester.post("/drop", headers=headers, content_type="multipart/form-data",
                data={"files": (io_of(record), "tham-dinh.xlsx")})
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert text("vi", "desk.bloc_book_dropped", name="tham-dinh.xlsx") in page
    assert not Path("input/tham-dinh.xlsx").exists()


def test_a_record_of_another_kind_is_not_taken_as_the_appraisal(client):
    tester, headers = client
    before = Path("bloc/appraisal-2024.xlsx").read_bytes()
    tally = Path("bloc/tally-2024.xlsx").read_bytes()
    tester.post("/upload/appraisal", headers=headers, content_type="multipart/form-data",
                data={"file": (io_of(tally), "tally-2024.xlsx")})
    assert text("vi", "desk.not_the_appraisal", name="tally-2024.xlsx") in tester.get("/", headers=headers).get_data(
        as_text=True)
    assert Path("bloc/appraisal-2024.xlsx").read_bytes() == before


def test_a_saved_message_uploaded_as_a_record_is_told_for_what_it_is(client):
    tester, headers = client
    message = b"From: vp@x.vn\r\nSubject: bang\r\nContent-Type: text/plain\r\n\r\nxin gui\r\n"
    tester.post("/upload/appraisal", headers=headers, content_type="multipart/form-data",
                data={"file": (io_of(message), "thu.eml")})
    assert text("vi", "desk.not_the_appraisal", name="thu.eml") in tester.get("/", headers=headers).get_data(
        as_text=True)


def test_the_rules_files_own_problems_are_shown(client):
    tester, headers = client
    rules = next(Path("schemas").glob("*.yaml"))
    rules.write_text(rules.read_text(encoding="utf-8").replace("year: 2024", "year: hai nghìn"), encoding="utf-8")
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert text("vi", "desk.rules_problem") in page and rules.name in page and "hai nghìn" in page


def io_of(data: bytes):
    import io

    return io.BytesIO(data)


@pytest.mark.libreoffice
def test_the_ranking_is_printed_to_pdf_and_downloaded(client):
    tester, headers = client
    tester.post("/make/pdf", headers=headers)
    assert text("vi", "desk.run_first") in tester.get("/", headers=headers).get_data(as_text=True)
    tester.post("/run", headers=headers)
    for _ in range(600):
        if tester.get("/progress", headers=headers).get_json()["finished"]:
            break
        time.sleep(0.1)
    tester.post("/make/pdf", headers=headers)
    with tester.get("/download/pdf", headers=headers) as answer:
        assert answer.status_code == 200 and answer.data.startswith(b"%PDF")


def test_an_award_put_to_the_vote_is_shown_pending_until_counted(client):
    tester, headers = client
    flag = "Cờ thi đua của Ban Chấp hành Đảng bộ tỉnh"
    assert f"{flag} (chưa bỏ phiếu)" not in tester.get("/", headers=headers).get_data(as_text=True)
    Path("bloc/tally-2024.xlsx").unlink()
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert f"{flag} (chưa bỏ phiếu)" in page and text("vi", "desk.state_vote_pending") in page


def test_a_broken_province_yaml_is_shown_at_its_line(tmp_path, monkeypatch):
    (tmp_path / "province.yaml").write_text("province: Tỉnh ủy\nboard: Ban Thi đua\nyear: hai nghìn\nblocs: []\n",
                                            encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    guard = Guard(port=5000)
    tester = desk_app.create_app(Path("."), guard).test_client()
    tester.set_cookie(COOKIE, guard.token, domain="127.0.0.1")
    headers = {"Host": "127.0.0.1:5000"}
    page = tester.get("/", headers=headers).get_data(as_text=True)
    assert text("vi", "desk.province_problem") in page and "province.yaml:3" in page
    assert tester.get("/rules", headers=headers).status_code == 404  # a bloc's pages: no such year here


def test_the_reader_passes_over_the_files_set_aside(tmp_path):
    from pipeline.reading.inputs import discover

    (tmp_path / "a.xlsx").write_bytes(b"PK")
    set_aside(tmp_path, "a.xlsx", "vi")
    (tmp_path / "b.xlsx").write_bytes(b"PK")
    files, issues = discover(tmp_path)
    assert files == [tmp_path / "b.xlsx"] and issues == []  # no stray-folder warning for input/previous/
