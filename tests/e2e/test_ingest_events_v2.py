"""PagerDuty Events API v2 semantics, generic JSON with a mapping, and heartbeats."""

from __future__ import annotations

from typing import Any

from fireline.services.admin.configuration import apply_config
from fireline.services.alerting.ingest import check_heartbeats
from tests.e2e.ingest_support import (
    EV_KEY,
    HB_KEY,
    Ingest,
)


def _event(action: str, dedup_key: str | None = None, **payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"routing_key": EV_KEY, "event_action": action}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event["payload"] = {
            "summary": "Disk 95% full on db-1",
            "source": "db-1",
            "severity": "warning",
            **payload,
        }
    return event


def _send(app: Ingest, event: dict[str, Any], status: int = 202) -> dict[str, Any]:
    response = app.client.post("/v2/enqueue", json=event)
    assert response.status_code == status, response.text
    return dict(response.json())


def test_trigger_answers_like_pagerduty_and_generates_a_dedup_key(ingest_app: Ingest) -> None:
    answer = _send(
        ingest_app, _event("trigger", component="disk", group="db", custom_details={"free": "5%"})
    )

    assert answer["status"] == "success" and answer["message"] == "Event processed"
    assert len(answer["dedup_key"]) == 32
    (alert,) = ingest_app.alerts()
    assert alert["dedup_key"] == answer["dedup_key"]
    assert alert["labels"] == {
        "free": "5%",
        "source": "db-1",
        "component": "disk",
        "group": "db",
        "severity": "warning",
    }
    incident = ingest_app.incident(alert["incident_id"])
    assert (incident["urgency"], incident["severity"]) == ("medium", "SEV3")


def test_dedup_ack_resolve_and_retrigger(ingest_app: Ingest) -> None:
    assert _send(ingest_app, _event("trigger", "disk-db-1"))["dedup_key"] == "disk-db-1"
    _send(ingest_app, _event("trigger", "disk-db-1"))
    (alert,) = ingest_app.alerts()
    assert alert["occurrences"] == 2

    ingest_app.clock.advance(minutes=2)
    _send(ingest_app, _event("acknowledge", "disk-db-1"))
    assert ingest_app.alerts()[0]["status"] == "acknowledged"
    incident = ingest_app.incident(alert["incident_id"])
    assert incident["timestamps"]["acknowledged_at"] == "2026-03-02T09:02:00Z"

    _send(ingest_app, _event("resolve", "disk-db-1"))
    _send(ingest_app, _event("resolve", "disk-db-1"))  # nothing open: dropped, still 202
    _send(ingest_app, _event("acknowledge", "never-seen"))
    assert [a["status"] for a in ingest_app.alerts()] == ["resolved"]

    ingest_app.clock.advance(hours=2)
    _send(ingest_app, _event("trigger", "disk-db-1"))
    alerts = ingest_app.alerts()
    assert [a["status"] for a in alerts] == ["firing", "resolved"]
    assert alerts[0]["id"] != alerts[1]["id"]


def test_invalid_events_get_400_with_errors_and_nothing_is_stored(ingest_app: Ingest) -> None:
    cases = [
        ({"routing_key": EV_KEY, "event_action": "trigger"}, "'payload' is missing"),
        (_event("trigger", summary=""), "'payload.summary' is missing or blank"),
        (
            _event("trigger", severity="fatal"),
            "'payload.severity' must be one of critical, error, warning, info",
        ),
        (
            _event("trigger", summary="x" * 1025),
            "Expected `str` of length <= 1024 - at `$.payload.summary`",
        ),
        (
            {"routing_key": EV_KEY, "event_action": "resolve"},
            "'dedup_key' is required to acknowledge or resolve",
        ),
        (
            {"routing_key": EV_KEY, "event_action": "explode", "dedup_key": "x"},
            "'event_action' must be one of",
        ),
        ({**_event("trigger"), "routing_key": "unknown"}, "unknown integration key"),
    ]
    for event, error in cases:
        answer = _send(ingest_app, event, 400)
        assert (
            answer["status"] == "invalid event" and answer["message"] == "Event object is invalid"
        )
        assert any(e.startswith(error) for e in answer["errors"]), (error, answer)
    assert ingest_app.alerts() == []


def test_generic_json_with_a_mapping(ingest_app: Ingest) -> None:
    apply_config(
        uow=ingest_app.core.uow(),
        source="generic.yaml",
        text="""
services:
  - id: billing
    name: Billing
    auto_resolve: true
    integrations:
      - id: billing-uptime
        type: generic
        key: gn0billing0000000000000000000001
        mapping: {dedup_key: check.id, summary: check.name, severity: level, status: state}
""",
    )
    url = "/api/v1/integrations/generic/gn0billing0000000000000000000001"
    firing = {
        "check": {"id": "https-billing", "name": "billing.example.com is down"},
        "level": "crit",
        "state": "down",
    }
    assert ingest_app.client.post(url, json=firing).status_code == 200
    (alert,) = ingest_app.alerts()
    assert (alert["dedup_key"], alert["summary"], alert["severity"]) == (
        "https-billing",
        "billing.example.com is down",
        "critical",
    )
    assert ingest_app.client.post(url, json={**firing, "state": "UP"}).status_code == 200
    assert ingest_app.alerts()[0]["status"] == "resolved"
    assert ingest_app.incident(alert["incident_id"])["phase"] == "resolution"
    missing = ingest_app.client.post(url, json={"state": "down"})
    assert missing.status_code == 400 and "no dedup key at `check.id`" in missing.json()["detail"]
    assert ingest_app.client.post(url, json=[1, 2]).status_code == 400


def test_a_missed_heartbeat_opens_an_alert_and_the_next_beat_clears_it(ingest_app: Ingest) -> None:
    url = f"/api/v1/heartbeats/{HB_KEY}"
    assert ingest_app.client.get(url).status_code == 200  # cron: curl without a body
    ingest_app.clock.advance(minutes=1, seconds=59)
    assert check_heartbeats(uow=ingest_app.core.uow()) == []

    ingest_app.clock.advance(seconds=1)
    assert check_heartbeats(uow=ingest_app.core.uow()) == ["ledger-heartbeat"]
    assert check_heartbeats(uow=ingest_app.core.uow()) == []  # already open: not again
    (alert,) = ingest_app.alerts()
    assert (alert["status"], alert["severity"], alert["starts_at"]) == (
        "firing",
        "critical",
        "2026-03-02T09:02:00Z",
    )
    assert alert["summary"] == "No heartbeat from ledger-heartbeat for 2m"

    ingest_app.clock.advance(minutes=3)
    assert ingest_app.client.post(url).status_code == 200
    assert ingest_app.alerts()[0]["status"] == "resolved"
    assert check_heartbeats(uow=ingest_app.core.uow()) == []
