"""What a change sets in motion happens on every path that makes the change.

Regression tests for two consequences that were wired by hand at some save
sites and forgotten at others (issue #10): a postmortem drafted when an alert
auto-resolves an incident, and an SLA check queued again when an
acknowledgement expires.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.review import postmortems
from fireline.web.app import create_app
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.ingest_support import AM_URL, am_alert, am_webhook, minutes_ago, resolved
from tests.e2e.paging_support import Receiver, receiving, timeline, work

SECURITY_FOR_PAYMENTS = "  by_team:\n    security: security\n    payments: security\n"
AUTO_RESOLVE = "    auto_resolve: true"
ACK_TIMEOUT = '    acknowledge_timeout: "30m"\n    auto_resolve: true'


@pytest.fixture
def security_ingest(core: Fireline) -> Iterator[TestClient]:
    """The example organisation with the payments team on the security workflow."""
    config = EXAMPLE.read_text().replace(
        "  by_team:\n    security: security\n", SECURITY_FOR_PAYMENTS
    )
    assert "payments: security" in config
    apply_config(uow=core.uow(), text=config, source="fireline.yaml")
    with TestClient(create_app(fireline=core)) as client:
        yield client


def test_an_auto_resolved_incident_gets_its_postmortem_drafted(
    core: Fireline, clock: FakeClock, security_ingest: TestClient
) -> None:
    alert = am_alert("CredentialStuffing", "fp-sec", minutes_ago(clock, 10))
    assert security_ingest.post(AM_URL, json=am_webhook(alert)).status_code == 200
    clock.advance(minutes=5)
    cleared = am_webhook(resolved(alert, clock.now))
    assert security_ingest.post(AM_URL, json=cleared).status_code == 200

    (listed,) = incidents.list_incidents(uow=core.uow(), filters=_all()).items
    incident = listed.incident
    assert (incident.workflow, incident.phase) == ("security", "post_incident")
    view = postmortems.get_postmortem(uow=core.uow(), incident_id=incident.id)
    assert view.status == "draft"
    assert "All alerts cleared" in {s.id: s.body for s in view.sections}["resolution"]
    drafted = timeline(core, incident.id, "postmortem_status_changed")
    assert [d["after"] for d in drafted] == ["draft"]


@pytest.fixture
def timing_out(core: Fireline) -> Iterator[Receiver]:
    config = EXAMPLE.read_text().replace(AUTO_RESOLVE, ACK_TIMEOUT, 1)
    assert "acknowledge_timeout" in config
    with receiving(core, config) as receiver:
        yield receiver


def test_an_expired_acknowledgement_is_checked_against_its_sla_again(
    core: Fireline, clock: FakeClock, timing_out: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(),
        actor="dana",
        title="Checkout down",
        services=["checkout-api"],
        urgency="high",
    ).incident  # P1: acknowledge within 5 minutes
    work(core)
    clock.advance(minutes=1)
    incidents.acknowledge(uow=core.uow(), actor="carol", incident_id=incident.id)
    clock.advance(minutes=30)
    work(core)  # the acknowledgement expires: the acknowledge clock runs again, long past due
    view = incidents.get(uow=core.uow(), incident_id=incident.id)
    assert view.incident.timestamps.acknowledged_at is None
    assert {c.target: c.state for c in view.sla}["acknowledge"] == "breached"

    clock.advance(hours=1)
    work(core)
    state = incidents.get(uow=core.uow(), incident_id=incident.id).incident
    assert "acknowledge" in state.sla_breaches
    breaches = {b["target"]: b["due_at"] for b in timeline(core, incident.id, "sla_breached")}
    assert breaches["acknowledge"] == "2026-03-02T09:05:00+00:00"


def _all() -> object:
    from fireline.storage.incidents import IncidentFilter

    return IncidentFilter()


def test_taking_the_commander_role_acknowledges_for_that_person_and_quiets_the_pager(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout 502", services=["checkout-api"]
    ).incident
    work(core)
    assert paging.who() == ["carol"]

    incidents.assign_role(
        uow=core.uow(), actor="dana", incident_id=incident.id, role="scribe", user="alice"
    )
    assert (
        incidents.get(uow=core.uow(), incident_id=incident.id).incident.timestamps.acknowledged_at
        is None
    )
    view = incidents.assign_role(
        uow=core.uow(), actor="dana", incident_id=incident.id, role="commander", user="bob"
    )
    assert view.incident.timestamps.acknowledged_at == clock()
    detail = incidents.get(uow=core.uow(), incident_id=incident.id, kinds=["acknowledged"])
    (ack,) = detail.timeline
    assert (ack.event.actor, ack.event.data) == ("bob", {"role": "commander"})

    clock.advance(minutes=5)
    work(core)
    assert paging.who() == ["carol"]  # step 2 was cancelled with the acknowledgement
    incidents.assign_role(
        uow=core.uow(), actor="bob", incident_id=incident.id, role="commander", user="alice"
    )
    assert len(timeline(core, incident.id, "acknowledged")) == 1  # a handover acks nothing new
