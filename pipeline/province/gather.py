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
from pipeline.reading.read import Submission
from pipeline.rules.model import Rules
from pipeline.run import Inputs
from pipeline.workspace.folders import INPUT, OUTPUT, Workspace

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
    """Every bloc of the province, in the order of province.yaml.

    Every working folder's files are read in one pool of isolated workers (reading.isolation.read_batches),
    then each bloc is checked and scored in this process, as `bloc-score run` would.
    """
    from pipeline.reading.isolation import Batch, read_batches

    options = options or GatherOptions()
    lang = options.lang or province.language
    reports: dict[int, BlocReport] = {}
    prepared: dict[int, tuple[Rules, Workspace, Inputs]] = {}
    for index, entry in enumerate(province.blocs):
        if entry.folder is None:
            reports[index] = read_sent(entry, province.root, province.year)
            continue
        found = _prepare(entry, province, options)
        if isinstance(found, BlocReport):
            reports[index] = found
        else:
            prepared[index] = found
    if options.progress:
        options.progress(text(lang, "province.reading", files=sum(len(i.sources) for *_, i in prepared.values()),
                              blocs=len(prepared)))
    total = sum(len(inputs.sources) for *_, inputs in prepared.values())
    tick = options.tick
    on_read = (lambda done: tick("read", done, total)) if tick else None
    read = read_batches([Batch(inputs.sources, workspace.input, inputs.names)
                         for _rules, workspace, inputs in prepared.values()], on_read=on_read)
    for (index, (rules, workspace, inputs)), submissions in zip(prepared.items(), read, strict=True):
        entry = province.blocs[index]
        if options.progress:
            options.progress(text(lang, "province.taking", done=index + 1, total=len(province.blocs),
                                  bloc=entry.code, name=entry.name))
        reports[index] = score_folder(entry, province, options, rules, workspace, (inputs, submissions))
    return [reports[index] for index in range(len(province.blocs))]


def _prepare(entry: BlocEntry, province: Province,
             options: GatherOptions) -> BlocReport | tuple[Rules, Workspace, Inputs]:
    """A working folder's rules and the files its run reads; or the report of a folder that cannot be run."""
    from pipeline.run import discover_inputs
    from pipeline.workspace.choice import rules_for

    assert entry.folder is not None
    folder = entry.folder
    report = BlocReport(entry)
    name = shown(folder, province.root)
    if not folder.is_dir():
        report.issues.append(Issue("province-bloc-missing", file=name, params={"bloc": entry.code}))
        return report
    workspace = Workspace.at(folder)
    try:
        rules, _choice = rules_for(None, workspace, lang=options.lang)
        return rules, workspace, discover_inputs(workspace, options.lang or rules.language)
    except BlocScoreError as error:  # no rules file, a broken one, an empty input folder: the bloc's to mend
        return _not_scored(report, name, error)


def _not_scored(report: BlocReport, name: str, error: BlocScoreError) -> BlocReport:
    report.state = "broken"
    report.issues.append(Issue("province-bloc-not-scored", file=name, params={
        "bloc": report.entry.code, "reason": error.message.splitlines()[0]}))
    return report


def score_folder(entry: BlocEntry, province: Province, options: GatherOptions, rules: Rules, workspace: Workspace,
                 read: tuple[Inputs, list[Submission]]) -> BlocReport:
    """A bloc's working folder, its files read: checked, scored and ranked as `bloc-score run` would."""
    from pipeline.outputs.results_json import results_dict
    from pipeline.outputs.write import write_outputs
    from pipeline.run import RunOptions, run

    assert entry.folder is not None
    folder = entry.folder
    report = BlocReport(entry)
    name = shown(folder, province.root)
    try:
        result = run(rules, workspace, RunOptions(lang=options.lang, read=read))
        if options.write_blocs:
            write_outputs(result, folder / OUTPUT)
    except BlocScoreError as error:  # the rules' year against the files', an output folder refused
        return _not_scored(report, name, error)
    report.files.append((shown(Path(rules.source), province.root), _sha256(Path(rules.source))))
    report.files += [(f"{name}/{s.file}" if s.from_bloc_folder else f"{name}/{INPUT}/{s.file}", s.sha256)
                     for s in result.submissions if s.sha256]
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
