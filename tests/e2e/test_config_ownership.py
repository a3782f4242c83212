"""`fireline apply` changes only what config owns; ids are never reused (#11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import EXAMPLE
from tests.e2e.ingest_support import AM_URL, Ingest, am_alert, am_webhook, minutes_ago

EXTRA = "checkout-extra"


def _apply(app: Ingest, config: str, **params: Any) -> dict[str, Any]:
    response = app.client.post(
        "/api/v1/config/apply",
        content=config,
        params=params,
        headers={**app.headers, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _integration_made_through_the_api(app: Ingest) -> str:
    made = app.api(
        "POST",
        "/integrations",
        json={"id": EXTRA, "service": "checkout-api", "type": "alertmanager"},
    )
    return str(made["key"])


def _fire(app: Ingest, url: str, fingerprint: str) -> dict[str, Any]:
    started = minutes_ago(app.clock, 1)
    response = app.client.post(url, json=am_webhook(am_alert("DiskFull", fingerprint, started)))
    assert response.status_code == 200, response.text
    (alert,) = [a for a in app.alerts() if a["dedup_key"] == fingerprint]
    return alert


def test_apply_leaves_an_integration_made_through_the_api_and_its_alerts(
    ingest_app: Ingest,
) -> None:
    key = _integration_made_through_the_api(ingest_app)
    alert = _fire(ingest_app, f"/api/v1/integrations/alertmanager/{key}", "fp-extra")

    report = _apply(ingest_app, EXAMPLE.read_text())

    assert report["changed"] is False
    assert EXTRA in {i["id"] for i in ingest_app.api("GET", "/integrations")}
    assert alert["id"] in {a["id"] for a in ingest_app.alerts()}
    attached = [
        e for e in ingest_app.incident(alert["incident_id"])["timeline"]
        if e["kind"] == "alert_attached"
    ]
    assert attached[0]["data"]["alert_id"] == alert["id"]


def test_a_deleted_alert_or_incident_id_is_never_given_again(ingest_app: Ingest) -> None:
    first = _fire(ingest_app, AM_URL, "fp1")
    with ingest_app.core.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM alerts"))
        connection.execute(text("DELETE FROM incident_search"))
        connection.execute(text("DELETE FROM incidents"))

    second = _fire(ingest_app, AM_URL, "fp2")

    assert second["id"] > first["id"]
    assert second["incident_id"] > first["incident_id"]
