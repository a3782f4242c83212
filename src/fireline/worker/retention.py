"""The worker's retention duty: once an hour, prune expired alerts and delivery-log rows
(FIRELINE_RETENTION_ALERTS, FIRELINE_RETENTION_DELIVERIES) and give the space back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fireline.bootstrap import Fireline
from fireline.services.admin.retention import Pruned, prune_expired

log = logging.getLogger("fireline.worker")
PRUNE_EVERY = timedelta(hours=1)


def prune(core: Fireline) -> Pruned:
    """One retention pass on the core's database; SQLite's freed pages go back to the disk."""
    pruned = prune_expired(
        uow=core.uow,
        alerts=core.settings.retention_alerts,
        deliveries=core.settings.retention_deliveries,
    )
    if pruned.total:
        core.database.reclaim_space()
        log.info("retention: deleted %d alerts, %d deliveries", pruned.alerts, pruned.deliveries)
    return pruned


@dataclass
class Every:
    """Runs ``work`` when ``interval`` has passed, by ``clock``, since it last ran (or never did)."""

    interval: timedelta
    work: Callable[[], object]
    clock: Callable[[], datetime]
    last: datetime | None = None

    def __call__(self) -> object:
        now = self.clock()
        if self.last is not None and now - self.last < self.interval:
            return None
        self.last = now
        return self.work()


def retention_duty(core: Fireline) -> Every:
    """Pruning, due on the worker's first tick and then every PRUNE_EVERY."""
    return Every(PRUNE_EVERY, lambda: prune(core), core.clock)
