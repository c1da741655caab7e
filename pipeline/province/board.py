"""The province's year in one call: gather every bloc, consolidate the proposals, put the years side by
side; returns what happened (pipeline.province.write writes it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline import __version__
from pipeline.core.errors import ExitCode
from pipeline.core.issues import Issue, has_errors
from pipeline.province.blocs import BlocReport
from pipeline.province.consolidate import Consolidated, consolidate
from pipeline.province.gather import GatherOptions, gather
from pipeline.province.history import History, history
from pipeline.province.model import Province
from pipeline.run import run_time


@dataclass
class ProvinceResult:
    """Everything the board's run found and decided; the writers and the CLI only read it."""

    province: Province
    lang: str
    blocs: list[BlocReport]
    awards: list[Consolidated]
    history: History
    started_at: datetime
    tool_version: str = __version__
    issues: list[Issue] = field(default_factory=list)  # every bloc's, then the consolidation's

    @property
    def provisional(self) -> bool:
        """Not every bloc final, or an award the board still has to decide (or decided against its quota)."""
        return (any(r.state != "final" for r in self.blocs)
                or any(a.outcome in ("undecided", "refused") for a in self.awards))

    @property
    def exit_code(self) -> ExitCode:
        if not any(r.state in ("final", "provisional") for r in self.blocs):
            return ExitCode.USER_ERROR
        return ExitCode.PROBLEMS if self.provisional or has_errors(self.issues) else ExitCode.DONE


def run_province(province: Province, options: GatherOptions | None = None) -> ProvinceResult:
    """Gather, check and consolidate every bloc of `province` (nothing written)."""
    options = options or GatherOptions()
    started_at = run_time()
    reports = gather(province, options)
    awards = consolidate(province, reports)
    years = history(province, reports)
    issues = [i for r in reports for i in r.issues] + [i for a in awards for i in a.issues] + list(years.issues)
    return ProvinceResult(province, options.lang or province.language, reports, awards, years, started_at,
                          issues=issues)
