"""Deliveries: queue a notification with its log row, send it once, record what happened.

Every notification — a page to a person (a ``notify`` job), an announcement to
a stakeholder channel or a reminder to a follow-up's owner (a ``message`` job;
acknowledging does not cancel those) — is a job plus a row in the delivery log, queued in the
transaction that caused it. The worker prepares it (still needed? throttled?),
sends it outside any transaction, and records the outcome; a retry after a
crash carries the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fireline.domain import incident as rules
from fireline.domain.events import JobFailed, PageFailed, PageSent, PageThrottled
from fireline.domain.throttle import Throttle
from fireline.notify import DeliveryFailed, Message, Notifier
from fireline.services.ack_tokens import link_for
from fireline.storage.models import Job
from fireline.storage.uow import UnitOfWork

MAX_ATTEMPTS = 5
ACTOR = "fireline:pager"
Purpose = Literal["page", "announcement", "reminder"]


def queue(
    uow: UnitOfWork,
    *,
    key: str,
    incident_id: int,
    purpose: Purpose,
    recipient: str,
    contact: dict[str, Any],
    due_at: datetime,
    now: datetime,
    **details: Any,
) -> bool:
    """Queue one notification and log it as queued; False if this key was queued before."""
    payload = {
        "incident_id": incident_id,
        "purpose": purpose,
        "recipient": recipient,
        "contact": contact,
        **details,
    }
    added = uow.jobs.add(
        kind="notify" if purpose == "page" else "message",
        due_at=due_at,
        payload=payload,
        key=key,
        now=now,
        incident_id=incident_id,
    )
    if added:
        uow.deliveries.add(
            key=key,
            incident_id=incident_id,
            purpose=purpose,
            recipient=recipient,
            contact=contact,
            now=now,
        )
    return added


def prepare(
    uow: UnitOfWork, job: Job, base_url: str, throttle: Throttle, now: datetime
) -> Message | None:
    """The message to send now, or None: no longer needed (cancelled) or throttled (held)."""
    message = _message(uow, job, base_url)
    key = job.idempotency_key
    if message is None:
        job.status, job.finished_at = "cancelled", now
        uow.deliveries.mark(
            key, "cancelled", now, reason="the incident was acknowledged or resolved"
        )
        return None
    slot = _throttled_until(uow, job, throttle, now)
    if slot is not None:
        _hold(uow, job, throttle, slot, now)
        return None
    uow.deliveries.mark(key, "sending", now, attempts=job.attempts)
    return message


def _throttled_until(
    uow: UnitOfWork, job: Job, throttle: Throttle, now: datetime
) -> datetime | None:
    if throttle.limit <= 0:
        return None
    recipient, contact = job.payload["recipient"], job.payload["contact"]["id"]
    sent = uow.deliveries.sent_since(recipient, contact, now - throttle.window, throttle.limit)
    return throttle.next_slot(sent, now)


def _message(uow: UnitOfWork, job: Job, base_url: str) -> Message | None:
    incident = uow.incidents.get(job.payload["incident_id"])
    page = job.payload["purpose"] == "page"
    if page and incident.timestamps.resolved_at is not None:
        return None
    if page and incident.timestamps.acknowledged_at is not None and not job.payload["reassigned"]:
        return None
    base = base_url.rstrip("/")
    return Message(
        incident_id=incident.id,
        title=("[DRILL] " if incident.drill else "") + incident.title,
        priority=incident.priority,
        phase=incident.phase,
        idempotency_key=job.idempotency_key,
        url=f"{base}/incidents/{incident.id}",  # the incident page in the web UI
        kind=job.payload["purpose"],
        user=job.payload["recipient"] if job.payload["purpose"] != "announcement" else "",
        ack_url=link_for(uow, base_url, incident.id, job.payload["recipient"]) if page else "",
        text=job.payload.get("text", ""),
    )


def _hold(uow: UnitOfWork, job: Job, throttle: Throttle, slot: datetime, now: datetime) -> None:
    """Put the job back until the contact's window has room; this claim was not an attempt."""
    reason = (
        f"held: {throttle.limit} notifications reached this contact within "
        f"{throttle.window}; next at {slot.isoformat()}"
    )
    first_time = uow.deliveries.status_of(job.idempotency_key) != "throttled"
    job.status, job.due_at, job.lease_until = "pending", slot, None
    job.attempts -= 1
    job.last_error = reason
    uow.deliveries.mark(job.idempotency_key, "throttled", now, reason=reason)
    if first_time and job.payload["purpose"] == "page":
        _on_timeline(
            uow,
            job,
            PageThrottled,
            now,
            until=slot,
        )


def send(notifier: Notifier, contact: dict[str, Any], message: Message) -> DeliveryFailed | None:
    """Hand the message to its channel; what went wrong, if anything."""
    try:
        notifier.send(contact, message)
    except DeliveryFailed as failed:
        return failed
    except Exception as error:  # a broken URL, an encoding problem: retrying will not help
        return DeliveryFailed(f"cannot deliver: {error!r}", temporary=False)
    return None


def record(uow: UnitOfWork, job: Job, failure: DeliveryFailed | None, now: datetime) -> bool:
    """Log what the send did (pages also on the timeline); True if finished, False to retry."""
    key = job.idempotency_key
    if failure is not None and failure.temporary and job.attempts < MAX_ATTEMPTS:
        retry_at = now + backoff(job.attempts)
        job.status, job.due_at, job.last_error = "pending", retry_at, str(failure)[:1000]
        reason = f"attempt {job.attempts} failed: {failure}; retrying at {retry_at.isoformat()}"
        uow.deliveries.mark(key, "queued", now, reason=reason, attempts=job.attempts)
        return False
    status = "sent" if failure is None else "failed"
    uow.deliveries.mark(key, status, now, reason=str(failure or ""), attempts=job.attempts)
    if job.payload["purpose"] == "page":
        details: dict[str, Any] = {"attempts": job.attempts}
        if failure is not None:
            details["reason"] = str(failure)
        _on_timeline(uow, job, PageSent if failure is None else PageFailed, now, **details)
    return True


def give_up(uow: UnitOfWork, job: Job, error: str, now: datetime) -> None:
    """A job failed its last attempt: say so in the delivery log and on the timeline."""
    if job.kind in ("notify", "message"):
        uow.deliveries.mark(job.idempotency_key, "failed", now, reason=error, attempts=job.attempts)
    if job.incident_id is not None:
        incident = uow.incidents.get(job.incident_id, for_update=True)
        failed = JobFailed(at=now, actor=ACTOR, job=job.kind, attempts=job.attempts, error=error)
        state, events = rules.record_news(incident, failed)
        uow.incidents.save(state, events)


def _on_timeline(
    uow: UnitOfWork,
    job: Job,
    kind: type[PageSent | PageFailed | PageThrottled],
    now: datetime,
    **details: Any,
) -> None:
    incident = uow.incidents.get(job.payload["incident_id"], for_update=True)
    contact = job.payload["contact"]
    news = kind(
        at=now,
        actor=ACTOR,
        user=job.payload["recipient"],
        contact=contact["id"],
        channel=contact["type"],
        idempotency_key=job.idempotency_key,
        **details,
    )
    state, events = rules.record_news(incident, news)
    uow.incidents.save(state, events)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2 ** (attempts - 1)))


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
