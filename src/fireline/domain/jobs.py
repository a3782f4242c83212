"""Jobs: the durable, time-based work the worker runs — one frozen class per kind.

A job is stored as its ``kind`` and a ``payload``, the JSON of its other
fields, in the format jobs had before they were typed, so rows queued by an
earlier version read unchanged (only a notification's ``label`` and ``rule``
are new, and optional). :func:`parse_job` reads a row; an unknown kind, a
missing field or an unexpected one is an :class:`UnreadableJob`.

Every job belongs to an incident and has an idempotency key: a key is queued
once. A timer's key names the time it is due, so :meth:`BaseJob.key` takes it.
A job queued earlier keeps the key stored with it (:class:`Claimed`); ``key``
is what a new job is queued under.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fireline.domain.events import Time  # ISO 8601 text with its offset, as before typing

Purpose = Literal["page", "announcement", "reminder", "digest"]
MAX_ATTEMPTS = 5


class UnreadableJob(ValueError):
    """A stored job that no job class describes (an unknown kind, or a payload that does not fit)."""


class BaseJob(BaseModel):
    """What every job has: its kind and the incident it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    incident_id: int

    @abstractmethod
    def key(self, at: datetime) -> str:
        """The idempotency key of this job queued to run at ``at``."""

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON stored beside the kind."""
        return self.model_dump(mode="json", exclude={"kind"})


class Escalate(BaseJob):
    """Page the step at ``position`` of a policy snapshotted when paging started; queue the next.

    ``run`` tells a restart (after an acknowledgement expired) from the first escalation;
    the ``declarer`` of the incident is not paged for it.
    """

    kind: Literal["escalate"] = "escalate"
    policy: dict[str, Any]
    position: int = 0
    run: str = ""
    declarer: str = ""

    def key(self, at: datetime) -> str:
        return f"escalate:{self.incident_id}:{self.position}{self.run}"

    def next_step(self) -> Escalate:
        return self.model_copy(update={"position": self.position + 1})


class Notification(BaseJob):
    """One message to one contact. ``label`` names its cause in the key: an escalation step,
    a reassignment, a reminder, or the announced event's place on the timeline; ``rule`` is
    the recipient's notification rule (announcements have none)."""

    purpose: Purpose
    recipient: str
    contact: dict[str, Any]
    reassigned: bool = False
    text: str = ""
    label: str = ""
    rule: int | None = None

    def key(self, at: datetime) -> str:
        prefix = "announce" if self.purpose == "announcement" else self.purpose
        rule = "" if self.rule is None else f":{self.rule}"
        return (
            f"{prefix}:{self.incident_id}:{self.label}:{self.recipient}:{self.contact['id']}{rule}"
        )


class Page(Notification):
    """A page asks a person to act; acknowledging or resolving cancels it (unless reassigned)."""

    kind: Literal["notify"] = "notify"
    purpose: Literal["page"] = "page"


class Notice(Notification):
    """An announcement to a stakeholder channel, a reminder to a person, or a digest of the
    repeat pages a person's contact did not get: it only tells."""

    kind: Literal["message"] = "message"
    purpose: Literal["announcement", "reminder", "digest"]


class Digest(BaseJob):
    """Gather the pages coalesced for one contact into one digest notice and queue it.

    ``incident_id`` is the incident whose page first waited for this digest.
    """

    kind: Literal["digest"] = "digest"
    recipient: str
    contact: dict[str, Any]
    window_seconds: int  # the throttle window the pages were coalesced in

    def key(self, at: datetime) -> str:
        return f"digest:{self.recipient}:{self.contact['id']}:{at.isoformat()}"


class StatusReminder(BaseJob):
    """Page the communications lead if no status update was posted within the cadence."""

    kind: Literal["status_reminder"] = "status_reminder"

    def key(self, at: datetime) -> str:
        return f"reminder:{self.incident_id}:{at.isoformat()}"


class AckTimeout(BaseJob):
    """Clear the acknowledgement made at ``acknowledged_at`` if it still stands, and page again."""

    kind: Literal["ack_timeout"] = "ack_timeout"
    acknowledged_at: Time

    def key(self, at: datetime) -> str:
        return f"ack_timeout:{self.incident_id}:{self.acknowledged_at.isoformat()}"


class SlaCheck(BaseJob):
    """Record the breach of an SLA target if its clock is breached when the check runs."""

    kind: Literal["sla_check"] = "sla_check"
    target: str
    run: str = ""  # a restarted clock (its milestone was cleared) is checked again

    def key(self, at: datetime) -> str:
        return f"sla:{self.incident_id}:{self.target}:{at.isoformat()}{self.run}"


class FollowUpDue(BaseJob):
    """Remind the owner of a follow-up (due at ``due_at``) that is still open."""

    kind: Literal["follow_up_due"] = "follow_up_due"
    follow_up: str
    due_at: Time

    def key(self, at: datetime) -> str:
        due = self.due_at.isoformat()
        return f"follow_up:{self.incident_id}:{self.follow_up}:{due}:{at.isoformat()}"


class RecurrenceCheck(BaseJob):
    """Say on the timeline which close past matches still have open follow-ups."""

    kind: Literal["recurrence_check"] = "recurrence_check"

    def key(self, at: datetime) -> str:
        return f"recurrence:{self.incident_id}"


class IncidentChannel(BaseJob):
    """Slack: open the incident's channel and invite the people in its roles, or, once it is
    open, invite ``invite`` (someone given a role since); ``label`` tells the invitations apart."""

    kind: Literal["incident_channel"] = "incident_channel"
    invite: tuple[str, ...] = ()
    label: str = ""

    def key(self, at: datetime) -> str:
        return f"incident_channel:{self.incident_id}:{self.label or 'open'}"


Job = Annotated[
    Escalate
    | Page
    | Notice
    | Digest
    | StatusReminder
    | AckTimeout
    | SlaCheck
    | FollowUpDue
    | RecurrenceCheck
    | IncidentChannel,
    Field(discriminator="kind"),
]
_JOB: TypeAdapter[Job] = TypeAdapter(Job)


def kind_of(job_type: type[BaseJob]) -> str:
    """The stored ``kind`` of a job class."""
    return str(job_type.model_fields["kind"].default)


JOB_TYPES: tuple[type[BaseJob], ...] = get_args(get_args(Job)[0])
JOB_KINDS: tuple[str, ...] = tuple(kind_of(t) for t in JOB_TYPES)


def parse_job(kind: str, payload: dict[str, Any]) -> Job:
    """The job a row holds; UnreadableJob says why it holds none."""
    if kind not in JOB_KINDS:
        raise UnreadableJob(f"unknown job kind {kind!r}; kinds: {', '.join(JOB_KINDS)}")
    try:
        return _JOB.validate_python({**payload, "kind": kind})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'][1:])}: {e['msg']}" for e in error.errors()
        )
        raise UnreadableJob(f"a {kind} job that does not fit its class: {problems}") from None


def page_or_notice(purpose: Purpose, **fields: Any) -> Page | Notice:
    """A page for ``page``, a notice for an announcement or a reminder."""
    return Page(**fields) if purpose == "page" else Notice(purpose=purpose, **fields)


def backoff(attempts: int) -> timedelta:
    """How long a job waits after its ``attempts``-th failed attempt: 5 s, doubling, at most 5 min."""
    return timedelta(seconds=min(300, 5 * 2 ** (attempts - 1)))


J_co = TypeVar("J_co", bound=BaseJob, covariant=True)
K = TypeVar("K", bound=BaseJob)


@dataclass(frozen=True)
class Claimed(Generic[J_co]):
    """A job a worker holds a lease on: the typed job and its row's key, attempts and due time."""

    id: int
    key: str
    attempts: int
    due_at: datetime
    job: J_co

    @property
    def kind(self) -> str:
        return self.job.kind

    @property
    def incident_id(self) -> int:
        return self.job.incident_id

    def narrow(self, job_type: type[K]) -> Claimed[K]:
        """This claim as a job of ``job_type``; UnreadableJob if it holds another kind."""
        job = self.job
        if not isinstance(job, job_type):
            raise UnreadableJob(f"job {self.id} is a {self.kind} job, not a {job_type.__name__}")
        return Claimed(self.id, self.key, self.attempts, self.due_at, job)


@dataclass(frozen=True)
class Unreadable:
    """A claimed row that holds no job this version knows; ``problem`` says why."""

    id: int
    key: str
    attempts: int
    due_at: datetime
    kind: str
    incident_id: int | None
    problem: str

    def narrow(self, job_type: type[K]) -> Claimed[K]:
        raise UnreadableJob(self.problem)
