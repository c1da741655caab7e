"""`bloc-score appraisal`'s work: the bloc's appraisal workbook, saved into the bloc's folder, and with
cross-scoring each unit's peer workbook, saved into the output folder; made from the files in the input folder,
with what was already written carried over and an earlier workbook kept in previous/."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.core.errors import ExitCode
from pipeline.core.issues import Issue, has_errors
from pipeline.forms.appraisal import unit_state, write_appraisal, write_peer_workbook
from pipeline.forms.appraisal_carry import Appraised, appraisal_issues, carried_appraisals, carried_peer_scores
from pipeline.outputs.write import write_all_keeping_previous
from pipeline.rules.layout import appraisal_filename, peer_filename
from pipeline.rules.model import Rules, Unit
from pipeline.rules.seal import PEER_WORKBOOKS, SealKey
from pipeline.run import RunOptions, RunResult, run
from pipeline.workspace.folders import Workspace
from pipeline.workspace.seal_keys import BlocKey, bloc_key, record_issue


@dataclass(frozen=True)
class AppraisalMade:
    """What `make_appraisal` wrote and found, for the caller to tell."""

    result: RunResult
    path: Path  # the bloc's appraisal workbook
    kept: Path | None  # where the earlier one went (previous/)
    carried: int  # appraisals carried over from the filled workbook in the bloc's folder
    problems: list[Issue]  # of that filled workbook
    peers: list[tuple[Path, Path | None]]  # cross-scoring: each unit's workbook, and where its earlier one went
    not_carried: dict[str, int]  # unit → appraisals left behind because its file broke since
    key: BlocKey  # the bloc's key the workbooks are sealed with (made now when there was none)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PROBLEMS if has_errors(self.problems) else ExitCode.DONE


def make_appraisal(rules: Rules, workspace: Workspace, *, lang: str | None = None) -> AppraisalMade:
    """`bloc-score appraisal`: the bloc's appraisal workbook from the files in the input folder, with the
    appraisals already made carried over; with cross-scoring, each unit's peer workbook too."""
    lang = lang or rules.language
    result = run(rules, workspace, RunOptions(lang=lang))
    carried = carried_appraisals(result)
    key = bloc_key(workspace.records_to, lang)
    book = appraisal_output(result, workspace.records_to, lang=lang, filled=carried, key=key.key)
    peers = peer_outputs(result, workspace.written_to, lang=lang, key=key.key) if rules.appraisal_by == "peers" else []
    # One write: the earlier workbooks it replaces go together into one subfolder of each folder's previous/.
    kept = write_all_keeping_previous([book, *peers], lang)
    if peers:  # issued to the units, sealed: from now on an unsealed peer workbook of this year is not taken
        record_issue(workspace.records_to, rules, key.key, PEER_WORKBOOKS, len(peers))
    path = book[0]
    count = sum(len(found) for found in carried.values()) if result.validation.appraisal_file else 0
    return AppraisalMade(result, path, kept.get(path), count, appraisal_issues(result),
                         [(target, kept.get(target)) for target, _writer in peers], not_carried(result, carried), key)


def not_carried(result: RunResult, carried: Mapping[str, Mapping[str, Appraised]]) -> dict[str, int]:
    """Units whose appraisals cannot go into a new workbook (their file is now missing or has errors): unit → count."""
    lang = result.lang
    return {code: len(found) for code, found in carried.items()
            if (unit := result.rules.unit(code)) is not None and unit_state(result, unit, lang)[1]}


Output = tuple[Path, Callable[[Path], object]]  # a workbook to write and its writer


def appraisal_output(result: RunResult, output_dir: str | Path, *, lang: str | None = None,
                     filled: Mapping[str, Mapping[str, Appraised]] | None = None, key: SealKey | None = None) -> Output:
    """appraisal-<year>.xlsx in `output_dir`, with the appraisals already made in `filled`, sealed with `key`."""
    lang = lang or result.lang
    target = Path(output_dir) / appraisal_filename(result.rules)
    return target, lambda path: write_appraisal(result, path, lang=lang, filled=filled, key=key)


def peer_outputs(result: RunResult, output_dir: str | Path, *, lang: str | None = None,
                 key: SealKey | None = None) -> list[Output]:
    """peer-scores-<year>_<CODE>.xlsx in `output_dir` for every unit of the bloc (`appraisal: {by: peers}`),
    each sealed with `key` for its scorer alone."""
    lang = lang or result.lang
    # The scores a unit already returned are carried into its new workbook, as the bloc's appraisals are.
    return [(Path(output_dir) / peer_filename(result.rules, unit.code),
             partial(_write_peer_to, result, unit, lang, carried_peer_scores(result, unit.code), key))
            for unit in result.rules.units]


def _write_peer_to(result: RunResult, scorer: Unit, lang: str, filled: Mapping[str, Mapping[str, Appraised]],
                   key: SealKey | None, path: Path) -> Path:
    return write_peer_workbook(result, scorer, path, lang=lang, filled=filled, key=key)
