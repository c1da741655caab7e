"""A province folder on the desk: its blocs shown as a bloc's units are, by `bloc-score province`'s own calls
(docs/province.md), nothing written until the board asks for the consolidation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.cli.desk.jobs import Outcome, Progress
from pipeline.core.errors import BlocScoreError
from pipeline.outputs.lock import writing_into
from pipeline.province.blocs import BlocReport, shown
from pipeline.province.board import ProvinceResult, run_province
from pipeline.province.gather import GatherOptions
from pipeline.province.load import load_province
from pipeline.province.model import PROVINCE_FILE
from pipeline.province.write import output_names
from pipeline.workspace.folders import OUTPUT, is_working_folder

# The province's outputs the page offers, by the name it asks for them with (pipeline.province.write).
PROVINCE_OUTPUTS = ("workbook", "results", "proposal")


def is_province_folder(folder: Path) -> bool:
    """A province folder: its `province.yaml`, and not a bloc's working folder."""
    return (folder / PROVINCE_FILE).is_file() and not is_working_folder(folder)


@dataclass
class ProvinceYear:
    """The province's year as `bloc-score province` would find it now, or why its file cannot be read."""

    folder: Path
    lang: str
    result: ProvinceResult | None = None
    problem: str | None = None
    outputs: list[tuple[str, str, datetime | None]] = field(default_factory=list)  # name, file, written at

    @staticmethod
    def badge(report: BlocReport) -> str:
        """The colour a bloc's state is shown in: that of a unit's state it stands closest to."""
        return {"final": "scored", "provisional": "received", "missing": "missing", "broken": "invalid"}[report.state]

    def source(self, report: BlocReport) -> str:
        """Where the bloc's results are, as province.yaml names it: its folder, or the file it sent."""
        assert self.result is not None
        return shown(report.entry.where, self.result.province.root)


def read_province(folder: Path, lang: str | None) -> ProvinceYear:
    try:
        province = load_province(folder, lang=lang)
    except BlocScoreError as error:
        return ProvinceYear(folder, lang or "vi", problem=error.message)
    shown = lang or province.language
    year = ProvinceYear(folder, shown, run_province(province, GatherOptions(lang=lang)))
    for name, file in zip(PROVINCE_OUTPUTS, output_names(province.year), strict=True):
        path = folder / OUTPUT / file
        year.outputs.append((name, file, datetime.fromtimestamp(path.stat().st_mtime) if path.is_file() else None))
    return year


def output_path(folder: Path, year: int, name: str) -> Path:
    return folder / OUTPUT / dict(zip(PROVINCE_OUTPUTS, output_names(year), strict=True))[name]


def consolidate_province(folder: Path, lang: str | None, progress: Progress) -> Outcome:
    """`bloc-score province` in the province folder: every bloc gathered, the workbook, JSON and Tờ trình."""
    from pipeline.cli.said import province_said
    from pipeline.province.write import write_province

    province = load_province(folder, lang=lang)
    shown = lang or province.language

    def said(message: str) -> None:
        progress.message = message

    def tick(stage: str, done: int, total: int) -> None:
        progress.stage, progress.done, progress.total = stage, done, total

    out = folder / OUTPUT
    with writing_into(out, shown):
        result = run_province(province, GatherOptions(lang=lang, progress=said, tick=tick))
        written = write_province(result, out)
    return Outcome(True, province_said(result, written.paths, shown, quiet=False))
