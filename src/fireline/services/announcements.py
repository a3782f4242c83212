"""Announcements: stakeholder channels hear about declarations, phase changes, status updates,
SLA breaches and resolutions.

Channels are configured per service and per team (``announce:`` in the config
file), each with the events it wants. An incident announces to the channels of
its services and of their teams; a channel configured twice hears once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fireline.domain.events import Event, Incident
from fireline.domain.jobs import Notice
from fireline.services import delivery
from fireline.storage.models import Service, Team
from fireline.storage.uow import UnitOfWork

ANNOUNCED_EVENTS = ("declared", "phase_changed", "status_update_posted", "sla_breached")


def announce(uow: UnitOfWork, incident: Incident, events: Sequence[Event], now: datetime) -> int:
    """Queue an announcement per event and interested channel; how many were queued."""
    news = [(i, e) for i, e in enumerate(events) if e.kind in ANNOUNCED_EVENTS]
    channels = _channels(uow, incident) if news else []
    first_seq = incident.seq - len(events) + 1
    queued = 0
    for index, event in news:
        kinds, text = describe(event)
        for recipient, channel in channels:
            if kinds & set(channel["events"]):
                job = Notice(
                    incident_id=incident.id,
                    purpose="announcement",
                    recipient=recipient,
                    contact=channel,
                    text=("[DRILL] " if incident.drill else "") + text,
                    label=str(first_seq + index),
                )
                queued += delivery.queue(uow, job, due_at=now, now=now)
    return queued


def describe(event: Event) -> tuple[set[str], str]:
    """Which announced kinds an event is (a resolution is also a phase change), and the text."""
    d = event.data
    if event.kind == "declared":
        how = "opened by an alert" if d.get("origin") == "alert" else f"declared by {event.actor}"
        return {"declared"}, f"Incident {how}, in {d['phase']}."
    if event.kind == "phase_changed" and "resolved" in d.get("sets", []):
        return {"phase_changed", "resolved"}, f"Resolved (moved from {d['from']} to {d['to']})."
    if event.kind == "phase_changed":
        return {"phase_changed"}, f"Moved from {d['from']} to {d['to']}."
    if event.kind == "status_update_posted":
        return {"status_update"}, f"Status update ({d['visibility']}): {d['message']}"
    return {"sla_breached"}, f"The {d['target']} SLA target passed at {d['due_at']}."


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
        target = channel.get("url") or channel["address"]
        if target in unique:  # the same room configured twice hears once, what either asked for
            first, known = unique[target]
            channel = {**known, "events": sorted({*known["events"], *channel["events"]})}
            recipient = first
        unique[target] = (recipient, channel)
    return list(unique.values())
