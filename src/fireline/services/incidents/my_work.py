"""One person's work at a glance: their on-call status, their shifts, their open tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from fireline.domain import schedule as rules
from fireline.domain.state import Task
from fireline.services.oncall.schedules import domain_schedule
from fireline.storage.assigned import open_states_owned_by
from fireline.storage.models import Schedule
from fireline.storage.uow import UnitOfWork

LOOK_AHEAD = timedelta(days=28)
TASK_SCAN = 100  # open incidents where the user may own a task, read newest first


class MyShift(BaseModel):
    schedule: str
    name: str
    time_zone: str
    start: datetime
    end: datetime


class MyOnCall(BaseModel):
    """Where the user is on call now, and their shifts in the next weeks."""

    now: list[MyShift]
    upcoming: list[MyShift]


class MyTask(BaseModel):
    incident_id: int
    incident_title: str
    task_id: str
    title: str
    due_at: datetime | None


def on_call_status(*, uow: UnitOfWork, user_id: str, ahead: timedelta = LOOK_AHEAD) -> MyOnCall:
    """The user's shifts now and over the next ``ahead``, across every schedule, soonest first."""
    with uow.read():
        now = uow.now()
        found = [
            MyShift(
                schedule=row.id,
                name=row.name,
                time_zone=row.time_zone,
                start=s.start.astimezone(UTC),
                end=s.end.astimezone(UTC),
            )
            for row in uow.directory.list_all(Schedule)
            for s in rules.shifts(domain_schedule(uow, row), now, now + ahead)
            if user_id in s.users and not s.gap
        ]
    found.sort(key=lambda s: s.start)
    return MyOnCall(
        now=[s for s in found if s.start <= now],
        upcoming=[s for s in found if s.start > now],
    )


def open_tasks(*, uow: UnitOfWork, user_id: str, limit: int = 20) -> list[MyTask]:
    """Tasks not done that the user owns, on incidents not closed, newest incident first."""
    with uow.read():
        phases = {
            p.id
            for _, w in uow.workflows.list_latest()
            for p in w.phases
            if "closed" not in p.marks
        }
        states = open_states_owned_by(
            uow.incidents.session, user_id, phases=sorted(phases), limit=TASK_SCAN
        )
    found = [
        MyTask(
            incident_id=state["id"],
            incident_title=state["title"],
            task_id=task.id,
            title=task.title,
            due_at=task.due_at,
        )
        for state in states
        for task in (
            Task.model_validate(t)
            for t in state.get("tasks", ())
            if t.get("owner") == user_id and not t.get("done")
        )
    ]
    return found[:limit]
