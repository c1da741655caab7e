"""What the terminal shows: the ranking table, the issues grouped by file, a rules summary."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from pipeline.checking.validate import UnitStatus
from pipeline.core.issues import Issue
from pipeline.core.labels import format_number, text
from pipeline.outputs.write import Written
from pipeline.rules.model import Criterion, Rules
from pipeline.run import RunResult
from pipeline.scoring.rank import award_name, percent, quota_in_words, tie_breakers_in_words

MAX_LINES_PER_FILE = 12  # per file in `run`'s report: the workbook's Issues sheet has them all


def _width(value: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in value)


def _pad(value: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(value))
    return gap + value if right else value + gap


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: frozenset[int] = frozenset()) -> str:
    """A plain aligned table: no box-drawing characters, so it survives any Windows console."""
    rows = [list(r) for r in rows]
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def render_issues(issues: list[Issue], lang: str, *, limit: int | None = None,
                  more_key: str = "report.more_issues") -> str:
    """Issues grouped by file (then the ones about no file), errors first; `limit` lines per file at most."""
    if not issues:
        return text(lang, "report.no_issues")
    groups: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:  # about no file: the units' apart from the bloc's own
        groups[issue.file or ("\0unit" if issue.unit else "")].append(issue)
    lines: list[str] = []
    for key, group in groups.items():
        errors = sum(i.severity == "error" for i in group)
        warnings = sum(i.severity == "warning" for i in group)
        units = sorted({i.unit for i in group if i.unit})
        file = "" if key.startswith("\0") else key
        if file:
            heading = f"{file} ({', '.join(units)})" if units else file
        else:  # about no file: a unit's (one that sent nothing, say), or the bloc's own
            heading = (text(lang, "report.heading_units", units=", ".join(units)) if units
                       else text(lang, "report.heading_bloc"))
        counts = [text(lang, "report.error_count", count=errors)] if errors else []
        counts += [text(lang, "report.warning_count", count=warnings)] if warnings else []
        lines.append(f"{heading}: {', '.join(counts)}" if counts else heading)
        shown = group if limit is None else group[:limit]
        for issue in shown:
            mark = {"error": "x", "warning": "!", "info": "·"}[issue.severity]
            lines.append(f"  {mark} [{issue.code}] {issue.message(lang)}")
        if len(group) > len(shown):
            lines.append(text(lang, more_key, count=len(group) - len(shown)))
    return "\n".join(lines)


def summary_line(issues: list[Issue], lang: str, read: int | None = None) -> str:
    """`Read 9 files, 2 errors, 1 warning.` (the files read, when known), else `2 errors, 1 warning in 2
    files.` (the files with a problem): the one line that sums up the problems found."""
    errors = sum(i.severity == "error" for i in issues)
    warnings = sum(i.severity == "warning" for i in issues)
    if read is not None:
        return text(lang, "report.summary_read", read=read, errors=errors, warnings=warnings)
    files = len({i.file for i in issues if i.file and i.severity != "info"})
    return text(lang, "report.summary_errors", errors=errors, warnings=warnings, files=files)


def _read(result: RunResult) -> int:
    """The files a run read from its input folder (the bloc's records, read too, are not what was sent)."""
    return sum(1 for submission in result.validation.submissions if not submission.from_bloc_folder)


def problems(issues: list[Issue]) -> list[Issue]:
    """The issues that are problems (errors and warnings), without the informational lines."""
    return [i for i in issues if i.severity in ("error", "warning")]


def render_run(result: RunResult, written: Written | None = None, *, quiet: bool = False) -> str:
    """The terminal report of a run: the ranking, the unranked units, every issue, what was written.

    `quiet`: only the problems and the one-line summary.
    """
    rules, lang = result.rules, result.lang
    if quiet:
        found = problems(result.issues)
        shown = [render_issues(found, lang, limit=MAX_LINES_PER_FILE)] if found else []
        return "\n".join([*shown, summary_line(result.issues, lang, _read(result))])
    parts = [text(lang, "report.title", year=rules.year), rules.bloc, ""]
    rows = []
    vote = result.vote if rules.vote is not None else None
    for placed in result.ranked:
        unit = rules.unit(placed.unit_code)
        row = [
            str(placed.rank), placed.unit_code, unit.name if unit else "",
            format_number(placed.score.total, lang, rules.decimals), placed.classification or "",
            award_name(rules, placed.award, lang),
        ]
        if vote is not None:
            # One narrow column: the count and whether it decided the proposed award (the remarks say why not).
            count = vote.counts.get(placed.unit_code)
            if placed.award in vote.voted and placed.award not in vote.tallied:
                row.append(text(lang, "vote.pending_cell"))
            elif count is not None:
                key = "vote.console_decided" if result.award(placed) else "vote.console_not_decided"
                row.append(text(lang, key, votes=count.votes, present=count.present))
            else:
                row.append("")
        rows.append(row)
    if rows:
        headers = [text(lang, f"report.{k}") for k in ("rank", "unit_code", "unit", "total", "classification", "award")]
        if vote is not None:
            headers.append(text(lang, "vote.header_votes"))
        parts.append(table(headers, rows, right=frozenset({0, 3})))
    remarks = [(placed.unit_code, result.remarks(placed)) for placed in result.ranked]
    if any(note for _, note in remarks):
        parts += ["", text(lang, "report.remarks") + ":"]
        parts += [f"  {code:<8} {note}" for code, note in remarks if note]
    if vote is not None and vote.tallied:
        parts += ["", text(lang, "vote.decided_heading") + ":"]
        for award in (a for a in vote.voted if a in vote.tallied):
            units = [p.unit_code for p in vote.candidates.get(award, []) if vote.decided.get(p.unit_code) == award]
            parts.append("  " + text(lang, "vote.decided_line", award=award_name(rules, award, lang),
                                     units=", ".join(units) or text(lang, "vote.nobody")))
    unranked = [u for u in rules.units if result.status[u.code] != UnitStatus.SCORED]
    if unranked:
        parts += ["", text(lang, "workbook.unranked") + ":"]
        parts += [f"  {u.code:<8} {u.name} — {text(lang, 'status.' + result.status[u.code])}" for u in unranked]
    # The terminal stays readable at a province's scale: the workbook's Issues sheet has every line.
    parts += ["", render_issues(result.issues, lang, limit=MAX_LINES_PER_FILE), ""]
    parts.append(summary_line(result.issues, lang, _read(result)))
    for path in written.paths if written else ():
        parts.append(text(lang, "report.written", path=str(path)))
    for name, path in (written.kept_previous if written else {}).items():
        parts.append(text(lang, "report.previous_kept", name=name, path=str(path)))
    if result.provisional:
        counts = {s.value: sum(1 for v in result.status.values() if v == s)
                  for s in (UnitStatus.MISSING, UnitStatus.INVALID)}
        parts.append(text(lang, "report.provisional", **counts))
        if result.validation.peers_missing:  # cross-scoring: the scorers the ranking waits for, by name
            parts.append(text(lang, "peer.missing_scorers", scorers=", ".join(result.validation.peers_missing)))
    else:
        parts.append(text(lang, "report.complete", count=len(result.ranked)))
    if result.bloc_errors:  # the bloc's own workbook to correct, by file and cell: no unit's mistake
        parts.append(result.bloc_errors_note(lang))
    if result.previous_year:
        compared = result.previous_year
        parts.append(text(lang, "report.previous_year", year=compared.year, file=compared.file,
                          new=len(compared.new), gone=len(compared.gone),
                          count=len(compared.units) - len(compared.new)))
    if result.vote_pending and result.vote is not None:
        awards = [award_name(rules, a, lang) for a in result.vote.voted
                  if result.vote.candidates.get(a) and a not in result.vote.tallied]
        parts.append(text(lang, "vote.pending", awards=", ".join(awards)))
    return "\n".join(parts)


def render_check(issues: list[Issue], files: list[str], lang: str, *, limit: int | None = None,
                 quiet: bool = False) -> str:
    """Every problem of the checked files (`limit` per file if given), then the one-line summary."""
    found = problems(issues)
    if quiet:
        body = [render_issues(found, lang, limit=limit, more_key="report.more_issues_check")] if found else []
    elif found:
        body = [render_issues(issues, lang, limit=limit, more_key="report.more_issues_check")]
    else:
        # A sound file still gets the run's notes of its own (its authentication code, not verifiable here).
        body = [text(lang, "report.check_ok", file=f) for f in files]
        body += [f"  · {i.message(lang)}" for i in issues if i.file is None and i.severity == "info"]
    return "\n".join([*body, summary_line(issues, lang, len(files) if files else None)])


def _item(rules: Rules, criterion: Criterion, lang: str) -> str:
    """`D1 ≤ 3 (0,5/lần; không xét: flag)`: a bonus or deduction item as the summary lists it."""
    notes = []
    if criterion.per_occurrence is not None:
        notes.append(text(lang, "summary.per_occurrence", points=criterion.per_occurrence))
    if criterion.disqualifies:
        awards = ", ".join(award_name(rules, key, lang) for key in criterion.disqualifies)
        notes.append(text(lang, "summary.disqualifies", awards=awards))
    if criterion.caps_grade:
        notes.append(text(lang, "summary.caps_grade", grade=criterion.caps_grade))
    shown = f"{criterion.code} ≤ {format_number(criterion.max, lang)}"
    return f"{shown} ({'; '.join(notes)})" if notes else shown


def render_rules(rules: Rules, lang: str) -> str:
    def n(value: Decimal | int) -> str:
        return format_number(value, lang)

    def t(name: str, /, **params: Any) -> str:
        return text(lang, f"summary.{name}", **params)

    lines = [text(lang, "report.rules_ok", file=rules.source)]
    if rules.warnings:
        lines.append(text(lang, "rules.warnings", count=len(rules.warnings)))
        lines += [f"  ! {warning.render(rules.source)}" for warning in rules.warnings]
    lines += [
        "",
        t("identity", bloc=rules.bloc, year=rules.year, revision=rules.revision, fingerprint=rules.fingerprint),
        t("settings", language=t(f"language_{rules.language}"), decimals=rules.decimals,
          header=t(f"header_{rules.header}")),
        "",
        t("units", count=len(rules.units)) + ": " + ", ".join(f"{u.code} ({u.name})" for u in rules.units),
        "",
    ]
    rows = [[s.code, s.title if len(s.title) <= 60 else s.title[:59] + "…", str(len(s.criteria)), n(s.max),
             n(s.weight)] for s in rules.sections]
    headers = [t(key) for key in ("section", "title", "criteria", "max", "weight")]
    lines.append(table(headers, rows, right=frozenset({2, 3, 4})))
    lines.append(t("base_max", max=n(rules.base_max)))
    for name, bucket in (("bonus", rules.bonus), ("deductions", rules.deductions)):
        if bucket.criteria:
            items = ", ".join(_item(rules, c, lang) for c in bucket.criteria)
            cap = n(bucket.cap) if bucket.cap is not None else t("no_cap")
            lines.append(t("bucket", name=text(lang, f"report.{name}"), cap=cap, items=items))
    if rules.tie_breakers:
        lines.append(t("tie_breakers", breakers=tie_breakers_in_words(rules, lang)))
    if rules.classification:
        thresholds = "; ".join(
            f"≥ {n(c.min)} {c.label}" + (t("floor", share=percent(c.min_criterion_share))
                                         if c.min_criterion_share else "")
            for c in rules.classification)
        lines.append(t("classification", thresholds=thresholds))
    for award in rules.awards:
        floor = t("floor", share=percent(award.min_criterion_share)) if award.min_criterion_share else ""
        lines.append(t("award", label=award_name(rules, award.key, lang),
                       quota=quota_in_words(award, lang), min_score=n(award.min_score)) + floor)
    if rules.appraisal_by == "peers":
        lines.append(t("peers", trim=rules.peer_trim, min_scorers=rules.peer_min_scorers))
    return "\n".join(lines)
