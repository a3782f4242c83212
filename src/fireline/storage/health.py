"""What operators watch, read straight from the database so every process agrees: the worker's
last cycle, open incidents, pending jobs. Used at scrape time and by ``/readyz``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from fireline.storage.models import IncidentRow, Job, WorkerCycle

FORGET = timedelta(days=7)  # a worker's row is dropped this long after its last cycle


@dataclass(frozen=True)
class Snapshot:
    """Everything a scrape reports from the database."""

    open_incidents: dict[str, int]
    pending_jobs: dict[str, int]
    last_cycle: datetime | None
    oldest_due: datetime | None


class HealthStore:
    """Small, cheap queries on an engine (no unit of work: nothing here is a use case)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ping(self) -> str | None:
        """None when the database answers, else why not."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            return f"{type(error).__name__}: {error.args[0] if error.args else error}"[:300]
        return None

    def record_cycle(self, worker: str, at: datetime) -> None:
        """Note that ``worker`` finished a cycle at ``at``."""
        with self.engine.begin() as connection:
            done = connection.execute(
                update(WorkerCycle).where(WorkerCycle.worker == worker).values(last_cycle_at=at)
            )
            if done.rowcount == 0:  # a new process: forget the ones gone for a week
                connection.execute(
                    delete(WorkerCycle).where(WorkerCycle.last_cycle_at < at - FORGET)
                )
                connection.execute(insert(WorkerCycle).values(worker=worker, last_cycle_at=at))

    def last_cycle(self) -> datetime | None:
        """When any worker last finished a cycle."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.max(WorkerCycle.last_cycle_at))).scalar()

    def open_incidents(self) -> dict[str, int]:
        """Incidents not resolved yet, by priority (``none`` when not assessed)."""
        query = (
            select(IncidentRow.priority, func.count())
            .where(IncidentRow.resolved_at.is_(None), IncidentRow.closed_at.is_(None))
            .group_by(IncidentRow.priority)
        )
        with self.engine.connect() as connection:
            return {priority or "none": n for priority, n in connection.execute(query)}

    def pending_jobs(self) -> dict[str, int]:
        """Jobs waiting for a worker (due or not yet), by kind."""
        query = select(Job.kind, func.count()).where(Job.status == "pending").group_by(Job.kind)
        with self.engine.connect() as connection:
            return {str(kind): int(n) for kind, n in connection.execute(query)}

    def oldest_due(self, now: datetime) -> datetime | None:
        """The due time of the longest-waiting job that is due and not yet claimed."""
        query = select(func.min(Job.due_at)).where(Job.status == "pending", Job.due_at <= now)
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def snapshot(self, now: datetime) -> Snapshot | None:
        """The numbers a scrape reports; None when the database does not answer."""
        try:
            return Snapshot(
                self.open_incidents(), self.pending_jobs(), self.last_cycle(), self.oldest_due(now)
            )
        except SQLAlchemyError:
            return None
