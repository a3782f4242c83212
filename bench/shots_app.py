"""The Fireline the docs' screenshots show: served in-process by uvicorn on a free port, people
logged in through the login form, and the Alertmanager alert of a bad night."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from typing import Any

import uvicorn

from fireline.bootstrap import Fireline
from fireline.integrations import alertmanager
from fireline.services.alerting import ingest as alerts
from fireline.services.alerting.ingest import Submission
from fireline.web.app import create_app

PASSWORD = "screenshot password"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AM_KEY = "am0checkout0000000000000000000001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def serve(core: Fireline, port: int = 0) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Fireline's app on 127.0.0.1 (``port``, else a free one) in a thread."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(fireline=core), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)


def log_in(page: Any, url: str, user: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User id or email").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def checkout_alert(core: Fireline) -> None:
    """Alertmanager reports checkout's 502s in Europe: incident #1 opens and pages on-call."""
    now = core.clock()
    alert = {
        "status": "firing",
        "labels": {"alertname": "CheckoutHigh5xx", "cluster": "eu1", "severity": "critical"},
        "annotations": {"summary": "Checkout returns 502 for 38 % of EU requests"},
        "startsAt": (now - timedelta(minutes=14)).isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "5f1d0c2b9a",
    }
    body = {"version": "4", "status": "firing", "receiver": "fireline", "alerts": [alert]}
    submission = Submission(AM_KEY, "alertmanager", alertmanager.parse(json.dumps(body).encode()))
    alerts.ingest(uow=core.uow(), submissions=[submission])
