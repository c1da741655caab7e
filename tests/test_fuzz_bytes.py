"""A few hundred of `make fuzz`'s mutated submissions, so the fuzzer cannot rot and the commonest crashes
are caught by `make test`; the long run (10⁵ inputs) is `make fuzz`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import script_fixture

FUZZ = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"


fuzz = script_fixture(FUZZ, "bench_fuzz")


@pytest.mark.slow
def test_mutated_submissions_never_crash_the_reader_or_the_validator(fuzz, tmp_path):
    said: list[str] = []
    code = fuzz.main(["--count", "300", "--seed", "7", "--workers", "1", "--crashes", str(tmp_path)],
                     say=said.append)
    assert code == 0, "\n".join(said)
    assert said[-1].startswith("fuzz: 300 inputs (") and ": 0 crashes in " in said[-1]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("written", ["", "x", "9" * 40, "-3"])
def test_a_damaged_identity_header_row_is_not_a_crash(fuzz, written):
    """Found by make fuzz: an identity sheet whose header row is not a number ended in an internal error."""
    from pipeline.checking.validate import validate
    from pipeline.reading.read import Submission, read_workbook

    rules = fuzz.fuzz_rules(units=2)
    submission = Submission("F0.xlsx")
    read_workbook(submission, fuzz.seeds(rules)[1])
    assert submission.identity["header_row"].isdigit()
    submission.identity["header_row"] = written
    validation = validate(rules, [submission], expect_every_unit=False)
    assert validation.used["F0"].file == submission.file  # the file speaks for its unit, not refused


def test_a_damaged_zip_version_field_is_a_corrupt_file(fuzz):
    """Found by make fuzz: zipfile's NotImplementedError for an impossible "version needed" ended in a crash."""
    from pipeline.reading.read import Submission, read_workbook

    data = bytearray(fuzz.seeds(fuzz.fuzz_rules(units=2))[0])
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (97).to_bytes(2, "little")  # version 9.7 needed to extract
    submission = Submission("F0.xlsx")
    read_workbook(submission, bytes(data))
    assert [i.code for i in submission.issues] == ["corrupt-file"]
    assert "version 9.7" in submission.issues[0].params["detail"]


def test_a_damaged_mimetype_member_is_not_a_crash(fuzz):
    import io
    import zipfile

    from pipeline.reading.read import Submission, read_workbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet" * 20)
    data = bytearray(buffer.getvalue())
    start = data.index(b"mimetype") + len(b"mimetype")
    data[start:start + 8] = b"\xff" * 8  # the deflated stream, broken
    submission = Submission("a.ods")
    read_workbook(submission, bytes(data))
    assert submission.issues and submission.issues[0].code in ("corrupt-file", "not-excel")


@pytest.mark.parametrize("reference", [b'r="A9999999999999999999999999999994"', b"r='A900000'", b'r = "A900000"',
                                       b'r="AAAA1"', b'r="xfd1"'])
def test_a_cell_reference_far_away_is_refused_before_calamine_reads_it(fuzz, reference):
    """Found by make fuzz: a 30-digit row number slipped past the extent check; calamine then asked for
    1.2 TB and aborted the process. Every spelling XML allows is measured now."""
    from pipeline.reading.read import Submission, read_workbook

    parts = fuzz._parts(fuzz.seeds(fuzz.fuzz_rules(units=2))[0])
    sheet = parts["xl/worksheets/sheet2.xml"]
    first = sheet.index(b'<c r="')
    end = sheet.index(b'"', first + 6) + 1
    parts["xl/worksheets/sheet2.xml"] = sheet[:first + 3] + reference + sheet[end:]
    submission = Submission("F0.xlsx")
    read_workbook(submission, fuzz._zipped(parts))
    assert [i.code for i in submission.issues] in (["too-many-rows"], ["too-many-columns"])
