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


def test_an_open_incident_sets_its_components_state_by_priority(api: Api) -> None:
    _work_an_incident(api)
    incidents.declare(
        uow=api.core.uow(), actor="bob", title="slow", services=["ledger"], urgency="low"
    )
    html = api.anonymous.get("/status").text
    assert _component(html, "Checkout") == "Major outage"  # P1
    assert _component(html, "Ledger") == "Degraded"  # P4
    assert "Major outage</p>" in html
    assert "Checkout is failing for some customers." in html


def test_a_mitigated_incident_shows_as_recovering_and_a_resolved_one_as_history(
    api: Api,
) -> None:
    number = _work_an_incident(api)
    incidents.mitigate(uow=api.core.uow(), actor="bob", incident_id=number)
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
