"""Shared fixtures: rules built from small dicts, templates filled in code, LibreOffice when present."""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import settings

from pipeline.cli.main import main
from pipeline.forms.template import FilledValue, write_template
from pipeline.rules.layout import template_filename
from pipeline.rules.load import load_rules, parse_rules
from pipeline.rules.model import Rules
from pipeline.workspace.folders import EXAMPLE

# Property tests draw the same examples on every machine and every run, so a failure in CI is a failure here.
# HYPOTHESIS_PROFILE=explore draws new ones when hunting for bugs; a failure prints its seed blob.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
# The example bloc-year shipped in the package (pipeline/examples/quang-tri-2024/).
SAMPLE_RULES = EXAMPLE / "schemas" / "quang-tri-co-quan-dang-2024.yaml"
SAMPLE_INPUT = EXAMPLE / "input"
SAMPLE_BLOC = EXAMPLE / "bloc"  # the bloc's filled appraisal workbook and tally


def invoke(*args: object) -> Result:
    """`bloc-score ARGS…` in this process, each argument as text; exceptions are not caught."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

# A small bloc: enough to exercise every rule, small enough to reason about by hand.
SMALL_RULES: dict[str, Any] = {
    "bloc": "Khối thi đua thử nghiệm",
    "year": 2024,
    "language": "en",
    "decimals": 2,
    "units": [{"code": "A", "name": "Đơn vị A"}, {"code": "B", "name": "Đơn vị B"},
              {"code": "C", "name": "Đơn vị C"}, {"code": "D", "name": "Đơn vị D"}],
    "sections": [
        {"code": "I", "title": "Nhiệm vụ chính trị", "criteria": [
            {"code": "1.1", "title": "Chương trình công tác", "max": 20, "step": 0.5, "evidence_required": True},
            {"code": "1.2", "title": "Nhiệm vụ đột xuất", "max": 10, "na_allowed": True},
        ]},
        {"code": "II", "title": "Xây dựng Đảng", "criteria": [
            {"code": "2.1", "title": "Tổ chức đảng", "max": 10, "step": 0.25},
            {"code": "2.2", "title": "Đoàn thể", "max": 10, "na_allowed": True},
        ]},
    ],
    "bonus": {"cap": 3, "criteria": [{"code": "B1", "title": "Khen thưởng", "max": 2},
                                      {"code": "B2", "title": "Sáng kiến", "max": 2}]},
    "deductions": {"cap": 4, "criteria": [{"code": "D1", "title": "Chậm báo cáo", "max": 3, "step": 0.5},
                                           {"code": "D2", "title": "Kỷ luật", "max": 5, "disqualifies": ["flag"]}]},
    "tie_breakers": ["section:I", "deductions", "bonus"],
    "classification": [{"min": 45, "label": "Excellent"}, {"min": 40, "label": "Good"},
                       {"min": 0, "label": "Fair"}],
    "awards": {"flag": {"count": 1, "min_score": 45}, "merit": {"count": 1, "min_score": 40}},
}


@contextmanager
def script_module(path: Path, name: str) -> Iterator[ModuleType]:
    """A script of the repository (bench/, scripts/) imported as a module, for as long as a test needs it.

    It is registered in sys.modules while it runs: dataclasses look their module up while a class is built.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def script_fixture(path: Path, name: str) -> Any:
    """A module-scoped fixture giving the script at `path` as a module (see `script_module`)."""

    @pytest.fixture(scope="module")
    def fixture() -> Iterator[ModuleType]:
        with script_module(path, name) as module:
            yield module

    return fixture


def rules_from(data: Mapping[str, Any] | None = None, **changes: Any) -> Rules:
    """Rules from a dict (SMALL_RULES by default), going through the real YAML loader."""
    merged = copy.deepcopy(dict(data or SMALL_RULES))
    merged.update(changes)
    return parse_rules(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), source="test-rules.yaml")


@pytest.fixture
def small_rules() -> Rules:
    return rules_from()


@pytest.fixture(scope="session")
def sample_rules() -> Rules:
    return load_rules(SAMPLE_RULES)


def values(**scores: Any) -> dict[str, FilledValue]:
    """values(**{"1.1": 18, "1.2": "N/A"}) → filled self-scores; a tuple is (self, appraised[, evidence])."""
    filled = {}
    for code, value in scores.items():
        if isinstance(value, tuple):
            self_score, appraised, *rest = value
            filled[code] = FilledValue(_number(self_score), _number(appraised), rest[0] if rest else "")
        else:
            filled[code] = FilledValue(_number(value), None, "evidence" if value not in (None, "") else "")
    return filled


def _number(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, int | float) and not isinstance(value, bool) else value


FULL_SMALL = {"1.1": 18, "1.2": 9, "2.1": 9.5, "2.2": 8}


@pytest.fixture
def write_filled(tmp_path: Path) -> Callable[..., Path]:
    """Write a unit's filled template into tmp_path/input and return its path."""

    def write(rules: Rules, unit_code: str, filled: Mapping[str, FilledValue], *, name: str | None = None,
              folder: Path | None = None) -> Path:
        unit = rules.unit(unit_code)
        assert unit is not None
        target = (folder or tmp_path / "input")
        target.mkdir(parents=True, exist_ok=True)
        return write_template(rules, unit, target / (name or template_filename(rules, unit)), filled=filled)

    return write


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# The marker is the whole contract: a test marked `libreoffice` skips, saying why, where soffice is absent,
# and `-m "not libreoffice"` leaves no LibreOffice run behind. `needs_libreoffice` is the same marker, kept for
# tests written against its old name.
needs_libreoffice = pytest.mark.libreoffice
NO_LIBREOFFICE = "LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui so CI runs this"


def pytest_runtest_setup(item: pytest.Item) -> None:
    marked = item.get_closest_marker("libreoffice") is not None
    # A test parametrized over programs asks for the profile in every case; its Gnumeric cases never use it.
    other_program = item.get_closest_marker("gnumeric") is not None
    if "lo_profile" in getattr(item, "fixturenames", ()) and not (marked or other_program):
        pytest.fail(f"{item.nodeid} runs LibreOffice (it uses lo_profile): mark it @pytest.mark.libreoffice",
                    pytrace=False)
    if marked and soffice() is None:
        pytest.skip(NO_LIBREOFFICE)


def libreoffice_convert(source: Path, target_format: str, out_dir: Path, profile: Path) -> Path:
    """Convert like a unit's PC re-saving the file, recalculating every formula on load.

    `profile` is the `lo_profile` fixture, which only a test marked `libreoffice` may use.
    """
    profile.mkdir(parents=True, exist_ok=True)
    user = profile / "user"
    user.mkdir(exist_ok=True)
    # Recalculate on load always (0): a file written by a library has no cached results LO would trust.
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        '</oor:items>\n', encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--convert-to", target_format, "--outdir", str(out_dir), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    produced = out_dir / f"{source.stem}.{target_format.split(':')[0]}"
    assert produced.exists(), f"LibreOffice did not produce {produced}"
    return produced


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LibreOffice user profile for the session; tests using it must be marked `libreoffice`."""
    return tmp_path_factory.mktemp("lo-profile")


@pytest.fixture(autouse=True)
def _a_system_without_a_language(monkeypatch):
    """The command line's language falls back on the system's (pipeline.cli.language): every test runs as
    on a system with none (C), whatever the machine running them says, so the fallback is Vietnamese."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
