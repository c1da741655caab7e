"""Which file speaks for which unit: the template it was made from, its unit code, one file per unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.core.moments import moment_label
from pipeline.core.text import fold
from pipeline.reading.mail.messages import SEPARATOR
from pipeline.reading.read import Submission
from pipeline.rules.layout import template_filename
from pipeline.rules.model import Rules


def identify(rules: Rules, submission: Submission) -> str | None:
    """The unit a file speaks for, recording identity problems on the submission."""
    identity = submission.identity
    if not submission.readable:
        return _unit_from_name(rules, _own_name(submission))
    if not identity:
        submission.issue("template-identity-missing", sheet=submission.sheet)
    else:
        check_template(rules, submission)

    code = submission.unit_code
    cell = submission.unit_code_cell or identity.get("unit_code_cell")
    claimed = identity.get("unit_code")
    if not code:
        submission.issue("unit-code-missing", sheet=submission.sheet, cell=cell)
        guess = claimed if claimed and rules.unit(claimed) else _unit_from_name(rules, _own_name(submission))
        return guess
    if claimed and code != claimed:
        submission.issue("unit-code-altered", sheet=submission.sheet, cell=cell,
                         params={"found": code, "expected": claimed})
        return claimed if rules.unit(claimed) else None
    if rules.unit(code) is None:
        # Listed only here: joining a province's unit codes for every file made validation quadratic.
        known = ", ".join(u.code for u in rules.units)
        submission.issue("unit-code-unknown", sheet=submission.sheet, cell=cell,
                         params={"found": code, "known": known})
        return None
    return code


def check_template(rules: Rules, submission: Submission, template: str | None = None) -> None:
    """Bloc, year and criteria table of the file's identity; `template` names the file to use instead."""
    identity = submission.identity
    if template is None:
        unit = rules.unit(identity.get("unit_code", "")) or rules.unit(submission.unit_code or "")
        template = template_filename(rules, unit) if unit else f"{rules.year}_<…>.xlsx"
    if fold(identity.get("bloc", "")) != fold(rules.bloc):
        submission.issue("wrong-bloc", params={"found": identity.get("bloc", "?"), "expected": rules.bloc,
                                               "template": template})
    elif identity.get("year") != str(rules.year):
        submission.issue("wrong-year", params={"found": identity.get("year", "?"), "expected": rules.year,
                                               "template": template})
    elif identity.get("fingerprint") != rules.fingerprint:
        submission.issue("old-template", params={
            "year": rules.year, "found": identity.get("revision", "?"),
            "found_fingerprint": identity.get("fingerprint", "?"), "expected": rules.revision,
            "expected_fingerprint": rules.fingerprint, "template": template,
        })


def _own_name(submission: Submission) -> str:
    """A file's own name: an e-mail's attachment is not named by the message it came in."""
    return submission.file.rpartition(SEPARATOR)[2] if submission.envelope else submission.file


def _unit_from_name(rules: Rules, file: str) -> str | None:
    """The unit a file name points to, when exactly one does (`BangChamDiem_2024_VPTU.xlsx`)."""
    folded = fold(file)
    tokens = set(folded.replace("-", " ").replace("_", " ").replace(".", " ").split())
    hits = {u.code for u in rules.units if fold(u.code) in tokens or fold(u.name) in folded}
    return hits.pop() if len(hits) == 1 else None


def one_file_per_unit(claims: dict[str, list[Submission]], dated: Mapping[str, tuple[str, dt.datetime]] | None = None
                      ) -> tuple[dict[str, Submission], list[Issue]]:
    """The file that speaks for each unit, and why the others do not.

    The same content twice is one file sent twice (`duplicate-copy`). Different contents for one unit are
    never chosen between silently (`duplicate-unit`), except by the unit's own e-mails: `dated` gives, for a
    file attached to a message whose sender and Date may decide (checking/senders.py), that sender and that
    moment; when every file is so dated, by one sender, the latest message's files replace the earlier ones
    (`mail-superseded`), as a unit that sends a corrected file means it to.
    """
    dated = dated or {}
    used: dict[str, Submission] = {}
    issues: list[Issue] = []
    for unit_code, files in claims.items():
        distinct: dict[str, Submission] = {}
        for submission in sorted(files, key=lambda s: _latest_first(s, dated)):
            first = distinct.get(submission.sha256) if submission.sha256 else None
            if first is not None:
                # The same attachment saved twice is harmless: use it once, say so.
                issues.append(Issue("duplicate-copy", file=submission.file, unit=unit_code,
                                    params={"other": first.file}))
            else:
                distinct[submission.sha256 or submission.file] = submission
        chosen = _superseding(list(distinct.values()), unit_code, dated, issues)
        if len(chosen) == 1:
            used[unit_code] = chosen[0]
            continue
        # Different contents for one unit: never pick one silently.
        for submission in chosen[1:]:
            issues.append(Issue("duplicate-unit", file=chosen[0].file, unit=unit_code,
                                params={"other": submission.file, "advice": _which_newer(chosen[0], submission)}))
    return used, issues


def _latest_first(submission: Submission, dated: Mapping[str, tuple[str, dt.datetime]]) -> tuple[bool, float, str]:
    """Files whose message may decide, the latest first; then the others by name."""
    found = dated.get(submission.file)
    return found is None, -found[1].timestamp() if found else 0.0, submission.file


def _superseding(chosen: list[Submission], unit_code: str, dated: Mapping[str, tuple[str, dt.datetime]],
                 issues: list[Issue]) -> list[Submission]:
    """The files of the latest message, when every file came by a message that may decide, all from one
    sender, and one message is latest."""
    found = [dated.get(s.file) for s in chosen]
    if len(chosen) < 2 or any(f is None for f in found) or len({f[0] for f in found if f}) > 1:
        return chosen
    moments = [f[1] for f in found if f]
    latest = max(moments)
    kept = [s for s, moment in zip(chosen, moments, strict=True) if moment == latest]
    if len({s.envelope.message for s in kept if s.envelope}) > 1:
        return chosen  # two messages sent at the same second: the bloc must tell which counts
    newer = kept[0]
    for submission, moment in zip(chosen, moments, strict=True):
        if moment != latest and submission.envelope and newer.envelope:
            issues.append(Issue("mail-superseded", file=submission.file, unit=unit_code, params={
                "date": submission.envelope.date, "when": submission.envelope.when, "other": newer.file,
                "other_date": newer.envelope.date, "other_when": newer.envelope.when}))
    return kept


def _which_newer(first: Submission, second: Submission) -> Label:
    """What the bloc should do about two different files of one unit. The time a program wrote inside each file
    is shown when both have one, but never decides: whoever made a file can set it."""
    times = [_saved_moment(first.saved_at), _saved_moment(second.saved_at)]
    if times[0] is None or times[1] is None or times[0] == times[1]:
        return Label("hint.duplicate_unknown")
    newer, older = (first, second) if times[0] > times[1] else (second, first)
    return Label("hint.duplicate_saved", (("newer", newer.file), ("older", older.file),
                                          ("newer_saved", _saved_shown(newer.saved_at)),
                                          ("older_saved", _saved_shown(older.saved_at))))


def _saved_moment(value: str | None) -> dt.datetime | None:
    """A save time comparable with another: UTC when the file says its zone, else as written (local)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        # A time written 9999-12-31T23:59:59-23:59 parses but has no UTC form: unknown, like a damaged one.
        return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (OverflowError, ValueError):
        return None


def _saved_shown(value: str | None) -> str | Label:
    """A save time in Vietnam's time when the file says its zone, else as written (core.moments)."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
        return moment_label(moment) if moment is not None else value or ""
    except (OverflowError, ValueError):
        return value or ""


def with_unit(issue: Issue, unit_code: str | None) -> Issue:
    if unit_code is None or issue.unit:
        return issue
    return Issue(issue.code, issue.file, issue.sheet, issue.cell, unit_code, issue.criterion, issue.params)


def distinct_copies(books: list[Submission], duplicate_code: str, issues: list[Issue]) -> list[Submission]:
    """The different workbooks among `books`, in their order: a byte-identical copy of an earlier one is
    dropped and reported under `duplicate_code`, naming the copy it repeats (the bloc's own workbooks)."""
    distinct: dict[str, Submission] = {}
    for book in books:
        first = distinct.get(book.sha256)
        if first is not None:
            issues.append(Issue(duplicate_code, file=book.file, params={"other": first.file}))
        else:
            distinct[book.sha256 or book.file] = book
    return list(distinct.values())
