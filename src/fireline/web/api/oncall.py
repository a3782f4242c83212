"""/api/v1: who is on call, shifts and gaps, overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from fireline.schemas import Input, Reason, Ref, Time
from fireline.services.admin import list_filters
from fireline.services.oncall import calendar
from fireline.services.oncall import schedules as oncall
from fireline.web.deps import Responder, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(tags=["on call"], responses=document((401, 403, 429, 422)))
ScheduleId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
OverrideId = Annotated[int, Path(ge=1, le=2**31 - 1)]
At = Annotated[Time | None, Query(description="ISO 8601 instant; default now")]


@router.get(
    "/oncall",
    response_model=list[oncall.OnCallRead],
    responses=document((404,)),
    summary="Who is on call, in every schedule or one",
)
def who(
    uow: Uow, _: Viewer, schedule: Annotated[str | None, Query(max_length=40)] = None, at: At = None
) -> list[oncall.OnCallRead]:
    return oncall.who(uow=uow, schedule_id=schedule, at=at)


@router.get(
    "/schedules/{schedule_id}/shifts",
    response_model=oncall.ShiftsRead,
    responses=document((404,)),
    summary="The merged shifts over a range (default: the next 14 days), gaps included",
)
def shifts(
    uow: Uow,
    _: Viewer,
    schedule_id: ScheduleId,
    start: At = None,
    end: Annotated[Time | None, Query(description="Default: 14 days after start")] = None,
    user: Annotated[str | None, Query(max_length=40, description="Only this user's shifts")] = None,
) -> oncall.ShiftsRead:
    list_filters.check_filters(uow=uow, user=user)
    return oncall.shifts(uow=uow, schedule_id=schedule_id, start=start, end=end, user=user)


class OverrideCreate(Input):
    start: Time
    end: Time
    user: Ref | None = None
    replaces: Ref | None = None
    reason: Reason = ""


@router.get(
    "/schedules/{schedule_id}/overrides",
    response_model=list[oncall.OverrideRead],
    responses=document((404,)),
    summary="Overrides that have not ended",
)
def overrides(uow: Uow, _: Viewer, schedule_id: ScheduleId) -> list[oncall.OverrideRead]:
    return oncall.list_overrides(uow=uow, schedule_id=schedule_id)


@router.post(
    "/schedules/{schedule_id}/overrides",
    status_code=201,
    response_model=oncall.OverrideRead,
    responses=document((404,)),
    summary="Put someone on call instead of (or besides) someone else",
)
def create_override(
    uow: Uow, who: Responder, schedule_id: ScheduleId, body: OverrideCreate
) -> oncall.OverrideRead:
    return oncall.create_override(
        uow=uow, actor=who.user_id, schedule_id=schedule_id, **body.model_dump()
    )


@router.delete(
    "/schedules/{schedule_id}/overrides/{override_id}", status_code=204, responses=document((404,))
)
def delete_override(
    uow: Uow, _: Responder, schedule_id: ScheduleId, override_id: OverrideId
) -> None:
    oncall.delete_override(uow=uow, schedule_id=schedule_id, override_id=override_id)


@router.get(
    "/me/calendar",
    response_model=dict[str, str],
    summary="Your secret iCalendar feed URLs: your shifts, and each schedule's",
)
def my_calendar(uow: Uow, who: Viewer, request: Request) -> dict[str, str]:
    base_url = request.app.state.fireline.base_url()
    return calendar.feed_urls(uow=uow, base_url=base_url, user_id=who.user_id)


@router.get(
    "/schedules",
    response_model=list[oncall.ScheduleRead],
    summary="Schedules, flagged when nobody covers part of the next 14 days",
)
def schedules(uow: Uow, _: Viewer) -> list[oncall.ScheduleRead]:
    return oncall.list_schedules(uow=uow)
