"""The authorization matrix: every route of the API and of the UI, for every role.

Each route has a row below saying the least role it needs; the tests check that the table names
exactly the routes there are (from the OpenAPI document, the UI's route table and the app's own
routes), so a new route cannot be added without a row, and that every role gets exactly what
its row says: the API answers 401 without a token and 403 below the role, the UI sends the
anonymous to the login page and answers 403 below the role.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from fireline.services.incidents import commands as incidents
from fireline.web import api_docs
from fireline.web.ui import ROUTERS
from tests.e2e.conftest import Api
from tests.e2e.ui_support import WebUser, set_passwords

ROLES = ("anyone", "viewer", "responder", "admin")
PEOPLE = {"viewer": "dana", "responder": "bob", "admin": "alice"}
VALUES = {
    "incident_id": "1",
    "role": "scribe",
    "task_id": "T1",
    "user_id": "bob",
    "service_id": "ledger",
    "workflow_id": "standard",
    "token_id": "999",
    "purpose": "ack-links",
    "kind": "account",
    "subject": "mallory",
    "owner": "bob",
    "contact_id": "bob-hook",
    "alert_id": "1",
    "silence_id": "1",
    "integration_id": "nope",
    "schedule_id": "payments-primary",
    "override_id": "999",
    "follow_up_id": "F1",
    "section": "summary",
    "fmt": "md",
    "token": "1.bob.1.nope",
    "schedule": "payments-primary",
    "key": "nope",
    "device_id": "999",
}

API = {
    ("GET", "/api/v1/alerts"): "viewer",
    ("GET", "/api/v1/alerts/{alert_id}"): "viewer",
    ("GET", "/api/v1/audit"): "admin",
    ("POST", "/api/v1/config/apply"): "admin",
    ("POST", "/api/v1/config/plan"): "admin",
    ("POST", "/api/v1/contacts/{owner}/{contact_id}/secret"): "admin",
    # a person's own contacts (owner bob is the responder); the viewer is refused as not bob
    ("POST", "/api/v1/contacts/{owner}/{contact_id}/test"): "responder",
    ("POST", "/api/v1/contacts/{owner}/{contact_id}/verify"): "responder",
    ("GET", "/api/v1/contacts/{owner}/tests"): "responder",
    ("GET", "/api/v1/deliveries"): "viewer",
    ("GET", "/api/v1/follow-ups"): "viewer",
    ("GET", "/api/v1/incidents"): "viewer",
    ("POST", "/api/v1/incidents"): "responder",
    ("GET", "/api/v1/incidents/{incident_id}"): "viewer",
    ("PATCH", "/api/v1/incidents/{incident_id}"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/acknowledge"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/close"): "responder",
    ("GET", "/api/v1/incidents/{incident_id}/drill-report"): "viewer",
    ("POST", "/api/v1/incidents/{incident_id}/escalate"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/follow-ups"): "responder",
    ("PATCH", "/api/v1/incidents/{incident_id}/follow-ups/{follow_up_id}"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/metrics-exclusion"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/mitigate"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/notes"): "responder",
    ("GET", "/api/v1/incidents/{incident_id}/postmortem"): "viewer",
    ("PATCH", "/api/v1/incidents/{incident_id}/postmortem"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/postmortem"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/postmortem/comments"): "responder",
    ("GET", "/api/v1/incidents/{incident_id}/postmortem/export"): "viewer",
    ("POST", "/api/v1/incidents/{incident_id}/postmortem/status"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/reassign"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): "responder",
    ("DELETE", "/api/v1/incidents/{incident_id}/roles/{role}"): "responder",
    ("PUT", "/api/v1/incidents/{incident_id}/roles/{role}"): "responder",
    ("GET", "/api/v1/incidents/{incident_id}/similar"): "viewer",
    ("POST", "/api/v1/incidents/{incident_id}/status-updates"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/tasks"): "responder",
    ("PATCH", "/api/v1/incidents/{incident_id}/tasks/{task_id}"): "responder",
    ("POST", "/api/v1/incidents/{incident_id}/transition"): "responder",
    ("GET", "/api/v1/integrations"): "viewer",
    ("POST", "/api/v1/integrations"): "admin",
    ("POST", "/api/v1/integrations/{integration_id}/revoke"): "admin",
    ("POST", "/api/v1/integrations/{integration_id}/rotate"): "admin",
    ("GET", "/api/v1/me"): "viewer",
    ("GET", "/api/v1/me/calendar"): "viewer",
    ("GET", "/api/v1/me/inbox"): "viewer",
    ("POST", "/api/v1/me/inbox/read"): "viewer",
    ("GET", "/api/v1/oncall"): "viewer",
    ("GET", "/api/v1/reports/metrics"): "viewer",
    ("GET", "/api/v1/reports/oncall-load"): "viewer",
    ("GET", "/api/v1/schedules"): "viewer",
    ("GET", "/api/v1/schedules/{schedule_id}/overrides"): "viewer",
    ("POST", "/api/v1/schedules/{schedule_id}/overrides"): "responder",
    ("DELETE", "/api/v1/schedules/{schedule_id}/overrides/{override_id}"): "responder",
    ("GET", "/api/v1/schedules/{schedule_id}/shifts"): "viewer",
    ("GET", "/api/v1/secrets"): "admin",
    ("POST", "/api/v1/secrets/{purpose}/rotate"): "admin",
    ("GET", "/api/v1/services"): "viewer",
    ("GET", "/api/v1/services/{service_id}"): "viewer",
    ("GET", "/api/v1/settings"): "viewer",
    ("GET", "/api/v1/silences"): "viewer",
    ("POST", "/api/v1/silences"): "responder",
    ("POST", "/api/v1/silences/{silence_id}/expire"): "responder",
    ("GET", "/api/v1/teams"): "viewer",
    ("GET", "/api/v1/throttles"): "admin",
    ("DELETE", "/api/v1/throttles/{kind}/{subject}"): "admin",
    ("GET", "/api/v1/tokens"): "viewer",
    ("POST", "/api/v1/tokens"): "viewer",
    ("DELETE", "/api/v1/tokens/{token_id}"): "viewer",
    ("GET", "/api/v1/users"): "viewer",
    ("GET", "/api/v1/users/{user_id}"): "viewer",
    ("GET", "/api/v1/workflows"): "viewer",
    ("GET", "/api/v1/workflows/{workflow_id}"): "viewer",
    # Web Push: the public key, and the caller's own devices only
    ("GET", "/api/v1/push/key"): "viewer",
    ("GET", "/api/v1/me/push-subscriptions"): "viewer",
    ("POST", "/api/v1/me/push-subscriptions"): "viewer",
    ("DELETE", "/api/v1/me/push-subscriptions/{device_id}"): "viewer",
}

UI = {
    ("POST", "/account/contacts/{contact_id}/test"): "viewer",
    ("POST", "/account/contacts/{contact_id}/verify"): "viewer",
    ("GET", "/login"): "anyone",
    ("POST", "/login"): "anyone",
    ("POST", "/logout"): "viewer",
    ("GET", "/account"): "viewer",
    ("POST", "/account/password"): "viewer",
    ("POST", "/account/tokens"): "viewer",
    ("POST", "/account/tokens/{token_id}/revoke"): "viewer",
    ("GET", "/"): "viewer",
    ("GET", "/incidents/new"): "viewer",
    ("POST", "/incidents"): "responder",
    ("GET", "/incidents/{incident_id}"): "viewer",
    ("GET", "/incidents/{incident_id}/live"): "viewer",
    ("POST", "/incidents/{incident_id}/acknowledge"): "responder",
    ("POST", "/incidents/{incident_id}/mitigate"): "responder",
    ("POST", "/incidents/{incident_id}/escalate"): "responder",
    ("POST", "/incidents/{incident_id}/reassign"): "responder",
    ("POST", "/incidents/{incident_id}/transition"): "responder",
    ("POST", "/incidents/{incident_id}/resolve"): "responder",
    ("POST", "/incidents/{incident_id}/fields"): "responder",
    ("POST", "/incidents/{incident_id}/roles"): "responder",
    ("POST", "/incidents/{incident_id}/notes"): "responder",
    ("POST", "/incidents/{incident_id}/status-updates"): "responder",
    ("POST", "/incidents/{incident_id}/tasks"): "responder",
    ("POST", "/incidents/{incident_id}/tasks/{task_id}"): "responder",
    ("GET", "/status"): "anyone",
    ("GET", "/status/feed.atom"): "anyone",
    ("GET", "/alerts"): "viewer",
    ("GET", "/alerts/{alert_id}"): "viewer",
    ("GET", "/silences"): "viewer",
    ("POST", "/silences"): "responder",
    ("POST", "/silences/{silence_id}/expire"): "responder",
    ("GET", "/oncall"): "viewer",
    ("POST", "/oncall/{schedule_id}/overrides"): "responder",
    ("POST", "/oncall/{schedule_id}/overrides/{override_id}/delete"): "responder",
    ("GET", "/services"): "viewer",
    ("POST", "/services/integrations/{integration_id}/rotate"): "admin",
    ("POST", "/services/integrations/{integration_id}/revoke"): "admin",
    ("GET", "/inbox/poll"): "viewer",
    ("POST", "/inbox/read"): "viewer",
    ("GET", "/incidents/{incident_id}/postmortem"): "viewer",
    ("POST", "/incidents/{incident_id}/postmortem"): "responder",
    ("POST", "/incidents/{incident_id}/postmortem/sections/{section}"): "responder",
    ("POST", "/incidents/{incident_id}/postmortem/settings"): "responder",
    ("POST", "/incidents/{incident_id}/postmortem/status"): "responder",
    ("POST", "/incidents/{incident_id}/postmortem/comments"): "responder",
    ("GET", "/incidents/{incident_id}/postmortem/export.{fmt}"): "viewer",
    ("POST", "/incidents/{incident_id}/follow-ups"): "responder",
    ("POST", "/incidents/{incident_id}/follow-ups/{follow_up_id}"): "responder",
    ("GET", "/follow-ups"): "viewer",
    ("GET", "/incidents/{incident_id}/drill-report"): "viewer",
    ("GET", "/reports"): "viewer",
    ("POST", "/account/push-devices"): "viewer",
    ("POST", "/account/push-devices/off"): "viewer",
    ("POST", "/account/push-devices/{device_id}/delete"): "viewer",
}

# The app's own routes beside the API and the UI: each guards itself (a key, a token or a
# signed link in its URL), or has nothing to guard.
OWN = {
    ("GET", "/openapi.json"): "anyone",
    ("GET", "/docs"): "anyone",
    ("GET", "/healthz"): "anyone",
    ("GET", "/readyz"): "anyone",
    ("GET", "/metrics"): "anyone",
    ("GET", "/favicon.ico"): "anyone",
    ("POST", "/v2/enqueue"): "anyone",
    ("POST", "/api/v1/integrations/alertmanager/{key}"): "anyone",
    ("POST", "/api/v1/integrations/generic/{key}"): "anyone",
    ("GET", "/api/v1/heartbeats/{key}"): "anyone",
    ("POST", "/api/v1/heartbeats/{key}"): "anyone",
    ("GET", "/ack/{token}"): "anyone",
    ("POST", "/ack/{token}"): "anyone",
    ("GET", "/ical/{token}.ics"): "anyone",
    ("GET", "/ical/{token}/{schedule}.ics"): "anyone",
    ("GET", "/sw.js"): "anyone",
    ("GET", "/manifest.webmanifest"): "anyone",
    ("POST", "/push/ack/{token}"): "anyone",  # a signed token from a push notification
    ("POST", "/api/v1/slack/commands"): "anyone",  # Slack's v0 signature
    ("POST", "/api/v1/slack/interactions"): "anyone",  # Slack's v0 signature
    ("POST", "/api/v1/mattermost/commands"): "anyone",  # the slash command's token
    ("POST", "/api/v1/mattermost/actions"): "anyone",  # Fireline's signature in the context
    ("POST", "/api/v1/twilio/sms"): "anyone",
    ("POST", "/api/v1/twilio/voice"): "anyone",
    ("POST", "/api/v1/twilio/status"): "anyone",
}
# Own routes that check a signature or a shared token in the request, not in the URL: an
# unsigned request gets their own 401 or 403 (never a login).
SIGNED = {
    ("POST", "/api/v1/slack/commands"),
    ("POST", "/api/v1/slack/interactions"),
    ("POST", "/api/v1/mattermost/commands"),
    ("POST", "/api/v1/mattermost/actions"),
    ("POST", "/api/v1/twilio/sms"),
    ("POST", "/api/v1/twilio/voice"),
    ("POST", "/api/v1/twilio/status"),
}


def _methods(route: Any) -> list[str]:
    return sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"})


def _allowed(who: str, needed: str) -> bool:
    return ROLES.index(who) >= ROLES.index(needed)


@pytest.fixture
def people(api: Api) -> Api:
    set_passwords(api.core, *PEOPLE.values())
    incidents.declare(uow=api.core.uow(), actor="bob", title="Checkout 502", services=["ledger"])
    return api


def test_the_tables_name_every_route_there_is(api: Api) -> None:
    schema = api.anonymous.get("/openapi.json").json()
    in_schema = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    ui = {(m, r.path) for router in ROUTERS for r in router.routes for m in _methods(r)}
    own = {
        (m, r.path)
        for r in [*api.app.routes, *api_docs.router.routes]
        if type(r) is Route or getattr(r, "include_in_schema", True) is False
        for m in _methods(r)
    }

    assert set(API) == in_schema
    assert set(UI) == ui
    assert set(OWN) == own - ui


def test_the_api_gives_each_role_what_its_row_says(people: Api) -> None:
    clients = {
        "anyone": people.anonymous,
        "viewer": people.viewer,
        "responder": people.responder,
        "admin": people.admin,
    }
    wrong = []
    for (method, path), needed in API.items():
        for who, client in clients.items():
            status = client.request(method, path.format(**VALUES), json={}).status_code
            refused = status == (401 if who == "anyone" else 403)
            if refused == _allowed(who, needed) or status in (401, 403) and not refused:
                wrong.append((who, method, path, status))
    assert wrong == []


def test_the_ui_gives_each_role_what_its_row_says(people: Api) -> None:
    def browser(who: str) -> WebUser:
        user = WebUser(people.app)
        if who != "anyone":
            assert user.log_in(PEOPLE[who]).status_code == 303
        return user

    browsers = {who: browser(who) for who in ROLES}
    wrong = []
    for (method, path), needed in UI.items():
        for who in ROLES:
            user = browsers[who]
            url = path.format(**VALUES)
            response = user.get(url) if method == "GET" else user.post(url)
            to_login = response.status_code == 303 and response.headers["location"].startswith(
                "/login"
            )
            refused = to_login if who == "anyone" else response.status_code == 403
            unauthorised = response.status_code == 401 and needed != "anyone"
            if refused == _allowed(who, needed) or unauthorised:
                wrong.append((who, method, path, response.status_code))
            if path == "/logout" and who != "anyone":
                browsers[who] = browser(who)  # that session just ended
    assert wrong == []


def test_the_apps_own_routes_need_no_login(people: Api) -> None:
    with TestClient(people.app, follow_redirects=False) as client:
        for method, path in OWN:
            response = client.request(method, path.format(**VALUES))
            status = response.status_code
            # no login asked: a bad key or token in the URL is refused on its own terms
            signed = (method, path) in SIGNED and "login" not in response.text.lower()
            assert status != 303 and (status not in (401, 403) or "{" in path or signed), (
                method,
                path,
            )


def test_every_form_refuses_a_post_without_its_csrf_token(people: Api) -> None:
    admin = WebUser(people.app)
    assert admin.log_in(PEOPLE["admin"]).status_code == 303
    forms = [
        path for (method, path), needed in UI.items() if method == "POST" and needed != "anyone"
    ]
    wrong = []
    for path in forms:
        url = path.format(**VALUES)
        for token in (None, "forged"):
            data = {} if token is None else {"csrf_token": token}
            response = admin.client.post(url, data=data)
            if response.status_code != 403 or "CSRF" not in response.text:
                wrong.append((path, token, response.status_code))
    assert len(forms) > 30 and wrong == []
