"""Status-update reminders: the communications lead is paged when an update is overdue.

The cadence comes from ``priorities.status_updates`` (P1: 30m, …). One reminder
job per incident is pending at a time; when it runs it looks at the timeline:
if no status update was posted within the cadence, it pages the holder of the
communications role (the commander if nobody holds it), then plans the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fireline.domain import incident as rules
from fireline.domain.events import Declared, StatusUpdateDue, StatusUpdatePosted
from fireline.domain.jobs import Claimed, StatusReminder
from fireline.domain.state import Incident
from fireline.services.admin import organisation
from fireline.services.paging.escalation import queue_deliveries
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:reminder"


def cadence(uow: UnitOfWork, incident: Incident) -> timedelta | None:
    """How often this incident needs a status update, by its priority (None: no reminders)."""
    if incident.priority is None or incident.timestamps.resolved_at is not None:
        return None
    return organisation.priority_policy(uow).status_updates.get(incident.priority)


def plan(uow: UnitOfWork, incident: Incident, now: datetime) -> bool:
    """Queue the incident's next reminder unless one is pending or none is needed."""
    every = cadence(uow, incident)
    if every is None or uow.jobs.has_pending(incident.id, StatusReminder):
        return False
    due = _last_update(uow, incident.id, now) + every
    return uow.jobs.add(StatusReminder(incident_id=incident.id), due_at=due, now=now)


def _last_update(uow: UnitOfWork, incident_id: int, now: datetime) -> datetime:
    updates = uow.incidents.timeline(incident_id, [StatusUpdatePosted, Declared])
    return updates[-1].event.at if updates else now


def remind(uow: UnitOfWork, claimed: Claimed[StatusReminder], now: datetime) -> None:
    """Page the communications lead if the last update is older than the cadence; plan the next."""
    incident = uow.incidents.get(claimed.incident_id, for_update=True)
    every = cadence(uow, incident)
    if every is None:
        return
    last = _last_update(uow, incident.id, now)
    if now - last >= every:
        lead = incident.roles.get("communications") or incident.roles.get("commander")
        if lead is not None:
            queue_deliveries(
                uow, incident.id, lead, f"reminder-{int(now.timestamp())}", now, reassigned=True
            )
        overdue = StatusUpdateDue(
            at=now, actor=ACTOR, lead=lead, last_update=last, every=str(every)
        )
        state, events = rules.record_news(incident, overdue)
        uow.incidents.save(state, events)
        last = now  # next reminder one cadence from now
    uow.jobs.add(claimed.job, due_at=last + every, now=now)
