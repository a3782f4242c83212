"""Paging end to end: escalation steps from the jobs table, pages to a real HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fireline.bootstrap import Fireline
from fireline.services import incidents
from fireline.services.configuration import apply_config
from fireline.services.organisation import webhook_secret
from fireline.worker.jobs import run_due_jobs
from tests.conftest import EXAMPLE, FakeClock


class Receiver:
    """A real HTTP server that records every page it gets."""

    def __init__(self) -> None:
        self.pages: list[dict[str, Any]] = []
        received = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(
                    {
                        "path": self.path,
                        "body": json.loads(body),
                        "raw": body,
                        "key": self.headers["Idempotency-Key"],
                        "signature": self.headers["X-Fireline-Signature"],
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def who(self) -> list[str]:
        return [p["path"].rsplit("/", 1)[-1] for p in self.pages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def paging(core: Fireline) -> Iterator[Receiver]:
    receiver = Receiver()
    config = EXAMPLE.read_text().replace("127.0.0.1:9199", f"127.0.0.1:{receiver.port}")
    apply_config(uow=core.uow(), text=config, source="fireline.yaml")
    yield receiver
    receiver.close()
    if core.notifier is not None:
        core.notifier.adapters["webhook"].client.close()  # type: ignore[attr-defined]


def _work(core: Fireline, worker: str = "test-worker") -> None:
    while run_due_jobs(core, worker):
        pass


def _timeline(core: Fireline, incident_id: int, kind: str) -> list[dict[str, Any]]:
    return [
        e.event.data
        for e in incidents.get(uow=core.uow(), incident_id=incident_id, kinds=[kind]).timeline
    ]


def test_pages_escalate_until_someone_acknowledges(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    ).incident
    _work(core)
    assert paging.who() == [
        "carol"
    ]  # Monday 10:00 in Paris: carol's weekday cover of payments-primary

    clock.advance(minutes=5)
    _work(core)  # step 2: carol and the whole payments team
    assert sorted(paging.who()[1:]) == ["alice", "bob", "carol"]

    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    clock.advance(minutes=30)
    _work(core)  # bob's email (after 2m) and later steps were cancelled by the acknowledgement
    assert len(paging.pages) == 4

    steps = _timeline(core, incident.id, "escalation_step_fired")
    sent = _timeline(core, incident.id, "page_sent")
    failed = _timeline(core, incident.id, "page_failed")
    assert [(s["step"], s["round"], s["users"]) for s in steps] == [
        (1, 1, ["carol"]),
        (2, 1, ["carol", "alice", "bob"]),
    ]
    assert sorted((p["user"], p["channel"]) for p in sent) == [
        ("alice", "webhook"),
        ("bob", "webhook"),
        ("carol", "webhook"),
        ("carol", "webhook"),
    ]
    assert [(f["user"], f["channel"]) for f in failed] == [("alice", "email")]
    assert "not available yet" in failed[0]["reason"]


def test_pages_are_signed_and_carry_an_idempotency_key(core: Fireline, paging: Receiver) -> None:
    incidents.declare(uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"])
    _work(core)

    (page,) = paging.pages
    with core.uow() as uow:
        secret = webhook_secret(uow)
    expected = hmac.new(secret.encode(), page["raw"], hashlib.sha256).hexdigest()
    assert page["signature"] == f"sha256={expected}"
    assert page["key"].startswith("page:1:0:carol:")
    assert page["body"]["title"] == "Ledger drift" and page["body"]["url"].endswith(
        "/api/v1/incidents/1"
    )


def test_resolving_cancels_everything_pending(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"]
    ).incident
    _work(core)
    incidents.resolve(uow=core.uow(), actor="carol", incident_id=incident.id, summary="false alarm")
    clock.advance(hours=2)
    _work(core)
    assert paging.who() == ["carol"]
    with core.uow() as uow:
        statuses = {j.status for j in uow.jobs.for_incident(incident.id)}
    assert statuses == {"done", "cancelled"}


def test_the_policy_is_snapshotted_when_paging_starts(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"]
    ).incident
    _work(core)
    edited = EXAMPLE.read_text().replace("127.0.0.1:9199", f"127.0.0.1:{paging.port}")
    edited = edited.replace(
        "- targets: [{user: carol}, {team: payments}]", "- targets: [{user: dana}]"
    )
    apply_config(uow=core.uow(), text=edited, source="fireline.yaml")
    clock.advance(minutes=5)
    _work(core)
    steps = _timeline(core, incident.id, "escalation_step_fired")
    assert steps[1]["users"] == ["carol", "alice", "bob"]


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incidents.declare(uow=core.uow(), actor="dana", title="x", services=["checkout-api"])
    with core.uow() as uow:
        (job,) = uow.jobs.claim(
            worker="dead-worker", now=clock.now, lease=timedelta(seconds=60), limit=10
        )
        uow.commit()
    assert run_due_jobs(core, "live-worker") == 0  # leased to the dead worker
    clock.advance(seconds=61)
    _work(core, "live-worker")
    assert paging.who() == ["carol"]
    with core.uow() as uow:
        again = uow.jobs.get(job.id)
        assert again is not None and (again.status, again.worker, again.attempts) == (
            "done",
            "live-worker",
            2,
        )


def test_an_alert_pages_at_once(core: Fireline, paging: Receiver) -> None:
    from fireline.domain.alerts import AlertEvent
    from fireline.services.alerts import Submission, ingest

    event = AlertEvent(action="trigger", dedup_key="disk", summary="Disk full", severity="critical")
    ingest(
        uow=core.uow(),
        submissions=[Submission("ev0checkout0000000000000000000001", "events_v2", [event])],
    )
    _work(core)
    assert paging.who() == ["carol"]
