"""Incident use cases: declare, move through the workflow, and everything responders record."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fireline.domain import incident as rules
from fireline.domain.events import Channel, PublicState, event_types
from fireline.domain.incident import Act, Outcome
from fireline.domain.priority import PriorityPolicy
from fireline.domain.sla import SlaClock, sla_clocks
from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.errors import InvalidInput
from fireline.services.admin import organisation
from fireline.services.incidents import status_page
from fireline.storage.incidents import IncidentFilter, TimelineEntry
from fireline.storage.models import Service, User
from fireline.storage.uow import UnitOfWork


@dataclass(frozen=True)
class IncidentView:
    """An incident with its SLA clocks as of now."""

    incident: Incident
    sla: list[SlaClock]


@dataclass(frozen=True)
class IncidentDetail(IncidentView):
    timeline: list[TimelineEntry]
    moves: list[rules.MoveOption]


@dataclass(frozen=True)
class Page:
    items: list[IncidentView]
    total: int


def declare(
    *,
    uow: UnitOfWork,
    actor: str,
    title: str,
    summary: str = "",
    services: Sequence[str] = (),
    impact: str | None = None,
    urgency: str | None = None,
    severity: str | None = None,
    impact_started_at: datetime | None = None,
    detected_at: datetime | None = None,
    workflow: str | None = None,
    drill: bool = False,
    page: bool | None = None,
) -> IncidentView:
    """Declare an incident: it starts in the workflow's entry phase with its checklist.

    Impact defaults to the first service's impact; the workflow to the team's. ``page`` says
    whether to page the services' on-call (none: the workflow's default); the declarer is
    never paged for their own incident.
    """
    with uow:
        act = Act(actor, uow.now())
        rows = [uow.directory.get(Service, s, field="services") for s in dict.fromkeys(services)]
        organisation.check_severity(uow, severity)
        version, chosen = organisation.choose_workflow(uow, workflow, rows)
        policy = organisation.priority_policy(uow)
        _check_times(act.now, impact_started_at, detected_at)
        incident, events = rules.declare(
            act,
            incident_id=uow.incidents.next_id(),
            workflow=chosen,
            workflow_version=version,
            policy=policy,
            title=title,
            detected_at=detected_at,
            summary=summary,
            services=[s.id for s in rows],
            impact=impact or (rows[0].impact if rows else None),
            urgency=urgency,
            severity=severity,
            impact_started_at=impact_started_at,
            drill=drill,
            page=chosen.pages_on_declare() if page is None else page,
        )
        uow.incidents.add(incident, events)
        return _committed(uow, incident.id, policy)


def _check_times(
    now: datetime, impact_started_at: datetime | None, detected_at: datetime | None
) -> None:
    for name, value in (("impact_started_at", impact_started_at), ("detected_at", detected_at)):
        if value is not None and value > now:
            raise InvalidInput(f"{name} cannot be in the future", field=name)
    if impact_started_at and detected_at and impact_started_at > detected_at:
        raise InvalidInput(
            "impact cannot start after the incident was detected", field="impact_started_at"
        )


def get(*, uow: UnitOfWork, incident_id: int, kinds: Sequence[str] = ()) -> IncidentDetail:
    """One incident with its SLA clocks, its timeline (optionally only some kinds) and allowed moves."""
    types = event_types(kinds)
    with uow.read():
        incident = uow.incidents.get(incident_id)
        workflow = uow.workflows.get(incident.workflow, incident.workflow_version)
        view = _view(uow, incident)
        timeline = uow.incidents.timeline(incident_id, types)
    return IncidentDetail(view.incident, view.sla, timeline, rules.options(incident, workflow))


def list_incidents(
    *, uow: UnitOfWork, filters: IncidentFilter, limit: int = 50, offset: int = 0
) -> Page:
    """A page of incidents, newest first."""
    with uow.read():
        incidents, total = uow.incidents.list_matching(filters, limit=limit, offset=offset)
        policy = organisation.priority_policy(uow)
        now = uow.now()
        items = [_with_clocks(i, policy.targets_for(i.priority), now) for i in incidents]
    return Page(items, total)


def transition(
    *, uow: UnitOfWork, actor: str, incident_id: int, phase: str, reason: str | None = None
) -> IncidentView:
    """Move the incident to another phase; refused with the reason when the workflow forbids it."""
    return _change(
        uow, actor, incident_id, lambda act, i, w: rules.transition(act, i, w, phase, reason)
    )


def close(
    *, uow: UnitOfWork, actor: str, incident_id: int, reason: str | None = None
) -> IncidentView:
    """Move the incident to the workflow's closing phase (its gate applies)."""
    return _change(
        uow,
        actor,
        incident_id,
        lambda act, i, w: rules.transition(act, i, w, w.marked("closed"), reason),
    )


def acknowledge(
    *, uow: UnitOfWork, actor: str, incident_id: int, via: Channel | None = None
) -> IncidentView:
    """Record that someone is on it (the first acknowledgement counts), from channel ``via``."""
    return _change(uow, actor, incident_id, lambda act, i, w: rules.acknowledge(act, i, via))


def mitigate(*, uow: UnitOfWork, actor: str, incident_id: int) -> IncidentView:
    """Record that the impact has stopped."""
    return _change(uow, actor, incident_id, lambda act, i, w: rules.mitigate(act, i))


def exclude_from_metrics(
    *, uow: UnitOfWork, actor: str, incident_id: int, excluded: bool, reason: str | None = None
) -> IncidentView:
    """Leave the incident out of metrics with a reason (``excluded=False`` counts it again)."""
    return _change(
        uow,
        actor,
        incident_id,
        lambda act, i, w: rules.set_metrics_exclusion(act, i, excluded, reason),
    )


def resolve(*, uow: UnitOfWork, actor: str, incident_id: int, summary: str) -> IncidentView:
    """Write the resolution summary and move to the resolution phase."""
    return _change(uow, actor, incident_id, lambda act, i, w: rules.resolve(act, i, w, summary))


def update(
    *, uow: UnitOfWork, actor: str, incident_id: int, changes: dict[str, Any]
) -> IncidentView:
    """Change title, summary, impact, urgency, severity, services or impact start."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        if "severity" in changes:
            organisation.check_severity(uow, changes["severity"])
        if "services" in changes:
            changes["services"] = [
                uow.directory.get(Service, s, field="services").id
                for s in dict.fromkeys(changes["services"])
            ]
        if changes.get("impact_started_at"):
            detected = incident.timestamps.detected_at
            _check_times(act.now, changes["impact_started_at"], detected)
        return rules.change(act, incident, organisation.priority_policy(uow), changes)

    return _change(uow, actor, incident_id, decide)


def assign_role(
    *, uow: UnitOfWork, actor: str, incident_id: int, role: str, user: str | None
) -> IncidentView:
    """Give a role to a user (handing it over if someone held it), or free it with ``user=None``."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        roles = organisation.allowed_roles(uow, workflow)
        if role not in roles:
            raise InvalidInput(f"unknown role {role!r}; roles: {', '.join(roles)}", field="role")
        if user is not None and uow.directory.get(User, user, field="user").role == "viewer":
            raise InvalidInput(
                f"{user} is a viewer; incident roles go to responders and admins", field="user"
            )
        return rules.assign_role(act, incident, role, user)

    return _change(uow, actor, incident_id, decide)


def add_note(
    *, uow: UnitOfWork, actor: str, incident_id: int, text: str, pinned: bool = False
) -> IncidentView:
    """Append a note to the timeline (pinned notes go into the postmortem draft)."""
    return _change(uow, actor, incident_id, lambda act, i, w: rules.add_note(act, i, text, pinned))


def post_status_update(
    *,
    uow: UnitOfWork,
    actor: str,
    incident_id: int,
    message: str,
    visibility: str = "internal",
    component_status: Mapping[str, PublicState] | None = None,
) -> IncidentView:
    """Post a status update; ``public`` ones are for the status page, and may set the public
    state of the incident's services or of status page components."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        if component_status:
            status_page.check_targets(uow, incident, component_status)
        return rules.post_status_update(act, incident, message, visibility, component_status)

    return _change(uow, actor, incident_id, decide)


def add_task(
    *,
    uow: UnitOfWork,
    actor: str,
    incident_id: int,
    title: str,
    owner: str | None = None,
    due_at: datetime | None = None,
) -> IncidentView:
    """Add an ad-hoc task, optionally owned and dated."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        if owner is not None:
            uow.directory.get(User, owner, field="owner")
        return rules.add_task(act, incident, title, owner, due_at)

    return _change(uow, actor, incident_id, decide)


def update_task(
    *, uow: UnitOfWork, actor: str, incident_id: int, task_id: str, changes: dict[str, Any]
) -> IncidentView:
    """Change a task: title, owner, due date, done."""

    def decide(act: Act, incident: Incident, workflow: Workflow) -> Outcome:
        if changes.get("owner") is not None:
            uow.directory.get(User, changes["owner"], field="owner")
        return rules.update_task(act, incident, task_id, changes)

    return _change(uow, actor, incident_id, decide)


Decision = Callable[[Act, Incident, Workflow], Outcome]


def change(*, uow: UnitOfWork, actor: str, incident_id: int, decide: Decision) -> IncidentView:
    """Apply a decision to one incident in one transaction (for use cases in other modules)."""
    return _change(uow, actor, incident_id, decide)


def _change(uow: UnitOfWork, actor: str, incident_id: int, decide: Decision) -> IncidentView:
    """Load the incident under lock, decide, store the new state and its events, commit."""
    with uow:
        before = uow.incidents.get(incident_id, for_update=True)
        workflow = uow.workflows.get(before.workflow, before.workflow_version)
        incident, events = decide(Act(actor, uow.now()), before, workflow)
        if not events:
            return _view(uow, incident)
        uow.incidents.save(incident, events)
        return _committed(uow, incident.id, organisation.priority_policy(uow))


def _committed(uow: UnitOfWork, incident_id: int, policy: PriorityPolicy) -> IncidentView:
    """Commit (the reactions run first), then the incident as they left it, with its clocks."""
    uow.commit()
    incident = uow.incidents.latest(incident_id)
    return _with_clocks(incident, policy.targets_for(incident.priority), uow.now())


def _view(uow: UnitOfWork, incident: Incident) -> IncidentView:
    targets = organisation.priority_policy(uow).targets_for(incident.priority)
    return _with_clocks(incident, targets, uow.now())


def _with_clocks(incident: Incident, targets: Any, now: datetime) -> IncidentView:
    stamps = incident.timestamps.model_dump()
    return IncidentView(incident, sla_clocks(targets, stamps, now))
