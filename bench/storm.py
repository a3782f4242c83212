"""Alert storms (issue #14): responsiveness, cross-service paging and memory during a storm at full
speed on SQLite, and scale-out of serving processes on PostgreSQL.

    .venv/bin/python bench/storm.py [--seconds 60] [--batch 100] [--connections 8]
        [--postgres postgresql://postgres@127.0.0.1/postgres] [--scale-seconds 20] [--scale-batch 10]

Storm (SQLite, `synchronous=FULL`): one `fireline serve` with its embedded worker. The load
generator of bench/loadgen.py keeps ``--connections`` keep-alive connections busy for
``--seconds``, posting Alertmanager webhooks of ``--batch`` distinct alerts (a new fingerprint
each) to service `storm`, in ``--groups`` Alertmanager groups (default ten: ten incidents that keep growing).
Meanwhile:

- a prober requests `GET /api/v1/incidents` (API token) and the board `/` (logged in) back to back
  every 0.2 s, and records each latency;
- a pager sends, every second, one Events v2 trigger to ANOTHER service, `payments`, whose
  escalation policy pages `pat` through a webhook contact; a local HTTP receiver records when the
  page arrives: the latency is from the trigger's send to the page's arrival;
- the server's RSS is sampled every second.

Scale-out (with ``--postgres``; a database `fireline_storm` is recreated): HAProxy with
deploy/haproxy.cfg (ports changed) in front of one, then two `fireline serve --no-worker`, plus
one `fireline worker`; the same generator sends distinct alerts in batches of ``--scale-batch``
through HAProxy for ``--scale-seconds`` each time. It prints alerts/s for each, their ratio, the
load average and the CPU seconds each kind of process used, to explain the ratio.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]
from ingest import free_port, recreate_postgres, rss_mb, wait_for  # noqa: E402
from loadgen import Result, run  # noqa: E402
from tests.e2e.servers import haproxy_config  # noqa: E402

FIRELINE = str(Path(sys.executable).with_name("fireline"))
AM_KEY = "am0storm" + "0" * 23 + "1"
EV_KEY = "ev0payments" + "0" * 20 + "1"
PASSWORD = "storm benchmark password"
GROUPS = 10
CONFIG = """
teams:
  - {{id: ops, name: Ops}}
  - {{id: pay, name: Payments}}
users:
  - id: sam
    name: Sam
    email: sam@example.com
    role: responder
    teams: [ops]
    contact_methods: [{{id: sam-hook, type: webhook, url: "{hooks}/sam"}}]
    notification_rules: [{{contact: sam-hook, after: "0s"}}]
  - id: pat
    name: Pat
    email: pat@example.com
    role: responder
    teams: [pay]
    contact_methods: [{{id: pat-hook, type: webhook, url: "{hooks}/pat"}}]
    notification_rules: [{{contact: pat-hook, after: "0s"}}]
escalation_policies:
  - id: ops
    name: Ops
    steps: [{{targets: [{{user: sam}}], escalate_after: "1h"}}]
  - id: pay
    name: Payments
    steps: [{{targets: [{{user: pat}}], escalate_after: "1h"}}]
services:
  - id: storm
    name: Storm
    team: ops
    escalation_policy: ops
    integrations: [{{id: storm-am, type: alertmanager, key: {am_key}}}]
  - id: payments
    name: Payments
    team: pay
    escalation_policy: pay
    integrations: [{{id: payments-events, type: events_v2, key: {ev_key}}}]
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def storm_body(batch: int, start: int = 0) -> Callable[[], tuple[bytes, int]]:
    """Webhooks of ``batch`` distinct alerts, the ``GROUPS`` groups in turn."""
    counter = itertools.count(start)
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    def body() -> tuple[bytes, int]:
        numbers = [next(counter) for _ in range(batch)]
        group = numbers[0] // batch % GROUPS
        alerts = [
            {
                "status": "firing",
                "labels": {"alertname": f"Storm{group}", "instance": f"host-{n}"},
                "annotations": {"summary": f"storm alert {n}"},
                "startsAt": now,
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": f"{n:016x}",
            }
            for n in numbers
        ]
        webhook = {"version": "4", "groupKey": f"storm-{group}", "status": "firing"}
        return json.dumps({**webhook, "receiver": "f", "alerts": alerts}).encode(), batch

    return body


class Receiver:
    """A local webhook receiver: when each page arrived, by incident title."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        arrived = self.arrived

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrived.setdefault(body.get("title", ""), time.perf_counter())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def prepare(workdir: Path, env: dict[str, str], hooks: str) -> str:
    """Migrate, apply the config, set pat's password; an API token for sam."""
    config = workdir / "fireline.yaml"
    config.write_text(CONFIG.format(hooks=hooks, am_key=AM_KEY, ev_key=EV_KEY))
    for command in (["db", "upgrade"], ["apply", str(config)]):
        subprocess.run([FIRELINE, *command], env=env, check=True, capture_output=True)
    subprocess.run(
        [FIRELINE, "user", "password", "pat", "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    token = subprocess.run(
        [FIRELINE, "token", "create", "--user", "sam"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return token.stdout.strip()


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.terminate()
        child.wait(timeout=30)


def logged_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": csrf, "login": "pat", "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 303
    return client


class Probes:
    """The prober, the pager and the RSS sampler, on threads of their own while the storm runs."""

    def __init__(self, url: str, token: str, pid: int, receiver: Receiver) -> None:
        self.url, self.token, self.pid, self.receiver = url, token, pid, receiver
        self.list_ms: list[float] = []
        self.board_ms: list[float] = []
        self.sent: dict[str, float] = {}
        self.stored: dict[str, float] = {}  # when the trigger's 2xx came
        self.rss: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=t) for t in (self._probe, self._page, self._rss)]

    def __enter__(self) -> Probes:
        self.began = time.perf_counter()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _probe(self) -> None:
        api = httpx.Client(
            base_url=self.url, timeout=60, headers={"Authorization": f"Bearer {self.token}"}
        )
        board = logged_in(self.url)
        while not self.stop.wait(0.2):
            for client, path, into in (
                (api, "/api/v1/incidents", self.list_ms),
                (board, "/", self.board_ms),
            ):
                began = time.perf_counter()
                assert client.get(path).status_code == 200
                into.append((time.perf_counter() - began) * 1000)

    def _page(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for n in itertools.count():
                if self.stop.wait(1.0):
                    return
                title = f"cross-service {n} {time.time_ns()}"
                event = {
                    "routing_key": EV_KEY,
                    "event_action": "trigger",
                    "dedup_key": title,
                    "payload": {"summary": title, "source": "bench", "severity": "critical"},
                }
                self.sent[title] = time.perf_counter()
                assert client.post("/v2/enqueue", json=event).status_code == 202
                self.stored[title] = time.perf_counter()

    def _rss(self) -> None:
        while not self.stop.wait(1.0):
            self.rss.append((time.perf_counter() - self.began, rss_mb(self.pid)))

    def page_ms(self, wait: float = 15) -> tuple[list[float], int]:
        """Send → page latencies, and how many pages had not arrived ``wait`` s after the storm."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and set(self.sent) - set(self.receiver.arrived):
            time.sleep(0.1)
        arrived = self.receiver.arrived
        latencies = [(arrived[t] - s) * 1000 for t, s in self.sent.items() if t in arrived]
        return latencies, len(set(self.sent) - set(arrived))

    def split_ms(self) -> tuple[list[float], list[float]]:
        """The page latency in two: trigger sent → its 2xx, and 2xx → page received."""
        arrived = self.receiver.arrived
        ingest = [(self.stored[t] - s) * 1000 for t, s in self.sent.items() if t in self.stored]
        paging = [(arrived[t] - s) * 1000 for t, s in self.stored.items() if t in arrived]
        return ingest, paging


def open_alerts(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM alerts WHERE status != 'resolved'")
        ).scalar_one()
    engine.dispose()
    return int(count)


def base_env(database_url: str, url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}
    return {
        **clean,
        "PYTHONUNBUFFERED": "1",
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_BASE_URL": url,
        "FIRELINE_INGEST_RATE_LIMIT": "0",
        "FIRELINE_THROTTLE_LIMIT": "0",
    }


def storm(workdir: Path, args: argparse.Namespace) -> None:
    """The storm on SQLite with the embedded worker, and what the probes measured."""
    receiver = Receiver()
    port = free_port()
    url, database_url = f"http://127.0.0.1:{port}", f"sqlite:///{workdir}/storm.db"
    env = base_env(database_url, url)
    token = prepare(workdir, env, f"http://127.0.0.1:{receiver.port}/hooks")
    serve = [FIRELINE, "serve", "--port", str(port)]
    with process(serve, env, workdir / "serve.log") as server:
        wait_for(f"{url}/healthz")
        run(
            "127.0.0.1",
            port,
            f"/api/v1/integrations/alertmanager/{AM_KEY}",
            storm_body(1, 10**9),
            connections=1,
            seconds=2,
        )  # warm: the ten groups' incidents are not open yet
        idle = rss_mb(server.pid)
        load_before = os.getloadavg()
        with Probes(url, token, server.pid, receiver) as probes:
            result = run(
                "127.0.0.1",
                port,
                f"/api/v1/integrations/alertmanager/{AM_KEY}",
                storm_body(args.batch),
                connections=args.connections,
                seconds=args.seconds,
            )
        pages, missing = probes.page_ms()
        kept = open_alerts(database_url)
        after = rss_mb(server.pid)
    report_storm(args, result, probes, pages, missing, idle, after, kept, load_before)


def report_storm(
    args: argparse.Namespace,
    result: Result,
    probes: Probes,
    pages: list[float],
    missing: int,
    idle: float,
    after: float,
    kept: int,
    load_before: tuple[float, float, float],
) -> None:
    def row(name: str, values: list[float], goal: float) -> str:
        p99 = percentile(values, 99)
        verdict = "met" if p99 <= goal else f"missed by {p99 - goal:.0f} ms"
        return (
            f"| {name} | {len(values)} | {percentile(values, 50):.0f} | {p99:.0f} | "
            f"{max(values, default=float('nan')):.0f} | {goal:.0f} ({verdict}) |"
        )

    rate, statuses = result.items_per_second, result.statuses
    quarters = (
        [probes.rss[int(i * (len(probes.rss) - 1) / 4)] for i in range(5)] if probes.rss else []
    )
    print(
        f"\nStorm: {args.seconds:.0f} s, batch {args.batch}, {GROUPS} groups, "
        f"{args.connections} connections: "
        f"{rate:.0f} alerts/s, statuses {statuses}; load average before {load_before[0]:.2f}, "
        f"after {os.getloadavg()[0]:.2f}\n"
    )
    print("| during the storm | samples | p50 ms | p99 ms | max ms | goal p99 ms |")
    print("|---|---|---|---|---|---|")
    print(row("`GET /api/v1/incidents`", probes.list_ms, 500))
    print(row("board `/` (logged in)", probes.board_ms, 500))
    print(row("page on another service: trigger sent → webhook received", pages, 2000))
    ingest, paging = probes.split_ms()
    print(row("… of which: trigger sent → its 2xx (stored)", ingest, 2000))
    print(row("… of which: trigger's 2xx → webhook received (worker)", paging, 2000))
    print(f"\npages not received 15 s after the storm: {missing}")
    growth = after - idle
    print(
        f"RSS: {idle:.0f} MB before the storm, {after:.0f} MB after; {kept} open alerts kept: "
        f"{growth * 1024 * 1024 / max(kept, 1):.0f} bytes of RSS growth per open alert"
    )
    print("RSS over the storm (s → MB): " + ", ".join(f"{t:.0f} → {m:.0f}" for t, m in quarters))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def measure_front(
    front: int, batch: int, seconds: float, connections: int, pids: dict[str, list[int]], start: int
) -> dict[str, object]:
    """One scale-out measurement through HAProxy, with the CPU each kind of process used."""
    pids = {**pids, "postgres": postgres_pids(), "bench (this process)": [os.getpid()]}
    cpu = {name: cpu_seconds(p) for name, p in pids.items()}
    busy = machine_busy()
    load = os.getloadavg()[0]
    path = f"/api/v1/integrations/alertmanager/{AM_KEY}"
    result = run(
        "127.0.0.1", front, path, storm_body(batch, start), connections=connections, seconds=seconds
    )
    used = {name: cpu_seconds(p) - cpu[name] for name, p in pids.items()}
    done = machine_busy()
    return {
        "alerts_per_s": result.items_per_second,
        "p99_ms": result.percentile(99) * 1000,
        "statuses": result.statuses,
        "cpu_s": used,
        "machine_busy": (done[0] - busy[0]) / max(1, done[1] - busy[1]),
        "load_before": load,
    }


def scale_out(workdir: Path, args: argparse.Namespace) -> None:
    """One, then two `serve --no-worker` behind HAProxy on PostgreSQL, plus one worker."""
    database_url = recreate_postgres(args.postgres, "fireline_storm")
    receiver = Receiver()
    front, ports = free_port(), (free_port(), free_port())
    env = base_env(database_url, f"http://127.0.0.1:{front}")
    prepare(workdir, env, f"http://127.0.0.1:{receiver.port}/hooks")
    config = workdir / "haproxy.cfg"
    config.write_text(haproxy_config(front, ports))
    node = [[FIRELINE, "serve", "--no-worker", "--port", str(p)] for p in ports]
    rows = {}
    with (
        process(["haproxy", "-db", "-f", str(config)], env, workdir / "haproxy.log") as haproxy,
        process([FIRELINE, "worker"], env, workdir / "worker.log") as worker,
        process(node[0], env, workdir / "node1.log") as node1,
    ):
        wait_for(f"http://127.0.0.1:{ports[0]}/healthz")
        time.sleep(8)  # HAProxy: node 2 seen down (fall 2), node 1 up and out of slowstart
        others = {"haproxy": [haproxy.pid], "worker": [worker.pid]}
        rows["one node"] = measure_front(
            front,
            args.scale_batch,
            args.scale_seconds,
            args.connections,
            {"serve node 1": [node1.pid], **others},
            0,
        )
        with process(node[1], env, workdir / "node2.log") as node2:
            wait_for(f"http://127.0.0.1:{ports[1]}/healthz")
            time.sleep(8)  # rise 2, then slowstart 5 s
            rows["two nodes"] = measure_front(
                front,
                args.scale_batch,
                args.scale_seconds,
                args.connections,
                {"serve node 1": [node1.pid], "serve node 2": [node2.pid], **others},
                10**8,
            )
    report_scale(args, rows)


def report_scale(args: argparse.Namespace, rows: dict[str, dict[str, object]]) -> None:
    print(
        f"\nScale-out on PostgreSQL through HAProxy: distinct alerts in {GROUPS} groups, "
        f"batch {args.scale_batch}, "
        f"{args.connections} connections, {args.scale_seconds:.0f} s each\n"
    )
    names = sorted({n for r in rows.values() for n in r["cpu_s"]})  # type: ignore[attr-defined]
    print(
        "| serving | alerts/s | p99 ms | machine busy | load avg before | "
        + " | ".join(f"CPU s: {n}" for n in names)
        + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(names))
    for name, r in rows.items():
        cpu = r["cpu_s"]
        print(
            f"| {name} | {r['alerts_per_s']:.0f} | {r['p99_ms']:.0f} | "
            f"{r['machine_busy']:.0%} | {r['load_before']:.2f} | "
            + " | ".join(f"{cpu.get(n, 0):.1f}" for n in names)  # type: ignore[attr-defined]
            + f" |  statuses {r['statuses']}"
        )
    one, two = rows["one node"]["alerts_per_s"], rows["two nodes"]["alerts_per_s"]
    print(f"\nratio two nodes / one node: {two / one:.2f}×")  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="the storm's duration")
    parser.add_argument("--batch", type=int, default=100, help="alerts per webhook in the storm")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", help="PostgreSQL server URL: also measure scale-out")
    parser.add_argument("--scale-seconds", type=float, default=20)
    parser.add_argument("--scale-batch", type=int, default=10)
    parser.add_argument("--skip-storm", action="store_true", help="only the scale-out")
    parser.add_argument(
        "--groups",
        type=int,
        default=GROUPS,
        help="Alertmanager groups (incidents) the alerts go to",
    )
    args = parser.parse_args()
    globals()["GROUPS"] = args.groups
    with tempfile.TemporaryDirectory(prefix="fireline-storm-") as tmp:
        if not args.skip_storm:
            storm(Path(tmp), args)
        if args.postgres:
            (Path(tmp) / "pg").mkdir()
            scale_out(Path(tmp) / "pg", args)


if __name__ == "__main__":
    main()
