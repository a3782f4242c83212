"""The public status page and its feed: component states, public updates, nothing internal."""

from __future__ import annotations

from xml.etree import ElementTree

from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ingest_support import Ingest

ATOM = "{http://www.w3.org/2005/Atom}"
SECRETS = (
    "Primary DB disk full on db-7",  # the title
    "root password is in vault",  # the summary
    "internal: suspect alice's deploy",  # an internal note
    "internal update for the team",  # an internal status update
    "Bob Okafor",
    "bob",
    "alice",
)


def _component(html: str, name: str) -> str:
    start = html.index(f'<span class="component-name">{name}</span>')
    state = html.index('class="component-state">', start) + len('class="component-state">')
    return html[state : html.index("<", state)]


def _work_an_incident(api: Api) -> int:
    uow = api.core.uow
    view = incidents.declare(
        uow=uow(),
        actor="bob",
        title=SECRETS[0],
        summary=SECRETS[1],
        services=["checkout-api"],
        urgency="high",
    )
    number = view.incident.id
    incidents.add_note(uow=uow(), actor="bob", incident_id=number, text=SECRETS[2])
    incidents.post_status_update(uow=uow(), actor="bob", incident_id=number, message=SECRETS[3])
    incidents.post_status_update(
        uow=uow(),
        actor="bob",
        incident_id=number,
        message="Checkout is failing for some customers.",
        visibility="public",
    )
    incidents.assign_role(uow=uow(), actor="bob", incident_id=number, role="commander", user="bob")
    return number


def test_the_status_page_needs_no_login_and_starts_operational(api: Api) -> None:
    page = api.anonymous.get("/status")
    assert page.status_code == 200
    assert "All systems operational" in page.text and "Example Corp status" in page.text
    assert _component(page.text, "Checkout") == "Operational"


def _set(api: Api, number: int, message: str, **states: str) -> None:
    incidents.post_status_update(
        uow=api.core.uow(),
        actor="bob",
        incident_id=number,
        message=message,
        visibility="public",
        component_status=states,
    )


def test_a_component_shows_what_a_responder_set_not_the_priority(api: Api) -> None:
    number = _work_an_incident(api)  # a P1 on checkout-api, with a public update
    incidents.declare(
        uow=api.core.uow(), actor="bob", title="slow", services=["ledger"], urgency="low"
    )
    before = api.anonymous.get("/status").text
    _set(api, number, "Payments fail for some customers.", **{"checkout-api": "major_outage"})
    after = api.anonymous.get("/status").text

    assert _component(before, "Checkout") == "Operational"
    assert _component(before, "Ledger") == "Operational"
    assert "All systems operational" in before
    assert _component(after, "Checkout") == "Major outage"
    assert "Major outage</p>" in after and "Checkout: Major outage" in after


def test_a_component_can_be_set_by_its_own_id_and_the_worst_incident_counts(api: Api) -> None:
    first = _work_an_incident(api)
    second = _work_an_incident(api)
    _set(api, first, "Slower than usual.", checkout="degraded")
    _set(api, second, "Some payments fail.", **{"checkout-api": "partial_outage"})
    assert _component(api.anonymous.get("/status").text, "Checkout") == "Partial outage"
    _set(api, second, "Payments work again; watching.", checkout="recovering")
    assert _component(api.anonymous.get("/status").text, "Checkout") == "Degraded"


def test_a_resolved_incident_leaves_the_components_and_shows_as_history(api: Api) -> None:
    number = _work_an_incident(api)
    _set(api, number, "Fix deployed, recovering.", checkout="recovering")
    recovering = api.anonymous.get("/status").text
    incidents.resolve(uow=api.core.uow(), actor="bob", incident_id=number, summary="fixed")
    resolved = api.anonymous.get("/status").text

    assert _component(recovering, "Checkout") == "Recovering"
    assert _component(resolved, "Checkout") == "Operational"
    history = resolved[resolved.index("Past incidents") :]
    assert "Incident affecting Checkout — resolved" in history
    assert "Checkout is failing for some customers." in history


def test_nothing_internal_reaches_the_page_or_the_feed(api: Api, ingest_app: Ingest) -> None:
    _work_an_incident(api)
    alert = {
        "routing_key": "ev0checkout0000000000000000000001",
        "event_action": "trigger",
        "payload": {
            "summary": "ALERT-SUMMARY p99 above 2s",
            "source": "gw-1",
            "severity": "critical",
            "custom_details": {"token": "ALERT-PAYLOAD-SECRET"},
        },
    }
    assert ingest_app.client.post("/v2/enqueue", json=alert).status_code == 202
    assert ingest_app.api("GET", "/incidents")["total"] == 2
    page = ingest_app.client.get("/status").text
    feed = ingest_app.client.get("/status/feed.atom").text
    for secret in (*SECRETS, "ALERT-SUMMARY", "ALERT-PAYLOAD-SECRET", "gw-1"):
        assert secret not in page, secret
        assert secret not in feed, secret


def test_drills_stay_off_the_status_page(api: Api) -> None:
    view = incidents.declare(
        uow=api.core.uow(), actor="bob", title="drill", services=["checkout-api"], drill=True
    )
    incidents.post_status_update(
        uow=api.core.uow(),
        actor="bob",
        incident_id=view.incident.id,
        message="DRILL-UPDATE",
        visibility="public",
    )
    html = api.anonymous.get("/status").text
    assert _component(html, "Checkout") == "Operational" and "DRILL-UPDATE" not in html


def test_history_keeps_90_days(api: Api, clock: FakeClock) -> None:
    number = _work_an_incident(api)
    incidents.resolve(uow=api.core.uow(), actor="bob", incident_id=number, summary="fixed")
    clock.advance(days=89)
    kept = api.anonymous.get("/status").text
    clock.advance(days=2)
    gone = api.anonymous.get("/status").text
    assert "Checkout is failing for some customers." in kept
    assert "Checkout is failing for some customers." not in gone


def test_the_feed_is_atom_with_one_entry_per_public_update(api: Api) -> None:
    number = _work_an_incident(api)
    incidents.post_status_update(
        uow=api.core.uow(),
        actor="bob",
        incident_id=number,
        message="Fixed <b>for real</b> & monitoring",
        visibility="public",
    )
    response = api.anonymous.get("/status/feed.atom")
    root = ElementTree.fromstring(response.content)

    assert response.headers["content-type"].startswith("application/atom+xml")
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Example Corp status"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}content") for e in entries] == [
        "Fixed <b>for real</b> & monitoring",
        "Checkout is failing for some customers.",
    ]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2
    assert entries[0].findtext(f"{ATOM}title") == "Incident affecting Checkout — Ongoing"


def test_without_a_configured_status_page_the_page_still_answers(api: Api) -> None:
    from fireline.storage.models import Setting

    with api.core.uow() as uow:
        row = uow.directory.find(Setting, "status_page")
        if row is not None:
            uow.directory.delete(row)
        uow.commit()
    html = api.anonymous.get("/status").text
    assert "All systems operational" in html and "No components configured" in html


def _alert(ingest_app: Ingest) -> int:
    alert = {
        "routing_key": "ev0checkout0000000000000000000001",
        "event_action": "trigger",
        "payload": {"summary": "p99 above 2s", "source": "gw-1", "severity": "critical"},
    }
    assert ingest_app.client.post("/v2/enqueue", json=alert).status_code == 202
    return int(ingest_app.api("GET", "/incidents")["items"][0]["id"])


def test_an_unacknowledged_alert_incident_does_not_turn_the_page_red(ingest_app: Ingest) -> None:
    _alert(ingest_app)
    page = ingest_app.client.get("/status").text
    feed = ingest_app.client.get("/status/feed.atom").text
    assert _component(page, "Checkout") == "Operational"
    assert "Major outage" not in page and "Major outage" not in feed


AUTO = """
services:
  - id: checkout-api
    name: Checkout API
    team: payments
    escalation_policy: payments-default
    impact: high
    status_page: {auto: true, default_text: "We are looking into checkout errors."}
    integrations:
      - {id: checkout-alertmanager, type: alertmanager, key: am0checkout0000000000000000000001}
      - {id: checkout-events, type: events_v2, key: ev0checkout0000000000000000000001}
"""


def _opt_in(ingest_app: Ingest) -> None:
    from fireline.services.admin.configuration import apply_config

    apply_config(uow=ingest_app.core.uow(), text=AUTO, source="auto.yaml")


def test_a_service_that_opts_in_shows_investigating_with_its_text(ingest_app: Ingest) -> None:
    _opt_in(ingest_app)
    _alert(ingest_app)
    page = ingest_app.client.get("/status").text
    feed = ElementTree.fromstring(ingest_app.client.get("/status/feed.atom").content)

    assert _component(page, "Checkout") == "Investigating"
    assert "Investigating an issue</p>" in page
    assert "We are looking into checkout errors." in page and "Major outage" not in page
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Checkout — Investigating"]
    assert entries[0].findtext(f"{ATOM}content") == "We are looking into checkout errors."


def test_a_declared_incident_is_not_automatic_and_a_responder_overrides_it(
    ingest_app: Ingest,
) -> None:
    _opt_in(ingest_app)
    ingest_app.api("POST", "/incidents", json={"title": "x", "services": ["checkout-api"]})
    declared = ingest_app.client.get("/status").text
    number = _alert(ingest_app)
    ingest_app.api(
        "POST",
        f"/incidents/{number}/status-updates",
        json={
            "message": "Card payments fail.",
            "visibility": "public",
            "component_status": {"checkout-api": "major_outage"},
        },
    )
    decided = ingest_app.client.get("/status").text

    assert _component(declared, "Checkout") == "Operational"
    assert _component(decided, "Checkout") == "Major outage"
    assert "We are looking into checkout errors." not in decided


def test_a_public_status_needs_a_public_update_and_a_known_target(ingest_app: Ingest) -> None:
    number = _alert(ingest_app)
    before = ingest_app.incident(number)["version"]
    url = f"/api/v1/incidents/{number}/status-updates"
    bodies = [
        {
            "message": "m",
            "visibility": "internal",
            "component_status": {"checkout-api": "degraded"},
        },
        {"message": "m", "visibility": "public", "component_status": {"ledger": "degraded"}},
        {"message": "m", "visibility": "public", "component_status": {"checkout-api": "red"}},
    ]
    for body in bodies:
        response = ingest_app.client.post(url, json=body, headers=ingest_app.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert ingest_app.incident(number)["version"] == before
    assert ingest_app.incident(number)["public_status"] == {}
