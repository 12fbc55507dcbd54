"""Open and close moments from what people type: a date, or a date and time.

A date alone opens at 00:00 UTC of that day and closes at the end of it (00:00 UTC of the next
day is the first moment refused), so "closes 2027-01-31" accepts comments all of 31 January.
A date and time (ISO 8601) is taken as given; without an offset it is UTC.
"""

from __future__ import annotations

import datetime as dt

from tongzhou.consultation.errors import ConsultationError


def _parse(value: str, field: str) -> dt.datetime | dt.date:
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConsultationError("bad-date", field=field) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def opening(value: str, field: str = "opens") -> dt.datetime:
    """When comments start to be accepted."""
    parsed = _parse(value, field)
    if isinstance(parsed, dt.datetime):
        return parsed
    return dt.datetime.combine(parsed, dt.time(), dt.UTC)


def closing(value: str, field: str = "closes") -> dt.datetime:
    """The first moment comments are refused (a date: the end of that day)."""
    parsed = _parse(value, field)
    if isinstance(parsed, dt.datetime):
        return parsed
    return dt.datetime.combine(parsed + dt.timedelta(days=1), dt.time(), dt.UTC)


def day(value: str | None, field: str = "entry_into_force") -> dt.date | None:
    """A calendar date, or None for an empty value."""
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConsultationError("bad-date", field=field) from None
