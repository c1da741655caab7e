"""Writing the province's outputs as one set, never losing an earlier one (pipeline/outputs/write.py): the
workbook, the JSON and the Tờ trình with its list."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pipeline.outputs.results_json import FINGERPRINT_KEY, json_text
from pipeline.outputs.write import Writer, prepare_folder, write_set
from pipeline.province.board import ProvinceResult
from pipeline.province.results import province_dict


@dataclass(frozen=True)
class ProvinceWritten:
    workbook: Path
    results: Path
    proposal: Path | None
    kept_previous: dict[str, Path]

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.workbook, self.results, *((self.proposal,) if self.proposal else ()))


def output_names(year: int) -> tuple[str, str, str]:
    return f"province-{year}.xlsx", f"province-{year}.json", f"province-proposal-{year}.docx"


def write_province(result: ProvinceResult, output_dir: str | Path) -> ProvinceWritten:
    """The workbook and the JSON, and the Tờ trình once some award has units proposed."""
    from pipeline.province.proposal import write_province_proposal

    out = Path(output_dir)
    prepare_folder(out, result.lang)
    workbook, results, proposal = (out / name for name in output_names(result.province.year))
    document = province_dict(result)
    outputs: list[tuple[Path, Writer]] = [
        (workbook, functools.partial(_workbook, result, document[FINGERPRINT_KEY])),
        (results, functools.partial(_json, json_text(document))),
    ]
    due = any(a.proposed for a in result.awards)
    if due:
        outputs.append((proposal, functools.partial(write_province_proposal, result)))
    kept = write_set(out, outputs, result.lang, retire=() if due else (proposal,))
    return ProvinceWritten(workbook, results, proposal if due else None, kept)


def _workbook(result: ProvinceResult, fingerprint: str, path: Path) -> None:
    from pipeline.province.workbook import write_province_workbook

    write_province_workbook(result, path, fingerprint=fingerprint)


def _json(content: str, path: Path) -> None:
    path.write_text(content, encoding="utf-8")
