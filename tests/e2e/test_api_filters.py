"""A list filter that names nothing known is a 422 naming the field, never an empty list."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("path", "params", "field", "detail"),
    [
        ("/incidents", {"phase": "nosuch"}, "phase", "there is no phase 'nosuch'; the phases are: "),
        ("/incidents", {"service": "nosuch"}, "service", "there is no service 'nosuch'"),
        ("/incidents", {"priority": "P9"}, "priority", "there is no priority 'P9'; the priorities"),
        ("/alerts", {"service": "nosuch"}, "service", "there is no service 'nosuch'"),
        ("/alerts", {"incident": "99"}, "incident", "there is no incident 99"),
        ("/follow-ups", {"owner": "nosuch"}, "owner", "there is no user 'nosuch'"),
        ("/deliveries", {"incident": "99"}, "incident", "there is no incident 99"),
        ("/schedules/payments-primary/shifts", {"user": "nosuch"}, "user", "there is no user"),
    ],
)  # fmt: skip
def test_an_unknown_filter_value_is_a_422(
    api: Api, path: str, params: dict[str, str], field: str, detail: str
) -> None:
    response = api.viewer.get(f"/api/v1{path}", params=params)

    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM)
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(detail)


def test_known_filter_values_still_list(api: Api) -> None:
    api.declare(services=["ledger"])

    listed = api.viewer.get(
        "/api/v1/incidents",
        params={"phase": ["reporting", "closed"], "service": "ledger", "priority": "P5"},
    )
    alerts = api.viewer.get("/api/v1/alerts", params={"service": "ledger", "incident": 1})
    follow_ups = api.viewer.get("/api/v1/follow-ups", params={"owner": "bob"})
    deliveries = api.viewer.get("/api/v1/deliveries", params={"incident": 1})
    shifts = api.viewer.get("/api/v1/schedules/payments-primary/shifts", params={"user": "bob"})

    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert [r.status_code for r in (alerts, follow_ups, deliveries, shifts)] == [200] * 4
