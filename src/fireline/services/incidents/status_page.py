"""The public status page: component states from unresolved incidents, and public updates.

Nothing internal goes out: no titles, names, notes, internal updates or alert data. An
incident appears publicly only through its public status updates; its heading names the
affected components. Drills never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from fireline.domain.configuration import StatusPageSpec
from fireline.domain.events import StatusUpdatePosted
from fireline.domain.state import Incident
from fireline.storage.incidents import TimelineEntry
from fireline.storage.uow import UnitOfWork

HISTORY = timedelta(days=90)
MAX_UPDATES = 1000
State = Literal["operational", "recovering", "degraded", "partial_outage", "major_outage"]
STATES: tuple[State, ...] = (
    "operational",
    "recovering",
    "degraded",
    "partial_outage",
    "major_outage",
)


@dataclass(frozen=True)
class ComponentStatus:
    id: str
    name: str
    state: State


@dataclass(frozen=True)
class PublicUpdate:
    seq: int  # its place on the incident's timeline: with the number, a stable id
    at: datetime
    message: str


@dataclass(frozen=True)
class PublicIncident:
    number: int
    heading: str
    resolved_at: datetime | None
    updates: list[PublicUpdate]  # newest first


@dataclass(frozen=True)
class StatusPage:
    title: str
    state: State
    components: list[ComponentStatus]
    active: list[PublicIncident]
    history: list[PublicIncident]
    generated_at: datetime


def incident_state(incident: Incident) -> State:
    """What an unresolved incident does to its components: by priority; mitigated: recovering."""
    if incident.timestamps.mitigated_at is not None:
        return "recovering"
    if incident.priority == "P1":
        return "major_outage"
    return "partial_outage" if incident.priority == "P2" else "degraded"


def worst(states: list[State]) -> State:
    return max(states, key=STATES.index, default="operational")


def status_page(*, uow: UnitOfWork) -> StatusPage:
    """The status page as of now (see the module docstring for what it shows)."""
    with uow.read():
        now = uow.now()
        stored = uow.settings.get("status_page")
        spec = StatusPageSpec.model_validate(stored) if stored else StatusPageSpec()
        services = {s for c in spec.components for s in c.services}
        unresolved = uow.status_page.unresolved_on(services)
        updates = uow.status_page.status_updates_since(now - HISTORY, MAX_UPDATES)
    components = [
        ComponentStatus(
            c.id,
            c.name,
            worst([incident_state(i) for s, i in unresolved if s in c.services]),
        )
        for c in spec.components
    ]
    names = {s: c.name for c in spec.components for s in c.services}
    public = _public_incidents(updates, names)
    return StatusPage(
        title=spec.title,
        state=worst([c.state for c in components]),
        components=components,
        active=[p for p in public if p.resolved_at is None],
        history=[p for p in public if p.resolved_at is not None],
        generated_at=now,
    )


def _public_incidents(
    updates: list[tuple[Incident, TimelineEntry]], names: dict[str, str]
) -> list[PublicIncident]:
    grouped: dict[int, tuple[Incident, list[PublicUpdate]]] = {}
    for incident, entry in updates:
        event = entry.event
        if not isinstance(event, StatusUpdatePosted) or event.visibility != "public":
            continue
        found = grouped.setdefault(incident.id, (incident, []))
        found[1].append(PublicUpdate(entry.seq, event.at, event.message))
    return [
        PublicIncident(
            number=incident.id,
            heading=_heading(incident, names),
            resolved_at=incident.timestamps.resolved_at,
            updates=found,
        )
        for incident, found in grouped.values()
    ]


def _heading(incident: Incident, names: dict[str, str]) -> str:
    affected = list(dict.fromkeys(names[s] for s in incident.services if s in names))
    return f"Incident affecting {', '.join(affected)}" if affected else "Service incident"
