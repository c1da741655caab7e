"""A file that crashes, exhausts or hangs the reader costs that file only: the other units are ranked.

Each test hands `run` a reader (tests/hostile_readers.py) that misbehaves on unit A's file inside a worker
process, as python-calamine can on a hostile workbook, and checks the file is named with its code.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.errors import ExitCode
from pipeline.outputs.write import write_outputs
from pipeline.reading import isolation
from pipeline.run import RunOptions, RunResult, run
from pipeline.workspace.folders import Workspace
from tests import builders, hostile_readers
from tests.conftest import FULL_SMALL, rules_from, values

RULES = rules_from()


def scored(folder: Path, **options: Any) -> RunResult:
    """The run over `folder`, with `options` (workers, reader…)."""
    return run(RULES, Workspace(input=folder), RunOptions(**options))
GOOD = values(**FULL_SMALL)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the address-space limit is enforced on Linux only (docs/files.md)")


@pytest.fixture
def folder(tmp_path) -> Path:
    """Good files for units A, B, C and D; A's is the one the hostile readers pick on."""
    inbox = tmp_path / "input"
    builders.template_for(RULES, "A", inbox / hostile_readers.VICTIM, GOOD)
    return builders.good_files(inbox, RULES, "BCD", GOOD)


def only(result: RunResult, code: str):
    hits = [i for i in result.issues if i.code == code]
    assert len(hits) == 1, [(i.code, i.file, i.params) for i in result.issues]
    return hits[0]


def assert_a_lost_the_rest_ranked(result: RunResult, code: str):
    issue = only(result, code)
    assert issue.file == hostile_readers.VICTIM and issue.unit == "A"
    assert result.status == {"A": "invalid", "B": "scored", "C": "scored", "D": "scored"}
    assert [r.unit_code for r in result.ranked] == ["B", "C", "D"]
    assert result.exit_code == ExitCode.PROBLEMS  # ranked, but provisional
    return issue


@pytest.mark.parametrize("workers", [1, 2])
def test_a_native_crash_costs_its_file_only(folder, workers):
    result = scored(folder, workers=workers, reader=hostile_readers.abort)
    issue = assert_a_lost_the_rest_ranked(result, "reader-crashed")
    assert issue.params["detail"] == "SIGABRT"


@pytest.mark.parametrize("method", sorted(set(multiprocessing.get_all_start_methods()) - {isolation.start_method()}))
def test_workers_started_every_other_way_hold_too(folder, monkeypatch, method):
    # fork is what Linux with Python 3.11 uses; forkserver is macOS's and Linux's when threads run; spawn is
    # Windows'. Each must read the same and survive a crash.
    monkeypatch.setattr(isolation, "start_method", lambda: method)
    assert_a_lost_the_rest_ranked(scored(folder, workers=2, reader=hostile_readers.abort), "reader-crashed")
    assert [r.unit_code for r in scored(folder, workers=1).ranked] == ["A", "B", "C", "D"]


def test_the_files_queued_behind_a_crash_are_read_by_a_new_worker(folder):
    # Batches of several files per worker: the crash is blamed on the file being read, the rest requeued.
    source = next(p for p in folder.iterdir() if p.name != hostile_readers.VICTIM)
    for number in range(30):
        shutil.copy(source, folder / f"copy {number:02}.xlsx")
    paths = sorted(folder.iterdir())
    submissions = isolation.read_submissions(paths, folder, workers=2, reader=hostile_readers.abort)
    assert [s.file for s in submissions] == [p.name for p in paths]
    crashed = [s.file for s in submissions if [i.code for i in s.issues] == ["reader-crashed"]]
    assert crashed == [hostile_readers.VICTIM]
    assert all(s.readable for s in submissions if s.file != hostile_readers.VICTIM)


def test_the_files_read_before_a_crash_in_its_batch_are_read_again(folder):
    # A worker answers a whole batch at once: a crash mid-batch takes the answers of the files before it
    # with it. Those are read again by the new worker; the crash is blamed on the file being read.
    source = next(p for p in folder.iterdir() if p.name != hostile_readers.VICTIM)
    victim = folder / hostile_readers.VICTIM
    ordered = [folder / f"{number:02} before.xlsx" for number in range(4)]
    for path in ordered:
        shutil.copy(source, path)
    paths = [*ordered, victim, *(p for p in sorted(folder.iterdir()) if p not in ordered and p != victim)]
    submissions = isolation.read_submissions(paths, folder, workers=1, reader=hostile_readers.abort)
    assert [s.file for s in submissions] == [p.name for p in paths]
    assert [[i.code for i in s.issues] for s in submissions[:5]] == [[], [], [], [], ["reader-crashed"]]
    assert all(s.readable for s in submissions if s.file != hostile_readers.VICTIM)


def test_the_crashed_file_is_still_accounted_for(folder, tmp_path):
    result = scored(folder, workers=1, reader=hostile_readers.abort)
    write_outputs(result, tmp_path / "output")
    data = json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))
    inputs = {entry["file"]: entry for entry in data["inputs"]}
    assert inputs[hostile_readers.VICTIM]["outcome"] == "refused"
    assert inputs[hostile_readers.VICTIM]["sha256"] == builders.sha256(folder / hostile_readers.VICTIM)
    assert sorted(entry["outcome"] for entry in data["inputs"]) == ["refused", "used", "used", "used"]
    assert data["provisional"] is True


@linux_only
def test_a_runaway_allocation_hits_the_workers_limit(folder):
    result = scored(folder, workers=1, reader=hostile_readers.allocate)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"] == f"{isolation.READ_MEMORY_LIMIT // (1024 * 1024)} MB"


@linux_only
def test_calamine_asked_for_a_sheet_to_xfd1048576_aborts_in_its_worker(folder, tmp_path):
    # The issue's first hostile file: single-quoted references the old extent regex did not see.
    sheet = ("<?xml version='1.0'?><worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'>"
             "<sheetData><row r='1'><c r='A1' t='n'><v>1</v></c></row>"
             "<row r='1048576'><c r='XFD1048576' t='n'><v>1</v></c></row></sheetData></worksheet>")
    victim = folder / hostile_readers.VICTIM
    builders._replace_part(victim, victim, "xl/worksheets/sheet1.xml", sheet.encode())
    result = scored(folder, workers=1, reader=hostile_readers.unchecked)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"].endswith("MB")


@pytest.mark.slow
def test_a_hang_is_cut_at_the_time_limit(folder, monkeypatch):
    monkeypatch.setattr(isolation, "READ_TIME_LIMIT", 1.0)
    result = scored(folder, workers=2, reader=hostile_readers.hang)
    issue = assert_a_lost_the_rest_ranked(result, "file-too-complex")
    assert issue.params["limit"] == "1 s"


def test_a_bug_in_the_program_is_not_blamed_on_the_file(folder):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        scored(folder, workers=1, reader=hostile_readers.bug)


def test_reading_in_workers_equals_reading_in_process(folder):
    isolated, in_process = scored(folder, workers=2), scored(folder, workers=0)
    assert [(r.unit_code, r.score.total_exact) for r in isolated.ranked] == \
           [(r.unit_code, r.score.total_exact) for r in in_process.ranked]
    assert isolated.issues == in_process.issues


# ------------------------------------------------------------------------------ every input accounted for

def results_json(result: RunResult, tmp_path: Path) -> dict:
    write_outputs(result, tmp_path / "output")
    return json.loads((tmp_path / "output" / "results-2024.json").read_text(encoding="utf-8"))


def test_names_differing_only_in_normalisation_keep_their_own_units(tmp_path):
    # Two units sent "Bảng điểm.xlsx": one from Windows (NFC), one from a Mac (NFD).
    inbox = tmp_path / "input"
    nfc, nfd = (unicodedata.normalize(form, "Bảng điểm.xlsx") for form in ("NFC", "NFD"))
    builders.template_for(RULES, "A", inbox / nfc, GOOD)
    builders.template_for(RULES, "B", inbox / nfd, GOOD)
    for code in ("C", "D"):
        builders.template_for(RULES, code, inbox / f"{code}.xlsx", GOOD)
    result = scored(inbox, workers=1)
    assert result.status == {"A": "scored", "B": "scored", "C": "scored", "D": "scored"}
    lookalike = only(result, "name-lookalike")
    assert lookalike.file == f"{nfc} [2]" and lookalike.params["other"] == nfc
    inputs = results_json(result, tmp_path)["inputs"]
    assert sorted((entry["file"], entry["unit"], entry["outcome"]) for entry in inputs) == [
        ("B\u1ea3ng \u0111i\u1ec3m.xlsx", "A", "used"), ("B\u1ea3ng \u0111i\u1ec3m.xlsx [2]", "B", "used"),
        ("C.xlsx", "C", "used"), ("D.xlsx", "D", "used"),
    ]


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs POSIX symbolic links")
def test_a_link_to_a_workbook_outside_the_folder_is_not_followed(folder, tmp_path):
    outside = builders.template_for(RULES, "A", tmp_path / "elsewhere" / "A.xlsx", GOOD)
    (folder / hostile_readers.VICTIM).unlink()
    (folder / hostile_readers.VICTIM).symlink_to(outside)
    result = scored(folder, workers=1)
    issue = only(result, "symlink-skipped")
    assert issue.file == hostile_readers.VICTIM and issue.params["target"] == str(outside)
    assert issue.severity == "warning"
    assert result.status["A"] == "missing"  # nothing was read from outside the input folder
    entry = next(e for e in results_json(result, tmp_path)["inputs"] if e["file"] == hostile_readers.VICTIM)
    assert entry == {"file": hostile_readers.VICTIM, "sha256": None, "size": None, "modified": None,
                     "unit": None, "kind": None, "outcome": "skipped", "mail": None, "seal": None}


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs POSIX symbolic links")
def test_a_link_to_a_system_file_leaves_no_trace_of_its_content(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (folder / "E.xlsx").symlink_to(secret)
    data = results_json(scored(folder, workers=1), tmp_path)
    text = json.dumps(data)
    assert builders.sha256(secret) not in text and "root:x" not in text
    [link] = [record for record in data["inputs"] if record["file"] == "E.xlsx"]
    assert (link["sha256"], link["size"], link["modified"], link["outcome"]) == (None, None, None, "skipped")
    assert not [record for record in data["inputs"] if record["size"] == secret.stat().st_size]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
def test_a_pipe_named_like_a_workbook_is_skipped_not_waited_on(folder):
    os.mkfifo(folder / "E.xlsx")  # opening it for reading would wait for a writer forever
    result = scored(folder, workers=1)
    issue = only(result, "stray-file")
    assert issue.file == "E.xlsx" and "special file" in issue.message("en")
    assert len(result.ranked) == 4


def test_every_entry_of_the_folder_appears_once_with_its_outcome(folder, tmp_path):
    (folder / "Thumbs.db").write_bytes(b"\0")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "copy of A.xlsx").write_bytes((folder / hostile_readers.VICTIM).read_bytes())
    (folder / "E.xlsx").write_bytes(b"not a workbook")
    (folder / "C second.xlsx").write_bytes(b"")  # C's name, refused
    (folder / "other.xlsx").write_bytes(builders.template_for(
        rules_from(bloc="Another bloc"), "A", tmp_path / "x" / "other.xlsx", GOOD).read_bytes())
    inputs = results_json(scored(folder, workers=1), tmp_path)["inputs"]
    outcomes = {entry["file"]: entry["outcome"] for entry in inputs}
    assert len(inputs) == len(list(folder.iterdir())) == len(outcomes)
    assert outcomes["copy of A.xlsx"] == "duplicate-copy"
    assert [entry["outcome"] for entry in inputs if entry["unit"] == "B"] == ["used"]
    assert outcomes["Thumbs.db"] == outcomes["scan.pdf"] == "skipped"
    assert outcomes["E.xlsx"] == "refused" and outcomes["C second.xlsx"] == "refused"
    assert outcomes["other.xlsx"] == outcomes["A.xlsx"] == "conflicting"  # two different files for unit A


# ------------------------------------------------------------------------------ pre-checks see what the reader sees

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(cells: str, *, quote: str = '"', prefix: str = "") -> bytes:
    q, p = quote, f"{prefix}:" if prefix else ""
    namespace = f"xmlns:{prefix}={q}{MAIN}{q}" if prefix else f"xmlns={q}{MAIN}{q}"
    return (f"<?xml version={q}1.0{q}?><{p}worksheet {namespace}><{p}sheetData>{cells}"
            f"</{p}sheetData></{p}worksheet>").encode()


def hostile_a(folder: Path, part: bytes, name: str = "xl/worksheets/sheet1.xml") -> RunResult:
    victim = folder / hostile_readers.VICTIM
    builders._replace_part(victim, victim, name, part)
    return scored(folder, workers=1)


@pytest.mark.parametrize(("part", "code"), [
    (sheet_xml("<row r='1'><c r='A1'><v>1</v></c><c r='XFD1'><v>1</v></c></row>", quote="'"), "too-many-columns"),
    (sheet_xml("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>", quote="'"), "too-many-rows"),
    (sheet_xml('<x:row><x:c  r = "XFD1" ><x:v>1</x:v></x:c></x:row>', prefix="x"), "too-many-columns"),
    (sheet_xml('<row><c r="GR1"><v>1</v></c>' + "<c><v>1</v></c>" * 5 + "</row>"), "too-many-columns"),
    (sheet_xml('<row><c r="GR1" a=">"><v>1</v></c><!-- <c r="A1"/> --><c><v>1</v></c></row>'), "too-many-columns"),
])
def test_a_sheet_too_large_is_refused_whatever_its_xml_looks_like(folder, part, code):
    issue = assert_a_lost_the_rest_ranked(hostile_a(folder, part), code)
    assert issue.params["limit"] in (200, 5000)


def test_shared_strings_announcing_billions_are_refused_before_the_reader_reserves_them(folder):
    # uniqueCount="4000000000" made python-calamine reserve 96 GB and abort.
    victim = folder / hostile_readers.VICTIM
    with zipfile.ZipFile(victim) as archive:
        strings = archive.read("xl/sharedStrings.xml")
    strings = re.sub(rb'uniqueCount="[0-9]+"', b"uniqueCount = '4000000000'", strings)
    issue = assert_a_lost_the_rest_ranked(hostile_a(folder, strings, "xl/sharedStrings.xml"), "file-too-complex")
    assert issue.params["limit"].endswith("shared strings")


def test_a_sheet_part_named_otherwise_is_found_through_the_relationships(folder):
    victim = folder / hostile_readers.VICTIM
    builders._replace_part(victim, victim, "xl/worksheets/sheet1.xml",
                           sheet_xml('<row r="1"><c r="XFD1"><v>1</v></c></row>'))
    builders.rename_part(victim, victim, "xl/worksheets/sheet1.xml", "xl/data/Big.XML")
    assert_a_lost_the_rest_ranked(scored(folder, workers=1), "too-many-columns")


def test_a_doctype_deep_inside_a_part_is_found(folder):
    late = (b'<?xml version="1.0"?><!--' + b" " * 10_000 + b'--><!DOCTYPE sst [<!ENTITY x "x">]>'
            b'<sst xmlns="' + MAIN.encode() + b'"><si><t>&x;</t></si></sst>')
    assert_a_lost_the_rest_ranked(hostile_a(folder, late, "xl/sharedStrings.xml"), "xml-entities")


def test_a_doctype_in_utf16_is_found(folder):
    part = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [<!ENTITY x "x">]><sst/>'.encode("utf-16")
    assert_a_lost_the_rest_ranked(hostile_a(folder, part, "xl/sharedStrings.xml"), "xml-entities")


@pytest.mark.parametrize("second_name", ["xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml"])
def test_two_parts_of_one_name_are_refused(folder, second_name):
    victim = folder / hostile_readers.VICTIM
    builders.add_member(victim, victim, second_name, sheet_xml('<row r="1"><c r="A1"><v>9</v></c></row>'))
    issue = assert_a_lost_the_rest_ranked(scored(folder, workers=1), "duplicate-member")
    assert issue.params["member"] == second_name


def test_cells_without_references_within_the_limits_are_read(folder):
    # Some generators omit every r: each cell follows the previous one. 50 rows of 6 cells is 6 columns.
    rows = "".join("<row>" + "<c t='inlineStr'><is><t>x</t></is></c>" * 6 + "</row>" for _ in range(50))
    result = hostile_a(folder, sheet_xml(rows))
    assert not [i for i in result.issues if i.code in ("too-many-rows", "too-many-columns", "corrupt-file")]
    assert result.status["A"] == "invalid"  # read, but it holds no criteria table


# ------------------------------------------------------------------------------ Excel binary workbooks

def test_an_xlsb_workbook_is_read_with_a_warning(folder, tmp_path):
    expected = scored(folder, workers=1)
    victim = folder / hostile_readers.VICTIM
    builders.xlsb_copy(victim, folder / "A.xlsb")
    victim.unlink()
    result = scored(folder, workers=1)
    issue = only(result, "legacy-format")
    assert issue.file == "A.xlsb" and issue.params["format"] == ".xlsb"
    assert [(r.unit_code, r.score.total_exact) for r in result.ranked] == \
           [(r.unit_code, r.score.total_exact) for r in expected.ranked]


def test_an_xlsb_sheet_too_wide_is_refused_before_the_reader_allocates_it(folder):
    victim = folder / hostile_readers.VICTIM
    builders.xlsb_copy(victim, folder / "A.xlsb", extra_cells=[(4, 16_000_000, 1.0)])
    victim.unlink()
    result = scored(folder, workers=1)
    issue = only(result, "too-many-columns")
    assert issue.file == "A.xlsb" and issue.params["columns"] == 16_000_001
    assert [r.unit_code for r in result.ranked] == ["B", "C", "D"]
