"""Reactions of the incident concept: its clocks follow its priority and milestones; taking
the commander role acknowledges."""

from __future__ import annotations

from fireline.domain import incident as rules
from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    Declared,
    FieldsChanged,
    Mitigated,
    PhaseChanged,
    RoleAssigned,
)
from fireline.domain.incident import Act
from fireline.services.incidents import reminders, sla_watch
from fireline.services.reactions import Registry
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork

ClockEvent = (
    Declared | PhaseChanged | FieldsChanged | Acknowledged | AcknowledgementExpired | Mitigated
)
CLOCK_FIELDS = ("priority", "impact_started_at")


def plan_clocks(uow: UnitOfWork, event: ClockEvent, saved: Saved) -> None:
    """When priority or a milestone changes, plan the status reminders and the SLA checks.

    A milestone cleared (an acknowledgement expired, a reopen) restarts its clock:
    its checks are queued again under new keys, since the earlier ones have run.
    """
    if isinstance(event, FieldsChanged) and not any(f in event.changes for f in CLOCK_FIELDS):
        return
    if isinstance(event, PhaseChanged) and not (event.sets or event.clears):
        return
    restarted = isinstance(event, AcknowledgementExpired) or (
        isinstance(event, PhaseChanged) and bool(event.clears)
    )
    now = uow.now()
    reminders.plan(uow, saved.incident, now)
    sla_watch.plan(uow, saved.incident, now, run=f"@{saved.seq_of(event)}" if restarted else "")


ACKNOWLEDGING_ROLES = ("commander",)


def acknowledge_by_commander(uow: UnitOfWork, event: RoleAssigned, saved: Saved) -> None:
    """Whoever takes the commander role is running the incident: it is acknowledged for them,
    so paging stops (a reaction to the acknowledgement) instead of paging someone else."""
    if event.role not in ACKNOWLEDGING_ROLES or event.after is None:
        return
    current = uow.incidents.latest(saved.incident.id)  # reactions may have saved it since
    act = Act(event.after, event.at)
    state, events = rules.acknowledge_by_role(act, current, event.role)
    if events:
        uow.incidents.save(state, events)


REACTIONS: Registry = {
    Declared: (plan_clocks,),
    PhaseChanged: (plan_clocks,),
    Acknowledged: (plan_clocks,),
    AcknowledgementExpired: (plan_clocks,),
    Mitigated: (plan_clocks,),
    FieldsChanged: (plan_clocks,),
    RoleAssigned: (acknowledge_by_commander,),
}
