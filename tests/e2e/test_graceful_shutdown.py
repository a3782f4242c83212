"""SIGTERM to `fireline serve`: stop accepting, answer or refuse (503) what is in flight, drain
the ingest writer, stop the embedded worker, exit 0 within 10 s; every 2xx'd alert is stored."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.integrations import events_v2
from fireline.services.admin.configuration import apply_config
from fireline.services.alerting.ingest import Accepted, Submission
from fireline.web.ingest import SHUTTING_DOWN, GroupCommitWriter
from fireline.web.problems import MEDIA_TYPE
from tests.conftest import EXAMPLE
from tests.e2e.ingest_support import EV_KEY, Ingest
from tests.e2e.servers import start_server

SENDERS = 4
SIGNAL_AFTER = 200  # acknowledged alerts before SIGTERM
EXIT_WITHIN = 10.0  # seconds, from SIGTERM to the process gone


def _event(dedup_key: str) -> dict[str, object]:
    return {
        "routing_key": EV_KEY,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": f"load {dedup_key}", "source": "bench", "severity": "info"},
    }


def test_a_request_that_arrives_while_stopping_gets_a_503_with_retry_after(
    ingest_app: Ingest,
) -> None:
    ingest_app.client.app.state.stopping.begin()  # type: ignore[attr-defined]

    for response in (
        ingest_app.client.post("/v2/enqueue", json=_event("late")),
        ingest_app.client.get("/api/v1/incidents", headers=ingest_app.headers),
        ingest_app.client.get("/healthz"),  # a load balancer's check fails: it sends elsewhere
    ):
        assert response.status_code == 503
        assert response.headers["content-type"] == MEDIA_TYPE
        assert response.headers["retry-after"] == "5"
        assert response.headers["connection"] == "close"
        assert response.json()["title"] == "Shutting down"
    with ingest_app.core.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alerts")).scalar_one() == 0


def test_the_writer_commits_what_was_submitted_before_it_stops_and_refuses_the_rest(
    core: Fireline,
) -> None:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    keys = [f"drain-{n}" for n in range(50)]

    async def scenario() -> tuple[list[object], object]:
        writer = GroupCommitWriter(core)
        writer.start()
        submissions = [
            Submission(EV_KEY, "events_v2", [events_v2.parse(json.dumps(_event(k)).encode())[1]])
            for k in keys
        ]
        waiting = [asyncio.ensure_future(writer.submit(s)) for s in submissions]
        await asyncio.sleep(0)  # every submission queued, none committed yet
        await writer.stop(timeout=60)  # the semantics, not the speed: a loaded CI may be slow
        answered = await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
        return list(answered), await writer.submit(submissions[0])

    # On a thread of its own: the browser tests' Playwright keeps an event loop running on
    # this one for the whole session, and asyncio.run refuses to start inside it.
    results: list[tuple[list[object], object]] = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(scenario())))
    runner.start()
    runner.join(timeout=120)
    ((answered, late),) = results

    assert answered == [Accepted([k]) for k in keys]
    assert late is SHUTTING_DOWN
    with core.database.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT dedup_key FROM alerts")).scalars())
    assert stored == set(keys)


@dataclass
class Load:
    """Senders posting alerts until the server is gone; what each answer was."""

    url: str
    acknowledged: list[str] = field(default_factory=list)
    refused: list[httpx.Response] = field(default_factory=list)
    other: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # refused or cut: no answer at all

    def __post_init__(self) -> None:
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self._send, args=(n,)) for n in range(SENDERS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _send(self, sender: int) -> None:
        with httpx.Client(base_url=self.url, timeout=15) as client:
            for n in range(1_000_000):
                if self.stop.is_set():
                    return
                key = f"s{sender}-{n}"
                try:
                    response = client.post("/v2/enqueue", json=_event(key))
                except httpx.HTTPError as error:
                    with self.lock:
                        self.errors.append(repr(error))
                    time.sleep(0.01)  # refused or cut: no 2xx; retry until told to stop
                    continue
                with self.lock:
                    if response.status_code == 202:
                        self.acknowledged.append(key)
                    elif response.status_code == 503:
                        self.refused.append(response)
                    else:
                        self.other.append(response.status_code)


def test_sigterm_under_load_stores_every_2xx_alert_and_exits_0_within_10_s(
    tmp_path: Path, database_url: str
) -> None:
    core = build(Settings(database_url=database_url), migrate=False)
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    with start_server(tmp_path, database_url=database_url) as server:
        load = Load(server.url)
        load.start()
        deadline = time.monotonic() + 60
        while len(load.acknowledged) < SIGNAL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=30)
        took = time.monotonic() - signalled
        load.join()
    output = (tmp_path / f"serve-{server.url.rsplit(':', 1)[1]}.log").read_text()

    with core.database.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT dedup_key FROM alerts")).scalars())
    core.close()
    print(
        f"\nSIGTERM after {SIGNAL_AFTER} alerts: {len(load.acknowledged)} answered 202, "
        f"{len(load.refused)} refused 503, exit {code} in {took:.2f} s"
    )
    assert len(load.acknowledged) >= SIGNAL_AFTER
    assert set(load.acknowledged) - stored == set()  # every 2xx'd alert is stored
    assert load.other == []
    assert all(r.headers.get("retry-after") == "5" for r in load.refused)
    assert (code, took < EXIT_WITHIN) == (0, True), output
    assert "Traceback" not in output, output
    assert "still busy" not in output, output
