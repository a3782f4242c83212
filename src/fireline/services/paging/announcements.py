"""Announcements: stakeholder channels hear about declarations, phase changes, status updates,
SLA breaches and resolutions.

Channels are configured per service and per team (``announce:`` in the config
file), each with the events it wants. An incident announces to the channels of
its services and of their teams; a channel configured twice hears once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, assert_never

from fireline.domain.events import Declared, PhaseChanged, SlaBreached, StatusUpdatePosted
from fireline.domain.jobs import Notice
from fireline.domain.state import Incident
from fireline.services.paging import delivery
from fireline.storage.models import Service, Team
from fireline.storage.uow import UnitOfWork

Announced = Declared | PhaseChanged | StatusUpdatePosted | SlaBreached


def announce(uow: UnitOfWork, incident: Incident, event: Announced, seq: int, now: datetime) -> int:
    """Queue the event's announcement to every interested channel; how many were queued.

    ``seq`` is the event's place on the timeline (it keys the announcement).
    """
    kinds, text = describe(event)
    queued = 0
    for recipient, channel in _channels(uow, incident):
        if kinds & set(channel["events"]):
            job = Notice(
                incident_id=incident.id,
                purpose="announcement",
                recipient=recipient,
                contact=channel,
                text=("[DRILL] " if incident.drill else "") + text,
                label=str(seq),
            )
            queued += delivery.queue(uow, job, due_at=now, now=now)
    return queued


def describe(event: Announced) -> tuple[set[str], str]:
    """Which announced kinds an event is (a resolution is also a phase change), and the text."""
    match event:
        case Declared():
            how = "opened by an alert" if event.origin == "alert" else f"declared by {event.actor}"
            return {"declared"}, f"Incident {how}, in {event.phase}."
        case PhaseChanged() if "resolved" in event.sets:
            moved = f"moved from {event.from_} to {event.to}"
            return {"phase_changed", "resolved"}, f"Resolved ({moved})."
        case PhaseChanged():
            return {"phase_changed"}, f"Moved from {event.from_} to {event.to}."
        case StatusUpdatePosted():
            return {"status_update"}, f"Status update ({event.visibility}): {event.message}"
        case SlaBreached():
            due = event.due_at.isoformat()
            return {"sla_breached"}, f"The {event.target} SLA target passed at {due}."
        case _:
            assert_never(event)


def _channels(uow: UnitOfWork, incident: Incident) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for service_id in incident.services:
        service = uow.directory.find(Service, service_id)
        if service is None:
            continue
        found += [(f"service:{service.id}", c) for c in service.announcements]
        team = uow.directory.find(Team, service.team_id) if service.team_id else None
        if team is not None:
            found += [(f"team:{team.id}", c) for c in team.announcements]
    unique: dict[str, tuple[str, dict[str, Any]]] = {}
    for recipient, channel in found:
        target = channel.get("url") or channel.get("channel") or channel["address"]
        if target in unique:  # the same room configured twice hears once, what either asked for
            first, known = unique[target]
            channel = {**known, "events": sorted({*known["events"], *channel["events"]})}
            recipient = first
        unique[target] = (recipient, channel)
    return list(unique.values())
