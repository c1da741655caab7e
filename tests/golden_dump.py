"""A readable text dump of everything a run writes: the JSON and every cell of the ranking workbook.

The outputs-identical test (tests/test_golden.py) compares a run's dump with the committed one, so a
refactoring that changes a single cell fails loudly. What changes from run to run on purpose (the run's
time, the files' modification times, temporary paths) is replaced by a fixed placeholder.
Regenerate on purpose with `UPDATE_GOLDEN=1 make test`, and say why in the commit message.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl

from pipeline.outputs.results_json import results_fingerprint

_RUN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2})?")
# A moment shown to a user (core.moments): "21 giờ 30, ngày 09/05/2024".
_SHOWN_TIME = re.compile(r"\d{2} giờ \d{2}, ngày \d{2}/\d{2}/\d{4}|\d{2}/\d{2}/\d{4} \d{2}:\d{2}, Vietnam time")
_RUN_DATE = re.compile(r"ngày \d{1,2} tháng \d{1,2} năm \d{4}")  # the run's date in the title block


def _stable(value: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        value = value.replace(old, new)
    return _RUN_DATE.sub("ngày <date>", _RUN_TIME.sub("<time>", _SHOWN_TIME.sub("<time>", value)))


def dump_json(path: Path, replacements: dict[str, str]) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    if "fingerprint" in data:  # a hash over the run's time and paths: checked here, then set aside like them
        assert data["fingerprint"] == results_fingerprint(data), "the fingerprint is not that of the file"
        data["fingerprint"] = "<fingerprint>"
    data["generated_at"] = "<time>"
    for entry in data.get("inputs", []):
        if entry.get("modified"):
            entry["modified"] = "<time>"
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return _stable(text, replacements)


def _shown(value: Any) -> str:
    if isinstance(value, datetime | date | time):
        return "<time>"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def dump_workbook(path: Path, replacements: dict[str, str]) -> str:
    book = openpyxl.load_workbook(path)
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append(f"== sheet {sheet.title!r} ({sheet.sheet_state})")
        lines.append(f"   print area {sheet.print_area!r}, orientation {sheet.page_setup.orientation!r}, "
                     f"fit {sheet.page_setup.fitToWidth}x{sheet.page_setup.fitToHeight}, "
                     f"header {sheet.oddHeader.center.text!r}, footer {sheet.oddFooter.center.text!r}")
        lines.append(f"   merged {sorted(str(r) for r in sheet.merged_cells.ranges)}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                shown = _stable(_shown(cell.value), replacements)
                font = cell.font
                style = f"{'b' if font.b else ''}{'i' if font.i else ''} {cell.number_format}"
                lines.append(f"{cell.coordinate}\t{shown}\t{style.strip()}")
        charts = getattr(sheet, "_charts", [])
        if charts:
            lines.append(f"   charts {len(charts)}")
    return "\n".join(lines)


def dump_outputs(output_dir: Path, year: int, replacements: dict[str, str]) -> str:
    return "\n".join([
        "### results JSON",
        dump_json(output_dir / f"results-{year}.json", replacements),
        "### ranking workbook",
        dump_workbook(output_dir / f"ranking-{year}.xlsx", replacements),
        "",
    ])
