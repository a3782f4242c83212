"""Paging engine latency: job lag with 10,000 pending jobs, alert 2xx → first page at a receiver,
and alert 2xx → the SMS request reaching a local Twilio.

    .venv/bin/python bench/escalation.py [--jobs 10000] [--alerts 50] [--postgres URL]

Part 1 queues ``--jobs`` page deliveries due over the next ``--spread``
seconds (for 100 incidents) and runs one `fireline worker` process for
``--window`` seconds; the lag of a job is when it finished minus when it was
due (delivery to a local webhook receiver included), over the jobs that came
due in the window: the backlog of pending jobs must not slow the worker down.
Part 2 runs `fireline serve` (with its embedded worker) under a
steady background load of re-sent alerts (about 200 requests/s), sends
``--alerts`` alerts that each open an incident, and measures from each 2xx to
the first page reaching the receiver. Part 3 does the same with every person's first
contact an `sms` one (numbers verified) and Fireline's Twilio settings pointed at the
tests' Twilio double (the official `twilio` client, Basic auth, Messages.json), and
measures from each 2xx to the SMS request reaching the double. Prints p50/p99 in
milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
import slack_page  # noqa: E402
from ingest import free_port, recreate_postgres, wait_for  # noqa: E402
from tests.e2e import twilio_double  # noqa: E402

ROOT = Path(__file__).parent.parent
NUMBERS = {"alice": "+15550001001", "bob": "+15550001002", "carol": "+15550001003"}
FIRELINE = str(Path(sys.executable).with_name("fireline"))
AM_KEY = "am0checkout0000000000000000000001"


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrivals.setdefault(body["title"], time.time())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


def configure(
    database_url: str, receiver: Receiver, workdir: Path, phones: bool = False
) -> dict[str, str]:
    config = (
        (ROOT / "examples" / "fireline.yaml")
        .read_text()
        .replace("127.0.0.1:9199", f"127.0.0.1:{receiver.port}")
    )
    if phones:
        config = _with_sms_first(config)
    (workdir / "fireline.yaml").write_text(config)
    env = {
        **os.environ,
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_INGEST_RATE_LIMIT": "0",
        "FIRELINE_THROTTLE_LIMIT": "0",  # one contact gets all 10,000 pages here
    }
    subprocess.run(
        [FIRELINE, "apply", str(workdir / "fireline.yaml")],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def _with_sms_first(config: str) -> str:
    """Each person's first contact method an sms one, paged at once."""
    for user, number in NUMBERS.items():
        contacts = f"  - id: {user}\n"
        start = config.index(contacts)
        methods = config.index("    contact_methods:\n", start) + len("    contact_methods:\n")
        sms = f'      - {{id: {user}-sms, type: sms, number: "{number}"}}\n'
        config = config[:methods] + sms + config[methods:]
        found = re.compile(r"    notification_rules:.*\n").search(config, start)
        assert found is not None
        rules = found.end()
        rule = f'      - {{contact: {user}-sms, after: "0s"}}\n'
        config = config[:rules] + rule + config[rules:]
    return config


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def job_lag(
    database_url: str, jobs: int, spread: float, window: float, workdir: Path
) -> tuple[float, float]:
    from sqlalchemy import select

    from fireline.bootstrap import build
    from fireline.config import Settings
    from fireline.domain.jobs import Page
    from fireline.services.incidents import commands as incidents
    from fireline.services.paging import delivery
    from fireline.storage.models import Job

    receiver = Receiver()
    env = configure(database_url, receiver, workdir)
    core = build(Settings(database_url=database_url))
    ids = [
        incidents.declare(uow=core.uow(), actor="bench", title=f"lag {n}").incident.id
        for n in range(100)
    ]
    contact = {
        "id": "bench-hook",
        "type": "webhook",
        "url": f"http://127.0.0.1:{receiver.port}/hooks/bench",
    }
    with core.uow() as uow:
        start = uow.now() + timedelta(seconds=10)  # the worker process is up by then
        for n in range(jobs):
            due = start + timedelta(seconds=spread * n / jobs)
            page = Page(
                incident_id=ids[n % 100],
                recipient="carol",
                contact=contact,
                reassigned=True,
                label=f"bench-{n}",
                rule=0,
            )
            delivery.queue(uow, page, due_at=due, now=uow.now())
        uow.commit()
    _shift_if_late(core, start)
    worker = subprocess.Popen(
        [FIRELINE, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(window + 10)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    with core.uow() as uow:
        query = select(Job.due_at, Job.finished_at).where(
            Job.kind == "notify", Job.status == "done"
        )
        lags = [
            (f - d).total_seconds() * 1000
            for d, f in uow.jobs.session.execute(query)
            if f is not None
        ]
    core.close()
    print(f"  {len(lags)} of {jobs} jobs came due and were done in {window:.0f} s", file=sys.stderr)
    return percentiles(lags)


def _shift_if_late(core: Any, start: datetime) -> None:
    """Loading 10,000 jobs (with their delivery-log rows) can outlast the 10 s planned for it,
    mostly on PostgreSQL: then move every job later by as much, keeping their spread, so no job
    is already overdue when the worker starts."""
    late = (datetime.now(UTC) + timedelta(seconds=5) - start).total_seconds()
    if late <= 0:
        return
    print(f"  loading took {late + 5:.1f} s; jobs moved {late:.1f} s later", file=sys.stderr)
    postgres = core.database.engine.dialect.name == "postgresql"
    shifted = (
        f"due_at + interval '{late} seconds'"
        if postgres
        else f"strftime('%Y-%m-%d %H:%M:%f', due_at, '+{late} seconds')"
    )
    from sqlalchemy import text

    with core.uow() as uow:
        uow.jobs.session.execute(text(f"UPDATE jobs SET due_at = {shifted} WHERE kind = 'notify'"))
        uow.commit()


def alert_to_page(database_url: str, alerts: int, workdir: Path) -> tuple[float, float]:
    receiver = Receiver()
    env = configure(database_url, receiver, workdir)
    answered = drive(env, alerts, workdir)
    delays = [
        (receiver.arrivals[n] - t) * 1000 for n, t in answered.items() if n in receiver.arrivals
    ]
    print(f"  {len(delays)} of {alerts} alerts paged", file=sys.stderr)
    return percentiles(delays)


def alert_to_sms(database_url: str, alerts: int, workdir: Path) -> tuple[float, float]:
    """Part 3: every person's first contact texts them through the Twilio double."""
    receiver, twilio = Receiver(), twilio_double.TwilioDouble()
    env = configure(database_url, receiver, workdir, phones=True)
    _verify_numbers(database_url)
    port = free_port()
    env |= {
        "FIRELINE_TWILIO_ACCOUNT_SID": twilio_double.ACCOUNT_SID,
        "FIRELINE_TWILIO_AUTH_TOKEN": twilio_double.AUTH_TOKEN,
        "FIRELINE_TWILIO_FROM": twilio_double.FROM,
        "FIRELINE_TWILIO_API_URL": twilio.url,
        "FIRELINE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    answered = drive(env, alerts, workdir, port)
    texted: dict[str, float] = {}
    for message, at in zip(twilio.messages, twilio.message_times, strict=True):
        for name in answered:
            if name in message["Body"]:
                texted.setdefault(name, at)
    twilio.close()
    delays = [(texted[n] - t) * 1000 for n, t in answered.items() if n in texted]
    print(f"  {len(delays)} of {alerts} alerts texted", file=sys.stderr)
    return percentiles(delays)


def _verify_numbers(database_url: str) -> None:
    """The bench's people proved their numbers (as `fireline contact verify` records it)."""
    from fireline.bootstrap import build
    from fireline.config import Settings

    core = build(Settings(database_url=database_url))
    with core.uow() as uow:
        for user, number in NUMBERS.items():
            uow.phones.mark_verified(user, f"{user}-sms", number, uow.now())
        uow.commit()
    core.close()


def drive(env: dict[str, str], alerts: int, workdir: Path, port: int = 0) -> dict[str, float]:
    """Run `fireline serve` under the background load and send ``alerts`` alerts that each open
    an incident; when each got its 2xx."""
    port = port or free_port()
    with (workdir / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [FIRELINE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    stop = threading.Event()
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/api/v1/integrations/alertmanager/{AM_KEY}"
        threading.Thread(target=_background, args=(url, stop), daemon=True).start()
        answered: dict[str, float] = {}
        with httpx.Client() as client:
            for n in range(alerts):
                name = f"Bench{n}-{time.time_ns()}"
                assert client.post(url, json=_alert(name)).status_code == 200
                answered[name] = time.time()
                time.sleep(0.2)
        time.sleep(3)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return answered


def _background(url: str, stop: threading.Event) -> None:
    body = {
        "version": "4",
        "groupKey": "bg",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "Background", "cluster": "bg"},
                "fingerprint": "bg",
            }
        ],
    }
    with httpx.Client() as client:
        while not stop.is_set():
            client.post(url, json=body)
            time.sleep(0.005)


def _alert(name: str) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": name,
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "cluster": "x"},
                "annotations": {"summary": name},
                "fingerprint": name,
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument(
        "--spread", type=float, default=600.0, help="seconds over which the jobs fall due"
    )
    parser.add_argument("--window", type=float, default=60.0, help="seconds the worker runs")
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument(
        "--postgres", help="PostgreSQL server URL; a database fireline_bench is (re)created"
    )
    parser.add_argument(
        "--only-sms", action="store_true", help="run part 3 only (alert 2xx → SMS at Twilio)"
    )
    args = parser.parse_args()
    engines = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    if args.only_sms:
        print("| engine | alert 2xx → SMS at Twilio p50 ms | p99 ms |")
        print("|---|---|---|")
    else:
        print(
            "| engine | job lag p50 ms | job lag p99 ms | alert 2xx → first page p50 ms | p99 ms"
            " | alert 2xx → SMS at Twilio p50 ms | p99 ms |"
        )
        print("|---|---|---|---|---|---|---|")
    for name, server in engines:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            if not args.only_sms:
                url = recreate_postgres(server) if server else f"sqlite:///{workdir}/lag.db"
                lag = job_lag(url, args.jobs, args.spread, args.window, workdir)
                url = recreate_postgres(server) if server else f"sqlite:///{workdir}/page.db"
                page = alert_to_page(url, args.alerts, workdir)
            url = recreate_postgres(server) if server else f"sqlite:///{workdir}/sms.db"
            sms = alert_to_sms(url, args.alerts, workdir)
        if args.only_sms:
            print(f"| {name} | {sms[0]:.0f} | {sms[1]:.0f} |")
            continue
        print(
            f"| {name} | {lag[0]:.0f} | {lag[1]:.0f} | {page[0]:.0f} | {page[1]:.0f}"
            f" | {sms[0]:.0f} | {sms[1]:.0f} |"
        )
    if not args.only_sms:
        slack_page.table(engines, args.alerts)  # alert 2xx → Slack message (the Slack app, #13)


if __name__ == "__main__":
    main()
