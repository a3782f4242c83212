"""Ingest alerts: deduplicate, silence, group into incidents, clear, auto-resolve.

:func:`ingest` takes many submissions (HTTP requests) and handles them in one
transaction: the ingest endpoints commit in groups, and answer each request
only after the commit that holds its alerts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fireline.domain.alerts import AlertEvent, map_generic
from fireline.integrations.limits import check_labels
from fireline.services.alerting.batch import Batch, Work, deadline
from fireline.services.alerting.hot import HotState
from fireline.storage.directory import IntegrationRecord
from fireline.storage.uow import UnitOfWork

Kind = Literal["alertmanager", "events_v2", "generic", "heartbeat"]
HEARTBEAT_KEY = "heartbeat"
log = logging.getLogger("fireline.alerts")


@dataclass(frozen=True)
class Submission:
    """One request's worth of alert events for one integration key."""

    key: str
    kind: Kind
    events: list[AlertEvent] = field(default_factory=list)
    document: dict[str, Any] | None = None  # generic JSON, mapped once the integration is known
    beat: bool = False  # a heartbeat ping


@dataclass(frozen=True)
class Accepted:
    dedup_keys: list[str]


@dataclass(frozen=True)
class Rejected:
    status: int
    message: str


Outcome = Accepted | Rejected


def ingest(
    *, uow: UnitOfWork, submissions: list[Submission], hot: HotState | None = None
) -> list[Outcome]:
    """Handle every submission in one transaction; a rejected one changes nothing.

    ``hot`` is what the caller (the ingest writer) keeps between its commits; without it,
    everything is read afresh.
    """
    if hot is None:
        with uow:
            return _in_one_transaction(uow, submissions, HotState())
    try:
        with uow:
            outcomes = _in_one_transaction(uow, submissions, hot)
    except BaseException:
        hot.forget()  # nothing read in a failed transaction is trusted afterwards
        raise
    hot.committed(uow.incidents.latest_states())
    return outcomes


def _in_one_transaction(
    uow: UnitOfWork, submissions: list[Submission], hot: HotState
) -> list[Outcome]:
    batch = Batch(uow, hot)
    integrations, services = uow.alerts.senders([s.key for s in submissions], batch.now)
    batch.services.update(services)
    prepared = [_prepare(s, integrations.get(s.key)) for s in submissions]
    for integration_id in beating(submissions, prepared):
        uow.directory.record_beat(integration_id, batch.now)
    batch.prefetch([w for w in prepared if isinstance(w, Work)])
    outcomes: list[Outcome] = []
    for work in prepared:
        if isinstance(work, Rejected):
            outcomes.append(work)
        else:
            batch.apply(work)
            outcomes.append(Accepted([e.dedup_key for e in work.events]))
    batch.save()
    uow.commit()
    return outcomes


def _prepare(submission: Submission, integration: IntegrationRecord | None) -> Work | Rejected:
    """The submission's events for its integration, or why it is refused."""
    refusal = _refusal(integration, submission)
    if refusal is not None or integration is None:
        return refusal or Rejected(404, "unknown integration key")
    events = submission.events
    if submission.document is not None:
        try:
            events = [map_generic(submission.document, integration.settings.get("mapping") or {})]
            check_labels(events[0].labels, "body")
        except ValueError as error:  # PayloadInvalid too
            return Rejected(400, str(error))
    if submission.beat:
        events = [AlertEvent(action="resolve", dedup_key=HEARTBEAT_KEY)]
    return Work(integration, events)


def beating(submissions: list[Submission], prepared: list[Work | Rejected]) -> list[str]:
    """The integrations that an accepted heartbeat ping reached, each once."""
    return sorted(
        {
            work.integration.id
            for submission, work in zip(submissions, prepared, strict=True)
            if submission.beat and isinstance(work, Work)
        }
    )


def _refusal(integration: IntegrationRecord | None, submission: Submission) -> Rejected | None:
    if integration is None:
        return Rejected(
            404,
            "unknown integration key; check the URL (or routing_key) against `fireline integration list`",
        )
    if integration.revoked_at is not None:
        return Rejected(
            403,
            f"integration {integration.id} was revoked; create a new integration for this sender",
        )
    if integration.type != submission.kind:
        message = f"this key belongs to integration {integration.id} of type {integration.type}, not {submission.kind}"
        return Rejected(400, message)
    return None


@dataclass(frozen=True)
class Missed:
    """A heartbeat that did not come by its deadline."""

    integration: IntegrationRecord
    due_at: datetime


def missed_heartbeats(*, uow: UnitOfWork) -> list[Missed]:
    """The heartbeats past their deadline that have no open alert yet."""
    with uow.read():
        now = uow.now()
        return [
            Missed(i, at)
            for i in uow.alerts.heartbeats()
            if (at := _deadline(i)) is not None
            and at <= now
            and not uow.alerts.open_alerts(i.id, [HEARTBEAT_KEY])
        ]


def check_heartbeats(*, uow: UnitOfWork) -> list[str]:
    """Open an alert for every heartbeat that missed its interval; return their integration ids.

    The alert starts when the beat was due; the next beat resolves it.
    """
    missed = []
    for late in missed_heartbeats(uow=uow):
        integration = late.integration
        event = AlertEvent(
            action="trigger",
            dedup_key=HEARTBEAT_KEY,
            severity="critical",
            starts_at=late.due_at,
            summary=f"No heartbeat from {integration.id} for {integration.settings['interval']}",
        )
        submission = Submission(integration.key, "heartbeat", [event])
        if isinstance(ingest(uow=uow, submissions=[submission])[0], Accepted):
            missed.append(integration.id)
    return missed


def _deadline(integration: IntegrationRecord) -> datetime | None:
    try:
        return deadline(integration)
    except (KeyError, ValueError):  # a bad interval stored by hand must not stop the other checks
        log.warning("heartbeat %s has no valid interval; not checked", integration.id)
        return None
