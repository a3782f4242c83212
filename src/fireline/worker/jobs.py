"""Run due jobs: claim with a lease, run each in its own transaction, deliver pages outside one.

Each job class has one handler (:data:`HANDLERS`, by the kind a row stores).
Only the worker moves a claimed job on — finished, retried, held — through the
job repository; a handler says what its job does, and a delivery returns a
decision that is applied here. Locks are always taken in the same order — the
incident, then the job — as the incident use cases do (they lock the incident,
then cancel its jobs).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar, assert_never

from fireline import telemetry
from fireline.bootstrap import Fireline
from fireline.domain.jobs import (
    MAX_ATTEMPTS,
    AckTimeout,
    BaseJob,
    Claimed,
    Digest,
    Escalate,
    FollowUpDue,
    IncidentChannel,
    Job,
    Notice,
    Notification,
    Page,
    RecurrenceCheck,
    SlaCheck,
    StatusReminder,
    Unreadable,
    UnreadableJob,
    backoff,
    kind_of,
)
from fireline.notify import DeliveryFailed, Receipt
from fireline.services.chatops import incident_channels
from fireline.services.incidents import reminders, sla_watch
from fireline.services.paging import delivery, digests
from fireline.services.paging import escalation as paging
from fireline.services.paging.delivery import (
    Cancel,
    Coalesce,
    Decision,
    Failed,
    Hold,
    Outcome,
    Retry,
    Send,
    Sent,
)
from fireline.services.review import follow_up_reminders, similar
from fireline.storage.uow import UnitOfWork

log = logging.getLogger("fireline.worker")
Handler = Callable[[Fireline, int, str], None]  # runs one claimed job: core, job id, worker
BATCH = 50
ROUNDS = 20  # claims a tick at most (run_until_idle)
RECORD_TRIES = 3
J = TypeVar("J", bound=BaseJob)
N = TypeVar("N", bound=Notification)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(
    core: Fireline,
    worker: str | None = None,
    *,
    limit: int = BATCH,
    stop: threading.Event | None = None,
) -> int:
    """Claim the due jobs and run them; how many were claimed.

    Once ``stop`` is set, the jobs not started yet are given back at once, so another
    worker runs them now rather than after their lease.
    """
    worker = worker or worker_name()
    with core.uow() as uow:
        now = uow.now()
        claimed = uow.jobs.claim(
            worker=worker, now=now, lease=core.settings.worker_lease, limit=limit
        )
        uow.commit()
    for held in claimed:
        telemetry.JOB_LAG.labels(held.kind).observe(max(0.0, (now - held.due_at).total_seconds()))
    for position, held in enumerate(claimed):
        if stop is not None and stop.is_set():
            _release(core, [job.id for job in claimed[position:]], worker)
            break
        _run(core, held, worker)
    return len(claimed)


def run_until_idle(
    core: Fireline, worker: str | None = None, *, stop: threading.Event | None = None
) -> int:
    """Claim and run until nothing is due, or until stopped; how many were claimed.

    A job often makes another due at once (an escalation step queues its pages): that one is
    claimed in the same tick, not the next. At most ``ROUNDS`` claims a tick, so that the
    tick's other duties (heartbeats, retention) still get their turn.
    """
    total = 0
    for _ in range(ROUNDS):
        if stop is not None and stop.is_set():
            break
        ran = run_due_jobs(core, worker, stop=stop)
        total += ran
        if not ran:
            break
    return total


def _release(core: Fireline, job_ids: list[int], worker: str) -> None:
    """Give back the claims of jobs this stopping worker did not start."""
    for job_id in job_ids:
        try:
            with core.uow() as uow:
                if _locked_job(uow, job_id, worker) is not None:
                    uow.jobs.release(job_id)
                    uow.commit()
        except Exception:
            log.exception("could not give job %s back; its lease will expire", job_id)
    log.info("stopping: gave back %d claimed jobs not started", len(job_ids))


def _run(core: Fireline, held: Claimed[Job] | Unreadable, worker: str) -> None:
    """Run one claimed job; a job that raises is retried later, one nobody can read fails now."""
    try:
        try:
            if isinstance(held, Unreadable):
                raise UnreadableJob(held.problem)
            handler = HANDLERS.get(held.kind)
            if handler is None:
                raise UnreadableJob(f"no handler for jobs of kind {held.kind!r}")
            handler(core, held.id, worker)
        except UnreadableJob as error:
            log.error("job %s (%s) cannot run and fails: %s", held.id, held.kind, error)
            _after_error(core, held.id, worker, str(error), final=True)
        except Exception as error:
            log.exception("job %s (%s) failed; it will be retried", held.id, held.kind)
            _after_error(core, held.id, worker, str(error))
    except Exception:
        log.exception("could not reschedule job %s; its lease will expire", held.id)


def _locked_job(uow: UnitOfWork, job_id: int, worker: str) -> Claimed[Job] | Unreadable | None:
    """The job, still ours, with its incident locked first (the one lock order everywhere)."""
    incident_id = uow.jobs.incident_of(job_id)
    if incident_id is not None:
        uow.incidents.get(incident_id, for_update=True)
    return uow.jobs.still_mine(job_id, worker)


@dataclass(frozen=True)
class InOneTransaction(Generic[J]):
    """A job whose whole effect is database work: run it and mark it done in one transaction."""

    job_type: type[J]
    step: Callable[[UnitOfWork, Claimed[J], datetime], None]

    def __call__(self, core: Fireline, job_id: int, worker: str) -> None:
        with core.uow() as uow:
            held = _locked_job(uow, job_id, worker)
            if held is None:
                return
            self.step(uow, held.narrow(self.job_type), uow.now())
            uow.jobs.finish(job_id, uow.now())
            uow.commit()


@dataclass(frozen=True)
class Deliver(Generic[N]):
    """Decide under lock, send with no transaction open, record under lock again."""

    job_type: type[N]

    def __call__(self, core: Fireline, job_id: int, worker: str) -> None:
        base_url = core.base_url()
        with core.uow() as uow:
            held = _locked_job(uow, job_id, worker)
            if held is None:
                return
            claimed, now = held.narrow(self.job_type), uow.now()
            decision = delivery.prepare(uow, claimed, base_url, core.throttle(), now)
            _apply(uow, claimed, decision, now + core.settings.worker_lease, now)
            delivery.log_decision(uow, claimed, decision, now)
            uow.commit()
        if isinstance(decision, Send):
            result = delivery.send(core.pager(), decision.contact, decision.message)
            outcome = _record(core, job_id, worker, result)
            _count(str(decision.contact.get("type", "unknown")), result, outcome)


@dataclass(frozen=True)
class OpenChannel:
    """Plan under lock, call Slack with no transaction open, keep the channel under lock."""

    job_type: type[IncidentChannel] = IncidentChannel

    def __call__(self, core: Fireline, job_id: int, worker: str) -> None:
        base_url = core.base_url()
        with core.uow() as uow:
            held = _locked_job(uow, job_id, worker)
            if held is None:
                return
            todo = incident_channels.plan(uow, held.narrow(IncidentChannel).job, base_url)
            uow.jobs.renew(job_id, until=uow.now() + core.settings.worker_lease)
            uow.commit()
        channel_id = incident_channels.carry_out(core.slack(), todo)
        with core.uow() as uow:
            if _locked_job(uow, job_id, worker) is None:
                return
            incident_channels.record(uow, todo, channel_id, uow.now())
            uow.jobs.finish(job_id, uow.now())
            uow.commit()


def _count(channel: str, result: Receipt | DeliveryFailed, outcome: Outcome | None) -> None:
    if isinstance(result, DeliveryFailed):
        telemetry.PROVIDER_ERRORS.labels(channel).inc()
    if outcome is not None:
        telemetry.DELIVERIES.labels(channel, type(outcome).__name__.lower()).inc()


def _apply(
    uow: UnitOfWork,
    claimed: Claimed[Notification],
    decision: Decision,
    lease_until: datetime,
    now: datetime,
) -> None:
    match decision:
        case Send():
            uow.jobs.renew(claimed.id, until=lease_until)  # a fresh lease for the send
        case Hold(until=until, reason=reason):
            uow.jobs.hold(claimed.id, until=until, reason=reason)
        case Cancel():
            uow.jobs.finish(claimed.id, now, "cancelled")
        case Coalesce():
            uow.jobs.finish(claimed.id, now)  # handed to the contact's digest
        case _:
            assert_never(decision)


def _record(
    core: Fireline, job_id: int, worker: str, result: Receipt | DeliveryFailed
) -> Outcome | None:
    """Record what the send did (None: another worker has the job now); a database hiccup here
    is retried, never turned into a resend."""
    for attempt in range(RECORD_TRIES):
        try:
            with core.uow() as uow:
                held = _locked_job(uow, job_id, worker)
                if held is None:
                    return None  # our lease passed to another worker, which sends with the same key
                claimed, now = held.narrow(Notification), uow.now()
                outcome = delivery.after_send(result, claimed.attempts, now)
                delivery.record(uow, claimed, outcome, now)
                _finish(uow, job_id, outcome, now)
                uow.commit()
                return outcome
        except Exception:
            if attempt == RECORD_TRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None


def _finish(uow: UnitOfWork, job_id: int, outcome: Outcome, now: datetime) -> None:
    match outcome:
        case Retry(at=at, error=error):
            uow.jobs.retry(job_id, at=at, error=error)
        case Sent():
            uow.jobs.finish(job_id, now)
        case Failed():
            uow.jobs.finish(job_id, now, "failed")
        case _:
            assert_never(outcome)


def _after_error(
    core: Fireline, job_id: int, worker: str, error: str, *, final: bool = False
) -> None:
    """A job raised: try it again later, or give up (after the last attempt) and say so."""
    with core.uow() as uow:
        held = _locked_job(uow, job_id, worker)
        if held is None:
            return
        now = uow.now()
        if final or held.attempts >= MAX_ATTEMPTS:
            uow.jobs.finish(job_id, now, "failed", error=error)
            delivery.give_up(uow, held, error[:1000], now)
        else:
            uow.jobs.retry(job_id, at=now + backoff(held.attempts), error=error)
        uow.commit()


class _JobHandler(Protocol):
    @property
    def job_type(self) -> type[BaseJob]: ...

    def __call__(self, core: Fireline, job_id: int, worker: str) -> None: ...


def _by_kind(*handlers: _JobHandler) -> dict[str, Handler]:
    return {kind_of(handler.job_type): handler for handler in handlers}


_ONE_PER_JOB_CLASS = (
    InOneTransaction(Escalate, paging.run_escalation_step),
    Deliver(Page),
    Deliver(Notice),
    InOneTransaction(Digest, digests.gather),
    InOneTransaction(StatusReminder, reminders.remind),
    InOneTransaction(AckTimeout, paging.expire_acknowledgement),
    InOneTransaction(SlaCheck, sla_watch.check),
    InOneTransaction(FollowUpDue, follow_up_reminders.remind),
    InOneTransaction(RecurrenceCheck, similar.check_recurrence),
    OpenChannel(),
)
HANDLERS: dict[str, Handler] = _by_kind(*_ONE_PER_JOB_CLASS)
"""Every job class's handler, by the kind its rows store (a test checks none is missing)."""
