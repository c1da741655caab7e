"""Whether each unit's file and peer workbook carries the bloc's authentication code (rules/seal.py).

A file whose code the bloc's keys do not verify was not issued by this bloc for the unit it names — made by
another copy of bloc-score, or its hidden sheet edited — and is never used. A file with no code at all is
used, with a warning, only where the bloc never issued sealed workbooks of its kind for that year and
revision (a folder begun before the code existed), or where the rules make an exception for its unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.reading.read import Submission
from pipeline.rules.model import Rules
from pipeline.rules.seal import PEER_WORKBOOKS, SEAL_KEY, TEMPLATES, Seals, Verdict, key_id_of


@dataclass
class Sealed:
    """Each file's verdict, the files not used for it, and what was found."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)


def check_seals(rules: Rules, seals: Seals, claims: Iterable[tuple[Submission, str]], *,
                say_unchecked: bool = True) -> Sealed:
    """The verdict on every (file, the unit it speaks for — its own, or a peer workbook's scorer); without a
    key nothing is checked, which is said once (`say_unchecked`)."""
    found = Sealed()
    for submission, unit_code in claims:
        verdict = seals.verdict(submission.identity)
        found.verdicts[submission.file] = verdict
        unit = rules.unit(unit_code)
        params = {"what": Label("record.peer" if submission.peer else "record.unit_file"), "claimed": unit_code,
                  "claimed_name": unit.name if unit else ""}
        if verdict == Verdict.MISMATCH:
            found.refused.add(submission.file)
            # No unit is blamed: the file may be another unit's forgery of this one's.
            found.issues.append(Issue("seal-mismatch", file=submission.file, params={
                **params, "key_id": key_id_of(submission.identity.get(SEAL_KEY, "")) or "?"}))
        elif verdict == Verdict.MISSING:
            kind = PEER_WORKBOOKS if submission.peer else TEMPLATES
            # A file with no identity sheet at all is taken for what this run scores: its year's issue counts.
            said = {"bloc": rules.bloc, "year": str(rules.year), "revision": str(rules.revision),
                    **submission.identity}
            if not seals.requires_seal(said, kind):
                found.issues.append(Issue("seal-missing", file=submission.file, unit=unit_code, params=params))
            elif unit_code in rules.accept_unsealed:
                found.issues.append(Issue("seal-missing-accepted", file=submission.file, unit=unit_code,
                                          params={**params, "reason": rules.accept_unsealed_reason}))
            else:
                found.refused.add(submission.file)
                found.issues.append(Issue("seal-required", file=submission.file, params=params))
    if say_unchecked and not seals.checked and found.verdicts:
        found.issues.append(Issue("seal-not-checked"))
    return found
