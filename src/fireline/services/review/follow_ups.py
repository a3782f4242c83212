"""Follow-up actions: owned, dated, typed, linked — and reminded to their owners when overdue.

They are incident state (a workflow gate can require every follow-up owned and
dated); the ``follow_ups`` table mirrors them for lists across incidents.
An overdue follow-up that is still open reminds its owner through their
notification rules once a day, and says so on the incident's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from fireline.domain import incident as incident_rules
from fireline.domain import review as rules
from fireline.domain.events import FollowUpOverdue
from fireline.domain.incident import Act, Outcome
from fireline.domain.jobs import Claimed, FollowUpDue
from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.services.incidents import commands as incidents
from fireline.services.paging import escalation as paging
from fireline.storage.models import User
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:follow-ups"
REMIND_EVERY = timedelta(days=1)


class FollowUpRead(BaseModel):
    incident_id: int
    incident_title: str
    id: str
    title: str
    owner: str | None
    due_at: datetime | None
    priority: str
    type: str
    url: str | None
    done: bool
    overdue: bool


def add_follow_up(
    *, uow: UnitOfWork, actor: str, incident_id: int, **fields: Any
) -> incidents.IncidentView:
    """Add a follow-up action: title, owner, due_at, priority, type, url."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        _check_owner(uow, fields.get("owner"))
        return rules.add_follow_up(act, incident, **fields)

    return incidents.change(uow=uow, actor=actor, incident_id=incident_id, decide=decide)


def update_follow_up(
    *, uow: UnitOfWork, actor: str, incident_id: int, follow_up_id: str, changes: dict[str, Any]
) -> incidents.IncidentView:
    """Change a follow-up, or mark it done."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        _check_owner(uow, changes.get("owner"))
        return rules.update_follow_up(act, incident, follow_up_id, changes)

    return incidents.change(uow=uow, actor=actor, incident_id=incident_id, decide=decide)


def _check_owner(uow: UnitOfWork, owner: str | None) -> None:
    if owner is not None:
        uow.directory.get(User, owner, field="owner")


def list_follow_ups(
    *,
    uow: UnitOfWork,
    owner: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
    limit: int = 100,
) -> list[FollowUpRead]:
    """Follow-ups across incidents, soonest due first; ``overdue``: open and past due."""
    with uow.read():
        now = uow.now()
        rows = uow.review.follow_ups(
            owner=owner, open_only=open_only, due_before=now if overdue else None, limit=limit
        )
        return [
            FollowUpRead(
                incident_id=row.incident_id,
                incident_title=title,
                id=row.id,
                title=row.title,
                owner=row.owner,
                due_at=row.due_at,
                priority=row.priority,
                type=row.type,
                url=row.url,
                done=row.done_at is not None,
                overdue=row.done_at is None and row.due_at is not None and row.due_at < now,
            )
            for row, title in rows
        ]


def plan_reminders(uow: UnitOfWork, incident: Incident, now: datetime) -> int:
    """Queue a reminder at the due time of every open, dated follow-up (once per due time)."""
    queued = 0
    for f in incident.follow_ups:
        if f.due_at is not None and not f.done:
            queued += _queue(uow, incident.id, f.id, f.due_at, f.due_at, now)
    return queued


def _queue(
    uow: UnitOfWork, incident_id: int, follow_up_id: str, due: datetime, at: datetime, now: datetime
) -> bool:
    job = FollowUpDue(incident_id=incident_id, follow_up=follow_up_id, due_at=due)
    return uow.jobs.add(job, due_at=at, now=now)


def remind(uow: UnitOfWork, claimed: Claimed[FollowUpDue], now: datetime) -> None:
    """Remind the owner of a follow-up still open past its due time; again a day later."""
    incident = uow.incidents.get(claimed.incident_id, for_update=True)
    f = incident.follow_up(claimed.job.follow_up)
    if f is None or f.done or f.due_at is None or f.due_at != claimed.job.due_at:
        return  # done, or its due date moved (a job for the new date exists)
    text = f"Follow-up {f.id} of incident #{incident.id} was due {f.due_at:%Y-%m-%d %H:%M} UTC: {f.title}"
    reached = f.owner is not None and paging.queue_deliveries(
        uow, incident.id, f.owner, claimed.key, now, purpose="reminder", text=text
    )
    overdue = FollowUpOverdue(
        at=now, actor=ACTOR, follow_up_id=f.id, owner=f.owner, due_at=f.due_at, reminded=reached
    )
    state, events = incident_rules.record_news(incident, overdue)
    uow.incidents.save(state, events)
    _queue(uow, incident.id, f.id, f.due_at, now + REMIND_EVERY, now)
