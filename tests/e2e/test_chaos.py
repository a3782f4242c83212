"""Chaos on PostgreSQL: SIGKILL workers while hundreds of incidents escalate; no page lost or doubled.

Three `fireline worker` processes share one database. Every few seconds one
of the running workers, chosen at random, is killed with SIGKILL (no
shutdown: the database rolls back what it had open) and a new one is started.
Nobody acknowledges, so every incident runs through every step of its policy,
twice. At the end the timeline, the jobs table, the delivery log and a real
HTTP receiver must agree: each step fired exactly once, each page reached the
receiver, under exactly one idempotency key, and is logged sent once. A
worker killed between sending a page and recording it makes another worker
send it again under the same key (the receiver dedupes on it): those resends
are counted and printed (run with -s to see them), not failed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from standardwebhooks.webhooks import Webhook

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.incidents import commands as incidents
from fireline.storage.models import Delivery, IncidentEvent, Job
from tests.e2e.servers import FIRELINE
from tests.e2e.storm_support import own_postgres_schema

pytestmark = pytest.mark.postgres

INCIDENTS = 200
WORKERS = 3
LEASE_SECONDS = 3  # production: a minute; here a killed worker's jobs are taken over mid-chaos
KILL_EVERY = (2.0, 3.0)  # seconds between two kills, drawn at random
DECLARE_CHUNK = 10  # incidents declared between two looks at the workers
DECLARE_PAUSE = 0.3  # seconds: spreads the declarations over ~10 s so the escalations overlap
TIMEOUT = 300  # seconds for everything to be paged; generous: a loaded machine is no failure
MIN_KILLS = 5  # the declarations and five 3 s steps outlast this many kills and restarts

# Who each step pages (step 1 through the schedule, step 3 through the team) and each
# user's notification rules, in order: the expected idempotency keys follow from these.
STEP_USERS = (("ann",), ("bea",), ("cid", "dev"))
RULES: dict[str, tuple[str, ...]] = {
    "ann": ("ann-hook",),
    "bea": ("bea-hook",),
    "cid": ("cid-hook",),
    "dev": ("dev-hook", "dev-late"),
}
REPEAT = 1
POSITIONS = len(STEP_USERS) * (REPEAT + 1)

CONFIG = """
teams:
  - {{id: chaos, name: Chaos}}
users:
  - id: ann
    name: Ann
    email: ann@example.com
    role: responder
    contact_methods: [{{id: ann-hook, type: webhook, url: "{hooks}/ann-hook"}}]
    notification_rules: [{{contact: ann-hook, after: "0s"}}]
  - id: bea
    name: Bea
    email: bea@example.com
    role: responder
    contact_methods: [{{id: bea-hook, type: webhook, url: "{hooks}/bea-hook"}}]
    notification_rules: [{{contact: bea-hook, after: "0s"}}]
  - id: cid
    name: Cid
    email: cid@example.com
    role: responder
    teams: [chaos]
    contact_methods: [{{id: cid-hook, type: webhook, url: "{hooks}/cid-hook"}}]
    notification_rules: [{{contact: cid-hook, after: "0s"}}]
  - id: dev
    name: Dev
    email: dev@example.com
    role: responder
    teams: [chaos]
    contact_methods:
      - {{id: dev-hook, type: webhook, url: "{hooks}/dev-hook"}}
      - {{id: dev-late, type: webhook, url: "{hooks}/dev-late"}}
    notification_rules:
      - {{contact: dev-hook, after: "0s"}}
      - {{contact: dev-late, after: "1s"}}
schedules:
  - id: chaos-primary
    name: Chaos primary
    time_zone: UTC
    layers:
      - name: always ann
        rotation: {{every: "1d", handoff: "2026-01-05T00:00"}}
        users: [ann]
escalation_policies:
  - id: chaos
    name: Chaos
    repeat: {repeat}
    steps:
      - targets: [{{schedule: chaos-primary}}]
        escalate_after: "3s"
      - targets: [{{user: bea}}]
        escalate_after: "3s"
      - targets: [{{team: chaos}}]
        escalate_after: "3s"
services:
  - id: chaos-api
    name: Chaos API
    team: chaos
    escalation_policy: chaos
"""

# Each contact gets hundreds of pages here; the per-contact throttle would hold them for hours.
WORKER_ENV = {
    "PYTHONUNBUFFERED": "1",
    "FIRELINE_THROTTLE_LIMIT": "0",
    "FIRELINE_WORKER_LEASE": str(LEASE_SECONDS),
}


@dataclass
class Request:
    key: str
    path: str
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """A real HTTP server that records every complete page it gets, and answers 200."""

    requests: list[Request] = field(default_factory=list)
    broken: int = 0  # requests cut off by a killed worker: never answered, so never delivered

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def record(self, headers: Any, path: str, raw: bytes) -> None:
        request = Request(headers["Idempotency-Key"], path, json.loads(raw), raw, dict(headers))
        with self.lock:
            self.requests.append(request)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-request leaves a broken connection: expected here


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers["Content-Length"])
            raw = self.rfile.read(length)
            if len(raw) < length:
                with receiver.lock:
                    receiver.broken += 1
                return
            receiver.record(self.headers, self.path, raw)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class Workers:
    """`fireline worker` processes: started, SIGKILLed at random, restarted; all killed at the end."""

    def __init__(
        self, database_url: str, logs: Path, rng: random.Random, env: dict[str, str] = WORKER_ENV
    ) -> None:
        self.database_url, self.logs, self.rng, self.env = database_url, logs, rng, env
        self.started = 0
        self.processes: list[Worker] = []

    def start(self, count: int) -> None:
        self.processes += [self._spawn() for _ in range(count)]

    def _spawn(self) -> Worker:
        self.started += 1
        log = self.logs / f"worker-{self.started}.log"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
        args = [str(FIRELINE), "worker"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*args, "--database-url", self.database_url],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**clean, **self.env},
            )
        return Worker(process, log)

    def kill_one(self) -> bool:
        """SIGKILL a random running worker and start a new one in its place.

        Only while another worker runs too, to take its jobs over; False if none was killed.
        """
        return self.replace_one(signal.SIGKILL) is not None

    def replace_one(self, sig: signal.Signals, wait: float = 10) -> tuple[int, float] | None:
        """Send ``sig`` to a random running worker, wait for it to exit, start a new one.

        Only while another worker runs too; its exit code and seconds to exit, None if none.
        """
        running = [i for i, worker in enumerate(self.processes) if worker.running()]
        if len(running) < 2:
            return None
        index = self.rng.choice(running)
        process = self.processes[index].process
        signalled = time.monotonic()
        process.send_signal(sig)
        code = process.wait(timeout=wait)
        took = time.monotonic() - signalled
        self.processes[index] = self._spawn()
        return code, took

    def check_alive(self) -> None:
        for worker in self.processes:
            if worker.process.poll() is not None:
                output = worker.log.read_text()
                pytest.fail(f"a worker exited by itself ({worker.process.returncode}):\n{output}")

    def close(self) -> None:
        for worker in self.processes:
            if worker.process.poll() is None:
                worker.process.kill()
            worker.process.wait(timeout=10)

    def failures(self) -> list[str]:
        """The jobs the workers logged as failed (retried later), from every worker's log."""
        lines = (line for log in self.logs.glob("worker-*.log") for line in _lines(log))
        return [line for line in lines if " failed; it will be retried" in line]


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path
    started: bool = False

    def running(self) -> bool:
        """Past its start-up (imports, connecting, checking the schema): it claims jobs now.

        Killing a worker still starting would test nothing.
        """
        self.started = self.started or any(
            line.startswith("worker running") for line in _lines(self.log)
        )
        return self.started


def _lines(log: Path) -> list[str]:
    return log.read_text(errors="replace").splitlines()


@pytest.fixture
def chaos_database() -> Iterator[str]:
    """A schema of this test's own, so the chaos disturbs no other test; dropped at the end."""
    with own_postgres_schema("fireline_chaos") as url:
        yield url


@dataclass
class Stats:
    kills: int = 0
    incident_ids: list[int] = field(default_factory=list)


def test_no_page_is_lost_or_doubled_when_workers_are_killed(
    tmp_path: Path, chaos_database: str
) -> None:
    started = time.monotonic()
    core = build(Settings(database_url=chaos_database))  # migrates the fresh schema
    try:
        seed = random.randrange(2**32)
        workers = Workers(chaos_database, tmp_path, random.Random(seed))
        receiver = Receiver()
        try:
            _apply(tmp_path, chaos_database, receiver.port)
            workers.start(WORKERS)
            stats = _run_chaos(core, workers)
            workers.check_alive()
        finally:
            workers.close()
            receiver.close()

        expected = _expected_keys(stats.incident_ids)
        _check_jobs(core, stats.incident_ids, expected)
        _check_timeline(core, stats.incident_ids, expected)
        _check_delivery_log(core, expected)
        resends = _check_receiver(receiver, expected, _secrets(core))
        print(
            f"\nchaos (seed {seed}): {len(stats.incident_ids)} incidents, "
            f"{len(stats.incident_ids) * POSITIONS} steps, {len(expected)} pages, "
            f"{stats.kills} kills, {len(receiver.requests)} requests, "
            f"{resends} resent under the same key, {receiver.broken} cut off by a kill, "
            f"{_reclaimed(core)} jobs reclaimed, {len(workers.failures())} job failures logged, "
            f"{time.monotonic() - started:.0f} s"
        )
        assert stats.kills >= MIN_KILLS
    finally:
        core.close()


def _apply(workdir: Path, database_url: str, port: int) -> None:
    config = workdir / "chaos.yaml"
    config.write_text(CONFIG.format(hooks=f"http://127.0.0.1:{port}/hooks", repeat=REPEAT))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    done = subprocess.run(
        [FIRELINE, "apply", str(config), "--database-url", database_url],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _run_chaos(core: Fireline, workers: Workers) -> Stats:
    """Declare the incidents and kill workers until every escalation has run to its end."""
    stats = Stats()
    deadline = time.monotonic() + TIMEOUT
    kill_at = time.monotonic() + workers.rng.uniform(*KILL_EVERY)
    while len(stats.incident_ids) < INCIDENTS or _paging_jobs_left(core):
        if time.monotonic() > deadline:
            pytest.fail(f"paging not finished after {TIMEOUT} s: {_job_summary(core)}")
        workers.check_alive()
        if time.monotonic() >= kill_at and workers.kill_one():
            stats.kills += 1
            kill_at = time.monotonic() + workers.rng.uniform(*KILL_EVERY)
        if len(stats.incident_ids) < INCIDENTS:
            stats.incident_ids += _declare(core, len(stats.incident_ids), DECLARE_CHUNK)
        time.sleep(DECLARE_PAUSE)
    return stats


def _declare(core: Fireline, first: int, count: int) -> list[int]:
    return [
        incidents.declare(
            uow=core.uow(), actor="chaos", title=f"Chaos {n}", services=["chaos-api"]
        ).incident.id
        for n in range(first, min(first + count, INCIDENTS))
    ]


def _paging_jobs_left(core: Fireline) -> int:
    query = select(func.count()).where(
        Job.kind.in_(["escalate", "notify"]), Job.status.in_(["pending", "running"])
    )
    with core.database.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _job_summary(core: Fireline) -> dict[str, int]:
    query = select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
    with core.database.engine.connect() as connection:
        return {f"{k}/{s}": n for k, s, n in connection.execute(query)}


def _expected_keys(incident_ids: list[int]) -> set[str]:
    """Every page due: per incident, step position, paged user and notification rule."""
    return {
        f"page:{incident}:{position}:{user}:{contact}:{rule}"
        for incident in incident_ids
        for position in range(POSITIONS)
        for user in STEP_USERS[position % len(STEP_USERS)]
        for rule, contact in enumerate(RULES[user])
    }


def _check_jobs(core: Fireline, incident_ids: list[int], expected: set[str]) -> None:
    """Every escalation step and every delivery job ran to done: none failed, none left."""
    query = select(Job.kind, Job.status, func.count()).where(Job.kind.in_(["escalate", "notify"]))
    with core.database.engine.connect() as connection:
        counts = {(k, s): n for k, s, n in connection.execute(query.group_by(Job.kind, Job.status))}
    assert counts == {
        ("escalate", "done"): len(incident_ids) * POSITIONS,
        ("notify", "done"): len(expected),
    }


def _check_timeline(core: Fireline, incident_ids: list[int], expected: set[str]) -> None:
    """Each step fired once per round; each page is on the timeline once, as sent."""
    query = select(IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.data)
    with core.database.engine.connect() as connection:
        events = connection.execute(
            query.where(
                IncidentEvent.kind.in_(["escalation_step_fired", "page_sent", "page_failed"])
            )
        ).all()
    assert [data for _, kind, data in events if kind == "page_failed"] == []
    _check_steps(incident_ids, [(i, d) for i, kind, d in events if kind == "escalation_step_fired"])
    sent = Counter(data["idempotency_key"] for _, kind, data in events if kind == "page_sent")
    assert {key: times for key, times in sent.items() if times > 1} == {}
    assert set(sent) == expected


def _check_delivery_log(core: Fireline, expected: set[str]) -> None:
    """The delivery log holds one row per page due, every one of them sent."""
    query = select(Delivery.idempotency_key, Delivery.status).where(Delivery.purpose == "page")
    with core.database.engine.connect() as connection:
        rows = connection.execute(query).all()
    assert Counter(status for _, status in rows) == {"sent": len(expected)}
    assert {key for key, _ in rows} == expected


def _check_steps(incident_ids: list[int], fired: list[tuple[int, dict[str, Any]]]) -> None:
    """Every step of every round fired exactly once for each incident, paging the right people."""
    steps: dict[int, list[tuple[int, int, tuple[str, ...]]]] = {i: [] for i in incident_ids}
    for incident_id, data in fired:
        steps[incident_id].append((data["round"], data["step"], tuple(sorted(data["users"]))))
        assert data["unreachable"] == []
    expected = [
        (round_ + 1, step + 1, tuple(sorted(users)))
        for round_ in range(REPEAT + 1)
        for step, users in enumerate(STEP_USERS)
    ]
    assert {i: got for i, got in steps.items() if sorted(got) != expected} == {}


def _secrets(core: Fireline) -> dict[tuple[str, str], str]:
    """Each webhook contact's signing secret, as its first page made it."""
    with core.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT owner, contact, secret FROM webhook_secrets"))
        return {(owner, contact): secret for owner, contact, secret in rows}


def _check_receiver(
    receiver: Receiver, expected: set[str], secrets: dict[tuple[str, str], str]
) -> int:
    """Every page reached the receiver, each under its one key, signed with its contact's own
    secret (Standard Webhooks); how many were resent."""
    keys = Counter(r.key for r in receiver.requests)
    assert set(keys) - expected == set()  # nothing sent that was not due: no page under a 2nd key
    assert expected - set(keys) == set()  # nothing lost
    for request in receiver.requests:  # and the key names the page the body and the URL carry
        _, incident, _, user, contact, _ = request.key.split(":")
        Webhook(secrets[(user, contact)]).verify(request.raw, request.headers)  # raises if not
        assert request.headers["webhook-id"] == request.key
        assert (request.body["incident_id"], request.body["user"], request.path) == (
            int(incident),
            user,
            f"/hooks/{contact}",
        ), request
        assert request.body["idempotency_key"] == request.key
    return len(receiver.requests) - len(keys)


def _reclaimed(core: Fireline) -> int:
    """Jobs claimed more than once: their first worker was killed (or too slow) holding them."""
    with core.database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(Job.attempts > 1)).scalar_one())
