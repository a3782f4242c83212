"""Retention: alerts and delivery-log rows older than a configured age are deleted, in batches.

Incidents and their timelines are never deleted. A timeline's ``alert_attached`` event keeps what
the alert said (summary, severity, labels, dedup key), so an incident reads the same after its
alerts are gone; only the alert's own page answers 404. Ids are never reused, so a pruned alert's
id never points at another alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fireline.storage.uow import UnitOfWork

BATCH = 500  # rows a transaction deletes: short enough that ingest never waits long for the lock

Prune = Callable[[UnitOfWork, datetime, int], int]


@dataclass(frozen=True)
class Pruned:
    """How many rows one pass deleted."""

    alerts: int = 0
    deliveries: int = 0

    @property
    def total(self) -> int:
        return self.alerts + self.deliveries


def prune_expired(
    *,
    uow: Callable[[], UnitOfWork],
    alerts: timedelta,
    deliveries: timedelta,
    batch: int = BATCH,
) -> Pruned:
    """Delete the resolved alerts resolved longer than ``alerts`` ago (except those of an open
    incident) and the finished deliveries older than ``deliveries``, one batch per transaction;
    an age of zero keeps everything."""
    return Pruned(
        alerts=_in_batches(uow, alerts, batch, lambda u, before, n: u.alerts.prune(before, n)),
        deliveries=_in_batches(
            uow, deliveries, batch, lambda u, before, n: u.deliveries.prune(before, n)
        ),
    )


def _in_batches(new_uow: Callable[[], UnitOfWork], age: timedelta, batch: int, prune: Prune) -> int:
    if not age:
        return 0
    deleted = 0
    while True:
        with new_uow() as uow:
            count = prune(uow, uow.now() - age, batch)
            uow.commit()
        deleted += count
        if count < batch:
            return deleted
