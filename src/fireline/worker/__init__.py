"""The worker: runs what is due. `fireline serve` embeds one; `fireline worker` runs more."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from fireline.bootstrap import Fireline
from fireline.services.alerting.ingest import check_heartbeats
from fireline.worker.jobs import run_until_idle

log = logging.getLogger("fireline.worker")
TICK_SECONDS = 0.2  # how long due work may wait for a worker (a claim is one cheap query)


def duties(core: Fireline, stop: threading.Event) -> list[Callable[[], object]]:
    """Everything the worker checks on each tick."""
    return [lambda: check_heartbeats(uow=core.uow()), lambda: run_until_idle(core, stop=stop)]


def run(core: Fireline, stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    """Do every duty each tick until told to stop; a failing duty is logged, not fatal.

    Once ``stop`` is set the worker claims nothing more, finishes the job in hand
    and gives back the leases of the jobs it claimed but did not start.
    """
    while not stop.is_set():
        for duty in duties(core, stop):
            if stop.is_set():
                break
            try:
                duty()
            except Exception:
                log.exception("worker duty failed; will retry on the next tick")
        stop.wait(tick)


def start_in_thread(core: Fireline, stop: threading.Event) -> threading.Thread:
    """Run the worker in a daemon thread until ``stop`` is set."""
    thread = threading.Thread(target=run, args=(core, stop), name="fireline-worker", daemon=True)
    thread.start()
    return thread
