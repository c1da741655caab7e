"""The rules of the bloc's procedure rather than its scoring: who appraises (the bloc, or the units scoring
each other), the members' vote, who signs the bloc's documents, the units' addresses and the dates.

Each part of the rules file is checked here with its mistakes located, as in pipeline/rules/model.py, which
puts them into `Rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pipeline.rules.yaml_nodes import Checker, Node

VoteBase = Literal["present", "members"]
VOTE_BASES: tuple[VoteBase, ...] = ("present", "members")
APPRAISERS = ("bloc", "peers")
_SIGNER_KEYS = {"capacity", "position", "office", "name"}
_REFERENCE_KEYS = {"document", "number", "date"}
_PROPOSAL_KEYS = {"number", "date"}
_APPRAISAL_KEYS = {"reason_required", "by", "peers"}
_PEERS_KEYS = {"trim", "min_scorers"}
_VOTE_KEYS = {"awards", "threshold", "strict", "of"}
_SEAL_KEYS = {"accept_unsealed", "reason"}


@dataclass(frozen=True)
class Vote:
    """`vote:` — which awards the members decide by ballot, and what share of whom a candidate needs.

    A candidate passes with more than (`strict`) or at least `threshold` of the members present at the count
    (`of: present`) or of all the bloc's member units (`of: members`).
    """

    awards: tuple[str, ...]
    threshold: Decimal = Decimal("0.5")
    strict: bool = True
    of: VoteBase = "present"


@dataclass(frozen=True)
class Signer:
    """A signature block: the capacity signed in (T/M KHỐI THI ĐUA), the position (KHỐI TRƯỞNG), the signer's
    own office (CHÁNH VĂN PHÒNG TỈNH ỦY: the bloc has no seal, its leader's agency stamps), the name."""

    capacity: str
    position: str
    name: str
    office: str = ""


@dataclass(frozen=True)
class Reference:
    """A document of the bloc named by another: its kind and summary (Báo cáo tổng kết …), number, date.

    `attached_to:` written as plain text keeps that text whole (`plain`); as a mapping its parts are set in
    the line "(Kèm theo Báo cáo số 15-BC/KTĐ ngày 10/01/2025)", blanks left to fill in by hand.
    """

    document: str
    number: str = ""
    date: date | None = None
    plain: bool = False


@dataclass(frozen=True)
class Numbering:
    """`proposal: {number, date}` — the number and signing date of a document the bloc issues."""

    number: str = ""
    date: date | None = None


def signers(check: Checker, node: Node | None) -> tuple[Signer, ...]:
    signers = []
    for index, item in enumerate(check.sequence(node, "signers", required=False)):
        path = f"signers[{index}]"
        keys = check.mapping(item, path, _SIGNER_KEYS, ("capacity", "position"))
        signers.append(Signer(capacity=check.string(keys.get("capacity"), f"{path}.capacity", required=False),
                              position=check.string(keys.get("position"), f"{path}.position", required=False),
                              name=check.string(keys.get("name"), f"{path}.name", required=False),
                              office=check.string(keys.get("office"), f"{path}.office", required=False)))
    return tuple(signers)


def reference(check: Checker, node: Node | None, path: str) -> Reference | None:
    """`attached_to: {document: Báo cáo, number: 15-BC/KTĐ, date: 2025-01-10}`, or the same as plain text."""
    if node is None or node.value in (None, ""):
        return None
    if not isinstance(node.value, dict):
        written = check.string(node, path, required=False)
        return Reference(written, plain=True) if written else None
    keys = check.mapping(node, path, _REFERENCE_KEYS, ("document",))
    return Reference(document=check.string(keys.get("document"), f"{path}.document"),
                     number=check.string(keys.get("number"), f"{path}.number", required=False),
                     date=day(check, keys.get("date"), f"{path}.date"))


def numbering(check: Checker, node: Node | None, path: str) -> Numbering:
    """`proposal: {number: 03-TTr/KTĐ, date: 2025-01-15}`; either may be left out, to be written by hand."""
    if node is None or node.value in (None, ""):
        return Numbering()
    keys = check.mapping(node, path, _PROPOSAL_KEYS, ())
    return Numbering(number=check.string(keys.get("number"), f"{path}.number", required=False),
                     date=day(check, keys.get("date"), f"{path}.date"))


def texts(check: Checker, node: Node | None, path: str) -> tuple[str, ...]:
    """One line of text, or a list of them (`addressee:` with several bodies)."""
    if node is None or node.value in (None, ""):
        return ()
    if isinstance(node.value, list):
        return tuple(line for index, item in enumerate(check.sequence(node, path))
                     if (line := check.string(item, f"{path}[{index}]")))
    written = check.string(node, path, required=False)
    return (written,) if written else ()


def reason_required(check: Checker, node: Node | None) -> bool:
    """`appraisal: {reason_required: false}`: whether a changed score needs a reason (default: it does)."""
    if node is None:
        return True
    keys = check.mapping(node, "appraisal", _APPRAISAL_KEYS, ())
    found = keys.get("reason_required")
    if found is None:
        return True
    # A wrong value is reported at its line; meanwhile the stricter reading holds.
    return found.value if isinstance(found.value, bool) else check.boolean(found, "appraisal.reason_required") or True


def peers(check: Checker, node: Node | None, unit_count: int) -> tuple[str, int, int]:
    """`appraisal: {by: peers, peers: {trim: 1, min_scorers: 5}}`: who appraises, and how peer scores combine.

    Trimming must leave a score (min_scorers > 2 × trim), and with `by: peers` a criterion can have at most
    units − 1 peer scores (a unit never scores itself), so a larger min_scorers would never be reached.
    """
    if node is None or not isinstance(node.value, dict):
        return "bloc", 1, 3
    keys = node.value
    by = check.choice(keys.get("by"), "appraisal.by", APPRAISERS, "bloc")
    peers = keys.get("peers")
    if peers is None:
        return by, 1, 3
    found = check.mapping(peers, "appraisal.peers", _PEERS_KEYS, ())
    trim = check.integer(found.get("trim"), "appraisal.peers.trim", default=1, low=0, high=100)
    least = 2 * trim + 1
    min_scorers = check.integer(found.get("min_scorers"), "appraisal.peers.min_scorers", default=least,
                                low=1, high=10_000)
    where = found.get("min_scorers") or found.get("trim") or peers
    if min_scorers < least:
        check.problem("appraisal.peers.min_scorers", where, "peers_trim_too_large", min_scorers=min_scorers,
                      trim=trim, least=least)
    elif by == "peers" and unit_count and min_scorers > unit_count - 1:
        check.problem("appraisal.peers.min_scorers", where, "peers_too_few_units", min_scorers=min_scorers,
                      units=unit_count, most=unit_count - 1)
    return by, trim, min_scorers


def vote(check: Checker, node: Node | None, award_keys: list[str]) -> Vote | None:
    """`vote: {awards: [flag], threshold: 0.5, strict: true, of: present}`; every listed award must exist."""
    if node is None:
        return None
    fields = check.mapping(node, "vote", _VOTE_KEYS, ("awards",))
    voted: list[str] = []
    for index, item in enumerate(check.sequence(fields.get("awards"), "vote.awards")):
        path = f"vote.awards[{index}]"
        key = check.string(item, path)
        if key and key not in award_keys:
            check.problem(path, item, "unknown_award", key=key, known=", ".join(award_keys) or "—")
        elif key in voted:
            check.problem(path, item, "duplicate_key", key=key)
        elif key:
            voted.append(key)
    threshold = check.share(fields.get("threshold"), "vote.threshold")
    strict = check.boolean(fields.get("strict"), "vote.strict") if "strict" in fields else True
    of = check.choice(fields.get("of"), "vote.of", VOTE_BASES, "present")
    return Vote(tuple(voted), threshold if threshold is not None else Decimal("0.5"), strict, of)


def accept_unsealed(check: Checker, node: Node | None, unit_codes: list[str]) -> tuple[tuple[str, ...], str]:
    """`seal: {accept_unsealed: [VPTU], reason: "…"}`: the units whose file without the bloc's authentication
    code is accepted although sealed templates were issued, and why — an exception on the record."""
    if node is None:
        return (), ""
    fields = check.mapping(node, "seal", _SEAL_KEYS, ("accept_unsealed", "reason"))
    accepted: list[str] = []
    for index, item in enumerate(check.sequence(fields.get("accept_unsealed"), "seal.accept_unsealed")):
        path = f"seal.accept_unsealed[{index}]"
        code = check.string(item, path)
        if code and code not in unit_codes:
            check.problem(path, item, "unknown_unit", code=code, known=", ".join(unit_codes))
        elif code and code not in accepted:
            accepted.append(code)
    return tuple(accepted), check.string(fields.get("reason"), "seal.reason")


# An address as a secretary copies it from a directory, name@agency.gov.vn: RFC 5322's dot-atom, in ASCII, as
# every mail client takes it. An address the feedback drafts could not write is refused here, at its line.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def emails(check: Checker, node: Node | None, path: str) -> str:
    """`email: vp@tinhuy.gov.vn` or several separated by commas or semicolons; written back joined by ", "."""
    written = check.string(node, path, required=False)
    addresses = [part.strip() for part in re.split(r"[,;]", written) if part.strip()]
    for address in addresses:
        if not _EMAIL.fullmatch(address):
            check.problem(path, node, "bad_email", value=address)
    return ", ".join(addresses)


def day(check: Checker, node: Node | None, path: str) -> date | None:
    """A day written YYYY-MM-DD (YAML reads it as a date; quoted, it is text in the same form)."""
    if node is None or node.value in (None, ""):
        return None
    if isinstance(node.value, datetime):  # `2025-01-15 17:00`: the day is what counts
        return node.value.date()
    if isinstance(node.value, date):
        return node.value
    try:
        return date.fromisoformat(str(node.value).strip())
    except ValueError:
        check.problem(path, node, "bad_date", value=node.value)
        return None
