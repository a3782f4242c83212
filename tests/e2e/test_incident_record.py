"""The incident's own record through the API (#11), on SQLite and PostgreSQL: tasks tick
themselves on the timeline, and a closed incident refuses changes but reopening."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _tasks(incident: dict[str, Any]) -> dict[str, bool]:
    return {t["title"]: t["done"] for t in incident["tasks"]}


def test_tasks_tick_themselves_on_the_timeline(api: Api, clock: FakeClock) -> None:
    incident_id = api.declare(services=["checkout-api"])["id"]
    base = f"/api/v1/incidents/{incident_id}"
    assessed = _ok(api.responder.post(f"{base}/transition", json={"phase": "assessment"}))
    assert [(t["done_when"], t["required"]) for t in assessed["tasks"]] == [
        (None, False),
        ("impact_and_urgency_set", True),
        ("commander_assigned", True),
    ]
    refused = api.responder.post(f"{base}/transition", json={"phase": "response"})
    assert refused.status_code == 409
    assert (
        "finish the required tasks: Set impact and urgency; Assign an incident commander"
        in refused.json()["missing"]
    )

    clock.advance(minutes=1)
    set_fields = _ok(api.responder.patch(base, json={"urgency": "high"}))
    assert _tasks(set_fields)["Set impact and urgency"] is True
    assigned = _ok(api.responder.put(f"{base}/roles/commander", json={"user": "alice"}))
    assert _tasks(assigned)["Assign an incident commander"] is True
    assert _tasks(assigned)["Confirm the affected services and customers"] is False
    responding = _ok(api.responder.post(f"{base}/transition", json={"phase": "response"}))
    assert _tasks(responding)["Post the first status update"] is False
    updated = _ok(
        api.responder.post(f"{base}/status-updates", json={"message": "On it"}), status=201
    )
    assert _tasks(updated)["Post the first status update"] is True

    timeline = _ok(api.viewer.get(base))["timeline"]
    ticks = [e for e in timeline if e["kind"] == "task_updated"]
    assert [(e["actor"], e["data"]["task_id"], e["data"]["fact"]) for e in ticks] == [
        ("fireline", "T2", "impact_and_urgency_set"),
        ("fireline", "T3", "commander_assigned"),
        ("fireline", "T4", "status_update_posted"),
    ]


def _closed(api: Api) -> tuple[int, str]:
    incident_id = api.declare(services=["checkout-api"])["id"]
    base = f"/api/v1/incidents/{incident_id}"
    _ok(api.responder.post(f"{base}/resolve", json={"summary": "Rolled back"}))
    _ok(api.responder.post(f"{base}/transition", json={"phase": "review"}))
    _ok(
        api.responder.patch(
            f"{base}/postmortem",
            json={"version": 1, "sections": _written(api, incident_id), "reviewers": ["alice"]},
        )
    )
    for status in ("in_review", "published"):
        _ok(api.responder.post(f"{base}/postmortem/status", json={"status": status}))
    _ok(api.responder.post(f"{base}/close", json={}))
    return incident_id, base


def _written(api: Api, incident_id: int) -> dict[str, str]:
    draft = _ok(api.viewer.get(f"/api/v1/incidents/{incident_id}/postmortem"))
    return {s["id"]: f"What we learned about {s['title']}." for s in draft["sections"]}


WRITES = {
    "note": ("post", "notes", {"text": "late"}),
    "status update": ("post", "status-updates", {"message": "all good"}),
    "role": ("put", "roles/scribe", {"user": "bob"}),
    "free role": ("delete", "roles/commander", None),
    "impact": ("patch", "", {"impact": "low"}),
    "task": ("post", "tasks", {"title": "one more"}),
    "acknowledge": ("post", "acknowledge", None),
    "mitigate": ("post", "mitigate", None),
    "resolve": ("post", "resolve", {"summary": "other words"}),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_closed_incident_refuses_writes_and_says_how_to_reopen(
    api: Api, write: tuple[str, str, dict[str, Any] | None]
) -> None:
    incident_id, base = _closed(api)
    before = _ok(api.viewer.get(base))
    method, path, body = write
    url = f"{base}/{path}" if path else base
    refused = api.responder.request(method.upper(), url, json=body)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert f"incident {incident_id} is closed" in refused.json()["detail"]
    assert "reopen it first" in refused.json()["detail"]
    assert _ok(api.viewer.get(base)) == before


def test_a_closed_incident_keeps_its_postmortem_and_follow_ups_and_reopens_with_a_reason(
    api: Api,
) -> None:
    incident_id, base = _closed(api)
    follow_up = api.responder.post(f"{base}/follow-ups", json={"title": "Canary releases"})
    assert follow_up.status_code == 201, follow_up.text
    comment = api.responder.post(f"{base}/postmortem/comments", json={"body": "Good read"})
    assert comment.status_code in (200, 201), comment.text
    reasonless = api.responder.post(f"{base}/transition", json={"phase": "response"})
    assert reasonless.status_code == 409
    assert reasonless.json()["missing"] == ["reason"]
    reopened = _ok(
        api.responder.post(
            f"{base}/transition", json={"phase": "response", "reason": "it came back"}
        )
    )
    assert reopened["timestamps"]["closed_at"] is None
    _ok(api.responder.post(f"{base}/notes", json={"text": "looking again"}), status=201)
