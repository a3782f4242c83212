"""Deliveries: queue a notification with its log row, decide what to do with it, record the send.

Every notification — a page to a person (a :class:`Page` job), an announcement to
a stakeholder channel or a reminder to a follow-up's owner (a :class:`Notice`;
acknowledging does not cancel those) — is a job plus a row in the delivery log,
queued in the transaction that caused it. When it is due, :func:`prepare`
decides: send it, cancel it (no longer needed), hold it (a notice to a contact
whose throttle window is full) or coalesce it (a repeat page to such a contact:
it goes out in the contact's next digest, see :mod:`digests`); the worker
applies the decision to the job. The send happens outside any transaction;
:func:`after_send` says whether it is done or to be retried, and a retry after
a crash carries the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, assert_never

from pydantic import BaseModel, ConfigDict

from fireline.domain import incident as rules
from fireline.domain.events import (
    DigestSent,
    JobFailed,
    PageCoalesced,
    PageFailed,
    PageSent,
)
from fireline.domain.jobs import (
    MAX_ATTEMPTS,
    Claimed,
    Digest,
    Job,
    Notice,
    Notification,
    Page,
    Unreadable,
    backoff,
)
from fireline.domain.state import Incident
from fireline.domain.throttle import Throttle, Window, page_goes_through
from fireline.notify import DeliveryFailed, Message, Notifier, Receipt
from fireline.services.paging import phones, signing
from fireline.services.paging.ack_links import link_for
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:pager"
NOT_NEEDED = "the incident was acknowledged or resolved"


@dataclass(frozen=True)
class Send:
    """Send this message now, to ``contact`` (the job's, with a webhook's signing secret: held
    in memory for the send, never stored with the job)."""

    message: Message
    contact: dict[str, Any]


@dataclass(frozen=True)
class Cancel:
    """No longer needed; the job ends cancelled."""

    reason: str


@dataclass(frozen=True)
class Hold:
    """The contact's window is full: wait until ``until`` (this claim was not an attempt)."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Coalesce:
    """A repeat page to a full window: it goes out in the contact's digest, due at ``until``."""

    until: datetime
    reason: str
    window: timedelta


Decision = Send | Cancel | Hold | Coalesce


@dataclass(frozen=True)
class Sent:
    """The channel took the message; ``receipt`` is what its provider answered."""

    receipt: Receipt = Receipt()


@dataclass(frozen=True)
class Failed:
    """The channel refused it for good, or the last attempt failed."""

    reason: str


@dataclass(frozen=True)
class Retry:
    """A temporary failure before the last attempt: try again at ``at``."""

    at: datetime
    error: str


Outcome = Sent | Failed | Retry


def queue(uow: UnitOfWork, job: Page | Notice, *, due_at: datetime, now: datetime) -> bool:
    """Queue one notification and log it as queued; False if its key was queued before."""
    added = uow.jobs.add(job, due_at=due_at, now=now)
    if added:
        uow.deliveries.add(
            key=job.key(due_at),
            incident_id=job.incident_id,
            purpose=job.purpose,
            recipient=job.recipient,
            contact=job.contact,
            now=now,
        )
    return added


def prepare(
    uow: UnitOfWork,
    claimed: Claimed[Notification],
    base_url: str,
    throttle: Throttle,
    now: datetime,
) -> Decision:
    """What to do with a notification that is due: send, cancel, hold or coalesce it (this
    reads, and makes a webhook contact's signing secret on its first use)."""
    job = claimed.job
    incident = uow.incidents.get(job.incident_id)
    stamps = incident.timestamps
    window = _window(uow, job, throttle, now)
    first = not uow.deliveries.paged_before(job.incident_id, job.recipient, job.contact["id"])
    not_now = decide(
        job,
        acknowledged=stamps.acknowledged_at is not None,
        resolved=stamps.resolved_at is not None,
        window=window,
        first=first,
        priority=incident.priority,
        throttle=throttle,
        now=now,
    )
    return not_now or Send(_message(uow, claimed, incident, base_url), _contact(uow, job))


def _contact(uow: UnitOfWork, job: Notification) -> dict[str, Any]:
    return for_sending(uow, job.recipient, job.contact)


def for_sending(uow: UnitOfWork, owner: str, contact: dict[str, Any]) -> dict[str, Any]:
    """The contact as its channel needs it for one send (inside an open unit of work): a
    webhook's signing secret, held in memory only; whether a phone number is verified."""
    if contact["type"] in phones.PHONES:  # paged only once verified
        return phones.with_verification(uow, owner, contact)
    if contact["type"] != "webhook":
        return contact
    return {**contact, "secret": signing.secret_for(uow, owner, contact)}


def decide(
    job: Notification,
    *,
    acknowledged: bool,
    resolved: bool,
    window: Window,
    throttle: Throttle,
    now: datetime,
    first: bool = False,
    priority: str | None = None,
) -> Cancel | Hold | Coalesce | None:
    """Cancel a page its incident no longer needs; None: send it now.

    When the contact's ``window`` is full, a page still goes if it is the ``first`` of its
    incident to this contact or its ``priority`` outranks everything in the window; another
    page is coalesced into the contact's digest, and any other notification is held.
    """
    page = job.purpose == "page"
    if page and (resolved or (acknowledged and not job.reassigned)):
        return Cancel(NOT_NEEDED)
    slot = throttle.next_slot(window.sent, now)
    if slot is None or (page and page_goes_through(first=first, priority=priority, window=window)):
        return None
    full = f"{throttle.limit} notifications reached this contact within {throttle.window}"
    if page:
        reason = f"coalesced: {full}; in the digest at {slot.isoformat()}"
        return Coalesce(slot, reason, throttle.window)
    return Hold(slot, f"held: {full}; next at {slot.isoformat()}")


def _window(uow: UnitOfWork, job: Notification, throttle: Throttle, now: datetime) -> Window:
    if throttle.limit <= 0:
        return Window(sent=(), priorities=())
    since, contact = now - throttle.window, job.contact["id"]
    return Window(
        sent=uow.deliveries.sent_since(job.recipient, contact, since, throttle.limit),
        priorities=uow.deliveries.priorities_since(job.recipient, contact, since),
    )


def _message(
    uow: UnitOfWork, claimed: Claimed[Notification], incident: Incident, base_url: str
) -> Message:
    job = claimed.job
    page = job.purpose == "page"
    base = base_url.rstrip("/")
    return Message(
        incident_id=incident.id,
        title=("[DRILL] " if incident.drill else "") + incident.title,
        priority=incident.priority,
        phase=incident.phase,
        idempotency_key=claimed.key,
        url=f"{base}/incidents/{incident.id}",  # the incident page in the web UI
        kind=job.purpose,
        user=job.recipient if job.purpose != "announcement" else "",
        ack_url=link_for(uow, base_url, incident.id, job.recipient) if page else "",
        text=job.text,
    )


def log_decision(
    uow: UnitOfWork, claimed: Claimed[Notification], decision: Decision, now: datetime
) -> None:
    """The delivery log says what was decided; a coalesced page goes on the timeline too, and
    its contact's digest is planned for when the window has room (one per due time)."""
    key = claimed.key
    match decision:
        case Send():
            uow.deliveries.mark(key, "sending", now, attempts=claimed.attempts)
        case Cancel(reason=reason):
            uow.deliveries.mark(key, "cancelled", now, reason=reason)
        case Hold(reason=reason):
            uow.deliveries.mark(key, "throttled", now, reason=reason)
        case Coalesce(until=until, reason=reason, window=window):
            uow.deliveries.mark(key, "coalesced", now, reason=reason)
            _on_timeline(uow, claimed, PageCoalesced, now, digest_at=until)
            uow.jobs.add(_digest_for(claimed.job, window), due_at=until, now=now)
        case _:
            assert_never(decision)


def _digest_for(job: Notification, window: timedelta) -> Digest:
    seconds = int(window.total_seconds())
    return Digest(
        incident_id=job.incident_id,
        recipient=job.recipient,
        contact=job.contact,
        window_seconds=seconds,
    )


def send(notifier: Notifier, contact: dict[str, Any], message: Message) -> Receipt | DeliveryFailed:
    """Hand the message to its channel: what its provider answered, or what went wrong."""
    try:
        return notifier.send(contact, message) or Receipt()
    except DeliveryFailed as failed:
        return failed
    except Exception as error:  # a broken URL, an encoding problem: retrying will not help
        return DeliveryFailed(f"cannot deliver: {error!r}", temporary=False)


def after_send(result: Receipt | DeliveryFailed, attempts: int, now: datetime) -> Outcome:
    """Sent; or retried later after a temporary failure, unless that was the last attempt."""
    if isinstance(result, Receipt):
        return Sent(result)
    failure = result
    if failure.temporary and attempts < MAX_ATTEMPTS:
        return Retry(now + backoff(attempts), str(failure))
    return Failed(str(failure))


def record(
    uow: UnitOfWork, claimed: Claimed[Notification], outcome: Outcome, now: datetime
) -> None:
    """Log what the send did; a page sent or failed, or a digest sent, goes on the timeline too."""
    key, attempts = claimed.key, claimed.attempts
    if isinstance(outcome, Retry):
        reason = f"attempt {attempts} failed: {outcome.error}; retrying at {outcome.at.isoformat()}"
        uow.deliveries.mark(key, "queued", now, reason=reason, attempts=attempts)
        return
    status = "sent" if isinstance(outcome, Sent) else "failed"
    reason = outcome.reason if isinstance(outcome, Failed) else ""
    provider = (outcome.receipt.ref, outcome.receipt.status) if isinstance(outcome, Sent) else None
    uow.deliveries.mark(key, status, now, reason=reason, attempts=attempts, provider=provider)
    if claimed.job.purpose == "digest" and isinstance(outcome, Sent):
        _on_timeline(uow, claimed, DigestSent, now, attempts=attempts, text=claimed.job.text)
    if claimed.job.purpose == "page":
        details: dict[str, Any] = {"attempts": attempts}
        if isinstance(outcome, Failed):
            details["reason"] = reason
        _on_timeline(uow, claimed, PageSent if status == "sent" else PageFailed, now, **details)


def give_up(uow: UnitOfWork, held: Claimed[Job] | Unreadable, error: str, now: datetime) -> None:
    """A job failed its last attempt: say so in the delivery log and on the timeline."""
    # Only a notification has a row in the delivery log under its key; for others this is a no-op.
    uow.deliveries.mark(held.key, "failed", now, reason=error, attempts=held.attempts)
    if held.incident_id is not None:
        incident = uow.incidents.get(held.incident_id, for_update=True)
        failed = JobFailed(at=now, actor=ACTOR, job=held.kind, attempts=held.attempts, error=error)
        state, events = rules.record_news(incident, failed)
        uow.incidents.save(state, events)


def _on_timeline(
    uow: UnitOfWork,
    claimed: Claimed[Notification],
    kind: type[PageSent | PageFailed | PageCoalesced | DigestSent],
    now: datetime,
    **details: Any,
) -> None:
    job = claimed.job
    incident = uow.incidents.get(job.incident_id, for_update=True)
    news = kind(
        at=now,
        actor=ACTOR,
        user=job.recipient,
        contact=job.contact["id"],
        channel=job.contact["type"],
        idempotency_key=claimed.key,
        **details,
    )
    state, events = rules.record_news(incident, news)
    uow.incidents.save(state, events)


class DeliveryRead(BaseModel):
    """One row of the delivery log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int | None
    purpose: str
    recipient: str
    contact: str
    channel: str
    status: str
    attempts: int
    reason: str
    provider_ref: str
    provider_status: str
    idempotency_key: str
    queued_at: datetime
    updated_at: datetime
    sent_at: datetime | None


def list_deliveries(
    *,
    uow: UnitOfWork,
    incident_id: int | None = None,
    statuses: Sequence[str] = (),
    limit: int = 50,
    before_id: int | None = None,
) -> list[DeliveryRead]:
    """The delivery log, newest first; ``before_id`` pages further back."""
    with uow.read():
        rows = uow.deliveries.list_matching(
            incident_id=incident_id, statuses=statuses, limit=limit, before_id=before_id
        )
        return [DeliveryRead.model_validate(row) for row in rows]
