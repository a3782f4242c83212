"""Follow-up actions: owned, dated, typed, linked (reminders: ``follow_up_reminders.py``).

They are incident state (a workflow gate can require every follow-up owned and
dated); the ``follow_ups`` table mirrors them for lists across incidents.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from fireline.domain import review as rules
from fireline.domain.incident import Act, Outcome
from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.services.incidents import commands as incidents
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
