"""When something is due: a date without a time means the end of that day, in UTC.

Fireline has no organisation-wide time zone, so due dates are days in UTC; the API, the
CLI and the web forms all read a bare date through :func:`due_on`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

END_OF_DAY = time(23, 59, tzinfo=UTC)


def due_on(day: date) -> datetime:
    """The moment something due on ``day`` is due: 23:59 UTC that day."""
    return datetime.combine(day, END_OF_DAY)


def bare_day(value: object) -> date | None:
    """The day ``value`` names when it is a date alone (``2026-12-15``), else None."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
