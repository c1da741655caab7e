"""Gathering the province's blocs: each working folder scored as `bloc-score run` would (its outputs
written only when asked), each sent results file read as sent. One bloc's trouble never stops the others."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.core.errors import BlocScoreError
from pipeline.core.issues import Issue
from pipeline.core.labels import text
from pipeline.province.blocs import BlocReport, read_sent, shown, take
from pipeline.province.model import BlocEntry, Province
from pipeline.workspace.folders import BLOC, INPUT, OUTPUT, SCHEMAS, Workspace

Say = Callable[[str], None]
Tick = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GatherOptions:
    """How to gather: whether a working folder's own outputs are written (`province --write-blocs`)."""

    write_blocs: bool = False
    lang: str | None = None  # of the blocs' messages; default: each bloc's rules
    tick: Tick | None = None  # ("blocs", done, total) as each bloc is taken
    progress: Say | None = None  # told which bloc is being taken, a line each


def gather(province: Province, options: GatherOptions | None = None) -> list[BlocReport]:
    """Every bloc of the province, in the order of province.yaml."""
    options = options or GatherOptions()
    reports = []
    lang = options.lang or province.language
    for done, entry in enumerate(province.blocs):
        if options.progress:
            options.progress(text(lang, "province.taking", done=done + 1, total=len(province.blocs),
                                  bloc=entry.code, name=entry.name))
        if entry.folder is not None:
            reports.append(score_folder(entry, province, options))
        else:
            reports.append(read_sent(entry, province.root, province.year))
        if options.tick:
            options.tick("blocs", done + 1, len(province.blocs))
    return reports


def score_folder(entry: BlocEntry, province: Province, options: GatherOptions) -> BlocReport:
    """A bloc's working folder, through the same library calls as `bloc-score run`."""
    from pipeline.outputs.results_json import results_dict
    from pipeline.outputs.write import write_outputs
    from pipeline.run import RunOptions, run
    from pipeline.workspace.choice import rules_for

    assert entry.folder is not None
    folder = entry.folder
    report = BlocReport(entry)
    name = shown(folder, province.root)
    if not folder.is_dir():
        report.issues.append(Issue("province-bloc-missing", file=name, params={"bloc": entry.code}))
        return report
    workspace = Workspace(folder / INPUT, folder / OUTPUT, folder / SCHEMAS, folder / BLOC)
    try:
        rules, _choice = rules_for(None, workspace, lang=options.lang)
        result = run(rules, workspace, RunOptions(lang=options.lang))
        if options.write_blocs:
            write_outputs(result, folder / OUTPUT)
    except BlocScoreError as error:  # no rules file, a broken one, an empty input folder: the bloc's to mend
        report.state = "broken"
        report.issues.append(Issue("province-bloc-not-scored", file=name, params={
            "bloc": entry.code, "reason": error.message.splitlines()[0]}))
        return report
    report.files.append((shown(Path(rules.source), province.root), _sha256(Path(rules.source))))
    report.files += [(f"{name}/{s.file}" if s.from_bloc_folder else f"{name}/{INPUT}/{s.file}", s.sha256)
                     for s in result.submissions if s.sha256]
    report.errors = sum(1 for i in result.issues if i.severity == "error")
    report = take(report, results_dict(result), name, province.year, sent=False)
    # The rules' `previous:` follow a renamed or merged unit even where last year's results were not beside it.
    report.units = [replace(u, previous=found.previous) if (found := rules.unit(u.code)) and found.previous else u
                    for u in report.units]
    return report


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
