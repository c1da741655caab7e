"""Regenerate the example's submissions: the nine filled files of the sample bloc (Quảng Trị Party agencies, 2024).

They live in pipeline/examples/quang-tri-2024/input/, beside the example's rules file, inside the package so
an installed `bloc-score init --example` has them too.

Made with the project's own template writer, so they are exactly what units receive and send back.
Run `make sample` after changing the sample rules file; tests/test_sample.py checks they are in sync.
"""

from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.rules import load_rules  # noqa: E402
from pipeline.synthetic import UnitProfile, write_submissions  # noqa: E402
from pipeline.workspace import EXAMPLE  # noqa: E402

RULES = EXAMPLE / "schemas" / "quang-tri-co-quan-dang-2024.yaml"

PROFILES = {
    "VPTU": UnitProfile(
        0.985, bonus={"B1": D(3), "B3": D(2)}, appraised={"B1": D(2)},
        notes={"B1": "Bằng khen của UBND tỉnh về phong trào thi đua năm 2024 (Quyết định số 2150/QĐ-UBND)",
               "B3": "Khối trưởng Khối thi đua năm 2024"},
    ),
    "BTCTU": UnitProfile(0.975, bonus={"B1": D(2)}),
    "BTGTU": UnitProfile(0.965, bonus={"B2": D(1)}),
    "BDVTU": UnitProfile(0.95, deductions={"D1": D(1)},
                         notes={"D1": "Chậm gửi báo cáo sơ kết 6 tháng: 1 lần (trừ 0,5 điểm)"}),
    "BNCTU": UnitProfile(0.955),
    "UBKTTU": UnitProfile(0.96, bonus={"B2": D("1.5")}),
    "DUK": UnitProfile(0.94, bonus={"B3": D(1)}, deductions={"D2": D(1)},
                       notes={"B3": "Khối phó Khối thi đua năm 2024",
                              "D2": "Vắng họp giao ban quý III không có lý do: 1 lần"}),
    "BQT": UnitProfile(0.93, not_applicable=("5.3",)),
    "TCT": UnitProfile(0.935, not_applicable=("1.2",)),
}


def main() -> None:
    rules = load_rules(RULES)
    folder = EXAMPLE / "input"
    for old in folder.glob("*.xlsx"):
        old.unlink()
    for path in write_submissions(rules, PROFILES, folder):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
