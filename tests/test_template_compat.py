"""Templates already sent out keep working: a version-1 template, filled, is read and scored exactly."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from pipeline.forms.synthetic import UnitProfile, filled_values
from pipeline.forms.template import FilledValue, write_template
from pipeline.run import run
from pipeline.workspace.folders import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "template-v1" / "2024_VPTU_Van-phong-Tinh-uy.xlsx"


def _fill_v1(target: Path, filled: dict[str, FilledValue]) -> None:
    """Type the values into the old template as a unit would: on the row whose code cell holds the code."""
    book = load_workbook(target)
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows(max_row=40) if any(c.value == "Mã" for c in row))
    labels = {cell.value: cell.column for cell in header}
    self_column, evidence_column = labels["Điểm tự chấm"], labels["Minh chứng / Ghi chú"]
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        value = filled.get(str(row[0].value or ""))
        if value is None:
            continue
        score = value.self_score
        sheet.cell(row[0].row, self_column).value = float(score) if score is not None and score != "N/A" else score
        sheet.cell(row[0].row, evidence_column).value = value.evidence or None
    book.save(target)


def test_a_version_1_template_filled_is_read_and_scored_as_today(sample_rules, tmp_path):
    unit = next(u for u in sample_rules.units if u.code == "VPTU")
    profile = UnitProfile(0.96, bonus={"B1": Decimal(2)}, deductions={"D1": Decimal(1)}, not_applicable=("1.2",))
    filled = filled_values(sample_rules, "VPTU", profile, random.Random(3))
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    shutil.copy(FIXTURE, old / FIXTURE.name)
    _fill_v1(old / FIXTURE.name, filled)
    write_template(sample_rules, unit, new / FIXTURE.name, filled=filled)

    was, now = run(sample_rules, Workspace(input=old)), run(sample_rules, Workspace(input=new))

    def own(result):  # the file's own problems: the other eight units are missing in both runs alike
        return [(i.code, i.cell, i.criterion) for i in result.issues if i.file]
    assert own(was) == own(now) == []
    assert was.status["VPTU"] == now.status["VPTU"]
    (old_scored,), (new_scored,) = was.ranked, now.ranked
    assert old_scored == new_scored
    assert old_scored.unit_code == "VPTU" and old_scored.score.bonus == 2
    assert old_scored.score.deductions == Decimal("0.5")  # 1 late report × 0.5
    assert old_scored.score.total > 80  # the typed scores counted, not blanks
