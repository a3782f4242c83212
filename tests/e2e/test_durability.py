"""Kill the server (SIGKILL) in the middle of a load: every alert that got a 2xx is stored."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from fireline.bootstrap import build
from fireline.config import Settings
from fireline.services.admin.configuration import apply_config
from tests.conftest import EXAMPLE
from tests.e2e.servers import start_server

EV_KEY = "ev0checkout0000000000000000000001"
SENDERS = 4
KILL_AFTER = 300  # acknowledged alerts
SECONDS = 60


def test_no_alert_that_got_a_2xx_is_lost_when_the_server_is_killed(
    tmp_path: Path, database_url: str
) -> None:
    core = build(Settings(database_url=database_url), migrate=False)
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    acknowledged: list[str] = []
    lock = threading.Lock()

    def send(sender: int, url: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                key = f"s{sender}-{n}"
                event = {
                    "routing_key": EV_KEY,
                    "event_action": "trigger",
                    "dedup_key": key,
                    "payload": {"summary": f"load {key}", "source": "bench", "severity": "info"},
                }
                try:
                    response = client.post("/v2/enqueue", json=event)
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 202:
                    with lock:
                        acknowledged.append(key)

    with start_server(tmp_path, database_url=database_url) as server:
        stop = threading.Event()
        threads = [
            threading.Thread(target=send, args=(i, server.url, stop)) for i in range(SENDERS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + SECONDS
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    with core.database.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT dedup_key FROM alerts")).scalars())
    core.close()
    assert len(acknowledged) >= KILL_AFTER
    assert set(acknowledged) - stored == set()
