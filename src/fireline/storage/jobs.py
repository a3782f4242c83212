"""The jobs table: durable, time-based work claimed with leases.

PostgreSQL: any number of workers claim with ``FOR UPDATE SKIP LOCKED``.
SQLite: claims happen under the database's single write lock. A worker that
dies mid-job leaves its lease to expire; then another worker claims the job.

A job's life, and the only methods that move it::

    pending ──claim──▶ running ──finish──▶ done | failed | cancelled
       ▲                │  ▲
       └─retry, hold,───┘  └── claim, once the lease expired (its worker died)
         release

    pending ──cancel──▶ cancelled

``run_now`` makes a pending job due at once. Only the worker claims, finishes,
retries, holds, renews and releases (a stopping worker gives back the claims it
did not start); use cases queue, cancel and run now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from fireline.domain.jobs import (
    BaseJob,
    Claimed,
    Job,
    Unreadable,
    UnreadableJob,
    kind_of,
    parse_job,
)
from fireline.storage.models import Job as JobRow

ACTIVE = ("pending", "running")
Finished = Literal["done", "failed", "cancelled"]
K = TypeVar("K", bound=BaseJob)


@dataclass(frozen=True)
class JobRecord:
    """One row of the jobs table, as it stands."""

    id: int
    kind: str
    key: str
    status: str
    attempts: int
    due_at: datetime
    incident_id: int | None
    worker: str | None
    last_error: str


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: Job, *, due_at: datetime, now: datetime) -> bool:
        """Queue a job once per idempotency key; False if that key was queued already."""
        key = job.key(due_at)
        if self.session.execute(select(JobRow.id).where(JobRow.idempotency_key == key)).first():
            return False
        self.session.add(
            JobRow(
                kind=job.kind,
                due_at=due_at,
                status="pending",
                payload=job.payload,
                attempts=0,
                incident_id=job.incident_id,
                idempotency_key=key,
                created_at=now,
            )
        )
        self.session.flush()
        return True

    def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Claimed[Job] | Unreadable]:
        """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``worker``."""
        due = (
            select(JobRow.id)
            .where(
                or_(
                    (JobRow.status == "pending") & (JobRow.due_at <= now),
                    (JobRow.status == "running") & (JobRow.lease_until < now),
                )
            )
            .order_by(JobRow.due_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(self.session.execute(due).scalars())
        if not ids:
            return []
        self.session.execute(
            update(JobRow)
            .where(JobRow.id.in_(ids))
            .values(
                status="running",
                worker=worker,
                lease_until=now + lease,
                attempts=JobRow.attempts + 1,
            ),
            execution_options={"synchronize_session": False},
        )
        query = select(JobRow).where(JobRow.id.in_(ids)).order_by(JobRow.due_at)
        return [_claimed(row) for row in self.session.execute(query).scalars()]

    def still_mine(self, job_id: int, worker: str) -> Claimed[Job] | Unreadable | None:
        """The job, locked, if this worker still holds it (its lease may have passed to another)."""
        query = (
            select(JobRow)
            .where(JobRow.id == job_id, JobRow.worker == worker, JobRow.status == "running")
            .with_for_update()
        )
        row = self.session.execute(query).scalars().first()
        return None if row is None else _claimed(row)

    def incident_of(self, job_id: int) -> int | None:
        return self.session.execute(
            select(JobRow.incident_id).where(JobRow.id == job_id)
        ).scalar_one_or_none()

    # The worker's moves of a running job.

    def finish(
        self, job_id: int, now: datetime, outcome: Finished = "done", *, error: str | None = None
    ) -> None:
        """The job ran (``done``), gave up (``failed``) or is no longer needed (``cancelled``)."""
        row = self._running(job_id)
        row.status, row.finished_at, row.lease_until = outcome, now, None
        if error is not None:
            row.last_error = error[:1000]

    def retry(self, job_id: int, *, at: datetime, error: str) -> None:
        """The attempt failed: run the job again at ``at``."""
        _pending_again(self._running(job_id), at, error)

    def hold(self, job_id: int, *, until: datetime, reason: str) -> None:
        """Put the job back until ``until`` without running it: this claim was not an attempt."""
        row = self._running(job_id)
        row.attempts -= 1
        _pending_again(row, until, reason)

    def release(self, job_id: int) -> None:
        """Give an unstarted claim back (the worker is stopping): claimable again at once."""
        row = self._running(job_id)
        row.attempts -= 1
        row.status, row.lease_until, row.worker = "pending", None, None

    def renew(self, job_id: int, *, until: datetime) -> None:
        """Keep the lease until ``until`` (before a send, however long the batch took)."""
        self._running(job_id).lease_until = until

    # What use cases do to pending jobs.

    def cancel(self, incident_id: int, job_types: Iterable[type[BaseJob]], now: datetime) -> int:
        """Cancel the incident's pending jobs of these classes; how many were cancelled."""
        result = self.session.execute(
            update(JobRow)
            .where(
                JobRow.incident_id == incident_id,
                JobRow.kind.in_([kind_of(t) for t in job_types]),
                JobRow.status == "pending",
            )
            .values(status="cancelled", finished_at=now),
            execution_options={"synchronize_session": False},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def run_now(self, incident_id: int, job_type: type[K], now: datetime) -> K | None:
        """Make the incident's next pending job of this class due now; that job, if any."""
        row = self._next_pending(incident_id, job_type)
        if row is None:
            return None
        row.due_at = now
        return _claimed(row).narrow(job_type).job

    def has_pending(self, incident_id: int, job_type: type[BaseJob]) -> bool:
        return self._next_pending(incident_id, job_type) is not None

    # Reading.

    def get(self, job_id: int) -> JobRecord | None:
        row = self.session.get(JobRow, job_id)
        return None if row is None else _record(row)

    def for_incident(self, incident_id: int) -> list[JobRecord]:
        query = select(JobRow).where(JobRow.incident_id == incident_id).order_by(JobRow.id)
        return [_record(row) for row in self.session.execute(query).scalars()]

    def pending_count(self) -> int:
        query = select(func.count()).where(JobRow.status.in_(ACTIVE))
        return int(self.session.execute(query).scalar_one())

    def _next_pending(self, incident_id: int, job_type: type[BaseJob]) -> JobRow | None:
        query = (
            select(JobRow)
            .where(
                JobRow.incident_id == incident_id,
                JobRow.kind == kind_of(job_type),
                JobRow.status == "pending",
            )
            .order_by(JobRow.due_at)
            .limit(1)
        )
        return self.session.execute(query).scalars().first()

    def _running(self, job_id: int) -> JobRow:
        row = self.session.get(JobRow, job_id)
        if row is None or row.status != "running":
            state = "gone" if row is None else row.status
            raise RuntimeError(f"job {job_id} is {state}: only a running job moves on")
        return row


def _pending_again(row: JobRow, at: datetime, error: str) -> None:
    row.status, row.due_at, row.lease_until, row.last_error = "pending", at, None, error[:1000]


def _claimed(row: JobRow) -> Claimed[Job] | Unreadable:
    try:
        job = parse_job(row.kind, row.payload)
    except UnreadableJob as error:
        return Unreadable(
            row.id,
            row.idempotency_key,
            row.attempts,
            row.due_at,
            row.kind,
            row.incident_id,
            str(error),
        )
    return Claimed(row.id, row.idempotency_key, row.attempts, row.due_at, job)


def _record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        key=row.idempotency_key,
        status=row.status,
        attempts=row.attempts,
        due_at=row.due_at,
        incident_id=row.incident_id,
        worker=row.worker,
        last_error=row.last_error,
    )
