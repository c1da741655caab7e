"""A moment as a user in Vietnam reads it: in Vietnam's time (UTC+07:00, a fixed offset, so the same inputs
give the same outputs on any computer), in the Vietnamese form "05 giờ 14, ngày 06/12/2026".

A moment whose zone is unknown (a file's save time written without one) is shown as written. File
properties (docProps, zip members) and the JSON keep their own forms (UTC, ISO 8601).
"""

from __future__ import annotations

import datetime as dt

from pipeline.core.labels import Label

VIETNAM = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")


def in_vietnam(moment: dt.datetime) -> dt.datetime:
    """The moment in Vietnam's time; one without a zone as it is."""
    return moment.astimezone(VIETNAM) if moment.tzinfo is not None else moment


def moment_label(moment: dt.datetime) -> Label:
    """The moment in Vietnam's time, to be rendered in any language (`moment.shown`)."""
    local = in_vietnam(moment)
    return Label("moment.shown", (("hour", f"{local:%H}"), ("minute", f"{local:%M}"), ("date", f"{local:%d/%m/%Y}")))
