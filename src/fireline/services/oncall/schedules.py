"""On call: who is on call when, the merged shifts and their gaps, and overrides."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel

from fireline.domain import schedule as rules
from fireline.domain.durations import parse_duration
from fireline.errors import InvalidInput, NotFound
from fireline.storage.directory import OverrideRecord
from fireline.storage.models import Schedule, ScheduleOverride, User
from fireline.storage.uow import UnitOfWork

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LONGEST_RANGE = timedelta(days=92)


class OnCallRead(BaseModel):
    schedule: str
    name: str
    at: datetime
    users: list[str]


class ShiftRead(BaseModel):
    start: datetime
    end: datetime
    users: list[str]
    gap: bool


class ShiftsRead(BaseModel):
    schedule: str
    time_zone: str
    start: datetime
    end: datetime
    shifts: list[ShiftRead]
    gaps: int


class ScheduleRead(BaseModel):
    id: str
    name: str
    time_zone: str
    on_call_now: list[str]
    gaps_next_14_days: int
    first_gap: datetime | None


class OverrideRead(BaseModel):
    id: int
    schedule: str
    start: datetime
    end: datetime
    user: str | None
    replaces: str | None
    reason: str
    created_by: str


def who(
    *, uow: UnitOfWork, schedule_id: str | None = None, at: datetime | None = None
) -> list[OnCallRead]:
    """Who is on call in one schedule, or in every schedule, at an instant (default: now)."""
    with uow.read():
        moment = (at or uow.now()).astimezone(UTC)
        rows = (
            [uow.directory.get(Schedule, schedule_id)]
            if schedule_id
            else list(uow.directory.list_all(Schedule))
        )
        return [
            OnCallRead(
                schedule=row.id,
                name=row.name,
                at=moment,
                users=list(rules.on_call(domain_schedule(uow, row), moment)),
            )
            for row in rows
        ]


def on_call_within(uow: UnitOfWork, schedule_id: str, at: datetime) -> list[str]:
    """Who is on call in a schedule, inside a unit of work the caller already opened."""
    return list(rules.on_call(domain_schedule(uow, uow.directory.get(Schedule, schedule_id)), at))


def list_schedules(*, uow: UnitOfWork) -> list[ScheduleRead]:
    """Every schedule with who is on call now and the gaps in the next 14 days."""
    with uow.read():
        now = uow.now()
        found = []
        for row in uow.directory.list_all(Schedule):
            schedule = domain_schedule(uow, row)
            holes = rules.gaps(schedule, now, now + timedelta(days=14))
            found.append(
                ScheduleRead(
                    id=row.id,
                    name=row.name,
                    time_zone=row.time_zone,
                    on_call_now=list(rules.on_call(schedule, now)),
                    gaps_next_14_days=len(holes),
                    first_gap=holes[0].start if holes else None,
                )
            )
        return found


def shifts(
    *,
    uow: UnitOfWork,
    schedule_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    user: str | None = None,
) -> ShiftsRead:
    """The merged shifts of a schedule over a range (default: the next 14 days), gaps included;
    only ``user``'s shifts if given."""
    with uow.read():
        begin = start or uow.now()
        finish = end or begin + timedelta(days=14)
        _check_range(begin, finish)
        row = uow.directory.get(Schedule, schedule_id)
        found = rules.shifts(domain_schedule(uow, row), begin, finish)
    chosen = [s for s in found if user is None or user in s.users]
    return ShiftsRead(
        schedule=row.id,
        time_zone=row.time_zone,
        start=begin,
        end=finish,
        shifts=[
            ShiftRead(start=s.start, end=s.end, users=list(s.users), gap=s.gap) for s in chosen
        ],
        gaps=sum(s.gap for s in found),
    )


def _check_range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput("the end of the range must come after its start", field="end")
    if end - start > LONGEST_RANGE:
        raise InvalidInput(f"ask for at most {LONGEST_RANGE.days} days at a time", field="end")


def create_override(
    *,
    uow: UnitOfWork,
    actor: str,
    schedule_id: str,
    start: datetime,
    end: datetime,
    user: str | None,
    replaces: str | None,
    reason: str = "",
) -> OverrideRead:
    """Put ``user`` on call instead of ``replaces`` (or in addition, or remove ``replaces``) for a range."""
    if user is None and replaces is None:
        raise InvalidInput(
            "name who takes over (user), who is replaced (replaces), or both", field="user"
        )
    if end <= start:
        raise InvalidInput("the override must end after it starts", field="end")
    with uow:
        uow.directory.get(Schedule, schedule_id)
        for field, user_id in (("user", user), ("replaces", replaces)):
            if user_id is not None:
                uow.directory.get(User, user_id, field=field)
        if user is not None and uow.directory.get(User, user).role == "viewer":
            raise InvalidInput(
                f"{user} is a viewer; only responders and admins go on call", field="user"
            )
        override = uow.directory.add_override(
            ScheduleOverride(
                schedule_id=schedule_id,
                start=start,
                end=end,
                user_id=user,
                replaces=replaces,
                reason=reason,
                created_by=actor,
                created_at=uow.now(),
            )
        )
        uow.commit()
    return _override(override)


def list_overrides(*, uow: UnitOfWork, schedule_id: str) -> list[OverrideRead]:
    """Overrides that have not ended yet."""
    with uow.read():
        uow.directory.get(Schedule, schedule_id)
        return [_override(o) for o in uow.directory.overrides_of(schedule_id, since=uow.now())]


def delete_override(*, uow: UnitOfWork, schedule_id: str, override_id: int) -> None:
    """Delete an override that has not started; end one that has (the past stays as it was)."""
    with uow:
        now = uow.now()
        override = uow.directory.override(override_id)
        if override is None or override.schedule_id != schedule_id or override.end <= now:
            raise NotFound(
                f"schedule {schedule_id} has no override {override_id} that has not ended"
            )
        if override.start <= now:
            uow.directory.end_override(override_id, now)
        else:
            uow.directory.delete_override(override_id)
        uow.commit()


def _override(override: OverrideRecord) -> OverrideRead:
    return OverrideRead(
        id=override.id,
        schedule=override.schedule_id,
        start=override.start,
        end=override.end,
        user=override.user_id,
        replaces=override.replaces,
        reason=override.reason,
        created_by=override.created_by,
    )


def domain_schedule(uow: UnitOfWork, row: Schedule) -> rules.Schedule:
    """The stored schedule (with its history and overrides) as the domain's value."""
    versions, since = [], EPOCH
    for past in row.history:
        versions.append(
            rules.Version(since, _layers(past["definition"]), past["definition"].get("time_zone"))
        )
        since = datetime.fromisoformat(past["until"])
    versions.append(rules.Version(since, _layers(row.definition)))
    overrides = tuple(
        rules.Override(o.start, o.end, o.user_id, o.replaces, o.id)
        for o in uow.directory.overrides_of(row.id, since=EPOCH)
    )
    return rules.Schedule(row.id, row.time_zone, tuple(versions), overrides)


def _layers(definition: dict[str, Any]) -> tuple[rules.Layer, ...]:
    return tuple(
        rules.Layer(
            name=layer["name"],
            users=tuple(layer["users"]),
            every=parse_duration(layer["rotation"]["every"]),
            handoff=datetime.fromisoformat(layer["rotation"]["handoff"]),
            windows=tuple(
                rules.Window(
                    tuple(r["days"]), time.fromisoformat(r["from"]), time.fromisoformat(r["to"])
                )
                for r in layer.get("restrictions", [])
            ),
        )
        for layer in definition["layers"]
    )
