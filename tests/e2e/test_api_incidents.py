"""The incident API end to end: declare, drive through every phase to Closed, and refusals."""

from __future__ import annotations

from typing import Any

from tests.conftest import FakeClock
from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


def _post(
    api: Api, incident_id: int, action: str, body: dict[str, Any] | None = None, status: int = 200
) -> Any:
    response = api.responder.post(f"/api/v1/incidents/{incident_id}/{action}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_an_incident_goes_through_all_six_phases_to_closed(api: Api, clock: FakeClock) -> None:
    declared = api.declare(services=["checkout-api"], summary="5xx on /pay")
    incident_id = declared["id"]
    assert (declared["phase"], declared["impact"], declared["priority"]) == (
        "reporting",
        "high",
        None,
    )

    clock.advance(minutes=2)
    _post(api, incident_id, "acknowledge")
    clock.advance(minutes=1)
    assessed = _post(api, incident_id, "transition", {"phase": "assessment"})
    assert [t["title"] for t in assessed["tasks"]] == [
        "Confirm the affected services and customers",
        "Set impact and urgency",
        "Assign an incident commander",
    ]
    api.responder.patch(
        f"/api/v1/incidents/{incident_id}", json={"urgency": "high", "severity": "SEV1"}
    )
    api.responder.put(f"/api/v1/incidents/{incident_id}/roles/commander", json={"user": "alice"})
    clock.advance(minutes=1)
    responding = _post(api, incident_id, "transition", {"phase": "response"})
    assert responding["priority"] == "P1"
    assert responding["roles"] == {"commander": "alice"}
    _post(
        api, incident_id, "status-updates", {"message": "Rolling back", "visibility": "public"}, 201
    )
    clock.advance(minutes=20)
    _post(api, incident_id, "mitigate")
    clock.advance(minutes=30)
    resolved = _post(api, incident_id, "resolve", {"summary": "Rolled back release 42"})
    assert resolved["phase"] == "resolution"
    _post(api, incident_id, "transition", {"phase": "review"})
    clock.advance(days=2)
    _review(api, incident_id)
    closed = _post(api, incident_id, "close", {})

    assert closed["phase"] == "closed"
    stamps = closed["timestamps"]
    assert stamps["reported_at"] == stamps["detected_at"] == "2026-03-02T09:00:00Z"
    assert stamps["acknowledged_at"] == "2026-03-02T09:02:00Z"
    assert stamps["mitigated_at"] == "2026-03-02T09:24:00Z"
    assert stamps["resolved_at"] == "2026-03-02T09:54:00Z"
    assert stamps["closed_at"] == "2026-03-04T09:54:00Z"
    assert [p["phase"] for p in closed["phases"]] == [
        "reporting",
        "assessment",
        "response",
        "resolution",
        "review",
        "closed",
    ]
    assert {c["target"]: c["state"] for c in closed["sla"]} == {
        "acknowledge": "met",
        "mitigate": "met",
        "resolve": "met",
    }
    timeline = api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("phase_changed") == 5
    assert {
        "declared",
        "acknowledged",
        "fields_changed",
        "role_assigned",
        "status_update_posted",
        "mitigated",
        "resolution_summary_set",
    } <= set(kinds)
    ticked = [e for e in timeline if e["actor"] == "fireline"]
    assert [e["data"]["fact"] for e in ticked] == [
        "impact_and_urgency_set",
        "commander_assigned",
        "status_update_posted",
    ]
    assert all(e["actor"] == "bob" for e in timeline if e not in ticked)


def test_a_gate_refuses_and_says_what_is_missing(api: Api) -> None:
    incident_id = api.declare()["id"]
    _post(api, incident_id, "transition", {"phase": "assessment"})

    response = api.responder.post(
        f"/api/v1/incidents/{incident_id}/transition", json={"phase": "response"}
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["title"] == "Transition refused"
    assert problem["missing"] == [
        "impact must be set",
        "urgency must be set",
        "an incident commander must be assigned",
        "finish the required tasks: Set impact and urgency; Assign an incident commander",
    ]
    assert api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["phase"] == "assessment"


def test_skipping_and_going_back_need_a_reason_that_is_recorded(api: Api) -> None:
    incident_id = api.declare()["id"]
    refused = api.responder.post(
        f"/api/v1/incidents/{incident_id}/transition", json={"phase": "resolution"}
    )
    assert refused.status_code == 409
    assert "reason is required to skip" in refused.json()["detail"]

    _post(api, incident_id, "resolve", {"summary": "False alarm"})
    reopened = _post(
        api, incident_id, "transition", {"phase": "response", "reason": "errors are back"}
    )

    assert reopened["phase"] == "response"
    assert reopened["timestamps"]["resolved_at"] is None
    assert reopened["reopened"] == 1
    moves = api.viewer.get(
        f"/api/v1/incidents/{incident_id}", params={"kind": "phase_changed"}
    ).json()
    assert [(e["data"]["move"], e["data"]["reason"]) for e in moves["timeline"]] == [
        ("skip", "resolved: False alarm"),
        ("back", "errors are back"),
    ]


def test_moves_are_listed_with_what_stands_in_the_way(api: Api) -> None:
    incident_id = api.declare()["id"]
    moves = {
        m["phase"]: m for m in api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["moves"]
    }

    assert moves["assessment"] == {
        "phase": "assessment",
        "move": "forward",
        "allowed": True,
        "needs_reason": False,
        "missing": [],
    }
    assert moves["detection"]["move"] == "back" and moves["detection"]["needs_reason"]
    assert moves["response"]["allowed"] is False


def test_roles_hand_over_and_keep_their_history(api: Api) -> None:
    incident_id = api.declare()["id"]
    for user in ("bob", "carol"):
        api.responder.put(f"/api/v1/incidents/{incident_id}/roles/commander", json={"user": user})
    api.responder.put(f"/api/v1/incidents/{incident_id}/roles/scribe", json={"user": "bob"})
    freed = api.responder.delete(f"/api/v1/incidents/{incident_id}/roles/scribe").json()

    assert freed["roles"] == {"commander": "carol"}
    events = api.viewer.get(
        f"/api/v1/incidents/{incident_id}", params={"kind": "role_assigned"}
    ).json()["timeline"]
    assert [(e["data"]["role"], e["data"]["before"], e["data"]["after"]) for e in events] == [
        ("commander", None, "bob"),
        ("commander", "bob", "carol"),
        ("scribe", None, "bob"),
        ("scribe", "bob", None),
    ]


def test_unknown_roles_users_and_services_are_named(api: Api) -> None:
    incident_id = api.declare()["id"]

    role = api.responder.put(f"/api/v1/incidents/{incident_id}/roles/chef", json={"user": "bob"})
    user = api.responder.put(f"/api/v1/incidents/{incident_id}/roles/scribe", json={"user": "zoe"})
    service = api.responder.post("/api/v1/incidents", json={"title": "x", "services": ["nope"]})

    assert (role.status_code, role.json()["field"]) == (422, "role")
    assert "commander, operations, communications, scribe" in role.json()["detail"]
    assert (user.status_code, user.json()["detail"]) == (422, "there is no user 'zoe'")
    assert (service.status_code, service.json()["field"]) == (422, "services")


def test_tasks_notes_and_status_updates(api: Api, clock: FakeClock) -> None:
    incident_id = api.declare()["id"]
    task = _post(
        api,
        incident_id,
        "tasks",
        {"title": "Page the DB team", "owner": "carol", "due_at": "2026-03-02T10:00:00+01:00"},
        201,
    )["tasks"][-1]
    assert task == {
        "id": "T1",
        "title": "Page the DB team",
        "owner": "carol",
        "due_at": "2026-03-02T09:00:00Z",
        "done": False,
        "phase": "reporting",
        "source": "adhoc",
        "done_when": None,
        "required": False,
    }
    done = api.responder.patch(
        f"/api/v1/incidents/{incident_id}/tasks/T1", json={"done": True}
    ).json()
    assert done["tasks"][0]["done"] is True
    _post(api, incident_id, "notes", {"text": "Replica lag is 40s"}, 201)
    _post(api, incident_id, "status-updates", {"message": "Investigating"}, 201)

    timeline = api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["timeline"]
    assert [(e["kind"], e["data"]) for e in timeline[-2:]] == [
        ("note_added", {"text": "Replica lag is 40s"}),
        ("status_update_posted", {"message": "Investigating", "visibility": "internal"}),
    ]
    missing = api.responder.patch(f"/api/v1/incidents/{incident_id}/tasks/T9", json={"done": True})
    assert missing.status_code == 404


def test_sla_clocks_follow_the_priority(api: Api, clock: FakeClock) -> None:
    incident_id = api.declare(impact="high", urgency="high")["id"]
    clock.advance(minutes=6)

    clocks = {
        c["target"]: c for c in api.viewer.get(f"/api/v1/incidents/{incident_id}").json()["sla"]
    }

    assert clocks["acknowledge"]["state"] == "breached"
    assert clocks["acknowledge"]["remaining_seconds"] == -60
    assert clocks["resolve"]["due_at"] == "2026-03-02T13:00:00Z"
    lowered = api.responder.patch(
        f"/api/v1/incidents/{incident_id}", json={"urgency": "low"}
    ).json()
    assert lowered["priority"] == "P3"
    assert {c["target"]: c["state"] for c in lowered["sla"]} == {
        "acknowledge": "running",
        "resolve": "running",
    }


def test_list_filters(api: Api) -> None:
    first = api.declare(services=["ledger"])["id"]
    second = api.declare(services=["checkout-api"], urgency="high")["id"]
    _post(api, first, "transition", {"phase": "assessment"})

    by_phase = api.viewer.get("/api/v1/incidents", params={"phase": "assessment"}).json()
    by_service = api.viewer.get("/api/v1/incidents", params={"service": "checkout-api"}).json()
    by_priority = api.viewer.get("/api/v1/incidents", params={"priority": "P1"}).json()
    paged = api.viewer.get("/api/v1/incidents", params={"limit": 1, "offset": 1}).json()

    assert [i["id"] for i in by_phase["items"]] == [first]
    assert [i["id"] for i in by_service["items"]] == [second]
    assert [i["id"] for i in by_priority["items"]] == [second]
    assert (paged["total"], [i["id"] for i in paged["items"]]) == (2, [first])


def _review(api: Api, incident_id: int) -> None:
    """Entering review drafted the postmortem; follow-ups and publication open the way to Closed."""
    base = f"/api/v1/incidents/{incident_id}"
    draft = api.viewer.get(f"{base}/postmortem").json()
    assert draft["status"] == "draft" and draft["version"] == 1
    sections = {s["id"]: s["body"] for s in draft["sections"]}
    assert "Rolled back release 42" in sections["resolution"]
    assert "| Acknowledged | 2026-03-02 09:02:00 | 2m |" in sections["impact"]
    assert "Status update (public): Rolling back" in sections["timeline"]

    added = api.responder.post(f"{base}/follow-ups", json={"title": "Canary releases"})
    assert added.status_code == 201, added.text
    refused = api.responder.post(f"{base}/close", json={})
    assert refused.status_code == 409
    assert refused.json()["missing"] == [
        "the postmortem must be published",
        "every follow-up must be owned and dated",
    ]
    owned = api.responder.patch(
        f"{base}/follow-ups/F1", json={"owner": "bob", "due_at": "2026-03-20T12:00:00Z"}
    )
    assert owned.json()[0]["owner"] == "bob"
    edited = api.responder.patch(
        f"{base}/postmortem",
        json={
            "version": 1,
            "sections": {"root_causes": "A bad config push."},
            "refill": ["action_items"],
        },
    )
    assert (
        "Canary releases" in {s["id"]: s["body"] for s in edited.json()["sections"]}["action_items"]
    )
    stale = api.responder.patch(f"{base}/postmortem", json={"version": 1, "public": True})
    assert stale.status_code == 409
    moved = api.responder.post(f"{base}/postmortem/status", json={"status": "in_review"})
    assert moved.status_code == 200
    refused = api.responder.post(f"{base}/postmortem/status", json={"status": "published"})
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["missing"] == [
        "a reviewer who is not the author (bob)",
        "write the Summary section",
        "write the Impact section",
        "write the Trigger section",
        "write the Resolution section",
        "write the What went wrong section",
    ]
    sections = {s["id"]: f"{s['title']}: what we learned." for s in draft["sections"]}
    written = api.responder.patch(
        f"{base}/postmortem",
        json={
            "version": edited.json()["version"] + 1,
            "sections": sections,
            "reviewers": ["alice"],
        },
    )
    assert written.status_code == 200, written.text
    moved = api.responder.post(f"{base}/postmortem/status", json={"status": "published"})
    assert moved.status_code == 200 and moved.json()["status"] == "published"
