"""The incident's state, its timeline events, and the one function that applies an event.

The timeline is the source of truth: an incident's state is exactly
``replay(events)``. Only :func:`apply` changes a state, and it never needs the
workflow definition: each event carries everything its effect depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Origin = Literal["declared", "alert"]
TIMESTAMPS = (
    "impact_started_at",
    "detected_at",
    "reported_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)


class Event(BaseModel):
    """One timeline entry: who did what, when. ``data`` holds JSON values only."""

    model_config = ConfigDict(frozen=True)

    kind: str
    at: datetime
    actor: str
    data: dict[str, Any]


class Timestamps(BaseModel):
    """The milestones every metric is computed from (see docs/concepts.md)."""

    model_config = ConfigDict(frozen=True)

    impact_started_at: datetime | None = None
    detected_at: datetime | None = None
    reported_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    owner: str | None = None
    due_at: datetime | None = None
    done: bool = False
    phase: str | None = None
    source: Literal["checklist", "adhoc"] = "adhoc"


class FollowUp(BaseModel):
    """A follow-up action agreed in review: who does what by when, and of which kind."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    owner: str | None = None
    due_at: datetime | None = None
    priority: str = "medium"
    type: str = "prevent"
    url: str | None = None
    done: bool = False


class PhaseVisit(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: str
    entered_at: datetime
    left_at: datetime | None = None


class Incident(BaseModel):
    """An incident's current state, as replayed from its timeline."""

    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    summary: str = ""
    workflow: str
    workflow_version: int
    phase: str
    origin: Origin = "declared"
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    severity: str | None = None
    services: tuple[str, ...] = ()
    roles: dict[str, str] = {}
    tasks: tuple[Task, ...] = ()
    timestamps: Timestamps = Timestamps()
    resolution_summary: str | None = None
    drill: bool = False
    excluded: bool = False  # from metrics (a duplicate, a false alarm, a test)
    exclusion_reason: str | None = None
    reopened: int = 0
    phase_history: tuple[PhaseVisit, ...] = ()
    sla_breaches: tuple[str, ...] = ()
    postmortem: str | None = None  # draft | in_review | published
    follow_ups: tuple[FollowUp, ...] = ()
    seq: int = 0

    def visited(self, phase: str) -> bool:
        return any(v.phase == phase for v in self.phase_history)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def follow_up(self, follow_up_id: str) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.id == follow_up_id), None)


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def replay(events: Iterable[Event]) -> Incident:
    """Rebuild an incident from its whole timeline."""
    state: Incident | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("an incident's timeline starts with its declaration")
    return state


def apply(state: Incident | None, event: Event) -> Incident:
    """The state after one event. The only place an incident's state changes."""
    if event.kind == "declared":
        return _declared(event)
    if state is None:
        raise ValueError(f"{event.kind} before the incident was declared")
    handler = _HANDLERS.get(event.kind, _no_state_change)
    changed = handler(state, event)
    return changed.model_copy(update={"seq": state.seq + 1})


def _declared(event: Event) -> Incident:
    d = event.data
    stamps = Timestamps(
        impact_started_at=parse_time(d.get("impact_started_at")),
        detected_at=parse_time(d["detected_at"]),
        reported_at=event.at if d["origin"] == "declared" else None,
    )
    state = Incident(
        id=d["incident_id"],
        title=d["title"],
        summary=d.get("summary", ""),
        workflow=d["workflow"],
        workflow_version=d["workflow_version"],
        phase=d["phase"],
        origin=d["origin"],
        impact=d.get("impact"),
        urgency=d.get("urgency"),
        priority=d.get("priority"),
        severity=d.get("severity"),
        services=tuple(d.get("services", ())),
        drill=d.get("drill", False),
        timestamps=stamps,
        phase_history=(PhaseVisit(phase=d["phase"], entered_at=event.at),),
        seq=1,
    )
    return _stamp(state, d.get("sets", []), [], event.at)


def _stamp(state: Incident, sets: list[str], clears: list[str], at: datetime) -> Incident:
    update: dict[str, datetime | None] = {f"{mark}_at": at for mark in sets}
    update.update({f"{mark}_at": None for mark in clears})
    return state.model_copy(update={"timestamps": state.timestamps.model_copy(update=update)})


def _phase_changed(state: Incident, event: Event) -> Incident:
    d = event.data
    history = list(state.phase_history)
    history[-1] = history[-1].model_copy(update={"left_at": event.at})
    history.append(PhaseVisit(phase=d["to"], entered_at=event.at))
    reopened = state.reopened + (1 if "resolved" in d.get("clears", []) else 0)
    moved = state.model_copy(
        update={"phase": d["to"], "phase_history": tuple(history), "reopened": reopened}
    )
    return _stamp(moved, d.get("sets", []), d.get("clears", []), event.at)


def _fields_changed(state: Incident, event: Event) -> Incident:
    update: dict[str, Any] = {}
    for field, change in event.data["changes"].items():
        after = change["after"]
        if field == "impact_started_at":
            stamps = state.timestamps.model_copy(update={field: parse_time(after)})
            update["timestamps"] = stamps
        else:
            update[field] = tuple(after) if field == "services" else after
    return state.model_copy(update=update)


def _acknowledged(state: Incident, event: Event) -> Incident:
    return _stamp(state, ["acknowledged"], [], event.at)


def _acknowledgement_expired(state: Incident, event: Event) -> Incident:
    return _stamp(state, [], ["acknowledged"], event.at)


def _sla_breached(state: Incident, event: Event) -> Incident:
    return state.model_copy(update={"sla_breaches": (*state.sla_breaches, event.data["target"])})


def _postmortem_status(state: Incident, event: Event) -> Incident:
    return state.model_copy(update={"postmortem": event.data["after"]})


def _follow_up_added(state: Incident, event: Event) -> Incident:
    d = {**event.data}
    follow_up = FollowUp(id=d.pop("follow_up_id"), due_at=parse_time(d.pop("due_at", None)), **d)
    return state.model_copy(update={"follow_ups": (*state.follow_ups, follow_up)})


def _follow_up_updated(state: Incident, event: Event) -> Incident:
    changes = {k: v["after"] for k, v in event.data["changes"].items()}
    if "due_at" in changes:
        changes["due_at"] = parse_time(changes["due_at"])
    follow_ups = tuple(
        f.model_copy(update=changes) if f.id == event.data["follow_up_id"] else f
        for f in state.follow_ups
    )
    return state.model_copy(update={"follow_ups": follow_ups})


def _mitigated(state: Incident, event: Event) -> Incident:
    return _stamp(state, ["mitigated"], [], event.at)


def _metrics_exclusion_set(state: Incident, event: Event) -> Incident:
    d = event.data
    return state.model_copy(update={"excluded": d["excluded"], "exclusion_reason": d["reason"]})


def _resolution_summary_set(state: Incident, event: Event) -> Incident:
    return state.model_copy(update={"resolution_summary": event.data["summary"]})


def _role_assigned(state: Incident, event: Event) -> Incident:
    roles = dict(state.roles)
    role, user = event.data["role"], event.data["after"]
    if user is None:
        roles.pop(role, None)
    else:
        roles[role] = user
    return state.model_copy(update={"roles": roles})


def _task_added(state: Incident, event: Event) -> Incident:
    d = event.data
    task = Task(
        id=d["task_id"],
        title=d["title"],
        owner=d.get("owner"),
        due_at=parse_time(d.get("due_at")),
        phase=d.get("phase"),
        source=d.get("source", "adhoc"),
    )
    return state.model_copy(update={"tasks": (*state.tasks, task)})


def _task_updated(state: Incident, event: Event) -> Incident:
    changes = {k: v["after"] for k, v in event.data["changes"].items()}
    if "due_at" in changes:
        changes["due_at"] = parse_time(changes["due_at"])
    tasks = tuple(
        t.model_copy(update=changes) if t.id == event.data["task_id"] else t for t in state.tasks
    )
    return state.model_copy(update={"tasks": tasks})


def _no_state_change(state: Incident, event: Event) -> Incident:
    return state  # notes, status updates: timeline only


_HANDLERS = {
    "phase_changed": _phase_changed,
    "fields_changed": _fields_changed,
    "acknowledged": _acknowledged,
    "acknowledgement_expired": _acknowledgement_expired,
    "sla_breached": _sla_breached,
    "postmortem_status_changed": _postmortem_status,
    "follow_up_added": _follow_up_added,
    "follow_up_updated": _follow_up_updated,
    "mitigated": _mitigated,
    "resolution_summary_set": _resolution_summary_set,
    "metrics_exclusion_set": _metrics_exclusion_set,
    "role_assigned": _role_assigned,
    "task_added": _task_added,
    "task_updated": _task_updated,
}
