"""iCalendar (RFC 5545) feeds of on-call shifts, behind a per-user secret URL."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from fireline.domain import schedule as rules
from fireline.errors import NotFound, Unauthenticated
from fireline.services.admin import secrets
from fireline.services.oncall.schedules import domain_schedule
from fireline.storage.models import Schedule, User
from fireline.storage.uow import UnitOfWork

PAST, AHEAD = timedelta(days=7), timedelta(days=60)


def feed_token(secret: bytes, user_id: str) -> str:
    """``user.signature``: a link that needs no login, so calendar apps can subscribe.

    Signed with the ``calendar-feeds`` key; rotating it changes every feed URL."""
    signature = hmac.new(secret, f"ical:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{user_id}.{signature}"


def feed_urls(*, uow: UnitOfWork, base_url: str, user_id: str) -> dict[str, str]:
    """The user's own feed and one per schedule."""
    with uow:
        token = feed_token(secrets.key(uow, "calendar-feeds"), user_id)
        schedules = [s.id for s in uow.directory.list_all(Schedule)]
        uow.commit()
    root = f"{base_url.rstrip('/')}/ical/{token}"
    return {"mine": f"{root}.ics", **{s: f"{root}/{s}.ics" for s in schedules}}


def render_feed(*, uow: UnitOfWork, token: str, schedule_id: str | None = None) -> bytes:
    """The feed: a user's shifts in every schedule, or every shift of one schedule."""
    with uow:
        user_id = _user_of(secrets.key(uow, "calendar-feeds"), token)
        if uow.directory.find(User, user_id) is None:
            raise Unauthenticated("this calendar link is not valid")
        now = uow.now()
        rows = (
            [uow.directory.get(Schedule, schedule_id)]
            if schedule_id
            else list(uow.directory.list_all(Schedule))
        )
        shifts = [
            (row, s)
            for row in rows
            for s in rules.shifts(domain_schedule(uow, row), now - PAST, now + AHEAD)
        ]
        uow.commit()
    calendar = Calendar()
    calendar.add("prodid", "-//Fireline//on call//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname", f"On call: {schedule_id}" if schedule_id else f"On call: {user_id}"
    )
    for row, shift in shifts:
        if shift.gap or (schedule_id is None and user_id not in shift.users):
            continue
        calendar.add_component(_event(row.id, row.name, shift, now))
    feed: bytes = calendar.to_ical()
    return feed


def _event(schedule_id: str, name: str, shift: rules.Shift, now: datetime) -> Event:
    event = Event()
    event.add(
        "uid", f"{schedule_id}-{int(shift.start.timestamp())}-{'-'.join(shift.users)}@fireline"
    )
    event.add("dtstamp", now)
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("summary", f"On call ({name}): {', '.join(shift.users)}")
    return event


def _user_of(secret: bytes, token: str) -> str:
    user_id, _, _ = token.partition(".")
    if not hmac.compare_digest(token, feed_token(secret, user_id)):
        raise NotFound("there is no such calendar")
    return user_id
