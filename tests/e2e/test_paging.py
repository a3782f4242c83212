"""Paging end to end: escalation steps from the jobs table, pages to a real HTTP receiver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from fireline.bootstrap import Fireline
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.worker.jobs import run_due_jobs
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.paging_support import Receiver, timeline, work


def test_pages_escalate_until_someone_acknowledges(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    ).incident
    work(core)
    assert paging.who() == [
        "carol"
    ]  # Monday 10:00 in Paris: carol's weekday cover of payments-primary

    clock.advance(minutes=5)
    work(core)  # step 2: carol and the whole payments team
    assert sorted(paging.who()[1:]) == ["alice", "bob", "carol"]

    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    clock.advance(minutes=30)
    work(core)  # bob's email (after 2m) and later steps were cancelled by the acknowledgement
    assert len(paging.pages) == 4

    steps = timeline(core, incident.id, "escalation_step_fired")
    sent = timeline(core, incident.id, "page_sent")
    failed = timeline(core, incident.id, "page_failed")
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
    assert failed[0]["reason"] == "email is not configured: set FIRELINE_SMTP_HOST"


def test_pages_are_signed_and_carry_an_idempotency_key(core: Fireline, paging: Receiver) -> None:
    incidents.declare(uow=core.uow(), actor="dana", title="Ledger drift", services=["ledger"])
    work(core)

    (page,) = paging.pages
    with core.uow() as uow:
        secret = uow.webhook_secrets.get("carol", "carol-hook")
    assert secret is not None and secret.startswith("whsec_")
    assert Webhook(secret).verify(page["raw"], page["headers"]) == page["body"]  # Standard Webhooks
    assert page["headers"]["webhook-id"] == page["key"]  # the same on every retry
    assert "X-Fireline-Signature" not in page["headers"]
    assert page["key"].startswith("page:1:0:carol:")
    assert page["body"]["title"] == "Ledger drift"
    assert page["body"]["url"] == "http://127.0.0.1:8080/incidents/1"  # the incident's web page


def test_resolving_cancels_everything_pending(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"]
    ).incident
    work(core)
    incidents.resolve(uow=core.uow(), actor="carol", incident_id=incident.id, summary="false alarm")
    clock.advance(hours=2)
    work(core)
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
    work(core)
    edited = EXAMPLE.read_text().replace("127.0.0.1:9199", f"127.0.0.1:{paging.port}")
    edited = edited.replace(
        "- targets: [{user: carol}, {team: payments}]", "- targets: [{user: dana}]"
    )
    apply_config(uow=core.uow(), text=edited, source="fireline.yaml")
    clock.advance(minutes=5)
    work(core)
    steps = timeline(core, incident.id, "escalation_step_fired")
    assert steps[1]["users"] == ["carol", "alice", "bob"]


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incidents.declare(uow=core.uow(), actor="dana", title="x", services=["checkout-api"])
    with core.uow() as uow:
        claimed = uow.jobs.claim(
            worker="dead-worker", now=clock.now, lease=timedelta(seconds=60), limit=10
        )
        (job,) = [j for j in claimed if j.kind == "escalate"]  # (and the recurrence check)
        uow.commit()
    assert run_due_jobs(core, "live-worker") == 0  # leased to the dead worker
    clock.advance(seconds=61)
    work(core, "live-worker")
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
    from fireline.services.alerting.ingest import Submission, ingest

    event = AlertEvent(action="trigger", dedup_key="disk", summary="Disk full", severity="critical")
    ingest(
        uow=core.uow(),
        submissions=[Submission("ev0checkout0000000000000000000001", "events_v2", [event])],
    )
    work(core)
    assert paging.who() == ["carol"]


def test_one_worker_tick_sends_the_page_its_escalation_step_queues(
    core: Fireline, paging: Receiver
) -> None:
    """The escalation step queues the page due at once; the same tick sends it, rather than the
    next one (0.2 s later, and during a storm a few more waits for the ingest writer's turn)."""
    from fireline.domain.alerts import AlertEvent
    from fireline.services.alerting.ingest import Submission, ingest
    from fireline.worker.jobs import run_until_idle

    event = AlertEvent(action="trigger", dedup_key="disk", summary="Disk full", severity="critical")
    ingest(
        uow=core.uow(),
        submissions=[Submission("ev0checkout0000000000000000000001", "events_v2", [event])],
    )
    assert run_until_idle(core, "test-worker") >= 2  # the escalation step, then its page
    assert paging.who() == ["carol"]


def test_email_chat_and_teams_pages(core: Fireline, clock: FakeClock, paging: Receiver) -> None:
    from aiosmtpd.controller import Controller

    from fireline.bootstrap import build_notifier
    from fireline.config import Settings
    from tests.e2e.servers import free_port

    mails: list[Any] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            mails.append(envelope)
            return "250 OK"

    smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        hooks = f"http://127.0.0.1:{paging.port}/hooks"
        apply_config(
            uow=core.uow(),
            source="people.yaml",
            text=f"""
users:
  - id: carol
    name: Carol Ng
    email: carol@example.com
    role: responder
    teams: [payments, security]
    contact_methods:
      - {{id: carol-mail, type: email, address: carol@example.com}}
      - {{id: carol-slack, type: slack, url: "{hooks}/slack"}}
      - {{id: carol-teams, type: teams, url: "{hooks}/teams"}}
    notification_rules:
      - {{contact: carol-mail, after: "0s"}}
      - {{contact: carol-slack, after: "0s"}}
      - {{contact: carol-teams, after: "1m"}}
""",
        )
        settings = Settings(
            database_url=core.settings.database_url, smtp_host="127.0.0.1", smtp_port=smtp.port
        )
        core.notifier = build_notifier(settings, install="test")
        incidents.declare(uow=core.uow(), actor="dana", title="Refunds stuck", services=["ledger"])
        work(core)
        clock.advance(minutes=1)
        work(core)
    finally:
        smtp.stop()

    (mail,) = mails
    assert mail.rcpt_tos == ["carol@example.com"]
    assert b"Subject: [Fireline] #1 Refunds stuck" in mail.content
    assert b"Acknowledge: http://127.0.0.1:8080/ack/1.carol." in mail.content
    slack, teams = (p["body"] for p in sorted(paging.pages, key=lambda p: p["path"]))
    assert "Refunds stuck" in slack["text"] and "|acknowledge>" in slack["text"]
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"][1]["title"] == "Acknowledge"


def test_the_link_in_a_page_acknowledges_as_the_paged_user(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    from fastapi.testclient import TestClient

    from fireline.web.app import create_app

    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["ledger"]
    ).incident
    work(core)
    link = paging.pages[0]["body"]["ack_url"].removeprefix("http://127.0.0.1:8080")
    with TestClient(create_app(fireline=core)) as client:
        asked = client.get(link)
        still = incidents.get(
            uow=core.uow(), incident_id=incident.id
        ).incident.timestamps.acknowledged_at
        forged = client.post(link[:-3] + "abc")
        done = client.post(link, headers={"Accept": "application/json"})
        clock.advance(hours=25)
        expired = client.get(link)

    assert asked.status_code == 200 and "Acknowledge incident #1 as <b>carol</b>?" in asked.text
    assert still is None  # a GET (a mail scanner following the link) changes nothing
    assert forged.status_code == 401
    assert done.status_code == 200 and done.json()["incident"] == incident.id
    acknowledged = incidents.get(
        uow=core.uow(), incident_id=incident.id, kinds=["acknowledged"]
    ).timeline
    assert [e.event.actor for e in acknowledged] == ["carol"]
    assert expired.status_code == 401 and "expired" in expired.text


def test_escalate_now_and_reassign(core: Fireline, clock: FakeClock, paging: Receiver) -> None:
    from fireline.errors import Conflict
    from fireline.services.paging.escalation import escalate_now, reassign

    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"]
    ).incident
    work(core)
    escalate_now(uow=core.uow(), actor="carol", incident_id=incident.id)  # don't wait the 5 minutes
    work(core)
    assert sorted(paging.who()[1:]) == ["alice", "bob", "carol"]

    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident.id)
    with pytest.raises(Conflict, match="not being escalated"):
        escalate_now(uow=core.uow(), actor="carol", incident_id=incident.id)
    reassign(uow=core.uow(), actor="bob", incident_id=incident.id, user="alice")
    work(core)
    assert paging.who()[-1] == "alice"
    kinds = [e.event.kind for e in incidents.get(uow=core.uow(), incident_id=incident.id).timeline]
    assert {"escalated_now", "reassigned"} <= set(kinds)


def test_the_communications_lead_is_reminded_when_an_update_is_overdue(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"], urgency="high"
    ).incident  # P1: an update every 30 minutes
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    incidents.assign_role(
        uow=core.uow(), actor="carol", incident_id=incident.id, role="communications", user="bob"
    )
    work(core)
    pages_before = len(paging.pages)

    clock.advance(minutes=29)
    work(core)
    assert len(paging.pages) == pages_before
    clock.advance(minutes=1)
    work(core)
    assert paging.who()[pages_before:] == ["bob"]

    clock.advance(minutes=10)
    incidents.post_status_update(
        uow=core.uow(), actor="bob", incident_id=incident.id, message="Rolling back"
    )
    clock.advance(minutes=25)  # 35 min after the reminder, 25 after the update: nothing due yet
    work(core)
    assert len(paging.who()) == pages_before + 1
    clock.advance(minutes=5)
    work(core)
    assert paging.who()[-1] == "bob"
    due = timeline(core, incident.id, "status_update_due")
    assert [d["lead"] for d in due] == ["bob", "bob"]

    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident.id, summary="done")
    clock.advance(hours=2)
    work(core)
    assert len(timeline(core, incident.id, "status_update_due")) == 2
