"""The two-node deployment of deploy/ on one machine, with nodes killed under load.

    .venv/bin/python bench/two_nodes.py [--postgres URL] [--seconds 30] [--incidents 60]

Brings up the topology of docs/operations.md: one PostgreSQL database (a
fresh ``fireline_two_nodes`` on the server of ``--postgres``), HAProxy with
deploy/haproxy.cfg (ports changed) in front of two `fireline serve
--no-worker` processes, and two `fireline worker` processes paging a local
webhook receiver.

Phase 1, steady ingest: 4 senders post PagerDuty Events v2 alerts through
HAProxy for ``--seconds``. A third of the way in, serving node 1 is killed
(SIGKILL) and started again; two thirds in, node 2 is restarted gracefully
(SIGTERM, as `systemctl restart` does). Every alert that got a 2xx must be in
the database.

Phase 2, escalations: ``--incidents`` incidents escalate through three steps,
twice, paging four people (the policy of tests/e2e/test_chaos.py). During the
escalations worker 1 is killed (SIGKILL) and started again, then worker 2 is
restarted gracefully (SIGTERM). Every page due must reach the receiver, under
one idempotency key, and the timeline must show each once. A killed worker's
jobs wait for their lease (``FIRELINE_WORKER_LEASE``, 10 s here); one it had
sent but not recorded is sent again under the same key (the receiver dedupes
it): those are counted apart.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]
from ingest import free_port, recreate_postgres, wait_for  # noqa: E402
from tests.e2e.servers import haproxy_config  # noqa: E402
from tests.e2e.test_chaos import (  # noqa: E402
    CONFIG,
    REPEAT,
    Receiver,
    _check_timeline,
    _declare,
    _expected_keys,
    _paging_jobs_left,
)

from fireline.bootstrap import Fireline, build  # noqa: E402
from fireline.config import Settings  # noqa: E402

FIRELINE = str(Path(sys.executable).with_name("fireline"))
EV_KEY = "ev0twonodes" + "0" * 21 + "1"
INGEST_SERVICE = f"""
  - id: bench-ingest
    name: Bench ingest
    team: chaos
    integrations:
      - {{id: bench-events, type: events_v2, key: {EV_KEY}}}
"""
SENDERS = 4
LEASE_SECONDS = 10


@dataclass
class Node:
    """One process of the topology, restartable."""

    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.logs / f"{self.name}-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env
        )

    def signal(self, sig: signal.Signals) -> tuple[int, float]:
        """Send ``sig`` and wait for the exit: the exit code and seconds it took."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        return code, time.monotonic() - began

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Load:
    url: str
    acknowledged: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self._send, args=(n,)) for n in range(SENDERS)]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _send(self, sender: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                key = f"s{sender}-{n}"
                event = {
                    "routing_key": EV_KEY,
                    "event_action": "trigger",
                    "dedup_key": key,
                    "payload": {"summary": key, "source": "bench", "severity": "info"},
                }
                try:
                    status = client.post("/v2/enqueue", json=event).status_code
                except httpx.HTTPError as error:
                    status, reason = 0, type(error).__name__
                with self.lock:
                    if status == 202:
                        self.acknowledged.append(key)
                    else:
                        self.refused[str(status or reason)] += 1
                time.sleep(0.005)  # steady, not flat out: about 4 × 150 alerts a second at most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--incidents", type=int, default=60)
    options = parser.parse_args()
    database_url = recreate_postgres(options.postgres, "fireline_two_nodes")
    logs = Path(tempfile.mkdtemp(prefix="fireline-two-nodes-"))
    receiver = Receiver()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    front, ports = free_port(), (free_port(), free_port())
    env = {
        **clean,
        "PYTHONUNBUFFERED": "1",
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_BASE_URL": f"http://127.0.0.1:{front}",
        "FIRELINE_THROTTLE_LIMIT": "0",
        "FIRELINE_WORKER_LEASE": str(LEASE_SECONDS),
    }
    _prepare(logs, env, receiver.port)
    serve = [
        Node(f"serve{i + 1}", [FIRELINE, "serve", "--no-worker", "--port", str(p)], env, logs)
        for i, p in enumerate(ports)
    ]
    workers = [Node(f"worker{i}", [FIRELINE, "worker"], env, logs) for i in (1, 2)]
    haproxy = Node(
        "haproxy", ["haproxy", "-db", "-f", str(_haproxy_config(logs, front, ports))], env, logs
    )
    nodes = [*serve, *workers, haproxy]
    core = build(Settings(database_url=database_url), migrate=False)
    print(f"logs in {logs}; HAProxy on :{front} → serve on {ports}; PostgreSQL {database_url}")
    try:
        for node in nodes:
            node.start()
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        wait_for(f"http://127.0.0.1:{front}/healthz")
        _ingest(core, f"http://127.0.0.1:{front}", serve, ports, options.seconds)
        _escalate(core, workers, receiver, options.incidents)
    finally:
        for node in nodes:
            node.stop()
        receiver.close()
        core.close()


def _prepare(logs: Path, env: dict[str, str], receiver_port: int) -> None:
    config = logs / "fireline.yaml"
    hooks = f"http://127.0.0.1:{receiver_port}/hooks"
    config.write_text(CONFIG.format(hooks=hooks, repeat=REPEAT) + INGEST_SERVICE)
    for command in (["db", "upgrade"], ["apply", str(config)]):
        subprocess.run([FIRELINE, *command], env=env, check=True, capture_output=True)


def _haproxy_config(logs: Path, front: int, ports: tuple[int, int]) -> Path:
    path = logs / "haproxy.cfg"
    path.write_text(haproxy_config(front, ports))
    return path


def _ingest(
    core: Fireline, url: str, serve: list[Node], ports: tuple[int, int], seconds: float
) -> None:
    load = Load(url)
    time.sleep(seconds / 3)
    killed = serve[0].signal(signal.SIGKILL)
    print(f"phase 1: serve1 killed (SIGKILL, exit {killed[0]}) at {len(load.acknowledged)} alerts")
    serve[0].start()
    wait_for(f"http://127.0.0.1:{ports[0]}/healthz")
    time.sleep(seconds / 3)
    stopped = serve[1].signal(signal.SIGTERM)
    print(f"phase 1: serve2 stopped (SIGTERM): exit {stopped[0]} in {stopped[1]:.2f} s")
    serve[1].start()
    wait_for(f"http://127.0.0.1:{ports[1]}/healthz")
    time.sleep(seconds / 3)
    load.join()
    with core.database.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT dedup_key FROM alerts")).scalars())
    lost = set(load.acknowledged) - stored
    print(
        f"phase 1: {len(load.acknowledged)} alerts answered 2xx in {seconds:.0f} s, "
        f"{len(lost)} of them lost; not 2xx: {dict(load.refused) or 'none'}"
    )


def _escalate(core: Fireline, workers: list[Node], receiver: Receiver, incidents: int) -> None:
    began = time.monotonic()
    ids: list[int] = []
    while len(ids) < incidents:
        ids += _declare(core, len(ids), 10)
        time.sleep(0.3)
    time.sleep(2)
    killed = workers[0].signal(signal.SIGKILL)
    print(f"phase 2: worker1 killed (SIGKILL, exit {killed[0]}) mid-escalation")
    workers[0].start()
    time.sleep(3)
    stopped = workers[1].signal(signal.SIGTERM)
    print(f"phase 2: worker2 stopped (SIGTERM): exit {stopped[0]} in {stopped[1]:.2f} s")
    workers[1].start()
    while _paging_jobs_left(core):
        if time.monotonic() - began > 600:
            raise SystemExit("phase 2: paging not finished after 600 s")
        time.sleep(0.5)
    expected = _expected_keys(ids)
    keys = Counter(r.key for r in receiver.requests)
    missed, unexpected = expected - set(keys), set(keys) - expected
    resent = sum(n - 1 for n in keys.values())
    _check_timeline(core, ids, expected)  # each step fired once, each page sent once (raises)
    print(
        f"phase 2: {len(ids)} incidents, {len(expected)} pages due, {len(missed)} missed, "
        f"{len(unexpected)} under another key (doubled); {resent} resent under the same key "
        f"(deduplicated by the receiver); {receiver.broken} cut off by the kill; "
        f"{time.monotonic() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
