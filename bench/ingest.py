"""Ingest throughput: Fireline (SQLite and PostgreSQL) side by side with a real Alertmanager.

    .venv/bin/python bench/ingest.py [--seconds 5] [--postgres postgresql://postgres@127.0.0.1/postgres]

One load generator (bench/loadgen.py: 8 keep-alive connections by default)
sends the same alerts to each system: to Fireline as Alertmanager webhooks
(version 4), to Alertmanager through its own API (POST /api/v2/alerts). For
batches of 1, 10 and 100 alerts per request, with distinct alerts (a new
fingerprint each) and with re-sent ones (deduplicated), it reports alerts
accepted per second, request latency p50/p99, the server's CPU time per alert
(all its threads; Alertmanager's too) and Fireline's resident memory.
Fireline commits every accepted alert before answering; Alertmanager keeps
them in memory. Then it measures how long after an alert's 2xx its incident
is visible through the API. Results go to stdout as a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import Result, run  # noqa: E402

ROOT = Path(__file__).parent.parent
FIRELINE = str(Path(sys.executable).with_name("fireline"))
AM_KEY = "am0checkout0000000000000000000001"
EV_KEY = "ev0checkout0000000000000000000001"
BATCHES = (1, 10, 100)
MODES = ("distinct", "re-sent")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all its threads (robust when the machine is
    shared: a busy neighbour slows the wall clock, not this)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


@contextmanager
def fireline(database_url: str, durability: str, workdir: Path) -> Iterator[tuple[int, int, str]]:
    """A configured `fireline serve --no-worker`; yields (port, pid, API token)."""
    env = {
        **os.environ,
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_DURABILITY": durability,
        "FIRELINE_INGEST_RATE_LIMIT": "0",
    }
    subprocess.run(
        [FIRELINE, "apply", str(ROOT / "examples" / "fireline.yaml")],
        env=env,
        check=True,
        capture_output=True,
        cwd=workdir,
    )
    token = subprocess.run(
        [FIRELINE, "token", "create", "--user", "alice"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    ).stdout.strip()
    port = free_port()
    with (workdir / f"fireline-{port}.log").open("w") as log:
        process = subprocess.Popen(
            [FIRELINE, "serve", "--no-worker", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port, process.pid, token
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def alertmanager(binary: str, workdir: Path) -> Iterator[tuple[int, int]]:
    port = free_port()
    config = workdir / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.path={workdir / 'am'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with (workdir / "alertmanager.log").open("w") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/-/ready")
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def alerts(batch: int, distinct: bool, counter: Iterator[int]) -> list[dict[str, object]]:
    """``batch`` alerts: new label sets each call when distinct, the same ones otherwise."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    numbers = [next(counter) for _ in range(batch)] if distinct else list(range(batch))
    return [
        {
            "labels": {
                "alertname": "BenchAlert",
                "cluster": f"c{n % 10}",
                "instance": f"host-{n}",
                "severity": "warning",
            },
            "annotations": {"summary": f"bench alert {n}"},
            "startsAt": now,
            "generatorURL": "http://prometheus/graph",
            "n": n,
        }
        for n in numbers
    ]


def fireline_body(
    batch: int, distinct: bool, counter: Iterator[int]
) -> Callable[[], tuple[bytes, int]]:
    def webhook(items: list[dict[str, object]]) -> bytes:
        for item in items:
            item["status"] = "firing"
            item["endsAt"] = "0001-01-01T00:00:00Z"
            item["fingerprint"] = f"{item.pop('n'):016x}"
        return json.dumps(
            {
                "version": "4",
                "groupKey": "bench",
                "truncatedAlerts": 0,
                "status": "firing",
                "receiver": "fireline",
                "groupLabels": {},
                "commonLabels": {},
                "commonAnnotations": {},
                "externalURL": "http://am",
                "alerts": items,
            }
        ).encode()

    fixed = webhook(alerts(batch, False, counter))
    return (
        (lambda: (webhook(alerts(batch, True, counter)), batch))
        if distinct
        else (lambda: (fixed, batch))
    )


def alertmanager_body(
    batch: int, distinct: bool, counter: Iterator[int]
) -> Callable[[], tuple[bytes, int]]:
    def body(items: list[dict[str, object]]) -> bytes:
        for item in items:
            item.pop("n")
        return json.dumps(items).encode()

    fixed = body(alerts(batch, False, counter))
    return (
        (lambda: (body(alerts(batch, True, counter)), batch))
        if distinct
        else (lambda: (fixed, batch))
    )


def events_v2_body(
    batch: int, distinct: bool, counter: Iterator[int]
) -> Callable[[], tuple[bytes, int]]:
    """PagerDuty Events API v2 events (one per request) for the same alerts."""
    assert batch == 1, "an Events API v2 request carries one event"

    def event(n: int) -> bytes:
        return json.dumps(
            {
                "routing_key": EV_KEY,
                "event_action": "trigger",
                "dedup_key": f"bench-{n}",
                "payload": {
                    "summary": f"bench alert {n}",
                    "source": f"host-{n}",
                    "severity": "warning",
                    "custom_details": {"alertname": "BenchAlert", "cluster": f"c{n % 10}"},
                },
            }
        ).encode()

    fixed = event(0)
    return (lambda: (event(next(counter)), 1)) if distinct else (lambda: (fixed, 1))


def measure(
    system: str,
    port: int,
    pid: int,
    path: str,
    make: Callable[..., Callable[[], tuple[bytes, int]]],
    args: argparse.Namespace,
    batches: tuple[int, ...] = BATCHES,
) -> list[dict[str, object]]:
    rows = []
    counter = itertools.count(1_000_000 * (len(system) + port % 97))
    for batch, mode in itertools.product(batches, MODES):
        cpu_before = cpu_seconds(pid)
        result: Result = run(
            "127.0.0.1",
            port,
            path,
            make(batch, mode == "distinct", counter),
            connections=args.connections,
            seconds=args.seconds,
        )
        rows.append(
            {
                "system": system,
                "batch": batch,
                "mode": mode,
                "alerts_per_s": result.items_per_second,
                "p50_ms": result.percentile(50) * 1000,
                "p99_ms": result.percentile(99) * 1000,
                "errors": result.errors,
                "statuses": result.statuses,
                "rss_mb": rss_mb(pid),
                "cpu_us_per_alert": (cpu_seconds(pid) - cpu_before) * 1e6 / max(result.items, 1),
            }
        )
        print(
            f"  {system:<22} batch {batch:>3} {mode:<8} {result.items_per_second:>9.0f} alerts/s "
            f"p50 {rows[-1]['p50_ms']:.2f} ms p99 {rows[-1]['p99_ms']:.2f} ms errors {result.errors}",
            file=sys.stderr,
        )
    return rows


def visibility(port: int, token: str, samples: int = 50) -> tuple[float, float]:
    """Milliseconds from an alert's 2xx to its incident being listed by the API (p50, p99)."""
    delays = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for n in range(samples):
            name = f"Visible{n}-{time.time_ns()}"
            item = {
                "status": "firing",
                "labels": {"alertname": name, "cluster": "v"},
                "annotations": {},
                "startsAt": datetime.now(UTC).isoformat(),
                "fingerprint": name,
            }
            body = {"version": "4", "groupKey": name, "status": "firing", "alerts": [item]}
            assert (
                client.post(f"/api/v1/integrations/alertmanager/{AM_KEY}", json=body).status_code
                == 200
            )
            answered = time.perf_counter()
            while (
                client.get("/api/v1/incidents", params={"limit": 1}, headers=headers).json()[
                    "items"
                ][0]["title"]
                != name
            ):
                pass
            delays.append((time.perf_counter() - answered) * 1000)
    delays.sort()
    return delays[len(delays) // 2], delays[min(len(delays) - 1, int(0.99 * len(delays)))]


def measure_fireline(
    system: str, url: str, workdir: Path, args: argparse.Namespace
) -> list[dict[str, object]]:
    """The ingest rows of one Fireline database, then the 2xx → visible latency."""
    with fireline(url, args.durability, workdir) as (port, pid, token):
        rows = measure(
            system, port, pid, f"/api/v1/integrations/alertmanager/{AM_KEY}", fireline_body, args
        )
        rows += measure(
            f"{system}, events v2", port, pid, "/v2/enqueue", events_v2_body, args, (1,)
        )
        p50, p99 = visibility(port, token)
    print(
        f"  2xx → incident visible ({system}): p50 {p50:.2f} ms, p99 {p99:.2f} ms", file=sys.stderr
    )
    return rows


def table(rows: list[dict[str, object]]) -> str:
    peer = {
        (r["batch"], r["mode"]): r["alerts_per_s"] for r in rows if r["system"] == "alertmanager"
    }
    lines = [
        "| system | batch | alerts | alerts/s | p50 ms | p99 ms | × Alertmanager | CPU µs/alert | RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = peer.get((r["batch"], r["mode"]))
        ratio = f"{r['alerts_per_s'] / base:.2f}" if base else "—"  # type: ignore[operator]
        lines.append(
            f"| {r['system']} | {r['batch']} | {r['mode']} | {r['alerts_per_s']:.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} | {r['cpu_us_per_alert']:.0f} | "
            f"{'—' if r['system'] == 'alertmanager' else format(r['rss_mb'], '.0f')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    parser.add_argument(
        "--postgres", help="PostgreSQL server URL; a database fireline_bench is (re)created"
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if binary:
            with alertmanager(binary, workdir) as (port, pid):
                rows += measure(
                    "alertmanager", port, pid, "/api/v2/alerts", alertmanager_body, args
                )
        else:
            print("prometheus-alertmanager not found: no peer figures", file=sys.stderr)
        engines = [(f"fireline sqlite {args.durability}", f"sqlite:///{workdir}/bench.db")]
        if args.postgres:
            engines.append(("fireline postgresql", recreate_postgres(args.postgres)))
        for system, url in engines:
            rows += measure_fireline(system, url, workdir, args)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def recreate_postgres(server_url: str, name: str = "fireline_bench") -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":
    main()
