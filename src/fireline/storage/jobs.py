"""The jobs table: durable, time-based work claimed with leases.

PostgreSQL: any number of workers claim with ``FOR UPDATE SKIP LOCKED``.
SQLite: claims happen under the database's single write lock. A worker that
dies mid-job leaves its lease to expire; then another worker claims the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from fireline.storage.models import Job

ACTIVE = ("pending", "running")


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any],
        key: str,
        now: datetime,
        incident_id: int | None = None,
    ) -> bool:
        """Queue a job once per idempotency key; False if that key was queued already."""
        if self.session.execute(select(Job.id).where(Job.idempotency_key == key)).first():
            return False
        self.session.add(
            Job(
                kind=kind,
                due_at=due_at,
                status="pending",
                payload=payload,
                attempts=0,
                incident_id=incident_id,
                idempotency_key=key,
                created_at=now,
            )
        )
        self.session.flush()
        return True

    def claim(self, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Job]:
        """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``worker``."""
        due = (
            select(Job.id)
            .where(
                or_(
                    (Job.status == "pending") & (Job.due_at <= now),
                    (Job.status == "running") & (Job.lease_until < now),
                )
            )
            .order_by(Job.due_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(self.session.execute(due).scalars())
        if not ids:
            return []
        self.session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(
                status="running", worker=worker, lease_until=now + lease, attempts=Job.attempts + 1
            ),
            execution_options={"synchronize_session": False},
        )
        return list(
            self.session.execute(select(Job).where(Job.id.in_(ids)).order_by(Job.due_at)).scalars()
        )

    def get(self, job_id: int) -> Job | None:
        return self.session.get(Job, job_id)

    def incident_of(self, job_id: int) -> int | None:
        return self.session.execute(
            select(Job.incident_id).where(Job.id == job_id)
        ).scalar_one_or_none()

    def still_mine(self, job_id: int, worker: str, *, for_update: bool = True) -> Job | None:
        """The job, if this worker still holds it (its lease may have passed to another)."""
        query = select(Job).where(Job.id == job_id, Job.worker == worker, Job.status == "running")
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalars().first()

    def cancel(self, incident_id: int, kinds: Iterable[str], now: datetime) -> int:
        """Cancel the incident's pending jobs of these kinds; how many were cancelled."""
        result = self.session.execute(
            update(Job)
            .where(
                Job.incident_id == incident_id, Job.kind.in_(list(kinds)), Job.status == "pending"
            )
            .values(status="cancelled", finished_at=now),
            execution_options={"synchronize_session": False},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def next_pending(self, incident_id: int, kind: str) -> Job | None:
        query = (
            select(Job)
            .where(Job.incident_id == incident_id, Job.kind == kind, Job.status == "pending")
            .order_by(Job.due_at)
            .limit(1)
        )
        return self.session.execute(query).scalars().first()

    def for_incident(self, incident_id: int) -> list[Job]:
        query = select(Job).where(Job.incident_id == incident_id).order_by(Job.id)
        return list(self.session.execute(query).scalars())

    def pending_count(self) -> int:
        query = select(func.count()).where(Job.status.in_(ACTIVE))
        return int(self.session.execute(query).scalar_one())
