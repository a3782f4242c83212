"""Auth, roles and errors: every route needs a token, every error is problem+json."""

from __future__ import annotations

from tests.e2e.conftest import Api
from tests.e2e.test_authorization_matrix import VALUES

PROBLEM = "application/problem+json"


def test_every_api_route_needs_a_token(api: Api) -> None:
    paths = api.anonymous.get("/openapi.json").json()["paths"]
    checked = 0
    for path, operations in paths.items():
        for method in operations:
            response = api.anonymous.request(method, path.format(**VALUES))
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["www-authenticate"] == "Bearer"
            checked += 1
    assert checked > 20


def test_a_wrong_token_is_refused(api: Api) -> None:
    response = api.anonymous.get("/api/v1/incidents", headers={"Authorization": "Bearer fl_nope"})
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["detail"]


def test_roles_decide_who_may_do_what(api: Api) -> None:
    incident_id = api.declare()["id"]

    assert api.viewer.get(f"/api/v1/incidents/{incident_id}").status_code == 200
    refused = api.viewer.post(f"/api/v1/incidents/{incident_id}/acknowledge")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs the responder role; dana is a viewer"
    assert api.responder.post("/api/v1/config/apply", content=b"teams: []").status_code == 403
    assert api.admin.post("/api/v1/config/apply", content=b"teams: []").status_code == 200


def test_a_nul_character_in_a_follow_up_link_is_refused(api: Api) -> None:
    incident = api.declare()
    url = f"/api/v1/incidents/{incident['id']}/follow-ups"
    added = api.responder.post(url, json={"title": "Canary releases"})
    assert added.status_code == 201, added.text

    for response in (
        api.responder.post(url, json={"title": "x", "url": "https://a\u0000b"}),
        api.responder.patch(f"{url}/F1", json={"url": "https://\u00bb\u0000"}),
    ):
        assert response.status_code == 422, response.text  # PostgreSQL cannot store NUL in JSON
        assert response.json()["errors"][0]["field"] == "url"


def test_validation_errors_name_the_field(api: Api) -> None:
    response = api.responder.post("/api/v1/incidents", json={"title": "x" * 201, "impact": "huge"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == {"title", "impact"}
    assert problem["detail"].startswith("title: String should have at most 200 characters")


def test_an_unknown_event_kind_in_a_timeline_filter_is_refused(api: Api) -> None:
    incident = api.declare()
    url = f"/api/v1/incidents/{incident['id']}"

    response = api.viewer.get(url, params={"kind": ["note_added", "nots"]})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"].startswith("unknown event kind 'nots'; kinds: declared,")
    notes = api.viewer.get(url, params={"kind": "declared"}).json()["timeline"]
    assert [e["kind"] for e in notes] == ["declared"]


def test_unknown_fields_and_malformed_json_are_refused(api: Api) -> None:
    unknown = api.responder.post("/api/v1/incidents", json={"title": "x", "colour": "red"})
    malformed = api.responder.post(
        "/api/v1/incidents", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "colour")
    assert malformed.status_code == 422
    assert api.viewer.get("/api/v1/incidents").json()["total"] == 0


def test_unknown_incidents_and_routes_are_404(api: Api) -> None:
    missing = api.viewer.get("/api/v1/incidents/999")
    route = api.viewer.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.json()["detail"]) == (404, "there is no incident 999")
    assert route.status_code == 404 and route.headers["content-type"] == PROBLEM


def test_config_apply_over_the_api_reports_lines(api: Api) -> None:
    response = api.admin.post(
        "/api/v1/config/apply", content=b"teams:\n  - id: Bad Id\n    name: x\n"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("request:2: teams[0].id:")


def test_tokens_can_be_created_by_their_user(api: Api) -> None:
    created = api.viewer.post("/api/v1/tokens", json={"name": "laptop"})
    assert created.status_code == 201
    token = created.json()["token"]
    me = api.anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == "dana"


def test_integration_keys_are_shown_to_admins_only(api: Api) -> None:
    as_admin = api.admin.get("/api/v1/services/checkout-api").json()
    as_viewer = api.viewer.get("/api/v1/services/checkout-api").json()
    assert as_admin["integrations"][0]["key"] == "am0checkout0000000000000000000001"
    assert as_viewer["integrations"][0]["key"] is None


def test_health_and_openapi_are_public(api: Api) -> None:
    assert api.anonymous.get("/healthz").json() == {"status": "ok"}
    schema = api.anonymous.get("/openapi.json").json()
    assert "/api/v1/incidents/{incident_id}/transition" in schema["paths"]


def test_a_revoked_token_stops_working(api: Api) -> None:
    created = api.viewer.post("/api/v1/tokens", json={"name": "old laptop"}).json()["token"]
    headers = {"Authorization": f"Bearer {created}"}
    mine = api.anonymous.get("/api/v1/tokens", headers=headers).json()
    token_id = next(t["id"] for t in mine if t["name"] == "old laptop")

    assert api.responder.delete(f"/api/v1/tokens/{token_id}").status_code == 404
    assert api.anonymous.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    assert api.anonymous.get("/api/v1/me", headers=headers).status_code == 401


def test_config_apply_takes_json_too(api: Api) -> None:
    response = api.admin.post(
        "/api/v1/config/apply", json={"teams": [{"id": "sre", "name": "SRE"}]}
    )
    assert response.status_code == 200
    assert response.json()["changes"] == [{"kind": "team", "id": "sre", "outcome": "created"}]


def test_config_errors_name_the_source_given(api: Api) -> None:
    response = api.admin.post(
        "/api/v1/config/apply", params={"source": "teams.yaml"}, content=b"teams:\n  - {id: x}\n"
    )
    assert (
        response.json()["errors"][0]["message"]
        == "teams.yaml:2: teams[0].name: required key is missing"
    )


def test_only_a_hash_of_each_token_is_stored(api: Api) -> None:
    import hashlib

    from sqlalchemy import text

    token = api.viewer.post("/api/v1/tokens", json={"name": "probe"}).json()["token"]
    with api.core.database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT token_hash FROM api_tokens WHERE name = 'probe'")
        ).scalar()
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
