"""Follow-up reminders: an open follow-up past its due time reminds its owner, daily until done.

A reaction plans a reminder at the due time of each open, dated follow-up;
the ``follow_up_due`` job pages the owner through their notification rules
(a ``reminder`` in the delivery log) and puts ``follow_up_overdue`` on the
timeline, then plans the next one a day later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fireline.domain import incident as incident_rules
from fireline.domain.events import FollowUpOverdue
from fireline.domain.jobs import Claimed, FollowUpDue
from fireline.domain.state import Incident
from fireline.services.paging import escalation as paging
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:follow-ups"
REMIND_EVERY = timedelta(days=1)


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
