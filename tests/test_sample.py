"""The shipped sample: in sync with its generator, and realistic enough to show a real ranking."""

from __future__ import annotations

import python_calamine

from pipeline.forms.synthetic import write_submissions
from pipeline.run import run
from pipeline.workspace.folders import Workspace
from tests.conftest import ROOT, SAMPLE_BLOC, SAMPLE_INPUT, script_module


def _cells(path):
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def test_shipped_input_matches_its_generator(sample_rules, tmp_path):
    inbox, records = tmp_path / "input", tmp_path / "bloc"
    inbox.mkdir(), records.mkdir()
    with script_module(ROOT / "scripts" / "make_sample_input.py", "make_sample_input") as generator:
        fresh = write_submissions(sample_rules, generator.PROFILES, inbox, key=generator.example_key())
        fresh.append(generator.write_appraisal_sample(sample_rules, inbox, records))
        fresh.append(generator.write_tally_sample(sample_rules, inbox, records))
    shipped = sorted([*SAMPLE_INPUT.glob("*.xlsx"), *SAMPLE_BLOC.glob("*.xlsx")])
    assert sorted(p.relative_to(tmp_path) for p in fresh) == sorted(p.relative_to(SAMPLE_INPUT.parent) for p in shipped)
    for path in fresh:
        shipped_path = SAMPLE_INPUT.parent / path.relative_to(tmp_path)
        assert _cells(path) == _cells(shipped_path), f"run `make sample`: {path.name} is stale"


def test_sample_shows_a_real_ranking(sample_rules):
    result = run(sample_rules, Workspace(input=SAMPLE_INPUT, bloc=SAMPLE_BLOC))
    assert result.exit_code == 0
    assert len(result.ranked) == 9
    assert [r.award for r in result.ranked].count("flag") == 1
    assert [r.award for r in result.ranked].count("merit") == 2
    assert len({r.score.total for r in result.ranked}) > 5  # varied scores
    entries = result.validation.entries
    assert entries["is_na"].sum() >= 2  # some criteria do not apply
    appraised = entries[(entries["scorer"] == "appraised") & ~entries["is_blank"]]
    # The bloc's appraisal workbook changes four scores, each with its reason, at its own cells.
    assert len(appraised) == 4 and set(appraised["file"]) == {"bloc/appraisal-2024.xlsx"}
    assert appraised["reason"].str.len().gt(20).all()
    assert result.validation.appraisal_file == "bloc/appraisal-2024.xlsx"
    assert not [i for i in result.issues if i.severity == "error"]
