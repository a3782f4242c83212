"""The incident's state, and the one function that applies an event to it.

The timeline is the source of truth: an incident's state is exactly
``replay(events)``. Only :func:`apply` changes a state, and it never needs the
workflow definition: each event carries everything its effect depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, assert_never

from pydantic import BaseModel, ConfigDict

from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    Changes,
    Declared,
    Event,
    FieldsChanged,
    FollowUpAdded,
    FollowUpUpdated,
    MetricsExclusionSet,
    Mitigated,
    News,
    NoteAdded,
    Origin,
    PhaseChanged,
    PostmortemStatusChanged,
    PublicState,
    ResolutionSummarySet,
    RoleAssigned,
    SlaBreached,
    StatusUpdatePosted,
    TaskAdded,
    TaskUpdated,
)

TIMESTAMPS = (
    "impact_started_at",
    "detected_at",
    "reported_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)


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
    done_when: str | None = None
    required: bool = False


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


class PublicStatus(BaseModel):
    """A public state a responder set for a service or a status page component."""

    model_config = ConfigDict(frozen=True)

    state: PublicState
    seq: int  # the update that set it: for one component, the newest decision counts


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
    public_status: dict[str, PublicStatus] = {}  # service or component id -> what was set
    status_updates: int = 0  # how many were posted (a task can wait for the first)
    seq: int = 0

    @property
    def closed(self) -> bool:
        """Closed incidents are read-only, but for reopening, the postmortem and follow-ups."""
        return self.timestamps.closed_at is not None

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
    if isinstance(event, Declared):
        if state is not None:
            raise ValueError(f"incident {state.id} is declared already")
        return _declared(event)
    if state is None:
        raise ValueError(f"{event.kind} before the incident was declared")
    return _changed(state, event).model_copy(update={"seq": state.seq + 1})


def _changed(state: Incident, event: Event) -> Incident:  # noqa: C901 - one case per kind
    match event:
        case NoteAdded() | News():  # first: the most frequent (every alert attached), and
            return state  # the timeline only; no case below is news
        case PhaseChanged():
            return _phase_changed(state, event)
        case FieldsChanged():
            return _fields_changed(state, event)
        case Acknowledged():
            return _stamp(state, ["acknowledged"], [], event.at)
        case AcknowledgementExpired():
            return _stamp(state, [], ["acknowledged"], event.at)
        case Mitigated():
            return _stamp(state, ["mitigated"], [], event.at)
        case SlaBreached():
            return state.model_copy(update={"sla_breaches": (*state.sla_breaches, event.target)})
        case PostmortemStatusChanged():
            return state.model_copy(update={"postmortem": event.after})
        case FollowUpAdded():
            return _follow_up_added(state, event)
        case FollowUpUpdated():
            return _follow_up_updated(state, event)
        case ResolutionSummarySet():
            return state.model_copy(update={"resolution_summary": event.summary})
        case MetricsExclusionSet():
            return state.model_copy(
                update={"excluded": event.excluded, "exclusion_reason": event.reason}
            )
        case RoleAssigned():
            return _role_assigned(state, event)
        case TaskAdded():
            return _task_added(state, event)
        case TaskUpdated():
            return _task_updated(state, event)
        case StatusUpdatePosted():
            return _status_update_posted(state, event)
        case Declared():
            raise ValueError(f"incident {state.id} is declared already")
        case _:
            assert_never(event)


def _declared(event: Declared) -> Incident:
    stamps = Timestamps(
        impact_started_at=event.impact_started_at,
        detected_at=event.detected_at,
        reported_at=event.at if event.origin == "declared" else None,
    )
    state = Incident(
        id=event.incident_id,
        title=event.title,
        summary=event.summary,
        workflow=event.workflow,
        workflow_version=event.workflow_version,
        phase=event.phase,
        origin=event.origin,
        impact=event.impact,
        urgency=event.urgency,
        priority=event.priority,
        severity=event.severity,
        services=tuple(event.services),
        drill=event.drill,
        timestamps=stamps,
        phase_history=(PhaseVisit(phase=event.phase, entered_at=event.at),),
        seq=1,
    )
    return _stamp(state, event.sets, [], event.at)


def _stamp(state: Incident, sets: list[str], clears: list[str], at: datetime) -> Incident:
    update: dict[str, datetime | None] = {f"{mark}_at": at for mark in sets}
    update.update({f"{mark}_at": None for mark in clears})
    return state.model_copy(update={"timestamps": state.timestamps.model_copy(update=update)})


def _phase_changed(state: Incident, event: PhaseChanged) -> Incident:
    history = list(state.phase_history)
    history[-1] = history[-1].model_copy(update={"left_at": event.at})
    history.append(PhaseVisit(phase=event.to, entered_at=event.at))
    reopened = state.reopened + (1 if "resolved" in event.clears else 0)
    moved = state.model_copy(
        update={"phase": event.to, "phase_history": tuple(history), "reopened": reopened}
    )
    return _stamp(moved, event.sets, event.clears, event.at)


def _fields_changed(state: Incident, event: FieldsChanged) -> Incident:
    update: dict[str, Any] = {}
    for field, change in event.changes.items():
        if field == "impact_started_at":
            stamps = state.timestamps.model_copy(update={field: parse_time(change.after)})
            update["timestamps"] = stamps
        else:
            update[field] = tuple(change.after) if field == "services" else change.after
    return state.model_copy(update=update)


def _after(changes: Changes) -> dict[str, Any]:
    """The new values of changed fields, dates as datetimes."""
    after = {field: change.after for field, change in changes.items()}
    if "due_at" in after:
        after["due_at"] = parse_time(after["due_at"])
    return after


def _follow_up_added(state: Incident, event: FollowUpAdded) -> Incident:
    follow_up = FollowUp(
        id=event.follow_up_id,
        title=event.title,
        owner=event.owner,
        due_at=event.due_at,
        priority=event.priority,
        type=event.type,
        url=event.url,
    )
    return state.model_copy(update={"follow_ups": (*state.follow_ups, follow_up)})


def _follow_up_updated(state: Incident, event: FollowUpUpdated) -> Incident:
    changes = _after(event.changes)
    follow_ups = tuple(
        f.model_copy(update=changes) if f.id == event.follow_up_id else f for f in state.follow_ups
    )
    return state.model_copy(update={"follow_ups": follow_ups})


def _role_assigned(state: Incident, event: RoleAssigned) -> Incident:
    roles = dict(state.roles)
    if event.after is None:
        roles.pop(event.role, None)
    else:
        roles[event.role] = event.after
    return state.model_copy(update={"roles": roles})


def _task_added(state: Incident, event: TaskAdded) -> Incident:
    task = Task(
        id=event.task_id,
        title=event.title,
        owner=event.owner,
        due_at=event.due_at,
        phase=event.phase,
        source=event.source,
        done_when=event.done_when,
        required=event.required,
    )
    return state.model_copy(update={"tasks": (*state.tasks, task)})


def _task_updated(state: Incident, event: TaskUpdated) -> Incident:
    changes = _after(event.changes)
    tasks = tuple(t.model_copy(update=changes) if t.id == event.task_id else t for t in state.tasks)
    return state.model_copy(update={"tasks": tasks})


def _status_update_posted(state: Incident, event: StatusUpdatePosted) -> Incident:
    state = state.model_copy(update={"status_updates": state.status_updates + 1})
    if not event.component_status:
        return state
    seq = state.seq + 1
    chosen = {k: PublicStatus(state=v, seq=seq) for k, v in event.component_status.items()}
    return state.model_copy(update={"public_status": {**state.public_status, **chosen}})
