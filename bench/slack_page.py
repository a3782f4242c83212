"""Alert 2xx → the page reaching Slack: `fireline serve` with the Slack app pointed at a local
Slack Web API double, under the same background load as bench/escalation.py's alert → page.

    .venv/bin/python bench/escalation.py        (prints this table after its own)
    .venv/bin/python bench/slack_page.py [--alerts 50] [--postgres URL]
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from ingest import free_port, recreate_postgres, wait_for  # noqa: E402

ROOT = Path(__file__).parent.parent
FIRELINE = str(Path(sys.executable).with_name("fireline"))
AM_KEY = "am0checkout0000000000000000000001"
TOKEN = "xoxb-bench-token"
NAME = re.compile(r"Bench\d+-\d+")


class SlackDouble:
    """chat.postMessage as Slack answers it; notes when each bench alert's page arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                found = NAME.search(raw.decode(errors="replace"))
                if found:
                    arrivals.setdefault(found.group(), time.time())
                ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
                args = json.loads(raw or b"{}") if ok else {}
                answer = (
                    {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
                    if ok
                    else {"ok": False, "error": "invalid_auth"}
                )
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"


def configure(database_url: str, double: SlackDouble, workdir: Path) -> dict[str, str]:
    """The example config with everyone's webhook replaced by a Slack app contact."""
    config = re.sub(
        r'type: webhook, url: "http://127\.0\.0\.1:9199/hooks/(\w+)"',
        lambda m: f"type: slack, channel: D0{m.group(1).upper()}",
        (ROOT / "examples" / "fireline.yaml").read_text(),
    )
    (workdir / "fireline.yaml").write_text(config)
    env = {
        **os.environ,
        "FIRELINE_DATABASE_URL": database_url,
        "FIRELINE_INGEST_RATE_LIMIT": "0",
        "FIRELINE_THROTTLE_LIMIT": "0",
        "FIRELINE_SLACK_BOT_TOKEN": TOKEN,
        "FIRELINE_SLACK_API_URL": double.url,
    }
    cmd = [FIRELINE, "apply", str(workdir / "fireline.yaml")]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return env


def alert(name: str, group: str = "") -> dict[str, object]:
    return {
        "version": "4",
        "groupKey": group or name,
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


def alert_to_slack(database_url: str, alerts: int, workdir: Path) -> tuple[float, float]:
    """p50 and p99 milliseconds from an alert's 2xx to its page reaching the Slack double."""
    double = SlackDouble()
    env = configure(database_url, double, workdir)
    port = free_port()
    with (workdir / "serve-slack.log").open("w") as log:
        server = subprocess.Popen(
            [FIRELINE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    stop = threading.Event()
    answered: dict[str, float] = {}
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/api/v1/integrations/alertmanager/{AM_KEY}"

        def background() -> None:  # the same ~200 requests/s of re-sent alerts
            with httpx.Client() as client:
                while not stop.is_set():
                    client.post(url, json=alert("Background", "bg"))
                    time.sleep(0.005)

        threading.Thread(target=background, daemon=True).start()
        with httpx.Client() as client:
            for n in range(alerts):
                name = f"Bench{n}-{time.time_ns()}"
                assert client.post(url, json=alert(name)).status_code == 200
                answered[name] = time.time()
                time.sleep(0.2)
        time.sleep(3)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        double.server.shutdown()
    delays = sorted(
        (double.arrivals[n] - t) * 1000 for n, t in answered.items() if n in double.arrivals
    )
    print(f"  {len(delays)} of {alerts} alerts reached Slack", file=sys.stderr)
    if not delays:
        return float("nan"), float("nan")
    return delays[len(delays) // 2], delays[min(len(delays) - 1, int(0.99 * len(delays)))]


def table(engines: list[tuple[str, str | None]], alerts: int) -> None:
    """Print the Slack table: one row per engine."""
    print("\n| engine | alert 2xx → Slack message p50 ms | p99 ms |")
    print("|---|---|---|")
    for name, server in engines:
        with tempfile.TemporaryDirectory() as tmp:
            url = recreate_postgres(server) if server else f"sqlite:///{tmp}/slack.db"
            p50, p99 = alert_to_slack(url, alerts, Path(tmp))
        print(f"| {name} | {p50:.0f} | {p99:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument("--postgres", help="PostgreSQL server URL (fireline_bench is recreated)")
    args = parser.parse_args()
    table(
        [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else []), args.alerts
    )


if __name__ == "__main__":
    main()
