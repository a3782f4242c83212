"""The worker: runs what is due. `fireline serve` embeds one; `fireline worker` runs more."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from fireline.bootstrap import Fireline
from fireline.services.alerting.ingest import check_heartbeats
from fireline.worker.jobs import run_until_idle
from fireline.worker.retention import retention_duty

log = logging.getLogger("fireline.worker")
TICK_SECONDS = 0.2  # how long due work may wait for a worker (a claim is one cheap query)


def duties(core: Fireline) -> list[Callable[[], object]]:
    """Everything the worker checks on each tick (retention only once an hour)."""
    return [
        lambda: check_heartbeats(uow=core.uow()),
        lambda: run_until_idle(core),
        retention_duty(core),
    ]


def run(core: Fireline, stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    """Do every duty each tick until told to stop; a failing duty is logged, not fatal."""
    each_tick = duties(core)
    while not stop.is_set():
        for duty in each_tick:
            try:
                duty()
            except Exception:
                log.exception("worker duty failed; will retry on the next tick")
        stop.wait(tick)


def start_in_thread(core: Fireline) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(core, stop), name="fireline-worker", daemon=True)
    thread.start()
    return thread, stop
