"""Regenerate the example's input and records: the nine filled files of the sample bloc (Quảng Trị Party
agencies, 2024) in its input/, and in its bloc/ the bloc's filled appraisal workbook, which changes a few of
their scores with reasons, and the tally of the members' vote on the flag.

They live in pipeline/examples/quang-tri-2024/, beside the example's rules file, inside the package so an
installed `bloc-score init --example` has them too.

Made with the project's own template writer, so they are exactly what units receive and send back.
Run `make sample` after changing the sample rules file; tests/test_sample.py checks they are in sync.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.forms.appraisal import Appraised, write_appraisal  # noqa: E402
from pipeline.forms.ballot import write_tally  # noqa: E402
from pipeline.forms.synthetic import UnitProfile, write_submissions  # noqa: E402
from pipeline.rules.load import load_rules  # noqa: E402
from pipeline.rules.model import Rules  # noqa: E402
from pipeline.rules.seal import SealKey  # noqa: E402
from pipeline.run import run  # noqa: E402
from pipeline.workspace.folders import EXAMPLE, Workspace  # noqa: E402
from pipeline.workspace.seal_keys import SEAL_FILE, read_key  # noqa: E402

RULES = EXAMPLE / "schemas" / "quang-tri-co-quan-dang-2024.yaml"

PROFILES = {
    "VPTU": UnitProfile(
        0.985, bonus={"B1": D(3), "B3": D(2)},
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


# The bloc's appraisal: a few self-scores changed, each with its reason, as the secretary types them.
APPRAISALS = {
    "VPTU": {"B1": Appraised(D(2), "Bằng khen của UBND tỉnh được cộng 2 điểm theo Hướng dẫn chấm điểm của Khối "
                                   "(mục B1), không phải 3 điểm")},
    "BTGTU": {"1.1": Appraised(D(17), "Chậm 01 báo cáo chuyên đề quý III so với Chương trình công tác năm "
                                      "(Biên bản kiểm tra ngày 12/12/2024 của Khối)")},
    "BNCTU": {"4.3": Appraised(D("2.75"), "Bổ sung Quyết định số 215-QĐ/TU công nhận điển hình tiên tiến "
                                          "(minh chứng gửi Khối ngày 15/12/2024)")},
    "DUK": {"D2": Appraised(D(2), "Biên bản giao ban quý IV ghi nhận vắng thêm 01 lần không có lý do")},
}
APPRAISAL_FILE = "appraisal-2024.xlsx"

# The members' secret ballot on the flag, as the counting committee fills in `bloc-score ballot`'s tally: all
# nine members present, nine ballots issued and returned, all valid; unit → (agree, disagree, invalid for it).
TALLY = {"VPTU": (8, 1, 0)}
TALLY_BALLOTS = (9, 9, 9, 0)  # issued, returned, valid, invalid
TALLY_PLACE = "Hội trường Văn phòng Tỉnh ủy Quảng Trị"
TALLY_DATE = dt.date(2025, 1, 10)
TALLY_TIME = "14 giờ 00"
TALLY_HEAD = "Nguyễn Văn Hùng"
TALLY_COMMITTEE = ("Trần Thị Mai", "Lê Quang Minh")
TALLY_FILE = "tally-2024.xlsx"


def example_key() -> SealKey:
    """The example's key, public as the example is: it ships in the example's bloc/."""
    return read_key(EXAMPLE / "bloc" / SEAL_FILE, "en")


def write_appraisal_sample(rules: Rules, inbox: Path, records: Path) -> Path:
    """The filled appraisal workbook of the units' files in `inbox`, made into `records` as `bloc-score
    appraisal` makes it."""
    result = run(rules, Workspace(input=inbox, bloc=records))
    return write_appraisal(result, records / APPRAISAL_FILE, filled=APPRAISALS, key=example_key())


def write_tally_sample(rules: Rules, inbox: Path, records: Path) -> Path:
    """The filled tally of the vote on the proposals of the files in `inbox` and the appraisal in `records`."""
    result = run(rules, Workspace(input=inbox, bloc=records))
    return write_tally(result, records / TALLY_FILE, lang=rules.language, counts=TALLY, place=TALLY_PLACE,
                       date=TALLY_DATE, key=example_key(), time=TALLY_TIME,
                       present=[unit.code for unit in rules.units], ballots=TALLY_BALLOTS, head=TALLY_HEAD,
                       committee=TALLY_COMMITTEE)


def main() -> None:
    rules = load_rules(RULES)
    inbox, records = EXAMPLE / "input", EXAMPLE / "bloc"
    for old in [*inbox.glob("*.xlsx"), *records.glob("*.xlsx")]:
        old.unlink()
    records.mkdir(exist_ok=True)
    for path in write_submissions(rules, PROFILES, inbox, key=example_key()):
        print(path.relative_to(ROOT))
    print(write_appraisal_sample(rules, inbox, records).relative_to(ROOT))
    print(write_tally_sample(rules, inbox, records).relative_to(ROOT))


if __name__ == "__main__":
    main()
