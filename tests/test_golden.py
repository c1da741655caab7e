"""Outputs stay identical: the JSON and every workbook cell of two runs, against committed text dumps; and
both JSON files hold to their published schema (docs/results.schema.json).

One run is the shipped sample; the other a folder with every kind of problem a secretary meets. A change
that alters an output on purpose regenerates the dumps in the same commit (`UPDATE_GOLDEN=1 make test`)
with a line in the commit message saying why.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import os
import re
import types
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from pipeline.outputs.write import Written, write_outputs
from pipeline.rules.model import Rules
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests import builders
from tests.builders import every_problem_folder
from tests.conftest import ROOT, SAMPLE_BLOC, SAMPLE_INPUT
from tests.golden_dump import dump_outputs

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = ROOT / "docs" / "results.schema.json"
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


class _SavedAt(datetime.datetime):
    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> _SavedAt:
        return cls(2024, 12, 1, 8, 0, 0, tzinfo=tz)


@pytest.fixture(scope="module")
def sample_outputs(sample_rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The shipped sample, run and written once for this module's tests."""
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    return write_outputs(result, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def problem_outputs(sample_rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """A folder with every kind of problem, run and written once for this module's tests."""
    folder = tmp_path_factory.mktemp("problems")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # openpyxl stamps every file it saves with the time in docProps/core.xml; the digits change how well
        # the part compresses, hence the edited files' sizes. A fixed time keeps the sizes (not the hashes).
        import openpyxl.writer.excel

        monkeypatch.setattr(openpyxl.writer.excel, "datetime",
                            types.SimpleNamespace(datetime=_SavedAt, timezone=datetime.timezone))
        every_problem_folder(sample_rules, folder / "input")
    return write_outputs(run(sample_rules, builders.workspace(folder / "input")), folder / "out")


def _check(name: str, dump: str) -> None:
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(dump, encoding="utf-8")
        return
    expected = golden.read_text(encoding="utf-8")
    if dump != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), dump.splitlines(True), "committed",
                                                  "this run", n=1))[:80])
        pytest.fail(f"outputs differ from tests/golden/{name}.txt (UPDATE_GOLDEN=1 on purpose):\n{diff}")


@pytest.mark.slow
def test_sample_outputs_identical(sample_rules, sample_outputs):
    out = sample_outputs.workbook.parent
    _check("sample", dump_outputs(out, sample_rules.year, {str(out): "<out>", str(ROOT): "<repo>"}))


@pytest.mark.slow
def test_problem_folder_outputs_identical(sample_rules, problem_outputs):
    folder = problem_outputs.workbook.parent.parent
    dump = dump_outputs(folder / "out", sample_rules.year, {str(folder): "<tmp>", str(ROOT): "<repo>"})
    # openpyxl stamps the edited files with the time of the edit, so their hashes change on every run.
    _check("problems", _SHA256.sub("<sha256>", dump))


@pytest.mark.slow
@pytest.mark.parametrize("outputs", ["sample_outputs", "problem_outputs"])
def test_the_results_json_holds_to_its_published_schema(outputs, request):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    written: Written = request.getfixturevalue(outputs)
    results = json.loads(written.results.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(results), key=lambda e: list(e.path))
    assert [f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors] == []


def test_the_schema_refuses_what_the_contract_does_not_allow(sample_outputs):
    """Not a schema that accepts anything: a key unknown to the contract, a wrong type, a missing key fail."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    results = json.loads(sample_outputs.results.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for broken in ({**results, "surprise": 1}, {**results, "provisional": "no"},
                   {key: value for key, value in results.items() if key != "units"},
                   {**results, "units": [{**results["units"][0], "total": "98,50"}]}):
        assert not validator.is_valid(broken)


def test_the_ranking_page_prints_the_fingerprint_of_the_json_beside_it(sample_outputs):
    """The board matches a results file it received to the signed page by this short hash (issue 32)."""
    from pipeline.outputs.results_json import canonical_bytes, results_fingerprint

    document = json.loads(sample_outputs.results.read_text(encoding="utf-8"))
    expected = hashlib.sha256(canonical_bytes(document)).hexdigest()[:12]
    assert document["fingerprint"] == expected == results_fingerprint(document)
    assert "fingerprint" not in json.loads(canonical_bytes(document))
    ranking = openpyxl.load_workbook(sample_outputs.workbook).worksheets[0]
    assert ranking.oddFooter.left.text.endswith(f"results-2024.json: {expected}")
    document["units"][0]["total"] = 99.5  # one figure changed: another fingerprint
    assert results_fingerprint(document) != expected
