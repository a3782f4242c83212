"""The alerts, silences, on-call and services pages over plain HTTP: sessions, CSRF, roles,
escaping, and that each form goes through the same service as the API."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from fireline.integrations import alertmanager
from fireline.services.alerting import ingest as alerts
from fireline.services.alerting.ingest import Submission
from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ingest_support import AM_KEY, am_alert, am_webhook
from tests.e2e.ui_support import WebUser, set_passwords

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PAGES = ["/alerts", "/alerts/1", "/silences", "/oncall", "/services"]
ACTIONS = [
    ("/silences", {"kind": "silence", "matcher_name": "alertname", "matcher_value": "X"}),
    ("/silences/1/expire", {}),
    ("/oncall/payments-primary/overrides", {"user": "carol", "start": "x", "end": "y"}),
    ("/oncall/payments-primary/overrides/1/delete", {}),
    ("/services/integrations/checkout-events/rotate", {"grace": "1h"}),
    ("/services/integrations/checkout-events/revoke", {}),
]


@pytest.fixture
def people(api: Api) -> Api:
    set_passwords(api.core, "alice", "bob", "dana")
    return api


def signed_in(api: Api, user: str) -> WebUser:
    browser = WebUser(api.app)
    assert browser.log_in(user).status_code == 303
    return browser


def fire(api: Api, clock: FakeClock, name: str = "HighErrorRate", **labels: str) -> None:
    """An Alertmanager alert, through the same ingest service as the HTTP endpoint."""
    alert = am_alert(name, f"fp-{name}", clock.now - timedelta(minutes=1))
    alert["labels"].update(labels)
    alert["annotations"]["summary"] = f"{name} on {alert['labels']['cluster']}"
    body = json.dumps(am_webhook(alert)).encode()
    submission = Submission(AM_KEY, "alertmanager", alertmanager.parse(body))
    alerts.ingest(uow=api.core.uow(), submissions=[submission])


def silence_form(**fields: str) -> dict[str, str]:
    return {
        "kind": "silence",
        "matcher_name": "alertname",
        "matcher_op": "=",
        "matcher_value": "HighErrorRate",
        "lasts": "2h",
        "comment": "failover drill",
        **fields,
    }


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_session(people: Api, path: str) -> None:
    response = WebUser(people.app).get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize(("path", "form"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_post_without_the_csrf_token_is_refused(
    people: Api, path: str, form: dict[str, str]
) -> None:
    alice = signed_in(people, "alice")
    before = people.admin.get("/api/v1/integrations").json()

    missing = alice.client.post(path, data=form)
    forged = alice.client.post(path, data={**form, "csrf_token": "forged"})

    assert missing.status_code == forged.status_code == 403
    assert "CSRF" in missing.text
    assert people.viewer.get("/api/v1/silences?expired=true").json() == []
    assert people.viewer.get("/api/v1/schedules/payments-primary/overrides").json() == []
    assert people.admin.get("/api/v1/integrations").json() == before


def test_the_nav_links_every_page(people: Api) -> None:
    html = signed_in(people, "dana").get("/alerts").text
    for link in ('href="/alerts" aria-current="page"', 'href="/oncall"', 'href="/services"'):
        assert link in html


def test_alerts_are_listed_filtered_and_linked_to_their_incident(
    people: Api, clock: FakeClock
) -> None:
    fire(people, clock, "HighErrorRate")
    fire(people, clock, "DiskFull", cluster="us1")
    dana = signed_in(people, "dana")

    every = dana.get("/alerts").text
    resolved = dana.get("/alerts?status=resolved&service=&incident=").text
    elsewhere = dana.get("/alerts?service=ledger").text
    incident = people.viewer.get("/api/v1/alerts").json()["items"][0]["incident_id"]

    assert "HighErrorRate on eu1" in every and "DiskFull on us1" in every
    assert f'href="/incidents/{incident}"' in every
    assert 'Alerts <span class="count">2</span>' in every
    assert "No alerts match these filters." in resolved and "No alerts" in elsewhere
    assert "DiskFull" in dana.get(f"/alerts?incident={incident}").text


def test_alerts_page_through(
    people: Api, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fireline.web.ui import alert_pages

    monkeypatch.setattr(alert_pages, "ALERT_PAGE", 1)
    fire(people, clock, "First")
    fire(people, clock, "Second")
    dana = signed_in(people, "dana")
    first, second = (
        dana.get("/alerts?status=firing").text,
        dana.get("/alerts?status=firing&page=2").text,
    )
    assert "Second on eu1" in first and "First on eu1" not in first
    assert "First on eu1" in second and "Page 2 of 2" in second
    assert 'href="/alerts?status=firing&amp;page=1"' in second


def test_an_alert_shows_its_labels_and_payload_as_text(people: Api, clock: FakeClock) -> None:
    fire(people, clock, "HighErrorRate", team=XSS)
    html = signed_in(people, "dana").get("/alerts/1").text
    assert XSS not in html
    assert ESCAPED in html  # the label, and inside the payload
    assert "<code>team</code>" in html and "&#34;generatorURL&#34;" in html


def test_an_unknown_alert_is_a_404_page(people: Api) -> None:
    response = signed_in(people, "dana").get("/alerts/99")
    assert response.status_code == 404 and "there is no alert 99" in response.text


def test_a_responder_creates_a_silence_and_expires_it(people: Api, clock: FakeClock) -> None:
    bob = signed_in(people, "bob")
    created = bob.post("/silences", silence_form(comment=XSS))
    listed = bob.get("/silences").text
    silence = people.viewer.get("/api/v1/silences").json()[0]

    assert created.status_code == 303
    assert silence["matchers"] == [{"name": "alertname", "op": "=", "value": "HighErrorRate"}]
    assert silence["ends_at"] == (clock.now + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert 'alertname = "HighErrorRate"' in listed.replace("&#34;", '"')
    assert ESCAPED in listed and XSS not in listed
    assert bob.post(f"/silences/{silence['id']}/expire").status_code == 303
    assert people.viewer.get("/api/v1/silences").json() == []
    assert "EXPIRED" in bob.get("/silences?expired=1").text


def test_a_maintenance_window_with_an_explicit_end(people: Api) -> None:
    bob = signed_in(people, "bob")
    form = silence_form(
        kind="maintenance",
        service="ledger",
        matcher_name="",
        matcher_value="",
        ends_at="2199-01-01T10:00",
    )
    assert bob.post("/silences", form).status_code == 303
    window = people.viewer.get("/api/v1/silences").json()[0]
    assert (window["kind"], window["service"], window["matchers"]) == ("maintenance", "ledger", [])
    assert window["ends_at"] == "2199-01-01T10:00:00Z"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"matcher_name": "", "matcher_value": ""}, "a silence needs at least one matcher"),
        ({"kind": "maintenance"}, "a maintenance window names the service under maintenance"),
        ({"matcher_op": "=~", "matcher_value": "("}, "bad regular expression"),
        ({"ends_at": "2001-01-01T00:00"}, "ends_at must be after starts_at and in the future"),
        ({"ends_at": "soon"}, "ends_at: not a date and time"),
        ({"service": "nope"}, "nope"),
    ],
)
def test_a_bad_silence_is_refused_with_the_services_words(
    people: Api, fields: dict[str, str], message: str
) -> None:
    response = signed_in(people, "bob").post("/silences", silence_form(**fields))
    assert response.status_code in (404, 422)
    assert message in response.text
    assert (
        'value="failover drill"' in response.text or ">failover drill</textarea>" in response.text
    )
    assert people.viewer.get("/api/v1/silences?expired=true").json() == []


def test_a_viewer_sees_but_cannot_act(people: Api) -> None:
    dana = signed_in(people, "dana")
    pages = {path: dana.get(path).text for path in ("/silences", "/oncall", "/services")}
    refused = [dana.post(path, form) for path, form in ACTIONS]

    assert "Create</button>" not in pages["/silences"]
    assert "Create override" not in pages["/oncall"]
    assert "Rotate key" not in pages["/services"]
    assert all(r.status_code == 403 for r in refused)
    assert "this needs the responder role; you (dana) are a viewer" in refused[0].text
    assert people.viewer.get("/api/v1/silences?expired=true").json() == []


def test_a_responder_cannot_rotate_or_see_keys(people: Api) -> None:
    bob = signed_in(people, "bob")
    page = bob.get("/services").text
    refused = bob.post("/services/integrations/checkout-events/rotate", {"grace": "1h"})
    assert "ev0checkout" not in page and "/api/v1/integrations/alertmanager/&lt;key&gt;" in page
    assert refused.status_code == 403 and "needs the admin role" in refused.text


def test_the_catalog_shows_owners_policies_urls_and_members(people: Api) -> None:
    html = signed_in(people, "dana").get("/services").text
    assert "Checkout API" in html and 'href="#team-payments">Payments</a>' in html
    assert "payments-default" in html
    assert "http://127.0.0.1:8080/api/v1/heartbeats/&lt;key&gt;" in html
    assert re.search(r"Carol Ng <small>\(carol, responder", html)


def test_an_admin_sees_keys_rotates_and_revokes(people: Api) -> None:
    alice = signed_in(people, "alice")
    assert "ev0checkout0000000000000000000001" in alice.get("/services").text
    rotated = alice.post("/services/integrations/checkout-events/rotate", {"grace": "1h"})
    revoked = alice.post("/services/integrations/ledger-heartbeat/revoke")
    again = alice.post("/services/integrations/ledger-heartbeat/rotate", {"grace": "1h"})
    found = {i["id"]: i for i in people.admin.get("/api/v1/integrations").json()}

    assert rotated.status_code == revoked.status_code == 303
    assert found["checkout-events"]["key"] != "ev0checkout0000000000000000000001"
    assert found["checkout-events"]["previous_key_expires_at"] is not None
    assert found["ledger-heartbeat"]["revoked_at"] is not None
    assert again.status_code == 409 and "is revoked; create a new one" in again.text
    assert "old key works until" in alice.get("/services").text


def test_on_call_now_and_the_calendar_with_its_gaps(people: Api) -> None:
    html = signed_in(people, "dana").get("/oncall?days=7").text
    now = people.viewer.get("/api/v1/oncall").json()[0]["users"]
    assert "Payments primary" in html and "(Europe/Paris time)" in html
    assert html.count('<tr class="') >= 7
    names = {"alice": "Alice Moreau", "bob": "Bob Okafor", "carol": "Carol Ng"}
    assert f"<strong>{names[now[0]]}</strong>" in html
    assert "no gaps" in html


def test_an_override_changes_who_is_on_call_and_can_be_deleted(
    people: Api, clock: FakeClock
) -> None:
    bob = signed_in(people, "bob")
    start = clock.now.astimezone(ZoneInfo("Europe/Paris"))
    form = {
        "user": "dana",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "reason": XSS,
    }
    viewer = bob.post("/oncall/payments-primary/overrides", form)
    assert viewer.status_code == 422 and "dana is a viewer" in viewer.text
    assert 'value="&lt;script&gt;' in viewer.text  # what was typed comes back, escaped

    form.update(user="carol", replaces="")
    created = bob.post("/oncall/payments-primary/overrides", form)
    page = bob.get("/oncall").text
    override = people.viewer.get("/api/v1/schedules/payments-primary/overrides").json()[0]

    assert created.status_code == 303 and created.headers["location"].endswith(
        "#schedule-payments-primary"
    )
    assert "carol" in people.viewer.get("/api/v1/oncall").json()[0]["users"]
    assert ESCAPED in page and XSS not in page
    assert (
        bob.post(f"/oncall/payments-primary/overrides/{override['id']}/delete").status_code == 303
    )
    assert people.viewer.get("/api/v1/schedules/payments-primary/overrides").json() == []


def test_an_override_needs_someone(people: Api) -> None:
    bob = signed_in(people, "bob")
    form = {"user": "", "replaces": "", "start": "2199-01-01T10:00", "end": "2199-01-01T12:00"}
    response = bob.post("/oncall/payments-primary/overrides", form)
    missing = bob.post("/oncall/nope/overrides", form)
    assert response.status_code == 422 and "name who takes over (user)" in response.text
    assert missing.status_code == 404 and "nope" in missing.text


def test_my_shifts_and_my_calendar_link(people: Api) -> None:
    html = signed_in(people, "alice").get("/oncall?days=28").text
    feeds = people.admin.get("/api/v1/me/calendar").json()
    assert f'value="{feeds["mine"]}"' in html
    assert "My shifts" in html and "(Payments primary)" in html


def test_the_board_shows_my_on_call_status_and_my_tasks(people: Api) -> None:
    view = incidents.declare(uow=people.core.uow(), actor="bob", title="Checkout 502")
    incidents.add_task(
        uow=people.core.uow(), actor="bob", incident_id=view.incident.id, title=XSS, owner="bob"
    )
    incidents.add_task(
        uow=people.core.uow(),
        actor="bob",
        incident_id=view.incident.id,
        title="Not mine",
        owner="carol",
    )
    html = signed_in(people, "bob").get("/").text
    assert "My on-call status" in html and "My tasks" in html
    assert ESCAPED in html and "Not mine" not in html
    assert f'href="/incidents/{view.incident.id}#live-tasks"' in html
    assert "No open tasks" in signed_in(people, "dana").get("/").text
