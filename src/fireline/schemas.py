"""What the API (and the CLI's JSON output) accept and return: XCreate / XUpdate / XRead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from fireline.domain.due import bare_day, due_on
from fireline.domain.events import PublicState
from fireline.domain.sentences import describe
from fireline.domain.sla import SlaClock
from fireline.domain.state import Incident
from fireline.services.incidents.commands import IncidentDetail, IncidentView, Page
from fireline.storage.incidents import TimelineEntry

Level = Literal["high", "medium", "low"]
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _plausible_time(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must be between 1970 and 2200")
    return value.astimezone(UTC)


def _a_day_is_its_end(value: Any) -> Any:
    day = bare_day(value)
    return due_on(day) if day else value


Clean = AfterValidator(_no_nul)
Time = Annotated[AwareDatetime, AfterValidator(_plausible_time)]
# When something is due: a time with its offset, or a date alone (the end of that day, UTC).
Due = Annotated[AwareDatetime, BeforeValidator(_a_day_is_its_end), AfterValidator(_plausible_time)]
Ref = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.@-]+$")]
Title = Annotated[str, Field(min_length=1, max_length=200), Clean]
Summary = Annotated[str, Field(max_length=20_000), Clean]
LongText = Annotated[str, Field(min_length=1, max_length=20_000), Clean]
Reason = Annotated[str, Field(max_length=2_000), Clean]
Severity = Annotated[str, Field(min_length=1, max_length=20), Clean]


_REQUIRED_FIELDS = ("title", "summary", "services", "done")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """For updates: the fields the request set. ``null`` clears a field that may be empty
        (impact, urgency, severity, owner, due date…) and is ignored for one that may not."""
        given = self.model_dump(exclude_unset=True)
        return {k: v for k, v in given.items() if v is not None or k not in _REQUIRED_FIELDS}


class IncidentCreate(Input):
    title: Title
    summary: Summary = ""
    services: list[Ref] = Field(default_factory=list, max_length=20)
    impact: Level | None = None
    urgency: Level | None = None
    severity: Severity | None = None
    impact_started_at: Time | None = None
    detected_at: Time | None = None
    workflow: Ref | None = None
    drill: bool = False
    page: bool | None = Field(
        default=None,
        description="Page the services' on-call; null: as the workflow says (its "
        "page_on_declare). The declarer is never paged for their own incident.",
    )


class IncidentUpdate(Input):
    title: Title | None = None
    summary: Summary | None = None
    services: list[Ref] | None = Field(default=None, max_length=20)
    impact: Level | None = None
    urgency: Level | None = None
    severity: Severity | None = None
    impact_started_at: Time | None = None


class TransitionCreate(Input):
    phase: Ref
    reason: Reason | None = None


class ResolveCreate(Input):
    summary: LongText


class CloseCreate(Input):
    reason: Reason | None = None


class RoleAssignment(Input):
    user: Ref


class NoteCreate(Input):
    text: LongText
    pinned: bool = Field(default=False, description="Pinned notes go into the postmortem draft.")


class StatusUpdateCreate(Input):
    message: LongText
    visibility: Literal["internal", "public"] = "internal"
    component_status: dict[str, PublicState] = Field(
        default_factory=dict,
        description="Public updates only: service or status page component id -> the public"
        " state it shows from now on (operational, recovering, investigating, degraded,"
        " partial_outage, major_outage).",
    )


class MetricsExclusionUpdate(Input):
    """Leave an incident out of metrics (``excluded``, with a reason), or count it again."""

    excluded: bool = True
    reason: Reason | None = None


class TaskCreate(Input):
    title: Title
    owner: Ref | None = None
    due_at: Due | None = None


class TaskUpdate(Input):
    title: Title | None = None
    owner: Ref | None = None
    due_at: Due | None = None
    done: bool | None = None


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TimestampsRead(Read):
    impact_started_at: datetime | None
    detected_at: datetime | None
    reported_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class TaskRead(Read):
    id: str
    title: str
    owner: str | None
    due_at: datetime | None
    done: bool
    phase: str | None
    source: Literal["checklist", "adhoc"]


class FollowUpItemRead(Read):
    id: str
    title: str
    owner: str | None
    due_at: datetime | None
    priority: Literal["high", "medium", "low"]
    type: Literal["mitigate", "prevent", "detect", "process"]
    url: str | None
    done: bool


class PhaseVisitRead(Read):
    phase: str
    entered_at: datetime
    left_at: datetime | None


class SlaClockRead(Read):
    target: Literal["acknowledge", "mitigate", "resolve"]
    due_at: datetime
    stopped_at: datetime | None
    state: Literal["running", "met", "breached"]
    remaining_seconds: float
    breached: bool


class IncidentRead(Read):
    id: int
    title: str
    summary: str
    phase: str
    workflow: str
    workflow_version: int
    origin: Literal["declared", "alert"]
    impact: str | None
    urgency: str | None
    priority: str | None
    severity: str | None
    services: list[str]
    roles: dict[str, str]
    timestamps: TimestampsRead
    resolution_summary: str | None
    drill: bool
    excluded: bool = False
    exclusion_reason: str | None = None
    reopened: int
    tasks: list[TaskRead]
    sla_breaches: list[str] = []
    postmortem: Literal["draft", "in_review", "published"] | None = None
    follow_ups: list[FollowUpItemRead] = []
    public_status: dict[str, PublicState] = {}
    phases: list[PhaseVisitRead]
    sla: list[SlaClockRead]
    version: int

    @classmethod
    def of(cls, view: IncidentView) -> IncidentRead:
        return cls.model_validate(_incident_fields(view.incident, view.sla))


class TimelineEventRead(Read):
    """One event: its stored details (``data``), and the same in words (``sentence``, and the
    free text it carries, ``detail``) as the web UI shows them."""

    seq: int
    at: datetime
    actor: str
    kind: str
    data: dict[str, Any]
    sentence: str
    detail: str


class MoveRead(Read):
    phase: str
    move: Literal["forward", "back", "skip"]
    allowed: bool
    needs_reason: bool
    missing: list[str]


class IncidentDetailRead(IncidentRead):
    timeline: list[TimelineEventRead]
    moves: list[MoveRead]

    @classmethod
    def of_detail(cls, detail: IncidentDetail) -> IncidentDetailRead:
        fields = _incident_fields(detail.incident, detail.sla)
        fields["timeline"] = [_timeline_event(e) for e in detail.timeline]
        fields["moves"] = detail.moves
        return cls.model_validate(fields)


class IncidentPage(Read):
    items: list[IncidentRead]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page, *, limit: int, offset: int) -> IncidentPage:
        return cls(
            items=[IncidentRead.of(v) for v in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
        )


def _timeline_event(entry: TimelineEntry) -> dict[str, Any]:
    event, words = entry.event, describe(entry.event)
    return {
        "seq": entry.seq,
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
        "data": event.data,
        "sentence": words.text,
        "detail": words.detail,
    }


def _incident_fields(incident: Incident, sla: list[SlaClock]) -> dict[str, Any]:
    fields = incident.model_dump(exclude={"seq", "phase_history"})
    fields["version"] = incident.seq
    fields["public_status"] = {k: v.state for k, v in incident.public_status.items()}
    fields["phases"] = incident.phase_history
    fields["sla"] = [{**vars(c), "breached": c.breached} for c in sla]
    return fields
