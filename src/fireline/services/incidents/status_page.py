"""The public status page: component states that responders set, and public updates.

A component's public state changes only when a responder says so, with a public status
update that sets it (by the component's id or one of its services). An incident an alert
opened on a service that opts in (``status_page.auto``) shows the neutral "investigating",
with the service's configured text, until a responder decides; never an outage by itself.

Nothing internal goes out: no titles, names, notes, internal updates or alert data. An
incident appears publicly only through its public status updates; its heading names the
affected components. Drills never appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from fireline.domain.configuration import Component, StatusPageSpec
from fireline.domain.events import PublicState, StatusUpdatePosted
from fireline.domain.state import Incident
from fireline.errors import InvalidInput
from fireline.storage.incidents import TimelineEntry
from fireline.storage.uow import UnitOfWork

HISTORY = timedelta(days=90)
MAX_UPDATES = 1000
State = PublicState
STATES: tuple[State, ...] = get_args(PublicState)


@dataclass(frozen=True)
class ComponentStatus:
    id: str
    name: str
    state: State
    note: str | None = None  # the configured text of an automatic "investigating"
    since: datetime | None = None  # when that automatic state began


@dataclass(frozen=True)
class PublicUpdate:
    seq: int  # its place on the incident's timeline: with the number, a stable id
    at: datetime
    message: str
    states: tuple[tuple[str, State], ...] = ()  # (component name, state) this update set


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


def worst(states: list[State]) -> State:
    return max(states, key=STATES.index, default="operational")


def page_spec(uow: UnitOfWork) -> StatusPageSpec:
    """The configured status page (an empty one when none is configured)."""
    stored = uow.settings.get("status_page")
    return StatusPageSpec.model_validate(stored) if stored else StatusPageSpec()


def check_targets(uow: UnitOfWork, incident: Incident, targets: Mapping[str, State]) -> None:
    """Refuse a public state for anything but the incident's services or a component."""
    known = {*incident.services, *(c.id for c in page_spec(uow).components)}
    unknown = sorted(set(targets) - known)
    if unknown:
        raise InvalidInput(
            f"cannot set the public status of {', '.join(unknown)}: name one of the incident's"
            f" services ({', '.join(incident.services) or 'none'}) or a status page component",
            field="component_status",
        )


def component_status(
    component: Component, incidents: list[Incident], auto: Mapping[str, str]
) -> ComponentStatus:
    """One component's state: the worst any open incident on it was set to by a responder;
    else "investigating" for an alert's incident on a service that opts in; else operational."""
    keys = (component.id, *component.services)
    decided: list[State] = []
    automatic: list[tuple[Incident, str]] = []
    for incident in incidents:
        chosen = [incident.public_status[k] for k in keys if k in incident.public_status]
        if chosen:
            newest = max(c.seq for c in chosen)
            decided.append(worst([c.state for c in chosen if c.seq == newest]))
        elif incident.origin == "alert":
            texts = [auto[s] for s in component.services if s in incident.services and s in auto]
            automatic.extend((incident, text) for text in texts[:1])
    investigating: list[State] = ["investigating"] if automatic else []
    state = worst(decided + investigating)
    if state != "investigating" or not automatic:
        return ComponentStatus(component.id, component.name, state)
    first, note = min(automatic, key=lambda found: found[0].id)
    return ComponentStatus(component.id, component.name, state, note, first.timestamps.detected_at)


def status_page(*, uow: UnitOfWork) -> StatusPage:
    """The status page as of now (see the module docstring for what it shows)."""
    with uow.read():
        now = uow.now()
        spec = page_spec(uow)
        services = {s for c in spec.components for s in c.services}
        unresolved = uow.status_page.unresolved_on(services)
        auto = uow.status_page.automatic_texts(services)
        updates = uow.status_page.status_updates_since(now - HISTORY, MAX_UPDATES)
    components = [component_status(c, _on(c, unresolved), auto) for c in spec.components]
    public = _public_incidents(updates, spec)
    return StatusPage(
        title=spec.title,
        state=worst([c.state for c in components]),
        components=components,
        active=[p for p in public if p.resolved_at is None],
        history=[p for p in public if p.resolved_at is not None],
        generated_at=now,
    )


def _on(component: Component, unresolved: list[tuple[str, Incident]]) -> list[Incident]:
    found = {i.id: i for s, i in unresolved if s in component.services}
    return list(found.values())


def _public_incidents(
    updates: list[tuple[Incident, TimelineEntry]], spec: StatusPageSpec
) -> list[PublicIncident]:
    names = {s: c.name for c in spec.components for s in c.services}
    grouped: dict[int, tuple[Incident, list[PublicUpdate]]] = {}
    for incident, entry in updates:
        event = entry.event
        if not isinstance(event, StatusUpdatePosted) or event.visibility != "public":
            continue
        found = grouped.setdefault(incident.id, (incident, []))
        states = _states_set(event, spec)
        found[1].append(PublicUpdate(entry.seq, event.at, event.message, states))
    return [
        PublicIncident(
            number=incident.id,
            heading=_heading(incident, names),
            resolved_at=incident.timestamps.resolved_at,
            updates=found,
        )
        for incident, found in grouped.values()
    ]


def _states_set(event: StatusUpdatePosted, spec: StatusPageSpec) -> tuple[tuple[str, State], ...]:
    """(component name, state) for each component an update set, by its id or a service."""
    found: dict[str, State] = {}
    for c in spec.components:
        chosen = [v for k, v in event.component_status.items() if k in (c.id, *c.services)]
        if chosen:
            found[c.name] = worst(chosen)
    return tuple(found.items())


def _heading(incident: Incident, names: dict[str, str]) -> str:
    affected = list(dict.fromkeys(names[s] for s in incident.services if s in names))
    return f"Incident affecting {', '.join(affected)}" if affected else "Service incident"
