"""Alertmanager webhooks drive incidents: per fingerprint, idempotent, grouped, silenced, auto-resolved."""

from __future__ import annotations

from fireline.bootstrap import Fireline
from tests.conftest import FakeClock
from tests.e2e.ingest_support import (
    AM_KEY,
    AM_URL,
    Ingest,
    am_alert,
    am_webhook,
    minutes_ago,
    resolved,
)


def _post(app: Ingest, body: object, url: str = AM_URL, status: int = 200) -> dict[str, object]:
    response = app.client.post(url, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


def test_a_firing_alert_opens_an_incident_in_detection(ingest_app: Ingest) -> None:
    started = minutes_ago(ingest_app.clock, 3)
    assert _post(ingest_app, am_webhook(am_alert("HighErrorRate", "fp1", started))) == {
        "status": "success",
        "alerts": 1,
    }

    (alert,) = ingest_app.alerts()
    incident = ingest_app.incident(alert["incident_id"])
    assert (alert["status"], alert["severity"], alert["service"]) == (
        "firing",
        "critical",
        "checkout-api",
    )
    assert incident["phase"] == "detection" and incident["origin"] == "alert"
    assert incident["timestamps"]["detected_at"] == "2026-03-02T08:57:00Z"
    assert incident["timestamps"]["reported_at"] is None
    assert (
        incident["impact"],
        incident["urgency"],
        incident["priority"],
        incident["severity"],
    ) == ("high", "high", "P1", "SEV1")
    assert incident["title"] == "HighErrorRate on eu1"
    attached = [e for e in incident["timeline"] if e["kind"] == "alert_attached"]
    assert attached[0]["actor"] == "integration:checkout-alertmanager"
    assert attached[0]["data"]["dedup_key"] == "fp1"
    assert attached[0]["data"]["derived"] == {
        "detected_at": "the alert's start",
        "impact": "high: the default impact of service checkout-api",
        "urgency": "high: alert severity critical",
        "severity": "SEV1: alert severity critical, by rank",
    }
    detail = ingest_app.api("GET", f"/alerts/{alert['id']}")
    assert detail["payload"]["generatorURL"] == "http://prometheus:9090/graph?g0.expr=up"


def test_redelivery_is_harmless(ingest_app: Ingest) -> None:
    body = am_webhook(am_alert("HighErrorRate", "fp1", minutes_ago(ingest_app.clock, 1)))
    for _ in range(3):
        _post(ingest_app, body)

    (alert,) = ingest_app.alerts()
    assert alert["occurrences"] == 3
    assert ingest_app.incident_count() == 1
    kinds = [e["kind"] for e in ingest_app.incident(alert["incident_id"])["timeline"]]
    assert kinds.count("alert_attached") == 1


def test_a_group_that_gains_a_fingerprint_adds_an_alert_to_the_incident(ingest_app: Ingest) -> None:
    first = am_alert("HighErrorRate", "fp1", minutes_ago(ingest_app.clock, 5))
    second = am_alert(
        "HighErrorRate", "fp2", minutes_ago(ingest_app.clock, 1), instance="10.0.0.2:9100"
    )
    _post(ingest_app, am_webhook(first))
    ingest_app.clock.advance(minutes=1)
    _post(ingest_app, am_webhook(first, second))

    alerts = ingest_app.alerts()
    assert {a["dedup_key"] for a in alerts} == {"fp1", "fp2"}
    assert len({a["incident_id"] for a in alerts}) == 1
    timeline = ingest_app.incident(alerts[0]["incident_id"])["timeline"]
    assert [e["data"]["dedup_key"] for e in timeline if e["kind"] == "alert_attached"] == [
        "fp1",
        "fp2",
    ]


def test_alerts_clear_and_the_incident_resolves_itself(ingest_app: Ingest) -> None:
    a = am_alert("HighErrorRate", "fp1", minutes_ago(ingest_app.clock, 10))
    b = am_alert("HighErrorRate", "fp2", minutes_ago(ingest_app.clock, 10), instance="b")
    _post(ingest_app, am_webhook(a, b))
    ingest_app.clock.advance(minutes=5)
    _post(ingest_app, am_webhook(resolved(a, ingest_app.clock.now), b))
    incident_id = ingest_app.alerts()[0]["incident_id"]
    assert ingest_app.incident(incident_id)["phase"] == "detection"

    ingest_app.clock.advance(minutes=5)
    _post(
        ingest_app,
        am_webhook(
            resolved(a, minutes_ago(ingest_app.clock, 5)), resolved(b, ingest_app.clock.now)
        ),
    )

    incident = ingest_app.incident(incident_id)
    assert incident["phase"] == "resolution"
    assert incident["resolution_summary"] == "All alerts cleared; resolved automatically."
    assert incident["timestamps"]["resolved_at"] == "2026-03-02T09:10:00Z"
    assert {a["status"] for a in ingest_app.alerts()} == {"resolved"}
    assert [
        a["resolved_at"] for a in sorted(ingest_app.alerts(), key=lambda a: a["dedup_key"])
    ] == ["2026-03-02T09:05:00Z", "2026-03-02T09:10:00Z"]


def test_a_resolved_alert_that_was_never_seen_is_ignored(ingest_app: Ingest) -> None:
    alert = am_alert("HighErrorRate", "fp9", minutes_ago(ingest_app.clock, 10))
    _post(ingest_app, am_webhook(resolved(alert, ingest_app.clock.now)))
    assert ingest_app.alerts() == [] and ingest_app.incident_count() == 0


def test_grouping_by_labels_and_window(ingest_app: Ingest) -> None:
    # checkout-api groups by [alertname, cluster] within 1h
    _post(
        ingest_app,
        am_webhook(am_alert("HighErrorRate", "fp1", ingest_app.clock.now, cluster="eu1")),
    )
    _post(
        ingest_app,
        am_webhook(
            am_alert("HighErrorRate", "fp2", ingest_app.clock.now, cluster="us1"), group="other"
        ),
    )
    ingest_app.clock.advance(minutes=30)
    _post(
        ingest_app,
        am_webhook(am_alert("HighErrorRate", "fp3", ingest_app.clock.now, cluster="eu1")),
    )
    ingest_app.clock.advance(minutes=45)
    _post(
        ingest_app,
        am_webhook(am_alert("HighErrorRate", "fp4", ingest_app.clock.now, cluster="eu1")),
    )

    incident_of = {a["dedup_key"]: a["incident_id"] for a in ingest_app.alerts()}
    assert incident_of["fp1"] == incident_of["fp3"]
    assert len({incident_of["fp1"], incident_of["fp2"], incident_of["fp4"]}) == 3


def test_silenced_alerts_are_stored_but_open_nothing(ingest_app: Ingest) -> None:
    until = (ingest_app.clock.now.replace(hour=12)).isoformat()
    ingest_app.api(
        "POST",
        "/silences",
        json={
            "matchers": [{"name": "cluster", "op": "=~", "value": "eu.*"}],
            "ends_at": until,
            "comment": "known issue",
        },
    )
    ingest_app.api(
        "POST",
        "/silences",
        json={
            "kind": "maintenance",
            "service": "checkout-api",
            "starts_at": "2026-03-02T10:00:00Z",
            "ends_at": until,
        },
    )
    _post(
        ingest_app,
        am_webhook(am_alert("HighErrorRate", "fp1", ingest_app.clock.now, cluster="eu1")),
    )
    _post(ingest_app, am_webhook(am_alert("DiskFull", "fp2", ingest_app.clock.now, cluster="us1")))
    ingest_app.clock.advance(hours=1, minutes=1)
    _post(ingest_app, am_webhook(am_alert("CPUHigh", "fp3", ingest_app.clock.now, cluster="us1")))

    by_key = {a["dedup_key"]: a for a in ingest_app.alerts()}
    assert by_key["fp1"]["silence_id"] == 1 and by_key["fp1"]["incident_id"] is None
    assert by_key["fp2"]["silence_id"] is None and by_key["fp2"]["incident_id"] is not None
    assert by_key["fp3"]["silence_id"] == 2 and by_key["fp3"]["incident_id"] is None
    assert ingest_app.incident_count() == 1
    assert [s["id"] for s in ingest_app.api("GET", "/silences")] == [2, 1]


def test_a_flapping_alert_does_not_open_an_incident_each_time(ingest_app: Ingest) -> None:
    alert = am_alert("Flappy", "fp1", ingest_app.clock.now, cluster="x")
    for _ in range(4):
        _post(ingest_app, am_webhook(alert, group="Flappy"))
        ingest_app.clock.advance(minutes=2)
        _post(ingest_app, am_webhook(resolved(alert, ingest_app.clock.now), group="Flappy"))
        ingest_app.clock.advance(minutes=2)
    _post(ingest_app, am_webhook(alert, group="Flappy"))

    alerts = sorted(ingest_app.alerts(), key=lambda a: a["id"])
    assert [a["flapping"] for a in alerts] == [False, False, False, True, True]
    assert len({a["incident_id"] for a in alerts}) == 1


def test_bad_input_is_refused_and_nothing_is_stored(ingest_app: Ingest) -> None:
    good = am_webhook(am_alert("HighErrorRate", "fp1", ingest_app.clock.now))
    cases = [
        (b"{not json", 400),
        (b'{"version": "4", "alerts": [{"status": "firing", "labels": {"a": 1}}]}', 400),
        (b'{"version": "4"}', 400),
        (b'{"version": "3", "alerts": []}', 400),
        (b"[]", 400),
    ]
    for body, status in cases:
        response = ingest_app.client.post(
            AM_URL, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == status, body
        assert response.headers["content-type"] == "application/problem+json"
    many = {f"l{i}": "x" for i in range(65)}
    assert (
        ingest_app.client.post(
            AM_URL, json=am_webhook(am_alert("X", "f", ingest_app.clock.now, **many))
        ).status_code
        == 400
    )
    assert ingest_app.client.post(AM_URL, content=b"x" * (512 * 1024 + 1)).status_code == 413
    assert (
        ingest_app.client.post("/api/v1/integrations/alertmanager/nope", json=good).status_code
        == 404
    )
    wrong_type = ingest_app.client.post(
        "/api/v1/integrations/alertmanager/hb0ledger000000000000000000000001", json=good
    )
    assert (
        wrong_type.status_code == 400
        and "integration ledger-heartbeat of type heartbeat, not alertmanager"
        in wrong_type.json()["detail"]
    )
    assert ingest_app.alerts() == [] and ingest_app.incident_count() == 0


def test_rotated_keys_keep_working_for_the_grace_period_and_revoked_ones_stop(
    ingest_app: Ingest,
) -> None:
    rotated = ingest_app.api(
        "POST", "/integrations/checkout-alertmanager/rotate", json={"grace": "10m"}
    )
    new_url = f"/api/v1/integrations/alertmanager/{rotated['key']}"
    body = am_webhook(am_alert("HighErrorRate", "fp1", ingest_app.clock.now))

    _post(ingest_app, body)
    _post(ingest_app, body, new_url)
    ingest_app.clock.advance(minutes=11)
    old = ingest_app.client.post(AM_URL, json=body)
    ingest_app.api("POST", "/integrations/checkout-alertmanager/revoke")
    new = ingest_app.client.post(new_url, json=body)

    assert old.status_code == 404
    assert new.status_code == 403 and "revoked" in new.json()["detail"]
    assert rotated["key"] != AM_KEY
    assert ingest_app.alerts()[0]["occurrences"] == 2


def test_an_alert_that_fires_again_reopens_its_resolved_incident(ingest_app: Ingest) -> None:
    alert = am_alert("HighErrorRate", "fp1", ingest_app.clock.now)
    _post(ingest_app, am_webhook(alert))
    ingest_app.clock.advance(minutes=5)
    _post(ingest_app, am_webhook(resolved(alert, ingest_app.clock.now)))
    ingest_app.clock.advance(minutes=5)
    _post(ingest_app, am_webhook({**alert, "startsAt": "2026-03-02T09:10:00Z"}))

    alerts = ingest_app.alerts()
    incident = ingest_app.incident(alerts[0]["incident_id"])
    assert len(alerts) == 2 and len({a["incident_id"] for a in alerts}) == 1
    assert (incident["phase"], incident["reopened"], incident["timestamps"]["resolved_at"]) == (
        "detection",
        1,
        None,
    )
    back = [e for e in incident["timeline"] if e["kind"] == "phase_changed"][-1]
    assert (back["data"]["move"], back["data"]["reason"]) == ("back", "alert fp1 fired again")


def test_a_key_over_its_rate_gets_429_with_retry_after(core: Fireline, clock: FakeClock) -> None:
    from fastapi.testclient import TestClient

    from fireline.bootstrap import build
    from fireline.config import Settings
    from fireline.services.admin.configuration import apply_config
    from fireline.web.app import create_app
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    slow = build(
        Settings(database_url=core.settings.database_url, ingest_rate_limit=0.001),
        clock=clock,
        migrate=False,
    )
    body = am_webhook(am_alert("HighErrorRate", "fp1", clock.now))
    try:
        with TestClient(create_app(fireline=slow)) as client:
            statuses = [client.post(AM_URL, json=body).status_code for _ in range(11)]
            limited = client.post(AM_URL, json=body)
            events = client.post(
                "/v2/enqueue",
                json={
                    "routing_key": "ev0checkout0000000000000000000001",
                    "event_action": "resolve",
                    "dedup_key": "x",
                },
            )
    finally:
        slow.close()
    assert statuses == [200] * 10 + [429]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"
    assert events.status_code == 202  # another key has its own budget
