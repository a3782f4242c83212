"""What operators and orchestrators ask: ``/healthz`` (alive), ``/readyz`` (the database answers
and a worker keeps up) and ``/metrics`` (Prometheus; the shared numbers read from the database at
scrape time, so every process reports the same)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fireline.bootstrap import Fireline
from fireline.storage.health import HealthStore, Snapshot
from fireline.web.problems import problem

Checks = dict[str, str]


def readiness(store: HealthStore, now: datetime, stale_after: timedelta) -> Checks:
    """Each check's verdict: ``ok``, or what is wrong."""
    failure = store.ping()
    if failure is not None:
        return {"database": f"unreachable: {failure}"}
    checks = {"database": "ok", "worker": "ok", "jobs": "ok"}
    last = store.last_cycle()
    if last is None:
        checks["worker"] = "no worker has finished a cycle yet"
    elif now - last > stale_after:
        checks["worker"] = f"no worker has finished a cycle for {_seconds(now - last)} s"
    oldest = store.oldest_due(now)
    if oldest is not None and now - oldest > stale_after:
        checks["jobs"] = f"a due job has waited {_seconds(now - oldest)} s for a worker"
    return checks


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


class DatabaseCollector(Collector):
    """The gauges every process must agree on, read from the database on each scrape."""

    def __init__(self, store: HealthStore, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        snapshot = self.store.snapshot(now)
        yield GaugeMetricFamily(
            "fireline_database_up",
            "1 when the database answered this scrape's queries, else 0.",
            value=0 if snapshot is None else 1,
        )
        if snapshot is not None:
            yield from _gauges(snapshot, now)


def _gauges(snapshot: Snapshot, now: datetime) -> Iterator[Metric]:
    yield _by_label(
        "fireline_incidents_open",
        "Incidents not resolved yet, by priority (none: not assessed).",
        "priority",
        snapshot.open_incidents,
    )
    yield _by_label(
        "fireline_jobs_pending",
        "Jobs waiting for a worker (due now or later), by kind.",
        "kind",
        snapshot.pending_jobs,
    )
    last, oldest = snapshot.last_cycle, snapshot.oldest_due
    yield GaugeMetricFamily(
        "fireline_worker_last_cycle_timestamp_seconds",
        "When a worker last finished a cycle (Unix time; 0: never).",
        value=last.timestamp() if last else 0.0,
    )
    yield GaugeMetricFamily(
        "fireline_jobs_oldest_due_age_seconds",
        "How long the longest-waiting due job has waited for a worker (0: none waits).",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )


def _by_label(name: str, documentation: str, label: str, counts: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


def install(app: FastAPI, core: Fireline) -> None:
    """Add ``/healthz``, ``/readyz`` and ``/metrics`` for this core."""
    store = HealthStore(core.database.engine)
    shared = CollectorRegistry(auto_describe=False)
    shared.register(DatabaseCollector(store, core.clock))

    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def readyz() -> JSONResponse:
        checks = readiness(store, core.clock(), core.settings.worker_stale_after)
        ready = all(verdict == "ok" for verdict in checks.values())
        body = {"status": "ok" if ready else "fail", "checks": checks}
        return JSONResponse(body, 200 if ready else 503)

    def metrics(request: Request) -> Response:
        if not _authorized(request, core.settings.metrics_token):
            return problem(
                401,
                "Unauthorized",
                "/metrics needs `Authorization: Bearer <FIRELINE_METRICS_TOKEN>`",
                {"WWW-Authenticate": "Bearer"},
            )
        body = generate_latest(REGISTRY) + generate_latest(shared)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/healthz", healthz, include_in_schema=False)
    app.add_api_route("/readyz", readyz, include_in_schema=False)
    app.add_api_route("/metrics", metrics, include_in_schema=False)


def _authorized(request: Request, token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
