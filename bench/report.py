"""Metrics report over 100,000 incidents: end to end through the service, SQLite and PostgreSQL.

    .venv/bin/python bench/report.py [--incidents 100000] [--runs 3] [--postgres URL] [--reuse FILE]

Generates ``--incidents`` incidents spread over one year (2025), each worked
with the real domain commands (declared, paged, assessed, acknowledged,
mitigated, resolved, some reopened, some reviewed; 2 % drills, 1 % excluded)
on 40 services owned by 8 teams, and bulk-inserts them with their timelines
(the rows the incident repository writes: the incident with its state, its
metrics row, its services, its events).
Then it times ``services.reports.metrics_report`` over the whole year,
ungrouped and grouped by service, team and priority, and
``services.reports.oncall_load``: a fresh unit of work each time, from the
query to the finished pydantic document. Prints the best and the median wall
time of ``--runs`` runs, and the best CPU time of this process (on
PostgreSQL the server's work is not in it), as a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.domain import incident as rules
from fireline.domain.events import Event, PageSent
from fireline.domain.incident import Act, Outcome
from fireline.domain.state import Incident
from fireline.services.admin.configuration import apply_config
from fireline.services.admin.organisation import priority_policy
from fireline.services.review import reports
from fireline.storage.incidents import (
    IncidentRepository,
    first_acknowledgement,
    metrics_columns,
)
from fireline.storage.models import IncidentEvent, IncidentFactsRow, IncidentRow, IncidentService
from fireline.workflows import shipped_workflow

YEAR = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
TEAMS = [f"team{t}" for t in range(8)]
SERVICES = [f"svc{s:02d}" for s in range(40)]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Singapore", "Australia/Sydney"]
USERS = [f"user{u:02d}" for u in range(50)]
LEVELS = ["high", "medium", "low"]
BATCH = 2000


def config() -> str:
    lines = ["teams:"]
    lines += [f"  - {{id: {t}, name: {t}}}" for t in TEAMS]
    lines.append("users:")
    lines += [
        f"  - {{id: {u}, name: {u}, email: {u}@example.com, role: responder,"
        f" time_zone: {ZONES[i % len(ZONES)]}}}"
        for i, u in enumerate(USERS)
    ]
    lines.append("services:")
    lines += [
        f"  - {{id: {s}, name: {s}, team: {TEAMS[i % len(TEAMS)]}, impact: medium}}"
        for i, s in enumerate(SERVICES)
    ]
    lines += [
        "priorities:",
        "  matrix:",
        "    high:   {high: P1, medium: P2, low: P3}",
        "    medium: {high: P2, medium: P3, low: P4}",
        "    low:    {high: P3, medium: P4, low: P5}",
        "  sla:",
        '    P1: {acknowledge: "5m", mitigate: "1h", resolve: "4h"}',
        '    P2: {acknowledge: "15m", mitigate: "4h", resolve: "8h"}',
        '    P3: {acknowledge: "1h", resolve: "1d"}',
        '    P4: {acknowledge: "4h", resolve: "3d"}',
        "severities: [SEV1, SEV2, SEV3, SEV4]",
    ]
    return "\n".join(lines) + "\n"


class Generator:
    """Random but realistic incidents, each worked with the domain's commands."""

    def __init__(self, core: Fireline, seed: int = 6) -> None:
        self.rng = random.Random(seed)
        self.workflow = shipped_workflow("standard")
        with core.uow() as uow:
            self.policy = priority_policy(uow)

    def incident(self, incident_id: int) -> tuple[Incident, list[Event]]:
        rng = self.rng
        detected = YEAR[0] + timedelta(seconds=rng.randrange(365 * 86400 - 7 * 86400))
        minutes = 0.0
        fields: dict[str, Any] = {
            "services": rng.sample(SERVICES, rng.choice((0, 1, 1, 1, 1, 1, 1, 1, 1, 2))),
            "impact": rng.choice(LEVELS),
            "urgency": rng.choice(LEVELS),
            "severity": rng.choice(("SEV1", "SEV2", "SEV3", "SEV4", None)),
            "drill": rng.random() < 0.02,
        }
        if rng.random() < 0.7:
            fields["impact_started_at"] = detected - timedelta(minutes=rng.randrange(0, 60))
        state, events = rules.declare(
            Act("alice", detected),
            incident_id=incident_id,
            workflow=self.workflow,
            workflow_version=1,
            policy=self.policy,
            title=f"incident {incident_id}",
            **fields,
        )

        def step(gap: float, command: Callable[[Act, Incident], Outcome]) -> None:
            nonlocal state, minutes
            minutes += gap
            state, new = command(Act("bob", detected + timedelta(minutes=minutes)), state)
            events.extend(new)

        for user in rng.sample(USERS, rng.choice((0, 1, 1, 2, 3))):
            step(0.1, lambda a, s, u=user: rules.record_news(s, _page(a, u)))
        w = self.workflow
        if rng.random() < 0.9:
            step(rng.uniform(1, 30), rules.acknowledge)
        step(rng.uniform(1, 10), lambda a, s: rules.transition(a, s, w, "assessment"))
        step(1, lambda a, s: rules.assign_role(a, s, "commander", "bob"))
        step(rng.uniform(1, 20), lambda a, s: rules.transition(a, s, w, "response"))
        step(rng.uniform(5, 60), lambda a, s: rules.add_note(a, s, "looking into it"))
        if rng.random() < 0.15:
            return self._finish(state, events, incident_id)  # still in response
        step(rng.uniform(5, 120), rules.mitigate)
        step(rng.uniform(5, 600), lambda a, s: rules.resolve(a, s, w, "fixed"))
        if rng.random() < 0.05:
            step(rng.uniform(10, 600), lambda a, s: rules.transition(a, s, w, "response", "back"))
            step(rng.uniform(10, 600), lambda a, s: rules.resolve(a, s, w, "fixed again"))
        if rng.random() < 0.7:
            step(rng.uniform(60, 2880), lambda a, s: rules.transition(a, s, w, "review"))
        return self._finish(state, events, incident_id)

    def _finish(
        self, state: Incident, events: list[Event], incident_id: int
    ) -> tuple[Incident, list[Event]]:
        if self.rng.random() < 0.01:
            at = events[-1].at + timedelta(minutes=1)
            state, new = rules.set_metrics_exclusion(Act("bob", at), state, True, "a duplicate")
            events += new
        return state, events


def _page(act: Act, user: str) -> PageSent:
    return PageSent(
        at=act.now,
        actor=act.actor,
        user=user,
        contact=f"{user}-sms",
        channel="sms",
        attempts=1,
        idempotency_key=f"bench:{user}:{act.now.isoformat()}",
    )


def populate(cores: list[Fireline], count: int) -> None:
    """Apply the configuration and bulk-insert ``count`` incidents with their timelines, the
    same ones into each database (generated once)."""
    for core in cores:
        apply_config(uow=core.uow(), text=config(), source="bench.yaml")
    generator = Generator(cores[0])
    with ExitStack() as stack:
        units = [stack.enter_context(core.uow()) for core in cores]
        for first in range(1, count + 1, BATCH):
            batch = [generator.incident(i) for i in range(first, min(first + BATCH, count + 1))]
            for uow in units:
                _insert(uow.incidents, batch)
            print(f"  {first + len(batch) - 1} incidents", end="\r", file=sys.stderr)
        for uow in units:
            _after_bulk_load(uow.incidents.session)
            uow.commit()
    print(file=sys.stderr)


def _insert(repository: IncidentRepository, batch: list[tuple[Incident, list[Event]]]) -> None:
    """The rows the incident repository writes for each incident, inserted in bulk."""
    incidents, facts, links, timeline = [], [], [], []
    for state, events in batch:
        incidents.append({"id": state.id, **repository._columns(state, events[-1].at)})
        first_ack = first_acknowledgement(events)
        facts.append(
            {"incident_id": state.id, "first_acknowledged_at": first_ack, **metrics_columns(state)}
        )
        links += [{"incident_id": state.id, "service_id": s} for s in state.services]
        timeline += [
            {"incident_id": state.id, "seq": seq, "at": e.at, "actor": e.actor, "kind": e.kind,
             "data": e.data}
            for seq, e in enumerate(events, start=1)
        ]  # fmt: skip
    connection = repository.session.connection()
    for table, rows in (
        (IncidentRow, incidents),
        (IncidentFactsRow, facts),
        (IncidentService, links),
        (IncidentEvent, timeline),
    ):
        if rows:  # Core executemany: the ORM's bulk insert is several times slower
            connection.execute(insert(table.__table__), rows)


def _after_bulk_load(session: Any) -> None:
    """What an operator's routine maintenance does: fresh planner statistics, a right sequence."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))"))
        session.execute(text("ANALYZE"))
    else:
        session.execute(text("ANALYZE"))


def timed(runs: int, work: Callable[[], object]) -> tuple[float, float, float]:
    """The best and the median wall time of the runs, and the best CPU time of this process."""
    seconds, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        work()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return min(seconds), statistics.median(seconds), min(cpu)


def measurements(core: Fireline) -> Iterator[tuple[str, Callable[[], object]]]:
    start, end = YEAR
    now = end + timedelta(days=1)
    for by in (None, "service", "team", "priority"):
        yield (
            f"metrics, {f'by {by}' if by else 'ungrouped'}",
            lambda by=by: reports.metrics_report(
                uow=core.uow(), start=start, end=end, group_by=by, now=now
            ),
        )
    yield "on-call load", lambda: reports.oncall_load(uow=core.uow(), start=start, end=end)


def _bench_database(server_url: str, *, recreate: bool) -> str:
    engine = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = 'fireline_bench_report'")
        ).scalar()
        if recreate or not exists:
            connection.execute(text("DROP DATABASE IF EXISTS fireline_bench_report"))
            connection.execute(text("CREATE DATABASE fireline_bench_report"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/fireline_bench_report"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--postgres", help="PostgreSQL server URL; a database fireline_bench_report is recreated"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        help="keep the SQLite file here, and reuse it and fireline_bench_report if they "
        "already hold incidents (to time a change without generating again)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = args.reuse or Path(tmp) / "report.db"
        urls = {"sqlite": f"sqlite:///{sqlite}"}
        if args.postgres:
            urls["postgresql"] = _bench_database(args.postgres, recreate=not args.reuse)
        cores = {name: build(Settings(database_url=url)) for name, url in urls.items()}
        try:
            empty = [core for core in cores.values() if not _populated(core)]
            if empty:
                started = time.perf_counter()
                populate(empty, args.incidents)
                print(f"  loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            _print_table(cores, args.runs)
        finally:
            for core in cores.values():
                core.close()


def _print_table(cores: dict[str, Fireline], runs: int) -> None:
    print("| engine | incidents | report | best s | median s | CPU s (this process) |")
    print("|---|---|---|---|---|---|")
    for name, core in cores.items():
        with core.uow() as uow:
            count = uow.incidents.session.execute(text("SELECT count(*) FROM incidents")).scalar()
        for label, work in measurements(core):
            best, median, cpu = timed(runs, work)
            print(f"| {name} | {count} | {label} | {best:.2f} | {median:.2f} | {cpu:.2f} |")


def _populated(core: Fireline) -> bool:
    with core.uow() as uow:
        return bool(uow.incidents.session.execute(text("SELECT count(*) FROM incidents")).scalar())


if __name__ == "__main__":
    main()
