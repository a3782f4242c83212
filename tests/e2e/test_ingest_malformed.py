"""Malformed input is never a 5xx (which senders retry for ever) and never half-stored, on both engines.

The rule (docs/ingestion.md): a body that cannot be read as the format is a 400 for the whole
request — the sender must fix it, retrying will not help. Text that the format allows but a
database cannot store (a NUL character) is stored with U+FFFD in its place, so one odd alert never
refuses the others of its webhook. A time without a zone is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.ingest_support import (
    AM_URL,
    EV_KEY,
    HB_KEY,
    Ingest,
    am_alert,
    am_webhook,
    with_generic_integration,
)

GENERIC_KEY = "gn0billing0000000000000000000001"
GENERIC_URL = f"/api/v1/integrations/generic/{GENERIC_KEY}"
NUL = "\u0000"


@pytest.fixture
def generic(ingest_app: Ingest) -> Ingest:
    return with_generic_integration(ingest_app, GENERIC_KEY, "billing")


def _event(**payload: Any) -> dict[str, Any]:
    return {
        "routing_key": EV_KEY,
        "event_action": "trigger",
        "dedup_key": "disk-1",
        "payload": {"summary": "Disk full", "source": "db1", "severity": "error", **payload},
    }


def test_a_nul_character_in_an_alertmanager_alert_is_stored_without_refusing_the_others(
    ingest_app: Ingest,
) -> None:
    odd = am_alert(f"Disk{NUL}Full", "fp-odd", ingest_app.clock.now, note=f"a{NUL}b")
    fine = am_alert("HighErrorRate", "fp-fine", ingest_app.clock.now)

    response = ingest_app.client.post(AM_URL, json=am_webhook(odd, fine))

    assert response.status_code == 200, response.text
    by_key = {a["dedup_key"]: a for a in ingest_app.alerts()}
    assert set(by_key) == {"fp-odd", "fp-fine"}
    assert by_key["fp-odd"]["labels"]["alertname"] == "Disk\ufffdFull"
    assert by_key["fp-odd"]["labels"]["note"] == "a\ufffdb"


def test_a_nul_character_in_a_label_name_or_fingerprint_is_stored_too(ingest_app: Ingest) -> None:
    alert = am_alert("Disk", f"fp{NUL}1", ingest_app.clock.now)
    alert["labels"][f"bad{NUL}name"] = "x"
    alert["annotations"]["summary"] = f"summary{NUL}"

    response = ingest_app.client.post(AM_URL, json=am_webhook(alert))

    assert response.status_code == 200, response.text
    (stored,) = ingest_app.alerts()
    assert stored["dedup_key"] == "fp\ufffd1" and "bad\ufffdname" in stored["labels"]


def test_a_nul_character_in_an_events_v2_event_is_stored(ingest_app: Ingest) -> None:
    event = _event(summary=f"Disk{NUL}full", custom_details={"k": f"v{NUL}", "deep": [NUL]})
    event["dedup_key"] = f"disk{NUL}1"

    response = ingest_app.client.post("/v2/enqueue", json=event)

    assert response.status_code == 202, response.text
    assert response.json()["dedup_key"] == "disk\ufffd1"
    (stored,) = ingest_app.alerts()
    assert stored["summary"] == "Disk\ufffdfull"


def test_a_nul_character_in_a_generic_document_is_stored(generic: Ingest) -> None:
    document = {"check": {"id": f"c{NUL}1", "name": f"down{NUL}"}, "state": "down", NUL: NUL}

    response = generic.client.post(GENERIC_URL, json=document)

    assert response.status_code == 200, response.text
    (stored,) = generic.alerts()
    assert stored["dedup_key"] == "c\ufffd1"


def test_a_heartbeat_with_a_nul_in_its_body_is_a_beat(ingest_app: Ingest) -> None:
    assert ingest_app.client.post(f"/api/v1/heartbeats/{HB_KEY}", content=NUL).status_code == 200


def test_an_alertmanager_time_without_a_zone_is_read_as_utc(ingest_app: Ingest) -> None:
    alert = am_alert("Disk", "fp-naive", ingest_app.clock.now)
    alert["startsAt"] = "2026-03-02T08:58:00"
    alert["endsAt"] = "0001-01-01T00:00:00"

    response = ingest_app.client.post(AM_URL, json=am_webhook(alert))

    assert response.status_code == 200, response.text
    (stored,) = ingest_app.alerts()
    assert datetime.fromisoformat(stored["starts_at"]) == datetime(2026, 3, 2, 8, 58, tzinfo=UTC)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("where", ["alertmanager", "generic", "events_v2"])
def test_json_nested_beyond_reason_is_a_400_and_nothing_is_stored(
    generic: Ingest, where: str
) -> None:
    deep = _deep(60_000)
    bodies = {
        "alertmanager": (AM_URL, '{"version": "4", "alerts": [], "x": ' + deep + "}"),
        "generic": (GENERIC_URL, '{"check": {"id": "c1", "name": "n"}, "x": ' + deep + "}"),
        "events_v2": (
            "/v2/enqueue",
            '{"routing_key": "' + EV_KEY + '", "event_action": "trigger", "payload": '
            '{"summary": "s", "source": "s", "severity": "error", "custom_details": ' + deep + "}}",
        ),
    }
    url, body = bodies[where]

    response = generic.client.post(url, content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400, response.text
    assert "nest" in response.text
    assert generic.alerts() == []


def test_config_apply_refuses_a_nul_character_with_a_422(ingest_app: Ingest) -> None:
    text = 'services:\n  - id: nul\n    name: "Nul\\0here"\n'

    yaml = {**ingest_app.headers, "content-type": "application/yaml"}

    as_yaml = ingest_app.client.post("/api/v1/config/apply", content=text, headers=yaml)
    as_json = ingest_app.client.post(
        "/api/v1/config/apply",
        json={"services": [{"id": "nul", "name": f"Nul{NUL}here"}]},
        headers=ingest_app.headers,
    )

    for response in (as_yaml, as_json):
        assert response.status_code == 422, response.text
        assert "NUL" in response.json()["detail"] and "services" in response.json()["detail"]
    assert "nul" not in {s["id"] for s in ingest_app.api("GET", "/services")}
