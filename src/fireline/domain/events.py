"""What happens to an incident: one typed event per kind, in a union discriminated on ``kind``.

The timeline is the source of truth (see ``state.py``). An event is stored as
its ``kind``, ``at``, ``actor`` and ``data`` — the JSON of its other fields —
exactly as before events were typed, so stored timelines read unchanged. An
unknown kind, a missing field or an unexpected one is refused when an event
is built or read.

Events are named in the past tense. :class:`News` events put something on the
timeline without changing any field of the incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter

from fireline.errors import InvalidInput

Origin = Literal["declared", "alert"]
# A component's public state on the status page, from the calmest to the worst.
PublicState = Literal[
    "operational", "recovering", "investigating", "degraded", "partial_outage", "major_outage"
]
# Times inside an event's data are stored as ISO 8601 text, offset included.
Time = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str)]
JsonValue = Any  # a field's value before or after a change, as JSON


class Change(BaseModel):
    """One field's value before and after a change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before: JsonValue = None
    after: JsonValue = None


Changes = dict[str, Change]


class BaseEvent(BaseModel):
    """Who did it and when; subclasses add a ``kind`` and their details."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    at: datetime
    actor: str

    @property
    def data(self) -> dict[str, Any]:
        """The details as stored: JSON values, only the fields the event was given."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude={"kind", "at", "actor"}
        )


class News(BaseEvent):
    """Timeline news: changes no field of the incident and no metric."""


class Declared(BaseEvent):
    kind: Literal["declared"] = "declared"
    incident_id: int
    title: str
    workflow: str
    workflow_version: int
    phase: str
    origin: Origin
    detected_at: Time
    priority: str | None = None
    sets: list[str] = []
    summary: str = ""
    services: list[str] = []
    impact: str | None = None
    urgency: str | None = None
    severity: str | None = None
    impact_started_at: Time | None = None
    drill: bool = False
    page: bool | None = None  # page the services' on-call; none (before #11): as on_enter says


class PhaseChanged(BaseEvent):
    kind: Literal["phase_changed"] = "phase_changed"
    from_: str = Field(alias="from")
    to: str
    move: Literal["forward", "back", "skip"]
    reason: str | None = None
    sets: list[str] = []
    clears: list[str] = []


class FieldsChanged(BaseEvent):
    kind: Literal["fields_changed"] = "fields_changed"
    changes: Changes


Channel = Literal["link", "sms", "voice", "push", "slack", "mattermost", "inbox"]
CHANNEL_NAMES: dict[str, str] = {
    "link": "the page's link",
    "sms": "SMS",
    "voice": "a phone call",
    "push": "a push notification",
    "slack": "Slack",
    "mattermost": "Mattermost",
    "inbox": "the inbox",
}


class Acknowledged(BaseEvent):
    """Someone answered the page; ``role`` when they did it by taking an incident role, ``via``
    the channel they answered from (none: the web UI, the API or the CLI)."""

    kind: Literal["acknowledged"] = "acknowledged"
    role: str | None = None
    via: Channel | None = None


class AcknowledgementExpired(BaseEvent):
    kind: Literal["acknowledgement_expired"] = "acknowledgement_expired"
    acknowledged_at: Time
    timeout: str


class Mitigated(BaseEvent):
    kind: Literal["mitigated"] = "mitigated"


class SlaBreached(BaseEvent):
    kind: Literal["sla_breached"] = "sla_breached"
    target: str
    due_at: Time
    priority: str | None = None


class PostmortemStatusChanged(BaseEvent):
    kind: Literal["postmortem_status_changed"] = "postmortem_status_changed"
    before: str | None = None
    after: str
    template: str | None = None


class FollowUpAdded(BaseEvent):
    kind: Literal["follow_up_added"] = "follow_up_added"
    follow_up_id: str
    title: str
    owner: str | None = None
    due_at: Time | None = None
    priority: str = "medium"
    type: str = "prevent"
    url: str | None = None


class FollowUpUpdated(BaseEvent):
    kind: Literal["follow_up_updated"] = "follow_up_updated"
    follow_up_id: str
    changes: Changes


class ResolutionSummarySet(BaseEvent):
    kind: Literal["resolution_summary_set"] = "resolution_summary_set"
    summary: str


class MetricsExclusionSet(BaseEvent):
    kind: Literal["metrics_exclusion_set"] = "metrics_exclusion_set"
    excluded: bool
    reason: str | None = None


class RoleAssigned(BaseEvent):
    kind: Literal["role_assigned"] = "role_assigned"
    role: str
    before: str | None = None
    after: str | None = None


class TaskAdded(BaseEvent):
    kind: Literal["task_added"] = "task_added"
    task_id: str
    title: str
    owner: str | None = None
    due_at: Time | None = None
    phase: str | None = None
    source: Literal["checklist", "adhoc"] = "adhoc"
    done_when: str | None = None  # the fact that ticks it (workflow.TASK_FACTS)
    required: bool = False  # a gate's `required_tasks_done` waits for it


class TaskUpdated(BaseEvent):
    kind: Literal["task_updated"] = "task_updated"
    task_id: str
    changes: Changes
    fact: str | None = None  # set when the task ticked itself: the fact that completed it


class NoteAdded(BaseEvent):
    kind: Literal["note_added"] = "note_added"
    text: str
    pinned: bool = False


class StatusUpdatePosted(BaseEvent):
    kind: Literal["status_update_posted"] = "status_update_posted"
    message: str
    visibility: Literal["internal", "public"] = "internal"
    # service or status page component id -> the public state a responder set with this update
    component_status: dict[str, PublicState] = {}


class AlertAttached(News):
    kind: Literal["alert_attached"] = "alert_attached"
    alert_id: int
    integration: str
    dedup_key: str
    summary: str
    severity: str
    labels: dict[str, str] = {}
    flapping: bool = False
    derived: dict[str, str] | None = None  # how a new incident's fields came from this alert


class AlertResolved(News):
    kind: Literal["alert_resolved"] = "alert_resolved"
    alert_id: int
    dedup_key: str


class EscalationStepFired(News):
    kind: Literal["escalation_step_fired"] = "escalation_step_fired"
    policy: str
    step: int
    round: int
    users: list[str]
    unreachable: list[str] = []
    declarer: str | None = None  # a target not paged: they declared the incident themselves


class EscalatedNow(News):
    kind: Literal["escalated_now"] = "escalated_now"
    step: int


class Reassigned(News):
    kind: Literal["reassigned"] = "reassigned"
    user: str


class StatusUpdateDue(News):
    kind: Literal["status_update_due"] = "status_update_due"
    lead: str | None = None
    last_update: Time
    every: str


class PageNews(News):
    """Something happened to one page to one person's contact."""

    user: str
    contact: str
    channel: str
    idempotency_key: str


class PageSent(PageNews):
    kind: Literal["page_sent"] = "page_sent"
    attempts: int


class PageFailed(PageNews):
    kind: Literal["page_failed"] = "page_failed"
    attempts: int
    reason: str = ""


class PageThrottled(PageNews):
    """A page held until its contact's throttle window had room. Pages are coalesced into a
    digest now (:class:`PageCoalesced`); the kind stays so older timelines read."""

    kind: Literal["page_throttled"] = "page_throttled"
    until: Time


class PageCoalesced(PageNews):
    """A repeat page to a contact whose throttle window was full: it goes in the digest sent
    at ``digest_at`` (or when the window next has room)."""

    kind: Literal["page_coalesced"] = "page_coalesced"
    digest_at: Time


class DigestSent(PageNews):
    """One message to a contact that tells the repeat pages coalesced for it (``text``)."""

    kind: Literal["digest_sent"] = "digest_sent"
    attempts: int
    text: str


class JobFailed(News):
    kind: Literal["job_failed"] = "job_failed"
    job: str
    attempts: int
    error: str


class FollowUpOverdue(News):
    kind: Literal["follow_up_overdue"] = "follow_up_overdue"
    follow_up_id: str
    owner: str | None = None
    due_at: Time
    reminded: bool


class RecurrenceMatch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: int
    title: str
    score: float
    open_follow_ups: int
    reasons: list[str]


class RecurrenceSuspected(News):
    kind: Literal["recurrence_suspected"] = "recurrence_suspected"
    matches: list[RecurrenceMatch]


NewsEvent = (
    AlertAttached
    | AlertResolved
    | EscalationStepFired
    | EscalatedNow
    | Reassigned
    | StatusUpdateDue
    | PageSent
    | PageFailed
    | PageThrottled
    | PageCoalesced
    | DigestSent
    | JobFailed
    | FollowUpOverdue
    | RecurrenceSuspected
)
Event = Annotated[
    Declared
    | PhaseChanged
    | FieldsChanged
    | Acknowledged
    | AcknowledgementExpired
    | Mitigated
    | SlaBreached
    | PostmortemStatusChanged
    | FollowUpAdded
    | FollowUpUpdated
    | ResolutionSummarySet
    | MetricsExclusionSet
    | RoleAssigned
    | TaskAdded
    | TaskUpdated
    | NoteAdded
    | StatusUpdatePosted
    | NewsEvent,
    Field(discriminator="kind"),
]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(kind: str, at: datetime, actor: str, data: dict[str, Any]) -> Event:
    """An event as stored (kind, time, actor, details); ValidationError if it is not one."""
    return _EVENT.validate_python({**data, "kind": kind, "at": at, "actor": actor})


def kind_of(event_type: type[BaseEvent]) -> str:
    """The stored ``kind`` of an event type (for queries that select events by kind)."""
    return str(event_type.model_fields["kind"].default)


EVENT_TYPES: tuple[type[BaseEvent], ...] = get_args(get_args(Event)[0])
EVENT_KINDS: tuple[str, ...] = tuple(kind_of(t) for t in EVENT_TYPES)
_BY_KIND = dict(zip(EVENT_KINDS, EVENT_TYPES, strict=True))


def event_types(kinds: Iterable[str]) -> list[type[BaseEvent]]:
    """The event types of these stored kinds; InvalidInput names an unknown one."""
    unknown = [k for k in kinds if k not in _BY_KIND]
    if unknown:
        raise InvalidInput(
            f"unknown event kind {unknown[0]!r}; kinds: {', '.join(EVENT_KINDS)}", field="kind"
        )
    return [_BY_KIND[k] for k in kinds]
