"""The consolidated ranking workbook the bloc's leadership opens, reads, prints and signs.

Sheets, in order: Ranking, Chart, Compared with <last year> (when last year's results were found), Criteria
matrix, one sheet per unit, Issues, Audit; a module each. Every number is a number cell equal to the JSON;
every text from a submission is written as text, never as a formula. The writer only reads the run's result.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from pipeline.core.labels import text
from pipeline.outputs.results_json import results_dict, results_fingerprint
from pipeline.outputs.workbook.audit import write_audit
from pipeline.outputs.workbook.chart import write_chart
from pipeline.outputs.workbook.context import Context, number_format, safe_sheet_name
from pipeline.outputs.workbook.issues import write_issues
from pipeline.outputs.workbook.matrix import write_matrix
from pipeline.outputs.workbook.previous_year import write_previous_year
from pipeline.outputs.workbook.ranking import RankingColumns, write_ranking
from pipeline.outputs.workbook.units import write_unit_sheets
from pipeline.outputs.xlsx import new_workbook
from pipeline.run import RunResult, Tick

# Past this many units, one sheet per unit, and a units × criteria matrix thousands of rows long, make a
# workbook nobody scrolls through (and a province waits for): the same figures go into one filterable
# Details table instead, appraisal changes marked as in the matrix.
MAX_UNIT_SHEETS = 200


def write_workbook(result: RunResult, path: str | Path, *, tick: Tick | None = None,
                   fingerprint: str | None = None) -> Path:
    """Write the ranking workbook of `result` to `path`; `tick` follows along (pipeline.run.Tick).

    `fingerprint` is that of the results JSON written with it (outputs.results_json), printed on the Ranking
    page; by default, worked out here from the same result.
    """
    path = Path(path)
    if fingerprint is None:
        fingerprint = results_fingerprint(results_dict(result))
    rules = result.rules
    province_scale = len(result.validation.used) > MAX_UNIT_SHEETS
    book = new_workbook(path, {"title": text(result.lang, "report.title", year=rules.year), "author": rules.bloc,
                               "comments": f"bloc-score {result.tool_version}",
                               "created": result.started_at.astimezone(UTC).replace(tzinfo=None)},  # UTC, as core.xml
                        in_memory=not province_scale, language=result.lang)
    ctx = Context(book, result, province_scale=province_scale, tick=tick, fingerprint=fingerprint)
    write_ranking(ctx)
    write_chart(ctx)
    write_previous_year(ctx)  # only when last year's results were found
    if not ctx.province_scale:
        write_matrix(ctx)
    write_unit_sheets(ctx)
    write_issues(ctx)
    write_audit(ctx)
    if tick:
        tick("save", 0, 1)  # xlsxwriter says nothing while it saves, about half the writing time
    book.close()
    if tick:
        tick("save", 1, 1)
    return path


__all__ = ["MAX_UNIT_SHEETS", "RankingColumns", "number_format", "safe_sheet_name", "write_workbook"]
