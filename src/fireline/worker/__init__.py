"""The worker: runs what is due. `fireline serve` embeds one; `fireline worker` runs more."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fireline.bootstrap import Fireline
from fireline.services.alerting.ingest import check_heartbeats
from fireline.storage.health import HealthStore
from fireline.worker import deadman
from fireline.worker.jobs import run_until_idle, worker_name
from fireline.worker.retention import retention_duty

log = logging.getLogger("fireline.worker")
TICK_SECONDS = 0.2  # how long due work may wait for a worker (a claim is one cheap query)
RECORD_EVERY = timedelta(seconds=10)  # the last cycle is written this often, not every tick


Duty = Callable[[], object]


def duties(core: Fireline, stop: threading.Event) -> list[Duty]:
    """Everything the worker checks on each tick (retention only once an hour); once ``stop``
    is set, the job runner claims nothing more."""
    return [
        lambda: check_heartbeats(uow=core.uow()),
        lambda: run_until_idle(core, stop=stop),
        retention_duty(core),
    ]


@dataclass
class Watch:
    """What one worker process remembers between cycles: its duties (some keep their own
    timers), when it last said it was alive, and the event that stops it."""

    name: str = field(default_factory=worker_name)
    recorded: datetime | None = None
    called: datetime | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    each_tick: list[Duty] | None = None


def cycle(core: Fireline, watch: Watch) -> bool:
    """Do every duty once; when all succeeded, record the cycle and call the dead man's switch.

    True when the worker is healthy: every duty ran and the cycle could be recorded.
    """
    healthy = True
    if watch.each_tick is None:
        watch.each_tick = duties(core, watch.stop)
    for duty in watch.each_tick:
        if watch.stop.is_set():
            return healthy
        try:
            duty()
        except Exception:
            healthy = False
            log.exception("worker duty failed; will retry on the next tick")
    if healthy and _record(core, watch, core.clock()):
        _beat(core, watch, core.clock())
        return True
    return False


def _record(core: Fireline, watch: Watch, now: datetime) -> bool:
    if not deadman.due(watch.recorded, now, RECORD_EVERY):
        return True
    try:
        HealthStore(core.database.engine).record_cycle(watch.name, now)
    except Exception:
        log.exception("could not record the worker's cycle")
        return False
    watch.recorded = now
    return True


def _beat(core: Fireline, watch: Watch, now: datetime) -> None:
    url = core.settings.deadman_url
    if url and deadman.due(watch.called, now, core.settings.deadman_interval):
        watch.called = now  # a failed call is not repeated every tick: the next is one interval on
        deadman.call(url)


def run(core: Fireline, stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    """Run a cycle each tick until told to stop; a failing duty is logged, not fatal.

    Once ``stop`` is set the worker claims nothing more, finishes the job in hand
    and gives back the leases of the jobs it claimed but did not start.
    """
    watch = Watch(stop=stop)
    while not stop.is_set():
        cycle(core, watch)
        stop.wait(tick)


def start_in_thread(core: Fireline, stop: threading.Event) -> threading.Thread:
    """Run the worker in a daemon thread until ``stop`` is set."""
    thread = threading.Thread(target=run, args=(core, stop), name="fireline-worker", daemon=True)
    thread.start()
    return thread
