"""Server-side rendering time of the web UI's main pages with 10,000 incidents.

    .venv/bin/python bench/ui.py [--incidents 10000] [--alerts 20000] [--requests 200]
                                 [--open-share 0.05] [--gc-freeze] [--postgres URL]

Fills a fresh database (SQLite in a temporary directory, or the PostgreSQL
database ``fireline_bench_ui`` recreated on the server named by
``--postgres``) with the example
configuration, ``--incidents`` incidents detected over the last 90 days and
worked with the domain's commands: ``--open-share`` of them (default 5 %)
left open in Assessment, Response, Resolution or Review, the others closed
(postmortem published); with ``--open-share 0.85`` the board pages through
thousands of open incidents, the worst case. A third of them have an ad-hoc
task owned by alice, bob or carol, and ``--alerts`` alerts linked to them;
all bulk-inserted as the repositories write them. Then it logs in as bob
through the login form and requests each page ``--requests`` times through
the ASGI app in this process (Starlette's TestClient: routing, session,
services, SQL, Jinja2), after a warm-up, and prints p50, p99 and max per
page as a Markdown table. Never run from the tests.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.domain import incident as rules
from fireline.domain import review
from fireline.domain.events import Event
from fireline.domain.incident import Act, Outcome
from fireline.domain.state import Incident
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.services.admin.organisation import priority_policy
from fireline.storage.incidents import first_acknowledgement, metrics_columns
from fireline.storage.models import (
    AlertRow,
    IncidentEvent,
    IncidentFactsRow,
    IncidentRow,
    IncidentService,
)
from fireline.web.app import create_app
from fireline.workflows import shipped_workflow

EXAMPLE = Path(__file__).parent.parent / "examples" / "fireline.yaml"
PASSWORD = "benchmark password"
PEOPLE = ("alice", "bob", "carol")
SERVICES = ("checkout-api", "ledger")
LEVELS = ("high", "medium", "low")
TITLES = (
    "Checkout returns 502 for EU customers",
    "Ledger writes time out",
    "Card payments declined by the acquirer",
    "Latency above 2 s on the checkout API",
    "Heartbeat missing from the ledger",
)
BATCH = 2000
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Generator:
    """Random but realistic incidents, each worked with the domain's commands."""

    def __init__(self, core: Fireline, now: datetime, open_share: float, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.open_share = open_share
        self.now = now
        self.workflow = shipped_workflow("standard")
        with core.uow() as uow:
            self.policy = priority_policy(uow)

    def incident(self, incident_id: int) -> tuple[Incident, list[Event]]:
        rng, w = self.rng, self.workflow
        detected = self.now - timedelta(seconds=rng.randrange(300, 90 * 86400))
        state, events = rules.declare(
            Act(rng.choice(PEOPLE), detected),
            incident_id=incident_id,
            workflow=w,
            workflow_version=1,
            policy=self.policy,
            title=f"{rng.choice(TITLES)} ({incident_id})",
            services=[rng.choice(SERVICES)],
            impact=rng.choice(LEVELS),
            urgency=rng.choice(LEVELS),
            severity=rng.choice(("SEV1", "SEV2", "SEV3", None)),
            summary="Error rate above 5 % since the last deploy; dashboards linked in the notes.",
        )
        clock = [detected]

        def step(minutes: float, command: Callable[[Act, Incident], Outcome]) -> None:
            nonlocal state
            clock[0] = min(clock[0] + timedelta(minutes=minutes), self.now)
            state, new = command(Act("bob", clock[0]), state)
            events.extend(new)

        step(rng.uniform(1, 10), rules.acknowledge)
        open_now = rng.random() < self.open_share
        stop = rng.choice(("assessment", "response", "resolution", "review")) if open_now else ""
        step(rng.uniform(1, 10), lambda a, s: rules.transition(a, s, w, "assessment"))
        step(1, lambda a, s: rules.assign_role(a, s, "commander", rng.choice(PEOPLE)))
        if rng.random() < 0.33:
            owner = rng.choice(PEOPLE)
            step(1, lambda a, s: rules.add_task(a, s, "Check the last deploy", owner, None))
        if stop == "assessment":
            return state, events
        step(rng.uniform(1, 20), lambda a, s: rules.transition(a, s, w, "response"))
        for _ in range(rng.randrange(1, 6)):
            step(rng.uniform(1, 30), lambda a, s: rules.add_note(a, s, "Rolled back canary."))
        if stop == "response":
            return state, events
        step(rng.uniform(5, 120), rules.mitigate)
        step(rng.uniform(5, 600), lambda a, s: rules.resolve(a, s, w, "Rolled back."))
        if stop == "resolution":
            return state, events
        step(rng.uniform(60, 2880), lambda a, s: rules.transition(a, s, w, "review"))
        if stop == "review":
            return state, events
        step(10, lambda a, s: review.start_postmortem(a, s, "standard"))
        step(600, lambda a, s: review.change_postmortem_status(a, s, "in_review"))
        step(600, lambda a, s: review.change_postmortem_status(a, s, "published"))
        step(10, lambda a, s: rules.transition(a, s, w, "closed"))
        return state, events


def populate(
    core: Fireline, incidents: int, alerts: int, now: datetime, open_share: float = 0.05
) -> None:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    auth.set_password(uow=core.uow(), user_id="bob", password=PASSWORD)
    generator = Generator(core, now, open_share)
    rng = random.Random(7)
    with core.uow() as uow:
        connection = uow.incidents.session.connection()
        for first in range(1, incidents + 1, BATCH):
            batch = [generator.incident(i) for i in range(first, min(first + BATCH, incidents + 1))]
            _insert(connection, uow.incidents, batch)
            print(f"  {first + len(batch) - 1} incidents", end="\r", file=sys.stderr)
        for first in range(1, alerts + 1, BATCH):
            rows = [
                _alert(i, rng, incidents, alerts, now)
                for i in range(first, min(first + BATCH, alerts + 1))
            ]
            connection.execute(insert(AlertRow), rows)
        _after_bulk_load(connection)
        uow.commit()
    print(file=sys.stderr)


def _insert(connection: Any, repository: Any, batch: list[tuple[Incident, list[Event]]]) -> None:
    """The rows the incident repository writes for each incident, inserted in bulk."""
    incidents, facts, links, timeline = [], [], [], []
    for state, events in batch:
        incidents.append({"id": state.id, **repository._columns(state, events[-1].at)})
        facts.append(
            {
                "incident_id": state.id,
                "first_acknowledged_at": first_acknowledgement(events),
                **metrics_columns(state),
            }
        )
        links += [{"incident_id": state.id, "service_id": s} for s in state.services]
        timeline += [
            {"incident_id": state.id, "seq": seq, "at": e.at, "actor": e.actor, "kind": e.kind,
             "data": e.data}
            for seq, e in enumerate(events, start=1)
        ]  # fmt: skip
    for table, rows in (
        (IncidentRow, incidents),
        (IncidentFactsRow, facts),
        (IncidentService, links),
        (IncidentEvent, timeline),
    ):
        connection.execute(insert(table), rows)


def _alert(
    i: int, rng: random.Random, incidents: int, alerts: int, now: datetime
) -> dict[str, Any]:
    seen = now - timedelta(seconds=rng.randrange(60, 90 * 86400))
    firing = i > alerts - alerts // 100  # the newest 1 % still fire
    labels = {"alertname": rng.choice(("HighErrorRate", "DiskFull", "Latency")), "cluster": "eu1"}
    return {
        "id": i,
        "integration_id": "checkout-alertmanager",
        "service_id": "checkout-api",
        "dedup_key": f"fp-{i}",
        "group_key": labels["alertname"],
        "status": "firing" if firing else "resolved",
        "summary": f"{labels['alertname']} on eu1",
        "severity": "critical",
        "source": "10.0.0.1:9100",
        "labels": labels,
        "payload": {"labels": labels, "annotations": {"summary": "from the benchmark"}},
        "starts_at": seen,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "resolved_at": None if firing else seen + timedelta(minutes=5),
        "occurrences": 1,
        "flapping": False,
        "incident_id": rng.randrange(1, incidents + 1),
        "silence_id": None,
    }


def _after_bulk_load(connection: Any) -> None:
    """What an operator's routine maintenance does: planner statistics, the right sequences."""
    if connection.dialect.name == "postgresql":
        for table in ("incidents", "alerts"):
            connection.execute(
                text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            )
    connection.execute(text("ANALYZE"))


def logged_in(core: Fireline) -> TestClient:
    client = TestClient(create_app(fireline=core), follow_redirects=False)
    token = CSRF.search(client.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "login": "bob", "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 303
    return client


def pages(core: Fireline) -> dict[str, str]:
    with core.uow().read() as uow:
        session = uow.incidents.session
        open_id = session.execute(
            text("SELECT max(id) FROM incidents WHERE phase = 'response'")
        ).scalar_one()
        still_open = session.execute(
            text("SELECT count(*) FROM incidents WHERE closed_at IS NULL")
        ).scalar_one()
    last = max(1, -(-still_open // 100))
    return {
        f"board (/), {still_open} open": "/",
        f"board, last page ({last})": f"/?page={last}",
        f"incident page (/incidents/{open_id})": f"/incidents/{open_id}",
        "alerts (/alerts)": "/alerts",
        "alerts, firing, page 3": "/alerts?status=firing&page=3",
        "alerts, page 100": "/alerts?page=100",
        "one alert": "/alerts/1",
        "silences": "/silences",
        "on call (/oncall)": "/oncall",
        "on call, 4 weeks": "/oncall?days=28",
        "services": "/services",
    }


def measure(client: TestClient, path: str, requests: int) -> list[float]:
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(core: Fireline, requests: int, *, freeze: bool = False) -> None:
    client = logged_in(core)
    if freeze:  # the startup objects leave the collector's view: no 100 ms full collections
        gc.collect()
        gc.freeze()
    print("| page | p50 ms | p99 ms | max ms | bytes |")
    print("|---|---:|---:|---:|---:|")
    for name, path in pages(core).items():
        times = measure(client, path, requests)
        size = len(client.get(path).content)
        print(
            f"| {name} | {statistics.median(times):.1f} | {percentile(times, 99):.1f}"
            f" | {max(times):.1f} | {size:,} |"
        )


def _postgres(server_url: str) -> str:
    """A fresh database ``fireline_bench_ui`` on that server (dropped first if it exists)."""
    engine = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS fireline_bench_ui"))
        connection.execute(text("CREATE DATABASE fireline_bench_ui"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/fireline_bench_ui"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--open-share", type=float, default=0.05, help="share of incidents not closed"
    )
    parser.add_argument(
        "--postgres", help="PostgreSQL server URL; a database fireline_bench_ui is recreated"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app is built, as a long-running server could",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = _postgres(args.postgres) if args.postgres else f"sqlite:///{directory}/ui.db"
        core = build(Settings(database_url=url))
        now = datetime.now(UTC)
        started = time.perf_counter()
        populate(core, args.incidents, args.alerts, now, args.open_share)
        print(f"filled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        report(core, args.requests, freeze=args.gc_freeze)
        core.close()


if __name__ == "__main__":
    main()
