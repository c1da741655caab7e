"""The reference a data analyst would write: pandas + openpyxl per file, pandera per file, float arithmetic.

It does the same job as `bloc-score run` in the plainest way — read each workbook with
`pandas.read_excel(engine="openpyxl")`, validate it with its own pandera schema, score with floats,
rank, write a ranking workbook and a JSON file — so the benchmark can say how much the real pipeline
gains over the obvious approach. It knows the template's layout by heart (header on row 6, unit code
in D4), as such a script would.

Usage: python bench/naive.py RULES.yaml INPUT_FOLDER OUTPUT_FOLDER   (prints one JSON line of timings)
       python bench/naive.py --sum-only INPUT_FOLDER   (the stricter reference: read each file and sum, no more)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

HEADER_ROW = 5  # 0-based: the template's criteria table starts on row 6
UNIT_CODE_CELL = (3, 3)  # D4
COLUMNS = ["code", "title", "max", "self", "appraised", "evidence"]


def criteria_table(rules: dict) -> pd.DataFrame:
    rows = []
    for section in rules["sections"]:
        for criterion in section["criteria"]:
            rows.append({"code": str(criterion["code"]), "group": section["code"], "kind": "base",
                         "weight": float(section.get("weight", 1)), "max": float(criterion["max"])})
    for bucket, kind in (("bonus", "bonus"), ("deductions", "deduction")):
        for criterion in rules.get(bucket, {}).get("criteria", []):
            rows.append({"code": str(criterion["code"]), "group": bucket, "kind": kind, "weight": 1.0,
                         "max": float(criterion["max"])})
    return pd.DataFrame(rows)


def schema_for(criteria: pd.DataFrame) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "code": pa.Column(str, pa.Check.isin(list(criteria["code"])), unique=True),
            "max": pa.Column(float, pa.Check.gt(0)),
            "self": pa.Column(float, pa.Check.ge(0), nullable=True),
            "appraised": pa.Column(float, pa.Check.ge(0), nullable=True),
        },
        checks=[pa.Check(lambda df: ~(df["self"] > df["max"]), name="self-above-max"),
                pa.Check(lambda df: ~(df["appraised"] > df["max"]), name="appraised-above-max")],
        coerce=True,
    )


def read_one(path: Path, codes: set[str]) -> tuple[str, pd.DataFrame]:
    # "N/A" means not applicable here, so pandas must not turn it into a missing value.
    raw = pd.read_excel(path, sheet_name=0, header=None, engine="openpyxl", keep_default_na=False, na_values=[""])
    unit = str(raw.iat[UNIT_CODE_CELL])
    table = raw.iloc[HEADER_ROW + 1:, :6].copy()
    table.columns = COLUMNS
    table["code"] = table["code"].astype(str).str.strip()
    table = table[table["code"].isin(codes)].copy()
    for column in ("self", "appraised"):
        text = table[column].astype(str).str.strip().str.upper()
        table[f"{column}_na"] = text.eq("N/A")
        table[column] = pd.to_numeric(table[column].where(~table[f"{column}_na"]), errors="coerce")
    table["max"] = pd.to_numeric(table["max"], errors="coerce")
    return unit, table


def score(tables: pd.DataFrame, criteria: pd.DataFrame, rules: dict) -> pd.DataFrame:
    data = tables.merge(criteria[["code", "group", "kind", "weight"]], on="code")
    data["final"] = data["appraised"].fillna(data["self"])
    data["na"] = data["self_na"] & data["appraised"].isna()
    data["final"] = data["final"].where(~data["na"], 0.0).fillna(0.0)
    data["applicable_max"] = data["max"].where(~data["na"], 0.0)
    base = data[data["kind"].eq("base")]
    sections = base.groupby(["unit", "group"]).agg(points=("final", "sum"), applicable=("applicable_max", "sum"),
                                                   full=("max", "sum"), weight=("weight", "first"))
    sections["score"] = sections["weight"] * sections["points"] * sections["full"] / sections["applicable"]
    totals = sections.groupby("unit")["score"].sum().rename("base").to_frame()
    for kind, bucket in (("bonus", "bonus"), ("deduction", "deductions")):
        cap = rules.get(bucket, {}).get("cap")
        summed = data[data["kind"].eq(kind)].groupby("unit")["final"].sum()
        totals[bucket] = summed.clip(upper=float(cap)) if cap is not None else summed
    totals = totals.fillna(0.0)
    totals["total"] = (totals["base"] + totals["bonus"] - totals["deductions"]).round(rules.get("decimals", 2))
    totals["rank"] = totals["total"].rank(ascending=False, method="min").astype(int)
    return totals.sort_values(["rank"]).reset_index()


def sum_only(input_dir: Path) -> None:
    """Read each workbook with pandas + openpyxl and add up its self-scores: no checks, no output.

    The least a script can do with these files; the benchmark holds our whole run to five times its speed.
    """
    started = time.perf_counter()
    totals = {}
    for path in sorted(input_dir.glob("*.xlsx")):
        raw = pd.read_excel(path, sheet_name=0, header=None, engine="openpyxl")
        scores = pd.to_numeric(raw.iloc[HEADER_ROW + 1:, 3], errors="coerce")
        totals[str(raw.iat[UNIT_CODE_CELL])] = float(scores.sum())
    print(json.dumps({"units": len(totals), "total": time.perf_counter() - started}))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--sum-only"]:
        sum_only(Path(argv[1]))
        return
    rules_path, input_dir, output_dir = (Path(a) for a in argv)
    started = time.perf_counter()
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    criteria = criteria_table(rules)
    schema = schema_for(criteria)
    codes = set(criteria["code"])
    timings: dict[str, float] = {}

    clock = time.perf_counter()
    tables, failures = [], []
    for path in sorted(input_dir.glob("*.xlsx")):
        unit, table = read_one(path, codes)
        try:
            schema.validate(table, lazy=True)
        except pa.errors.SchemaErrors as errors:
            failures.append(errors.failure_cases.assign(file=path.name))
        tables.append(table.assign(unit=unit, file=path.name))
    timings["read_validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    every = pd.concat(tables, ignore_index=True)
    ranking = score(every, criteria, rules)
    timings["score_rank"] = time.perf_counter() - clock

    clock = time.perf_counter()
    output_dir.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(output_dir / "naive-ranking.xlsx") as writer:
        ranking.to_excel(writer, sheet_name="Ranking", index=False)
        every[["unit", "code", "max", "self", "appraised", "evidence"]].to_excel(writer, sheet_name="Details",
                                                                                 index=False)
    timings["write_workbook"] = time.perf_counter() - clock
    clock = time.perf_counter()
    ranking.to_json(output_dir / "naive-results.json", orient="records", force_ascii=False, indent=2)
    timings["write_json"] = time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    print(json.dumps({"units": len(ranking), "failures": sum(len(f) for f in failures), **timings}))


if __name__ == "__main__":
    main(sys.argv[1:])
