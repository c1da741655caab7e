"""The data validation of a score cell, shared by the unit's template and the bloc's appraisal and peer
workbooks: a number in [0, max] on the step, a whole count, or N/A where the rules allow it."""

from __future__ import annotations

from decimal import Decimal

from pipeline.core.labels import text
from pipeline.rules.model import Criterion


def validation_formula(criterion: Criterion, cell: str) -> str:
    """The data-validation rule of one score cell: a number in [0, max], on the step, or N/A if allowed.

    The number tests sit behind IF(ISNUMBER(…)): AND() does not short-circuit, and `"N/A"/0.5` is an
    error that would make Excel and LibreOffice refuse an N/A the rules allow.
    """
    if criterion.per_occurrence is not None:
        # A count of occurrences: any whole number; the points it yields are capped, not the count.
        conditions = [f"{cell}>=0", f"{cell}=INT({cell})"]
    else:
        conditions = [f"{cell}>=0", f"{cell}<={criterion.max}"]
    if criterion.step is not None:
        # Tolerance instead of MOD: MOD(0.3, 0.1) is not 0 in binary floating point.
        conditions.append(f"ABS({cell}/{criterion.step}-ROUND({cell}/{criterion.step},0))<0.000001")
    # Only the N/A the template asks for: Excel refuses a validation formula over 255 characters, and the
    # other N/A words the pipeline accepts would not fit. The preview's formulas accept them all.
    otherwise = f'UPPER(TRIM({cell}))="N/A"' if criterion.na_allowed else "FALSE"
    return f"=IF(ISNUMBER({cell}),AND({','.join(conditions)}),{otherwise})"


def score_validation(criterion: Criterion, cell: str, lang: str) -> dict[str, object]:
    """xlsxwriter's data validation of one score cell, with its prompt and error message."""
    key = "na" if criterion.na_allowed else "count" if criterion.per_occurrence is not None else "plain"
    params = {"max": criterion.max, "step": criterion.step or Decimal(0), "points": criterion.per_occurrence or 0}
    step_key = "_step" if criterion.step is not None else ""
    return {
        "validate": "custom",
        "value": validation_formula(criterion, cell),
        "ignore_blank": True,
        "input_title": text(lang, "template.input_title", code=criterion.code)[:32],
        "input_message": text(lang, f"template.input_{key}{step_key}", **params)[:255],
        "error_title": text(lang, "template.error_title")[:32],
        "error_message": text(lang, f"template.input_{key}{step_key}", **params)[:255],
        "error_type": "stop",
    }
