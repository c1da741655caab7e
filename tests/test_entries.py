"""The long table of score cells (`entry_checks.build_entries`): its columns, their types and what a record
leaves out, as every check and the scoring read them."""

import numpy as np
import pandas as pd

from pipeline.checking.entry_checks import ENTRY_COLUMNS, build_entries


def _record(criterion_code, raw, **extra):
    return {"file": "a.xlsx", "sheet": "Tự chấm", "unit_code": "A", "criterion_code": criterion_code,
            "scorer": "self", "raw": raw, "cell": "D5", "evidence": "", "evidence_cell": "G5", **extra}


def test_each_cell_carries_its_criterions_rule_in_the_order_read(small_rules):
    entries = build_entries(small_rules, [_record("2.1", 9.5), _record("1.1", "18"), _record("B1", None)])
    assert list(entries.columns) == ENTRY_COLUMNS
    assert list(entries["criterion_code"]) == ["2.1", "1.1", "B1"]
    rules = {c.code: c for c in small_rules.criteria()}
    assert list(entries["max"]) == [float(rules[c].max) for c in ("2.1", "1.1", "B1")]
    assert list(entries["kind"]) == [rules[c].kind for c in ("2.1", "1.1", "B1")]
    assert list(entries["parsed"]) == ["number", "text-number", "blank"]
    assert entries["number"].iloc[0] == 9.5 and entries["is_blank"].tolist() == [False, False, True]


def test_a_units_own_cell_has_no_reason_and_was_made_from_nothing(small_rules):
    appraised = _record("1.1", 17, scorer="appraised", reason="Thiếu minh chứng", reason_cell="E5",
                        made_from=18.0, made_from_cell="D5")
    entries = build_entries(small_rules, [_record("1.1", 18), appraised])
    own, bloc = entries.iloc[0], entries.iloc[1]
    assert (own["reason"], own["reason_cell"], own["made_from"], own["made_from_cell"]) == ("", None, None, None)
    assert (bloc["reason"], bloc["reason_cell"], bloc["made_from"], bloc["made_from_cell"]) == \
        ("Thiếu minh chứng", "E5", 18.0, "D5")


def test_a_code_of_no_criterion_has_no_rule(small_rules):
    entries = build_entries(small_rules, [_record("9.9", 1), _record("1.1", 2)])
    one = next(c for c in small_rules.criteria() if c.code == "1.1")
    assert np.isnan(entries["max"].iloc[0]) and entries["max"].iloc[1] == float(one.max)


def test_no_cell_at_all_gives_the_columns_typed_as_cells_are(small_rules):
    empty = build_entries(small_rules, [])
    full = build_entries(small_rules, [_record("1.1", 18)])
    assert empty.empty and list(empty.columns) == ENTRY_COLUMNS
    pd.testing.assert_series_equal(empty.dtypes, full.dtypes.where(~full.dtypes.index.isin(["raw", "evidence_cell"]),
                                                                    np.dtype(object)))
