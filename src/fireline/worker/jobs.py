"""Run due jobs: claim with a lease, run each in its own transaction, deliver pages outside one.

Locks are always taken in the same order — the incident, then the job — as
the incident use cases do (they lock the incident, then cancel its jobs).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

from fireline.bootstrap import Fireline
from fireline.notify import DeliveryFailed
from fireline.services import delivery, follow_ups, paging, reminders, similar, sla_watch
from fireline.storage.models import Job
from fireline.storage.uow import UnitOfWork

log = logging.getLogger("fireline.worker")
Handler = Callable[[Fireline, int, str], None]
BATCH = 50
RECORD_TRIES = 3


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(core: Fireline, worker: str | None = None, *, limit: int = BATCH) -> int:
    """Claim the due jobs and run them; how many were claimed."""
    worker = worker or worker_name()
    with core.uow() as uow:
        claimed = [
            (j.id, j.kind)
            for j in uow.jobs.claim(
                worker=worker, now=uow.now(), lease=core.settings.worker_lease, limit=limit
            )
        ]
        uow.commit()
    for job_id, kind in claimed:
        handler = HANDLERS.get(kind)
        try:
            if handler is None:
                raise ValueError(f"no handler for jobs of kind {kind!r}")
            handler(core, job_id, worker)
        except Exception as error:
            log.exception("job %s (%s) failed; it will be retried", job_id, kind)
            try:
                _retry_later(core.uow(), job_id, worker, str(error))
            except Exception:
                log.exception("could not reschedule job %s; its lease will expire", job_id)
    return len(claimed)


def run_until_idle(core: Fireline, worker: str | None = None) -> int:
    """Run batches until fewer than a full batch is due; how many jobs ran."""
    total = 0
    while True:
        ran = run_due_jobs(core, worker)
        total += ran
        if ran < BATCH:
            return total


def _locked_job(uow: UnitOfWork, job_id: int, worker: str) -> Job | None:
    """The job, still ours, with its incident locked first (the one lock order everywhere)."""
    incident_id = uow.jobs.incident_of(job_id)
    if incident_id is not None:
        uow.incidents.get(incident_id, for_update=True)
    return uow.jobs.still_mine(job_id, worker)


def _in_one_transaction(step: Callable[[UnitOfWork, Job, datetime], None]) -> Handler:
    """A job whose whole effect is database work: run it and mark it done in one transaction."""

    def run(core: Fireline, job_id: int, worker: str) -> None:
        with core.uow() as uow:
            job = _locked_job(uow, job_id, worker)
            if job is None:
                return
            step(uow, job, uow.now())
            _finish(uow, job)
            uow.commit()

    return run


def _deliver(core: Fireline, job_id: int, worker: str) -> None:
    """Prepare under lock, send with no transaction open, record under lock again."""
    with core.uow() as uow:
        job = _locked_job(uow, job_id, worker)
        if job is None:
            return
        now = uow.now()
        message = delivery.prepare(uow, job, core.settings.base_url, core.throttle(), now)
        if message is not None:
            job.lease_until = (
                now + core.settings.worker_lease
            )  # a fresh lease for the send, however long the batch took
        contact = dict(job.payload["contact"])
        uow.commit()
    if message is None:
        return
    failure = delivery.send(core.pager(), contact, message)
    _record(core, job_id, worker, failure)


def _record(core: Fireline, job_id: int, worker: str, failure: DeliveryFailed | None) -> None:
    """Record what the send did; a database hiccup here is retried, never turned into a resend."""
    for attempt in range(RECORD_TRIES):
        try:
            with core.uow() as uow:
                job = _locked_job(uow, job_id, worker)
                if job is None:
                    return  # our lease passed to another worker, which sends with the same idempotency key
                if delivery.record(uow, job, failure, uow.now()):
                    _finish(uow, job, failed=failure is not None)
                uow.commit()
                return
        except Exception:
            if attempt == RECORD_TRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _finish(uow: UnitOfWork, job: Job, *, failed: bool = False) -> None:
    job.status = "failed" if failed else "done"
    job.finished_at = uow.now()
    job.lease_until = None


def _retry_later(uow: UnitOfWork, job_id: int, worker: str, error: str) -> None:
    """A job raised: try it again later, or give up after the last attempt and say so."""
    with uow:
        job = _locked_job(uow, job_id, worker)
        if job is None:
            return
        if job.attempts >= delivery.MAX_ATTEMPTS:
            _finish(uow, job, failed=True)
            delivery.give_up(uow, job, error[:1000], uow.now())
        else:
            job.status, job.due_at, job.lease_until = (
                "pending",
                uow.now() + delivery.backoff(job.attempts),
                None,
            )
        job.last_error = error[:1000]
        uow.commit()


HANDLERS: dict[str, Handler] = {
    "escalate": _in_one_transaction(paging.run_escalation_step),
    "notify": _deliver,
    "message": _deliver,
    "status_reminder": _in_one_transaction(reminders.remind),
    "ack_timeout": _in_one_transaction(paging.expire_acknowledgement),
    "sla_check": _in_one_transaction(sla_watch.check),
    "follow_up_due": _in_one_transaction(follow_ups.remind),
    "recurrence_check": _in_one_transaction(similar.check_recurrence),
}
