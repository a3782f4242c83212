"""A date without a time is the end of that day, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fireline.domain.due import bare_day, due_on


def test_a_day_is_due_at_its_end_in_utc() -> None:
    assert due_on(date(2026, 12, 15)) == datetime(2026, 12, 15, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        (" 2026-12-15 ", date(2026, 12, 15)),
        (date(2026, 12, 15), date(2026, 12, 15)),
        ("2026-12-15T10:00", None),
        (datetime(2026, 12, 15, tzinfo=UTC), None),
        ("2026-13-45", None),
        ("tomorrow", None),
        (None, None),
    ],
)
def test_only_a_date_alone_is_a_bare_day(value: object, day: date | None) -> None:
    assert bare_day(value) == day
