"""The results JSON (docs/results-json.md): its contract, every number equal to the workbook's, and its text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pipeline.checking.validate import Validation
from pipeline.core.issues import Issue
from pipeline.core.numbers import SECTION_DECIMALS, rounded
from pipeline.reading.inputs import SKIPPED_CODES
from pipeline.reading.read import Submission
from pipeline.run import RunResult
from pipeline.scoring.decided import criteria_by_unit
from pipeline.scoring.figures import weighted_base_max
from pipeline.scoring.rank import award_name

if TYPE_CHECKING:
    from pipeline.scoring.previous_year import Previous, YearComparison

# The results JSON's contract version: raised whenever a key is removed or changes meaning (docs/results-json.md).
SCHEMA_VERSION = 4  # 2: per unit `criteria`, `kind` of each input; 3: `previous_year`, per unit `previous`,
# peers, mail; per unit `award` is the award decided (after the members' vote), `award_proposed` the scores'
# proposal, `vote` the unit's count; `vote_pending` at the top; 4: `inputs[]` lists the bloc's records, read from
# its own folder ("bloc/appraisal-2024.xlsx"), outcome `blank`; a record found in input/ is `refused`


def results_dict(result: RunResult) -> dict[str, Any]:
    """The JSON contract (docs/results-json.md); every number equals the workbook's."""
    rules, lang = result.rules, result.lang
    ranked = {r.unit_code: r for r in result.ranked}
    validation = result.validation
    criteria = criteria_by_unit(rules, validation.entries, validation.final, validation.peers)
    units = []
    for unit in rules.units:
        entry: dict[str, Any] = {"code": unit.code, "name": unit.name, "status": result.status[unit.code].value}
        submission = result.unit_file(unit.code)
        entry["file"] = submission.file if submission else None
        entry["criteria"] = criteria.get(unit.code, [])
        placed = ranked.get(unit.code)
        if placed:
            score = placed.score
            entry.update(
                total=rounded(score.total_exact, rules.decimals),
                base=rounded(score.base, rules.decimals),
                bonus=rounded(score.bonus, rules.decimals),
                deductions=rounded(score.deductions, rules.decimals),
                sections={s.code: rounded(s.score, SECTION_DECIMALS) for s in score.sections},
                rank=placed.rank, classification=placed.classification, award_proposed=placed.award,
                vote=result.vote.vote_record(unit.code) if result.vote else None, award=result.award(placed),
                remarks=result.remarks(placed) or None,
                total_exact=str(score.total_exact),
                disqualified_from=list(score.disqualified_from),
            )
        else:
            entry.update(total=None, base=None, bonus=None, deductions=None, sections={}, rank=None,
                         classification=None, award_proposed=None, vote=None, award=None, remarks=None)
        # Each award key with its title beside it, as the documents print it (the rules' label, else its name).
        entry["award_proposed_title"] = award_name(rules, entry["award_proposed"], lang) or None
        entry["award_title"] = award_name(rules, entry["award"], lang) or None
        entry["previous"] = _previous(result.previous_year.units.get(unit.code)) if result.previous_year else None
        units.append(entry)
    inputs = input_records(
        result.submissions, result.validation, result.issues,
        lambda modified: datetime.fromtimestamp(modified).astimezone().isoformat(timespec="seconds"),
        result.vote.tally_file if result.vote else None,
    )
    return fingerprinted({
        "schema_version": SCHEMA_VERSION,
        "bloc": rules.bloc,
        "year": rules.year,
        "provisional": result.provisional,
        "vote_pending": result.vote_pending,
        "language": lang,
        "decimals": rules.decimals,
        "generated_at": result.started_at.isoformat(timespec="seconds"),
        "tool_version": result.tool_version,
        "rules": {"file": rules.source, "fingerprint": rules.fingerprint, "revision": rules.revision},
        "seal": {"checked": result.seals.checked, "keys": [key.key_id for key in result.seals.keys],
                 "accept_unsealed": list(rules.accept_unsealed), "reason": rules.accept_unsealed_reason or None},
        "units": units,
        "previous_year": _previous_year(result.previous_year),
        "issues": [i.to_dict(lang) for i in result.issues],
        "inputs": inputs,
        # Added within version 4 (docs/results-json.md): what the province's board reads a sent file by.
        "base_max": float(weighted_base_max(rules)),
    })


FINGERPRINT_KEY = "fingerprint"
FINGERPRINT_DIGITS = 12  # as the rules' fingerprint: short enough to read aloud and compare on paper


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The results as hashed: every key but `fingerprint`, sorted, compact, UTF-8 (docs/results-json.md).

    A file cannot hold the hash of itself, so the hash is of this form, which a reader rebuilds from what it
    parsed: Python's `json.dumps(…, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`.
    """
    rest = {key: value for key, value in document.items() if key != FINGERPRINT_KEY}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def results_fingerprint(document: Mapping[str, Any]) -> str:
    """The start of the SHA-256 of the results' canonical form: printed on the Ranking page to sign."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()[:FINGERPRINT_DIGITS]


def fingerprinted(document: dict[str, Any]) -> dict[str, Any]:
    """The results with their fingerprint filled in."""
    return {**document, FINGERPRINT_KEY: results_fingerprint(document)}


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_text(document: Mapping[str, Any]) -> str:
    """The results JSON as text: a key of the top object per line, and each record of its lists
    (a unit, an issue, an input) on a line of its own, so that `grep` finds a unit's whole record.

    Python's indenting encoder is pure Python, twenty times slower than the compact one: at province scale
    it cost a quarter of a second, for whitespace no program reads.
    """
    encode = _ENCODER.encode
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(encode(item) for item in value)
            lines.append(f"  {encode(key)}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _previous(found: Previous | None) -> dict[str, Any] | None:
    """A unit's standing last year (docs/results-json.md); None for a unit new this year."""
    if found is None:
        return None
    return {"year": found.year, "codes": list(found.codes), "total": _number(found.total), "rank": found.rank,
            "total_change": _number(found.total_change), "rank_change": found.rank_change,
            "predecessors": [{"code": p.code, "name": p.name, "total": _number(p.total), "rank": p.rank}
                             for p in found.predecessors]}


def _previous_year(comparison: YearComparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {"year": comparison.year, "file": comparison.file, "new": comparison.new,
            "gone": [{"code": p.code, "name": p.name, "total": _number(p.total), "rank": p.rank}
                     for p in comparison.gone]}


def _outcome(submission: Submission, validation: Validation, copies: set[str | None],
             superseded: set[str | None], vote_file: str | None = None, issues: Iterable[Issue] = ()) -> str:
    """What became of a file that was read (docs/results-json.md, `inputs[]`)."""
    if submission.is_mail:  # a saved e-mail: its spreadsheets have records of their own
        return "refused" if any(i.code in ("mail-malformed", *_REFUSALS) and i.file == submission.file
                                for i in submission.issues) else "opened"
    if not submission.readable or submission.file in validation.refused:
        return "refused"
    if submission.from_bloc_folder and submission.blank_record:
        return "blank"
    if submission.peer:  # a unit's cross-scoring workbook: its scores counted, or not
        return _peer_outcome(submission, validation)
    if submission.tally is not None:  # the bloc's tally of the vote: its counts were read, or not
        if vote_file is not None and submission.file == vote_file:
            return "used"
        named = {(i.code, i.file) for i in issues} | {(i.code, i.params.get("other")) for i in issues}
        if ("tally-duplicate", submission.file) in named:
            return "duplicate-copy"
        return "conflicting" if ("tally-conflict", submission.file) in named else "refused"
    if submission.appraisal is not None:  # the bloc's appraisal workbook: its appraisals counted, or not
        if submission.file == validation.appraisal_file:
            return "used"
        named = {(i.code, i.file) for i in validation.issues}
        named |= {(i.code, i.params.get("other")) for i in validation.issues}
        if ("appraisal-duplicate", submission.file) in named:
            return "duplicate-copy"
        return "conflicting" if ("appraisal-conflict", submission.file) in named else "refused"
    unit_code = validation.file_units.get(submission.file)
    if unit_code is None:
        return "unattributed"
    if validation.used.get(unit_code) is submission:
        return "used"
    if submission.file in copies:
        return "duplicate-copy"
    if submission.file in superseded:
        return "superseded"
    return "conflicting"


def _peer_outcome(submission: Submission, validation: Validation) -> str:
    if any(book is submission for book in validation.peer_books.values()):
        return "used"
    named = {(i.code, i.file) for i in validation.issues} | {(i.code, i.params.get("other")) for i in validation.issues}
    if ("peer-duplicate", submission.file) in named:
        return "duplicate-copy"
    return "conflicting" if ("peer-conflict", submission.file) in named else "refused"


# What keeps an e-mail file itself from being opened at all (its size, the disk, the worker).
_REFUSALS = ("file-too-large", "corrupt-file", "empty-file", "reader-crashed", "file-too-complex")


def _mail_record(submission: Submission | None, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The message a spreadsheet came attached to (docs/results-json.md, `inputs[]`), or None."""
    if submission is not None and submission.envelope is not None:
        params = submission.envelope.params()
    if not params or "message" not in params:
        return None
    return {"message": params["message"], "sender": params["sender"],
            "date": None if params["date"] == "?" else params["date"], "subject": params["subject"]}


def input_records(submissions: Iterable[Submission], validation: Validation, folder_issues: Iterable[Issue],
                  modified: Callable[[float], str], vote_file: str | None = None) -> list[dict[str, Any]]:
    """One record per entry of the input folder: each file read, then each entry skipped, by name.

    `modified` renders a file's time. A skipped entry carries no hash, size or time: nothing of it was read.
    """
    copies = {i.file for i in validation.issues if i.code == "duplicate-copy"}
    superseded = {i.file for i in validation.issues if i.code == "mail-superseded"}
    folder_issues = list(folder_issues)  # read once per file below (the run's issues: the tally's are there)
    records: list[dict[str, Any]] = []
    for s in submissions:
        records.append(
            {"file": s.file, "sha256": s.sha256, "size": s.size,
             "modified": modified(s.modified) if s.modified else None,
             "unit": validation.file_units.get(s.file),
             "outcome": _outcome(s, validation, copies, superseded, vote_file, folder_issues),
             "kind": ("peer" if s.peer else "appraisal" if s.appraisal is not None else "tally" if s.tally is not None
                      else "mail" if s.is_mail else "unit"),
             "mail": _mail_record(s),
             "seal": seal.value if (seal := validation.seals.get(s.file)) is not None else None})
        # A message's attachments refused before any reading (a zip bomb, damaged, under a password), as an
        # attachment refused once read is: a unit's file that could not be used.
        records += [{"file": a.name, "sha256": a.sha256, "size": a.size, "modified": None, "unit": None,
                     "outcome": "refused", "kind": "unit", "mail": _mail_record(None, a.envelope.params()),
                     "seal": None}
                    for a in (s.mail.refused if s.mail else ())]
    for issue in folder_issues:
        if issue.code in SKIPPED_CODES and issue.file:
            # Every record has the same keys: a skipped entry's are null, since nothing of it was read.
            records.append({"file": issue.file, "sha256": None, "size": None, "modified": None, "unit": None,
                            "kind": None, "outcome": "skipped", "mail": _mail_record(None, issue.params),
                            "seal": None})
    return records
