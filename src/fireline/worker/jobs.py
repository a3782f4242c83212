"""Run due jobs: claim with a lease, run each in its own transaction, deliver pages outside one."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from fireline.bootstrap import Fireline
from fireline.services import paging
from fireline.storage.uow import UnitOfWork

log = logging.getLogger("fireline.worker")
LEASE = timedelta(seconds=60)
BATCH = 50


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due_jobs(core: Fireline, worker: str | None = None, *, limit: int = BATCH) -> int:
    """Claim the due jobs and run them; how many were claimed."""
    worker = worker or worker_name()
    with core.uow() as uow:
        claimed = [
            (j.id, j.kind)
            for j in uow.jobs.claim(worker=worker, now=uow.now(), lease=LEASE, limit=limit)
        ]
        uow.commit()
    for job_id, kind in claimed:
        try:
            (_deliver if kind == "notify" else _escalate)(core, job_id, worker)
        except Exception as error:
            log.exception("job %s (%s) failed; it will be retried", job_id, kind)
            _retry_later(core.uow(), job_id, worker, str(error))
    return len(claimed)


def _escalate(core: Fireline, job_id: int, worker: str) -> None:
    with core.uow() as uow:
        job = uow.jobs.still_mine(job_id, worker)
        if job is None:
            return
        paging.run_escalation_step(uow, job, uow.now())
        _finish(uow, job)
        uow.commit()


def _deliver(core: Fireline, job_id: int, worker: str) -> None:
    with core.uow() as uow:
        job = uow.jobs.still_mine(job_id, worker)
        if job is None:
            return
        page = paging.prepare_page(uow, job, core.settings.base_url)
        if page is None:
            job.status, job.finished_at = "cancelled", uow.now()
            uow.commit()
            return
        contact = dict(job.payload["contact"])
        uow.commit()
    failure = paging.deliver(core.pager(), contact, page)  # outside any transaction: no lock held
    with core.uow() as uow:
        job = uow.jobs.still_mine(job_id, worker)
        if job is None:
            return  # our lease passed to another worker, which sends with the same idempotency key
        if paging.record_delivery(uow, job, failure, uow.now()):
            _finish(uow, job, failed=failure is not None)
        uow.commit()


def _finish(uow: UnitOfWork, job: object, *, failed: bool = False) -> None:
    job.status = "failed" if failed else "done"  # type: ignore[attr-defined]
    job.finished_at = uow.now()  # type: ignore[attr-defined]
    job.lease_until = None  # type: ignore[attr-defined]


def _retry_later(uow: UnitOfWork, job_id: int, worker: str, error: str) -> None:
    with uow:
        job = uow.jobs.still_mine(job_id, worker)
        if job is None:
            return
        if job.attempts >= paging.MAX_ATTEMPTS:
            job.status, job.finished_at = "failed", uow.now()
        else:
            job.status, job.due_at = "pending", uow.now() + timedelta(seconds=5 * job.attempts)
        job.last_error = error[:1000]
        uow.commit()
