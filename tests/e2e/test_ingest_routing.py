"""Ingest requests skip the API's router (IngestFirst); the API keeps every path it claims."""

from __future__ import annotations

from starlette.routing import Route

from fireline.web.ingest import API_PATHS_UNDER_INGEST, INGEST_PREFIXES
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ingest_support import AM_URL, Ingest, am_alert, am_webhook


def test_every_api_path_an_ingest_route_could_match_is_listed(api: Api) -> None:
    ingest_paths = {r.path for r in api.app.router.routes if isinstance(r, Route)}
    claimed = {
        path
        for path in api.app.openapi()["paths"]
        if path.startswith(INGEST_PREFIXES) and path not in ingest_paths
    }
    under = {p for p in claimed if p.count("/") == 5}  # /api/v1/integrations/{a}/{b}
    assert under == set(API_PATHS_UNDER_INGEST)


def test_an_integration_named_like_an_ingest_kind_is_still_rotated_by_the_api(api: Api) -> None:
    for kind in ("alertmanager", "generic"):
        created = api.admin.post(
            "/api/v1/integrations", json={"id": kind, "service": "ledger", "type": "generic"}
        )
        assert created.status_code == 201, created.text
        rotated = api.admin.post(f"/api/v1/integrations/{kind}/rotate", json={"grace": "0s"})
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["key"] != created.json()["key"]
        revoked = api.admin.post(f"/api/v1/integrations/{kind}/revoke")
        assert revoked.status_code == 200, revoked.text


def test_an_alert_goes_through_the_access_log_and_security_headers(
    ingest_app: Ingest, clock: FakeClock
) -> None:
    client = ingest_app.client
    response = client.post(AM_URL, json=am_webhook(am_alert("Disk", "f1", clock.now)))
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert [a["dedup_key"] for a in ingest_app.alerts()] == ["f1"]
    assert client.get(AM_URL).status_code == 405  # not an ingest method: the router answers
