"""On call: who is on call now, a calendar of shifts with the gaps, overrides, my shifts and
my calendar link — through services/oncall.py, services/my_work.py and services/calendar.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fireline.errors import FirelineError
from fireline.services.incidents import my_work
from fireline.services.incidents import views as incident_views
from fireline.services.oncall import calendar
from fireline.services.oncall import schedules as oncall
from fireline.services.oncall.schedules import ShiftRead
from fireline.storage.uow import UnitOfWork
from fireline.web.api.oncall import OverrideCreate
from fireline.web.deps import Uow
from fireline.web.ui.alert_pages import form_time
from fireline.web.ui.forms import validated
from fireline.web.ui.session import Form, FormBody, ResponderActs, SignedIn
from fireline.web.ui.templating import render

router = APIRouter(prefix="/oncall", include_in_schema=False)
ScheduleId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
OverrideId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Days = Annotated[int, Query(ge=1, le=28)]


@dataclass(frozen=True)
class Segment:
    """Part of one day with the same people on call, in the schedule's time zone."""

    start: str
    end: str
    users: tuple[str, ...]
    gap: bool
    current: bool


@dataclass(frozen=True)
class Day:
    date: datetime
    segments: list[Segment]

    @property
    def has_gap(self) -> bool:
        return any(s.gap for s in self.segments)


@dataclass(frozen=True)
class ScheduleCalendar:
    schedule: oncall.ScheduleRead
    days: list[Day]
    gaps: int
    overrides: list[oncall.OverrideRead]


def calendar_days(
    shifts: list[ShiftRead], zone: ZoneInfo, first: datetime, now: datetime
) -> list[Day]:
    """The shifts cut at each local midnight, from ``first`` (a local midnight) to the last end."""
    days: list[Day] = []
    day = first
    end = max((s.end for s in shifts), default=first)
    while day < end:
        after = day + timedelta(days=1)
        parts = [
            _segment(s, day, after, zone, now) for s in shifts if s.start < after and s.end > day
        ]
        days.append(Day(day, parts))
        day = after
    return days


def _segment(
    shift: ShiftRead, day: datetime, after: datetime, zone: ZoneInfo, now: datetime
) -> Segment:
    start, end = max(shift.start, day), min(shift.end, after)
    until = "24:00" if end == after else f"{end.astimezone(zone):%H:%M}"
    return Segment(
        f"{start.astimezone(zone):%H:%M}",
        until,
        tuple(shift.users),
        shift.gap,
        start <= now < end,
    )


def _calendar(
    uow: UnitOfWork, schedule: oncall.ScheduleRead, days: int, now: datetime
) -> ScheduleCalendar:
    zone = ZoneInfo(schedule.time_zone)
    first = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    found = oncall.shifts(
        uow=uow, schedule_id=schedule.id, start=first, end=first + timedelta(days=days)
    )
    return ScheduleCalendar(
        schedule,
        calendar_days(found.shifts, zone, first, now),
        found.gaps,
        oncall.list_overrides(uow=uow, schedule_id=schedule.id),
    )


@router.get("")
def oncall_page(request: Request, uow: Uow, who: SignedIn, days: Days = 14) -> Response:
    return _page(request, uow, who.principal.user_id, days)


def _page(
    request: Request,
    uow: UnitOfWork,
    user_id: str,
    days: int = 14,
    *,
    status: int = 200,
    error: str | None = None,
    failed: str | None = None,
    form: Form | None = None,
) -> Response:
    core = request.app.state.fireline
    now = core.clock()
    schedules = oncall.list_schedules(uow=uow)
    people = incident_views.directory(uow=uow).responders
    return render(
        request,
        "oncall.html",
        status,
        calendars=[_calendar(uow, s, days, now) for s in schedules],
        days=days,
        mine=my_work.on_call_status(uow=uow, user_id=user_id),
        feeds=calendar.feed_urls(uow=uow, base_url=core.base_url(), user_id=user_id),
        names={p.id: p.name for p in people},
        people=people,
        error=error,
        failed=failed,
        form=form or Form({}),
    )


@router.post("/{schedule_id}/overrides")
def create_override(
    request: Request, uow: Uow, who: ResponderActs, schedule_id: ScheduleId, form: FormBody
) -> Response:
    try:
        zone = _zone_of(uow, schedule_id)
        body = validated(
            OverrideCreate,
            start=form_time(form, "start", zone),
            end=form_time(form, "end", zone),
            user=form.optional("user"),
            replaces=form.optional("replaces"),
            reason=form.get("reason").strip(),
        )
        oncall.create_override(
            uow=uow, actor=who.principal.user_id, schedule_id=schedule_id, **body.model_dump()
        )
    except FirelineError as error:
        return _page(
            request,
            uow,
            who.principal.user_id,
            status=error.status,
            error=error.message,
            failed=schedule_id,
            form=form,
        )
    return RedirectResponse(f"/oncall#schedule-{schedule_id}", status_code=303)


def _zone_of(uow: UnitOfWork, schedule_id: str) -> str:
    """The schedule's time zone (NotFound, worded as the API, when there is no such schedule)."""
    now = uow.now()
    return oncall.shifts(
        uow=uow, schedule_id=schedule_id, start=now, end=now + timedelta(minutes=1)
    ).time_zone


@router.post("/{schedule_id}/overrides/{override_id}/delete")
def delete_override(
    request: Request,
    uow: Uow,
    who: ResponderActs,
    schedule_id: ScheduleId,
    override_id: OverrideId,
    form: FormBody,
) -> Response:
    try:
        oncall.delete_override(uow=uow, schedule_id=schedule_id, override_id=override_id)
    except FirelineError as error:
        return _page(
            request,
            uow,
            who.principal.user_id,
            status=error.status,
            error=error.message,
            failed=schedule_id,
        )
    return RedirectResponse(f"/oncall#schedule-{schedule_id}", status_code=303)
