"""The delivery log, stakeholder announcements, acknowledgement
timeouts, SLA-breach checks and jobs that give up — end to end with a real HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fireline.bootstrap import Fireline
from fireline.services.incidents import commands as incidents
from fireline.services.paging import escalation as paging
from fireline.services.paging.delivery import list_deliveries
from fireline.worker import jobs
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, receiving, timeline, work

CHECKOUT_EXTRAS = """    escalation_policy: payments-default
    impact: high
    acknowledge_timeout: "30m"
    announce:
      - {id: checkout-room, type: webhook, url: "http://127.0.0.1:PORT/hooks/room",
         events: [declared, status_update, resolved, sla_breached]}
"""
PAYMENTS_TEAM = """  - id: payments
    name: Payments
    announce:
      - {id: payments-chat, type: slack, url: "http://127.0.0.1:PORT/hooks/payments-chat",
         events: [declared, phase_changed]}
      - {id: same-room, type: webhook, url: "http://127.0.0.1:PORT/hooks/room"}
"""


@pytest.fixture
def notified(core: Fireline) -> Iterator[Receiver]:
    """The example config, with announcements and an acknowledgement timeout on checkout-api."""
    config = (
        EXAMPLE.read_text()
        .replace("    escalation_policy: payments-default\n    impact: high", CHECKOUT_EXTRAS, 1)
        .replace("  - id: payments\n    name: Payments\n", PAYMENTS_TEAM, 1)
    )
    with receiving(core, config) as receiver:
        yield receiver


def _log(core: Fireline, incident_id: int, purpose: str = "page") -> list[tuple[str, str, str]]:
    rows = list_deliveries(uow=core.uow(), incident_id=incident_id, limit=500)
    return sorted((r.recipient, r.contact, r.status) for r in rows if r.purpose == purpose)


def _paged(receiver: Receiver) -> list[str]:
    """Who was paged, in order (announcements left out)."""
    return [p["path"].rsplit("/", 1)[-1] for p in receiver.pages if p["body"].get("type") == "page"]


def test_the_delivery_log_follows_every_page(
    core: Fireline, clock: FakeClock, notified: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"]
    ).incident
    assert _log(core, incident.id) == []  # nothing paged before the worker runs the first step
    work(core)
    assert _log(core, incident.id) == [("carol", "carol-hook", "sent")]
    clock.advance(minutes=5)
    work(core)  # step 2: carol again, and the payments team (alice, bob)
    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    assert _log(core, incident.id) == [
        ("alice", "alice-hook", "sent"),
        ("alice", "alice-mail", "failed"),
        ("bob", "bob-hook", "sent"),
        ("bob", "bob-mail", "cancelled"),  # due 2 minutes after the step; the ack came first
        ("carol", "carol-hook", "sent"),
        ("carol", "carol-hook", "sent"),
    ]
    rows = list_deliveries(uow=core.uow(), incident_id=incident.id, statuses=["failed"])
    assert rows[0].reason == "email is not configured: set FIRELINE_SMTP_HOST"
    sent = list_deliveries(uow=core.uow(), statuses=["sent"])
    assert {r.idempotency_key for r in sent if r.channel == "webhook"} == {
        p["key"] for p in notified.pages if p["key"]
    }


def test_the_delivery_log_over_the_api(core: Fireline, api: Api, notified: Receiver) -> None:
    incident = api.declare(services=["ledger"])
    work(core)
    response = api.viewer.get("/api/v1/deliveries", params={"incident": incident["id"]})
    assert response.status_code == 200
    (row,) = [r for r in response.json() if r["purpose"] == "page"]
    assert (row["recipient"], row["channel"], row["status"], row["attempts"]) == (
        "carol",
        "webhook",
        "sent",
        1,
    )
    bad = api.viewer.get("/api/v1/deliveries", params={"status": "lost"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert api.anonymous.get("/api/v1/deliveries").status_code == 401


def test_stakeholders_hear_what_their_channels_asked_for(
    core: Fireline, clock: FakeClock, notified: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="bob", title="Checkout down", services=["checkout-api"]
    ).incident
    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    incidents.post_status_update(
        uow=core.uow(),
        actor="bob",
        incident_id=incident.id,
        message="Rolling back",
        visibility="public",
    )
    incidents.transition(uow=core.uow(), actor="bob", incident_id=incident.id, phase="assessment")
    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident.id, summary="Rolled back")
    work(core)

    announced = [
        (p["path"], p["body"])
        for p in notified.pages
        if "hooks/room" in p["path"] or "chat" in p["path"]
    ]
    room = [b["text"] for path, b in announced if path.endswith("/room")]
    chat = [b["text"] for path, b in announced if path.endswith("/payments-chat")]
    assert room == [
        "Incident declared by bob, in reporting.",
        "Status update (public): Rolling back",
        "Moved from reporting to assessment.",  # the team's copy of the room asks for everything
        "Resolved (moved from assessment to resolution).",
    ]  # …and the room hears each event once
    assert [t.split("*")[1] for t in chat] == [f"#{incident.id} Checkout down"] * 3
    assert "Moved from reporting to assessment." in chat[1]
    assert all(
        b["type"] == "announcement" and b["ack_url"] == ""
        for p, b in announced
        if p.endswith("/room")
    )
    assert (
        _log(core, incident.id, "announcement").count(
            ("service:checkout-api", "checkout-room", "sent")
        )
        == 4
    )


def test_an_acknowledgement_that_times_out_pages_again(
    core: Fireline, clock: FakeClock, notified: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    ).incident
    work(core)
    assert _paged(notified) == ["carol"]
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    clock.advance(minutes=29)
    work(core)
    assert incidents.get(
        uow=core.uow(), incident_id=incident.id
    ).incident.timestamps.acknowledged_at

    clock.advance(minutes=1)
    work(core)  # 30 minutes after the acknowledgement: unacknowledged, escalation from step 1
    (expired,) = timeline(core, incident.id, "acknowledgement_expired")
    assert expired["timeout"] == "0:30:00"
    state = incidents.get(uow=core.uow(), incident_id=incident.id).incident
    assert state.timestamps.acknowledged_at is None
    assert _paged(notified) == ["carol", "carol"]
    assert len(timeline(core, incident.id, "escalation_step_fired")) == 2

    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    incidents.mitigate(uow=core.uow(), actor="carol", incident_id=incident.id)
    clock.advance(hours=2)
    work(core)  # mitigated: the second timeout leaves it alone
    assert timeline(core, incident.id, "acknowledgement_expired") == [expired]
    assert len(timeline(core, incident.id, "acknowledged")) == 2  # the first stays on record


def test_sla_breaches_are_recorded_and_announced_once(
    core: Fireline, clock: FakeClock, notified: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(),
        actor="dana",
        title="Checkout slow",
        services=["checkout-api"],
        urgency="low",
    ).incident
    assert incident.priority == "P3"  # high impact x low urgency: acknowledge within 1h
    clock.advance(minutes=10)
    incidents.update(
        uow=core.uow(), actor="dana", incident_id=incident.id, changes={"urgency": "high"}
    )  # now P1: acknowledge within 5 minutes of detection, already passed
    work(core)
    clock.advance(hours=1)
    work(core)  # the P3 check left over from before does not record it twice
    breaches = timeline(core, incident.id, "sla_breached")
    assert [(b["target"], b["priority"], b["due_at"]) for b in breaches] == [
        ("acknowledge", "P1", "2026-03-02T09:05:00+00:00"),
        ("mitigate", "P1", "2026-03-02T10:00:00+00:00"),
    ]
    room = [p["body"]["text"] for p in notified.pages if p["path"].endswith("/room")]
    assert room[-2:] == [
        "The acknowledge SLA target passed at 2026-03-02T09:05:00+00:00.",
        "The mitigate SLA target passed at 2026-03-02T10:00:00+00:00.",
    ]
    state = incidents.get(uow=core.uow(), incident_id=incident.id).incident
    assert state.sla_breaches == ("acknowledge", "mitigate")


def test_a_met_target_is_not_breached(core: Fireline, clock: FakeClock, notified: Receiver) -> None:
    incident = incidents.declare(
        uow=core.uow(),
        actor="dana",
        title="Checkout slow",
        services=["checkout-api"],
        urgency="high",
    ).incident
    clock.advance(minutes=4)
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    clock.advance(minutes=10)
    work(core)
    assert timeline(core, incident.id, "sla_breached") == []


def test_a_job_that_keeps_failing_gives_up_on_thetimeline(
    core: Fireline, clock: FakeClock, notified: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(core: Fireline, job_id: int, worker: str) -> None:
        raise RuntimeError("the policy snapshot is unreadable")

    monkeypatch.setitem(jobs.HANDLERS, "escalate", broken)
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"]
    ).incident
    for _ in range(6):
        work(core)
        clock.advance(minutes=5)
    (failed,) = timeline(core, incident.id, "job_failed")
    assert failed == {
        "job": "escalate",
        "attempts": 5,
        "error": "the policy snapshot is unreadable",
    }
    with core.uow() as uow:
        (job,) = [j for j in uow.jobs.for_incident(incident.id) if j.kind == "escalate"]
        assert job.status == "failed"


def test_the_delivery_log_from_the_cli(
    core: Fireline,
    notified: Receiver,
    cli: Cli,
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"]
    ).incident
    work(core)
    shown = cli("delivery", "list", "--incident", str(incident.id), "--status", "sent")
    assert shown.code == 0
    assert "page         carol/carol-hook (webhook) sent after 1 attempt(s)" in shown.out
    rows = cli("delivery", "list", "--status", "sent", "--json").json()
    assert {r["purpose"] for r in rows["items"]} == {"page", "announcement"}
    refused = cli("delivery", "list", "--status", "lost")
    assert refused.code != 0 and "unknown status lost" in refused.err


def test_resolving_cancels_the_pages_of_a_reassignment(
    core: Fireline, clock: FakeClock, notified: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"]
    ).incident
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    paging.reassign(uow=core.uow(), actor="carol", incident_id=incident.id, user="bob")
    incidents.add_note(uow=core.uow(), actor="carol", incident_id=incident.id, text="Bob knows")
    work(core)  # a later change does not cancel the reassignment's pages…
    clock.advance(minutes=1)
    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident.id, summary="Fixed")
    clock.advance(minutes=5)
    work(core)  # …but resolving does: bob's email (after 2m) is not sent
    assert _log(core, incident.id) == [
        ("bob", "bob-hook", "sent"),
        ("bob", "bob-mail", "cancelled"),
    ]
