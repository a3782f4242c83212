"""Reactions: what each kind of incident event sets in motion.

The bus (``fireline/bus.py``) calls them when the unit of work commits, for
every saved event of their type, whichever path saved it — a use case, an
alert batch or a job — inside the same transaction. A reaction queues jobs
or records events of its own; it never sends anything itself.

To add an automation, write one function here (or in the concept's module)
taking ``(uow, event, saved)`` and register it for the event types it reacts
to in :data:`REACTIONS`. See docs/contributing.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    BaseEvent,
    Declared,
    FieldsChanged,
    FollowUpAdded,
    FollowUpUpdated,
    Mitigated,
    PhaseChanged,
    SlaBreached,
    StatusUpdatePosted,
)
from fireline.services import (
    announcements,
    follow_ups,
    paging,
    postmortems,
    reminders,
    similar,
    sla_watch,
)
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork

Reaction = Callable[[UnitOfWork, Any, Saved], None]


def start_paging_on_entry(uow: UnitOfWork, event: Declared | PhaseChanged, saved: Saved) -> None:
    """Entering a phase whose ``on_enter`` pages starts the service's escalation policy."""
    phase = event.phase if isinstance(event, Declared) else event.to
    incident = saved.incident
    workflow = uow.workflows.get(incident.workflow, incident.workflow_version)
    if incident.phase == phase and paging.pages_on_entry(workflow, phase):
        paging.start_paging(uow, incident, uow.now())


def stop_paging(uow: UnitOfWork, event: Acknowledged | PhaseChanged, saved: Saved) -> None:
    """An acknowledgement or a resolution cancels the steps and pages still queued."""
    if isinstance(event, Acknowledged) or "resolved" in event.sets:
        paging.stop_paging(uow, saved.incident.id, uow.now())


def watch_acknowledgement(uow: UnitOfWork, event: Acknowledged, saved: Saved) -> None:
    """An acknowledgement arms the services' acknowledgement timeout."""
    paging.watch_acknowledgement(uow, saved.incident, event.at, uow.now())


def page_again(uow: UnitOfWork, event: AcknowledgementExpired, saved: Saved) -> None:
    """An acknowledgement that timed out escalates again from the first step."""
    paging.start_paging(uow, saved.incident, uow.now(), run=f"@{saved.seq_of(event)}")


ClockEvent = Declared | PhaseChanged | FieldsChanged | Acknowledged | AcknowledgementExpired
CLOCK_FIELDS = ("priority", "impact_started_at")


def plan_clocks(uow: UnitOfWork, event: ClockEvent | Mitigated, saved: Saved) -> None:
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


def plan_recurrence_check(uow: UnitOfWork, event: Declared, saved: Saved) -> None:
    similar.plan_check(uow, saved.incident, uow.now())


def plan_follow_up_reminders(
    uow: UnitOfWork, event: FollowUpAdded | FollowUpUpdated, saved: Saved
) -> None:
    follow_ups.plan_reminders(uow, saved.incident, uow.now())


def announce(uow: UnitOfWork, event: announcements.Announced, saved: Saved) -> None:
    """Tell the stakeholder channels that asked for this kind of news."""
    announcements.announce(uow, saved.incident, event, saved.seq_of(event), uow.now())


def draft_postmortem(uow: UnitOfWork, event: PhaseChanged, saved: Saved) -> None:
    """Entering a phase whose ``on_enter`` drafts a postmortem drafts it (once)."""
    postmortems.draft_on_entry(uow, saved.incident, event)


REACTIONS: dict[type[BaseEvent], tuple[Reaction, ...]] = {
    Declared: (plan_recurrence_check, start_paging_on_entry, plan_clocks, announce),
    PhaseChanged: (draft_postmortem, start_paging_on_entry, stop_paging, plan_clocks, announce),
    Acknowledged: (stop_paging, watch_acknowledgement, plan_clocks),
    AcknowledgementExpired: (page_again, plan_clocks),
    Mitigated: (plan_clocks,),
    FieldsChanged: (plan_clocks,),
    FollowUpAdded: (plan_follow_up_reminders,),
    FollowUpUpdated: (plan_follow_up_reminders,),
    StatusUpdatePosted: (announce,),
    SlaBreached: (announce,),
}
