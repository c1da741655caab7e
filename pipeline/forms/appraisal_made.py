"""`bloc-score appraisal`'s work: the bloc's appraisal workbook, saved into the bloc's folder, and with
cross-scoring each unit's peer workbook, saved into the output folder; made from the files in the input folder,
with what was already written carried over and an earlier workbook kept in previous/."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.core.errors import ExitCode
from pipeline.core.issues import Issue, has_errors
from pipeline.forms.appraisal import unit_state, write_appraisal, write_peer_workbook
from pipeline.forms.appraisal_carry import Appraised, appraisal_issues, carried_appraisals, carried_peer_scores
from pipeline.outputs.write import write_keeping_previous
from pipeline.rules.layout import appraisal_filename, peer_filename
from pipeline.rules.model import Rules, Unit
from pipeline.run import RunOptions, RunResult, run
from pipeline.workspace.folders import Workspace


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

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PROBLEMS if has_errors(self.problems) else ExitCode.DONE


def make_appraisal(rules: Rules, workspace: Workspace, *, lang: str | None = None) -> AppraisalMade:
    """`bloc-score appraisal`: the bloc's appraisal workbook from the files in the input folder, with the
    appraisals already made carried over; with cross-scoring, each unit's peer workbook too."""
    lang = lang or rules.language
    result = run(rules, workspace, RunOptions(lang=lang))
    carried = carried_appraisals(result)
    path, kept = save_appraisal(result, workspace.records_to, lang=lang, filled=carried)
    peers = save_peer_workbooks(result, workspace.written_to, lang=lang) if rules.appraisal_by == "peers" else []
    count = sum(len(found) for found in carried.values()) if result.validation.appraisal_file else 0
    return AppraisalMade(result, path, kept, count, appraisal_issues(result), peers, not_carried(result, carried))


def not_carried(result: RunResult, carried: Mapping[str, Mapping[str, Appraised]]) -> dict[str, int]:
    """Units whose appraisals cannot go into a new workbook (their file is now missing or has errors): unit → count."""
    lang = result.lang
    return {code: len(found) for code, found in carried.items()
            if (unit := result.rules.unit(code)) is not None and unit_state(result, unit, lang)[1]}


def save_appraisal(result: RunResult, output_dir: str | Path, *, lang: str | None = None,
                   filled: Mapping[str, Mapping[str, Appraised]] | None = None) -> tuple[Path, Path | None]:
    """Write appraisal-<year>.xlsx into `output_dir`; an earlier one moves to previous/, never overwritten.

    Returns the workbook's path and where the earlier one went (None when there was none).
    """
    lang = lang or result.lang
    target = Path(output_dir) / appraisal_filename(result.rules)
    kept = write_keeping_previous(target, lambda path: write_appraisal(result, path, lang=lang, filled=filled),
                                  lang)
    return target, kept


def save_peer_workbooks(result: RunResult, output_dir: str | Path, *, lang: str | None = None
                        ) -> list[tuple[Path, Path | None]]:
    """Write peer-scores-<year>_<CODE>.xlsx for every unit of the bloc (`appraisal: {by: peers}`).

    Each earlier one moves to previous/, never overwritten. Returns each workbook's path and where its
    earlier one went.
    """
    lang = lang or result.lang
    written = []
    for unit in result.rules.units:
        target = Path(output_dir) / peer_filename(result.rules, unit.code)
        # The scores a unit already returned are carried into its new workbook, as the bloc's appraisals are.
        filled = carried_peer_scores(result, unit.code)
        kept = write_keeping_previous(target, partial(_write_peer_to, result, unit, lang, filled), lang)
        written.append((target, kept))
    return written


def _write_peer_to(result: RunResult, scorer: Unit, lang: str, filled: Mapping[str, Mapping[str, Appraised]],
                   path: Path) -> Path:
    return write_peer_workbook(result, scorer, path, lang=lang, filled=filled)
