"""A message's Date that the mail parser accepts but no moment can hold costs the message its date, never a command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline.core.errors import ExitCode
from pipeline.core.labels import text
from pipeline.reading.identify import one_file_per_unit
from pipeline.reading.mail.letter import iso_date
from pipeline.reading.mail.messages import Envelope
from pipeline.reading.read import Submission
from tests import builders
from tests import mail_builders as mb
from tests.conftest import FULL_SMALL, SMALL_RULES, invoke, rules_from, values

RULES = rules_from()
# Past year 9999 once taken to UTC: Python's datetime cannot hold it, and comparing it raised OverflowError.
BEYOND = "Fri, 31 Dec 9999 23:59:59 -2359"
EARLY = "Mon, 02 Dec 2024 10:00:00 +0700"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("filled")
    return {code: builders.template_for(RULES, code, folder / f"{code}.xlsx", values(**FULL_SMALL)).read_bytes()
            for code in "AB"}


def _folder(tmp_path: Path, kind: str, filled: dict[str, bytes]) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yaml"
    data = {**SMALL_RULES, "vote": {"awards": ["flag"], "threshold": 0.5}}  # so that `ballot` reads input/ too
    rules.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    inbox = tmp_path / "input"
    if kind == "eml":
        mb.eml(inbox / "thu.eml", [("A.xlsx", filled["A"])], date=BEYOND)
    else:
        mb.msg(inbox / "thu.msg", [("A.xlsx", filled["A"])], date=BEYOND)
    # A second message for B, with a readable date: the two are compared when the run orders messages.
    mb.eml(inbox / "thu-B.eml", [("B.xlsx", filled["B"])], date=EARLY)
    return rules, inbox


@pytest.mark.parametrize("kind", ["eml", "msg"])
def test_a_date_beyond_year_9999_in_utc_is_no_date_and_every_command_finishes(tmp_path, filled, kind):
    rules, inbox = _folder(tmp_path, kind, filled)
    out = tmp_path / "out"
    ran = invoke("run", "--rules", rules, "--input", inbox, "--out", out, "--lang", "en")
    assert ran.exit_code == ExitCode.PROBLEMS, ran.output  # units C and D sent nothing
    results = json.loads((out / "results-2024.json").read_text(encoding="utf-8"))
    units = {u["code"]: u for u in results["units"]}
    assert units["A"]["status"] == "scored" and units["A"]["file"] == f"thu.{kind} › A.xlsx"
    record = next(r for r in results["inputs"] if r["file"] == f"thu.{kind} › A.xlsx")
    assert record["outcome"] == "used" and record["mail"]["date"] is None
    audit = load_workbook(out / "ranking-2024.xlsx")[text("en", "workbook.sheet_audit")]
    shown = next(c.value for row in audit.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith(f"thu.{kind} › A.xlsx"))
    assert "?" in shown  # the Audit sheet says the date is unknown
    for command in ("feedback", "appraisal", "ballot"):
        done = invoke(command, "--rules", rules, "--input", inbox, "--out", out, "--lang", "en")
        assert done.exit_code in (ExitCode.DONE, ExitCode.PROBLEMS), (command, done.output)
        assert "Internal error" not in done.output


@pytest.mark.parametrize("moment", [
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(-dt.timedelta(hours=23, minutes=59))),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=23, minutes=59))),
])
def test_a_moment_without_a_utc_form_is_no_date(moment):
    assert iso_date(moment) is None
    assert iso_date(moment.replace(tzinfo=dt.UTC)) == moment.replace(tzinfo=dt.UTC).isoformat()


def test_superseding_never_raises_on_an_envelope_holding_such_a_date():
    """Defence in depth: an envelope built with such a date (not by the readers) is read as undated."""
    beyond = Envelope("a.eml", "x@example.vn", "9999-12-31T23:59:59-23:59", "s")
    dated = Envelope("b.eml", "x@example.vn", "2024-12-02T10:00:00+07:00", "s")
    assert beyond.moment() is None and beyond.when == "?"
    files = [Submission("a.eml › A.xlsx", sha256="1", envelope=beyond),
             Submission("b.eml › A.xlsx", sha256="2", envelope=dated)]
    used, issues = one_file_per_unit({"A": files})
    assert "A" not in used and [i.code for i in issues] == ["duplicate-unit"]  # undated: never chosen between


def test_a_file_time_no_date_can_show_is_unknown(tmp_path, monkeypatch):
    """ext4 clamps a file's time to 2446, NTFS does not, and Windows cannot show one before 1970."""
    from pipeline.reading import inputs

    path = tmp_path / "A.xlsx"
    path.write_bytes(b"x")
    real = inputs.os.fstat

    def far_future(handle: int) -> inputs.os.stat_result:
        found = real(handle)
        times = {"st_atime": found.st_atime, "st_mtime": 1e13, "st_ctime": found.st_ctime}  # year 318,857
        return inputs.os.stat_result((*found[:10], *times.values()))

    monkeypatch.setattr(inputs.os, "fstat", far_future)
    assert inputs.os.fstat(0).st_mtime == 1e13
    assert inputs.read_regular(path).modified == 0.0
