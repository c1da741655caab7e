"""Who sent each file: a saved message's outer sender compared with the units' addresses in the rules.

A message's From is the one thing about a file a unit cannot set for another unit from its own mailbox, so
it decides three things: a unit's file (or peer workbook) sent from another unit's address is not used; a
later message replaces an earlier one only when both came from the same unit; and a Date far in the future
(typed, or a clock set wrong) never makes a message "later". A file saved by hand, or forwarded by the bloc's
own address (`bloc_email`), says nothing of its sender: it is taken as the secretary put it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.core.issues import Issue
from pipeline.core.labels import Label
from pipeline.reading.mail.messages import Envelope
from pipeline.reading.read import Submission
from pipeline.rules.model import Rules

# How far past the run's own time a message's Date may be before it is not believed: a day covers every
# time zone and a PC whose clock is a few hours off.
FUTURE_TOLERANCE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Sent:
    """What the sender of a file decides: who it counts as (None: hand-saved, or forwarded by the bloc) and
    the moment that may set it after another file of the same sender (None: it cannot)."""

    sender: str | None
    moment: dt.datetime | None


@dataclass
class Senders:
    """Each file's sender, the files not used because another unit sent them, and what was found."""

    sent: dict[str, Sent]  # file → its sender, for every file attached to a message
    refused: set[str]
    issues: list[Issue]


def check_senders(rules: Rules, claims: Iterable[tuple[Submission, str]], now: dt.datetime) -> Senders:
    """Compare the sender of every (file, the unit it speaks for — its own unit, or a peer workbook's scorer)."""
    found = Senders({}, set(), [])
    messages: dict[str, tuple[Envelope, dict[str, None]]] = {}  # message → its envelope, the units it carried
    for submission, unit_code in claims:
        envelope = submission.envelope
        if envelope is None or (envelope.address and envelope.address in rules.bloc_addresses):
            continue  # saved by hand, or forwarded by the bloc: taken as the secretary put it
        moment = _moment(envelope)
        if envelope.message not in messages and moment is not None and moment > now + FUTURE_TOLERANCE:
            found.issues.append(Issue("mail-date-future", file=envelope.message, params=envelope.params()))
        if moment is not None and moment > now + FUTURE_TOLERANCE:
            moment = None
        owners = rules.units_of_address(envelope.address) if envelope.address else ()
        unit = rules.unit(unit_code)
        what = Label("record.peer" if submission.peer else "record.unit_file")
        messages.setdefault(envelope.message, (envelope, {}))[1][unit_code] = None
        if owners and unit_code not in {owner.code for owner in owners}:
            found.refused.add(submission.file)
            found.issues.append(Issue("sender-other-unit", file=submission.file, params={
                **envelope.params(), "sender_address": envelope.address, "what": what, "claimed": unit_code,
                "claimed_name": unit.name if unit else "", "sender_unit": ", ".join(owner.code for owner in owners),
                "sender_name": ", ".join(owner.name for owner in owners)}))
            continue
        if not owners and rules.lists_senders:
            found.issues.append(Issue("sender-unknown", file=submission.file, unit=unit_code, params={
                **envelope.params(), "sender_address": envelope.address or "?", "what": what}))
        # Where the rules list the unit's addresses, any of them is the unit; else only the same address is.
        found.sent[submission.file] = Sent(f"unit:{unit_code}" if owners else f"address:{envelope.address}", moment)
    for message, (envelope, units) in messages.items():
        if len(units) > 1:
            found.issues.append(Issue("mail-several-units", file=message,
                                      params={**envelope.params(), "units": ", ".join(units)}))
    return found


def _moment(envelope: Envelope) -> dt.datetime | None:
    """The message's Date as a moment, or None when it cannot be one (a year 9999 with an offset, say)."""
    try:
        return envelope.moment()
    except (ValueError, OverflowError):
        return None
