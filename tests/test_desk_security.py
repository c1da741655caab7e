"""The desk answers only the browser bloc-score opened on this PC, and writes nothing else (issue #31, item 4).

Each attack is a real request to a live desk (its own server on the loopback address): refused, and every
file of the working folder exactly as it was.
"""

from __future__ import annotations

import pytest

from pipeline.cli.desk.guard import COOKIE
from pipeline.reading.archive import MAX_FILE_BYTES
from pipeline.workspace.intake import MAX_FILES_PER_DROP
from tests.desk_support import example_folder, files_under, live_desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    folder = example_folder(tmp_path_factory.mktemp("desk"))
    with live_desk(folder) as live:
        yield live


@pytest.fixture
def unchanged(desk):
    """The folder as it was before the test; compared after it."""
    before = files_under(desk.folder)
    yield
    assert files_under(desk.folder) == before


def test_the_own_cookie_opens_the_page(desk):
    assert desk.request("GET", "/").status == 200


def test_the_token_in_the_address_becomes_an_httponly_strict_cookie(desk):
    answer = desk.request("GET", f"/?token={desk.guard.token}", cookie=None)
    assert answer.status == 302 and answer.getheader("Location") == "/"
    cookie = answer.getheader("Set-Cookie")
    assert cookie.startswith(f"{COOKIE}={desk.guard.token}")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


@pytest.mark.parametrize("cookie", [None, "wrong", ""])
@pytest.mark.parametrize(("method", "path"), [("GET", "/"), ("GET", "/download/ranking"), ("GET", "/static/desk.css"),
                                              ("POST", "/run"), ("POST", "/make/appraisal"), ("POST", "/quit")])
def test_without_the_cookie_nothing_is_answered(desk, unchanged, cookie, method, path):
    assert desk.request(method, path, cookie=cookie).status == 403


def test_a_wrong_token_in_the_address_is_refused(desk, unchanged):
    answer = desk.request("GET", "/?token=guessed", cookie=None)
    assert answer.status == 403 and answer.getheader("Set-Cookie") is None


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"])
def test_a_post_from_another_site_is_refused(desk, unchanged, origin):
    """The browser carries the cookie of a SameSite=Strict desk only to itself; the Origin check stands
    even so (an older browser, a cookie policy changed)."""
    answer = desk.upload("/drop", "files", [("x.xlsx", b"PK")], headers={"Origin": origin})
    assert answer.status == 403
    assert desk.request("POST", "/make/templates", headers={"Origin": origin}).status == 403


def test_a_post_that_does_not_say_where_it_comes_from_is_refused(desk, unchanged):
    assert desk.upload("/drop", "files", [("x.xlsx", b"PK")], headers={"Origin": ""}).status == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "192.168.1.5:{port}", ""])
def test_a_rebound_host_name_is_refused(desk, unchanged, host):
    """DNS rebinding: a site that points its own name at 127.0.0.1 reaches the port, but names itself."""
    answer = desk.request("GET", "/", headers={"Host": host.format(port=desk.guard.port)})
    assert answer.status == 403


@pytest.mark.parametrize("name", ["../../evil.xlsx", "/etc/evil.xlsx", "input/../x.xlsx", "a/evil.xlsx", "..", "."])
def test_a_path_in_an_upload_name_is_refused(desk, unchanged, name):
    answer = desk.upload("/drop", "files", [(name, b"PK\x03\x04")])
    assert answer.status == 303
    assert "chứa đường dẫn thư mục" in desk.page()  # the page tells why; nothing is written anywhere


def test_a_windows_path_keeps_only_its_last_component(desk):
    """Werkzeug keeps only the last part of a backslashed name (old Internet Explorer sent whole paths): the
    file lands in input/ under that part, as an attachment's name does, and nowhere else."""
    before = set(files_under(desk.folder.parent))
    assert desk.upload("/drop", "files", [("..\\..\\evil.xlsx", b"PK\x03\x04")]).status == 303
    added = set(files_under(desk.folder.parent)) - before
    assert added == {"khoi/input/evil.xlsx"}
    (desk.folder / "input" / "evil.xlsx").unlink()


def test_a_workbook_over_the_readers_limit_is_refused(desk, unchanged):
    answer = desk.upload("/drop", "files", [("lon.xlsx", b"\0" * (MAX_FILE_BYTES + 1))])
    assert answer.status == 303
    assert "«lon.xlsx» lớn 20,1 MB, quá giới hạn 20 MB" in desk.page()


def test_more_files_than_a_drop_holds_are_refused(desk, unchanged):
    files = [(f"{n}.xlsx", b"PK") for n in range(MAX_FILES_PER_DROP + 1)]
    assert desk.upload("/drop", "files", files).status == 303
    assert f"tối đa {MAX_FILES_PER_DROP} tệp" in desk.page()


def test_a_request_over_the_size_limit_is_refused(desk, unchanged):
    from pipeline.cli.desk.app import MAX_REQUEST_BYTES

    answer = desk.upload("/drop", "files", [("thu.eml", b"a" * (MAX_REQUEST_BYTES + 1))])
    assert answer.status == 303
    assert "Tệp gửi lên quá lớn" in desk.page()


def test_only_spreadsheets_and_messages_are_taken(desk, unchanged):
    assert desk.upload("/drop", "files", [("virus.exe", b"MZ")]).status == 303
    assert "«virus.exe» không phải bảng tính" in desk.page()


@pytest.mark.parametrize("path", ["/download/../../bloc/seal.key", "/download/seal", "/download/seal.key",
                                  "/static/../../../../bloc/seal.key", "/static/..%2f..%2fapp.py", "/static/",
                                  "/template/..%2f..%2fbloc%2fseal.key", "/letter/../../bloc/seal.key",
                                  "/bloc/seal.key", "/input/", "/output/", "/download/%2e%2e%2fbloc%2fseal.key",
                                  "/etc/passwd"])
def test_nothing_outside_the_named_outputs_is_served(desk, path):
    answer = desk.request("GET", path)
    assert answer.status in (404, 308, 405)
    assert (desk.folder / "bloc" / "seal.key").read_bytes() not in answer.read()


def test_a_record_upload_that_is_not_the_record_writes_nothing(desk, unchanged):
    template = next((desk.folder / "input").glob("*VPTU*"))
    answer = desk.upload("/upload/appraisal", "file", [(template.name, template.read_bytes())])
    assert answer.status == 303
    assert "không phải bảng thẩm định của Khối" in desk.page()
