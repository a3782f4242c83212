"""The web UI over plain HTTP: sessions, CSRF, roles, escaping, refusals and live fragments."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ui_support import PASSWORD, WebUser, set_passwords

PAGES = ["/", "/incidents/new", "/incidents/1", "/incidents/1/live", "/account"]
XSS = "<script>alert(1)</script>"
QUICK_WORKFLOW = """
workflows:
  definitions:
    - id: quick
      name: Quick
      phases:
        - {id: open, name: Open}
        - {id: fixed, name: Fixed, marks: [resolved]}
        - {id: done, name: Done, marks: [closed]}
"""


@pytest.fixture
def people(api: Api) -> Api:
    set_passwords(api.core, "alice", "bob", "dana")
    return api


def signed_in(api: Api, user: str) -> WebUser:
    browser = WebUser(api.app)
    assert browser.log_in(user).status_code == 303
    return browser


def declare(api: Api, **fields: Any) -> int:
    view = incidents.declare(
        uow=api.core.uow(), actor="bob", title=str(fields.pop("title", "Checkout 502")), **fields
    )
    return view.incident.id


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_session(people: Api, path: str) -> None:
    response = WebUser(people.app).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_a_poll_without_a_session_sends_htmx_to_the_login_page(people: Api) -> None:
    response = WebUser(people.app).get("/incidents/1/live", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/login?next=/"


def test_login_sets_a_session_cookie_browsers_keep_to_themselves(people: Api) -> None:
    browser = WebUser(people.app)
    response = browser.log_in("bob@example.com")
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303
    assert "fireline_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert browser.get("/").status_code == 200


def test_a_wrong_password_is_refused_without_saying_who_exists(people: Api) -> None:
    wrong = WebUser(people.app).log_in("bob", "not the password")
    nobody = WebUser(people.app).log_in("nobody", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert "Wrong login or password." in wrong.text and "Wrong login or password." in nobody.text


def test_the_login_form_needs_its_csrf_token(people: Api) -> None:
    browser = WebUser(people.app)
    response = browser.client.post("/login", data={"login": "bob", "password": PASSWORD})
    assert response.status_code == 401 and "expired" in response.text
    assert browser.get("/").status_code == 303


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(people: Api) -> None:
    browser = WebUser(people.app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "login": "bob", "password": PASSWORD}
    away = browser.client.post("/login", data={**form, "next": "//evil.example/"})
    assert away.headers["location"] == "/"


ACTIONS = [
    ("/incidents", {"title": "x"}),
    ("/incidents/1/acknowledge", {}),
    ("/incidents/1/transition", {"phase": "assessment"}),
    ("/incidents/1/notes", {"text": "x"}),
    ("/incidents/1/status-updates", {"message": "x"}),
    ("/incidents/1/resolve", {"summary": "x"}),
    ("/incidents/1/roles", {"role": "scribe", "user": "bob"}),
    ("/incidents/1/tasks", {"title": "x"}),
    ("/incidents/1/tasks/T1", {"done": "true"}),
    ("/incidents/1/fields", {"urgency": "high"}),
    ("/incidents/1/mitigate", {}),
    ("/incidents/1/escalate", {}),
    ("/account/tokens", {"name": "x"}),
    ("/account/password", {"current": PASSWORD, "new": "x" * 12, "repeat": "x" * 12}),
    ("/logout", {}),
]


@pytest.mark.parametrize(("path", "form"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    people: Api, path: str, form: dict[str, str]
) -> None:
    declare(people)
    browser = signed_in(people, "bob")
    before = people.viewer.get("/api/v1/incidents/1").json()["version"]

    missing = browser.client.post(path, data=form)
    forged = browser.client.post(path, data={**form, "csrf_token": "forged"})

    assert missing.status_code == forged.status_code == 403
    assert "CSRF" in missing.text
    assert people.viewer.get("/api/v1/incidents/1").json()["version"] == before
    assert browser.get("/").status_code == 200  # still logged in


def test_htmx_may_send_the_token_in_a_header(people: Api) -> None:
    declare(people)
    browser = signed_in(people, "bob")
    response = browser.client.post(
        "/incidents/1/acknowledge", headers={"X-CSRF-Token": browser.csrf}
    )
    assert response.status_code == 303


def test_a_viewer_reads_but_cannot_act(people: Api) -> None:
    declare(people)
    dana = signed_in(people, "dana")

    page = dana.get("/incidents/1")
    refused = dana.post("/incidents/1/acknowledge")
    declared = dana.post("/incidents", {"title": "x"})

    assert page.status_code == 200 and "Acknowledge</button>" not in page.text
    assert refused.status_code == declared.status_code == 403
    assert "this needs the responder role; you (dana) are a viewer" in refused.text
    assert people.viewer.get("/api/v1/incidents/1").json()["timestamps"]["acknowledged_at"] is None
    assert people.viewer.get("/api/v1/incidents").json()["total"] == 1


def test_declare_lands_on_the_incident_page(people: Api) -> None:
    bob = signed_in(people, "bob")
    response = bob.post(
        "/incidents",
        {"title": "Checkout 502", "service": "checkout-api", "urgency": "high", "summary": "502s"},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/incidents/1")
    incident = people.viewer.get("/api/v1/incidents/1").json()
    assert (incident["priority"], incident["services"], incident["summary"]) == (
        "P1",
        ["checkout-api"],
        "502s",
    )


def test_a_declare_form_with_a_mistake_comes_back_filled_in(people: Api) -> None:
    bob = signed_in(people, "bob")
    response = bob.post("/incidents", {"title": "", "summary": "what I saw"})
    assert response.status_code == 422
    assert "title: String should have at least 1 character" in response.text
    assert ">what I saw</textarea>" in response.text


def test_user_text_is_shown_as_text_everywhere(people: Api) -> None:
    declare(people, title=XSS, summary=XSS)
    incidents.add_note(uow=people.core.uow(), actor="bob", incident_id=1, text=XSS)
    bob = signed_in(people, "bob")
    for path in ("/", "/incidents/1", "/incidents/1/live"):
        html = bob.get(path).text
        assert XSS not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def _refused(browser: WebUser, path: str, form: dict[str, str]) -> tuple[str, str]:
    """POST, follow the redirect back as a browser does: (where it landed, the page)."""
    response = browser.post(path, form)
    assert response.status_code == 303, response.text
    landed = response.headers["location"]
    return landed, browser.get(landed.split("#")[0]).text


def test_a_refused_move_comes_back_to_the_incident_page_with_the_reason(people: Api) -> None:
    declare(people)
    bob = signed_in(people, "bob")
    landed, page = _refused(
        bob, "/incidents/1/transition", {"phase": "response", "reason": "hurry"}
    )
    again = bob.get("/incidents/1").text

    assert landed == "/incidents/1#phase"  # a page the browser can reload, not a POST-only URL
    assert "cannot enter response: impact must be set; urgency must be set" in page
    assert "<li>an incident commander must be assigned</li>" in page
    assert 'name="reason" maxlength="2000" value="hurry"' in page
    assert "cannot enter response" not in again  # shown once


def test_a_refusal_cannot_be_forged_for_someone_else(people: Api) -> None:
    declare(people)
    bob, alice = signed_in(people, "bob"), signed_in(people, "alice")
    response = bob.post("/incidents/1/transition", {"phase": "response", "reason": "hurry"})
    alice.client.cookies.set("fireline_refusal", response.cookies["fireline_refusal"])
    assert "cannot enter response" not in alice.get("/incidents/1").text


def test_responders_work_an_incident_to_closed(people: Api) -> None:
    declare(people, services=["checkout-api"])
    bob = signed_in(people, "bob")
    steps = [
        ("/incidents/1/acknowledge", {}),
        ("/incidents/1/transition", {"phase": "assessment"}),
        ("/incidents/1/fields", {"impact": "high", "urgency": "high", "severity": "SEV1"}),
        ("/incidents/1/roles", {"role": "commander", "user": "bob"}),
        ("/incidents/1/tasks/T1", {"done": "true"}),
        ("/incidents/1/tasks", {"title": "Call the bank"}),
        ("/incidents/1/transition", {"phase": "response"}),
        ("/incidents/1/notes", {"text": "rolling back"}),
        ("/incidents/1/status-updates", {"message": "We know", "visibility": "public"}),
        ("/incidents/1/mitigate", {}),
        ("/incidents/1/resolve", {"summary": "Rolled back"}),
        ("/incidents/1/transition", {"phase": "review"}),
    ]
    for path, form in steps:
        response = bob.post(path, form)
        assert response.status_code == 303, (path, response.text)
    if people.responder.get("/api/v1/incidents/1/postmortem").status_code == 200:
        _, refused = _refused(bob, "/incidents/1/transition", {"phase": "closed"})
        assert "postmortem" in refused
        for status in ("in_review", "published"):  # the review tool's job, not this page's
            people.responder.post("/api/v1/incidents/1/postmortem/status", json={"status": status})
    assert bob.post("/incidents/1/transition", {"phase": "closed"}).status_code == 303
    incident = people.viewer.get("/api/v1/incidents/1").json()
    assert incident["phase"] == "closed" and incident["severity"] == "SEV1"
    assert incident["roles"] == {"commander": "bob"}
    assert [t["done"] for t in incident["tasks"]][:2] == [True, False]
    reopened = bob.post("/incidents/1/transition", {"phase": "response", "reason": "it is back"})
    assert reopened.status_code == 303
    assert people.viewer.get("/api/v1/incidents/1").json()["timestamps"]["resolved_at"] is None


def test_the_timeline_filters_by_kind(people: Api) -> None:
    declare(people)
    incidents.add_note(uow=people.core.uow(), actor="bob", incident_id=1, text="NOTE-1")
    incidents.post_status_update(
        uow=people.core.uow(), actor="bob", incident_id=1, message="UPDATE-1"
    )
    bob = signed_in(people, "bob")
    notes = bob.get("/incidents/1?show=notes").text
    updates = bob.get("/incidents/1?show=updates").text
    everything = bob.get("/incidents/1").text
    assert "NOTE-1" in notes and "UPDATE-1" not in notes
    assert "UPDATE-1" in updates and "NOTE-1" not in updates
    assert "NOTE-1" in everything and "UPDATE-1" in everything


def test_the_live_fragment_comes_only_when_something_changed(people: Api, clock: FakeClock) -> None:
    declare(people)
    bob = signed_in(people, "bob")
    version = people.viewer.get("/api/v1/incidents/1").json()["version"]
    t = clock.now.timestamp()

    same = bob.get(f"/incidents/1/live?v={version}&t={t}")
    incidents.add_note(uow=people.core.uow(), actor="alice", incident_id=1, text="from alice")
    changed = bob.get(f"/incidents/1/live?v={version}&t={t}")
    clock.advance(minutes=1)
    stale_clock = bob.get(f"/incidents/1/live?v={version + 1}&t={t}")

    assert same.status_code == 204
    assert changed.status_code == 200 and "from alice" in changed.text
    assert 'id="live-timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in (
        changed.text
    )
    assert stale_clock.status_code == 200


def test_an_unknown_incident_is_a_404_page(people: Api) -> None:
    response = signed_in(people, "dana").get("/incidents/999")
    assert response.status_code == 404 and "there is no incident 999" in response.text


def test_the_board_shows_open_incidents_by_phase_and_pages(
    people: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fireline.web.ui import incident_page

    monkeypatch.setattr(incident_page, "BOARD_PAGE", 2)
    for n in range(3):
        declare(people, title=f"Incident number {n}", services=["checkout-api"], urgency="high")
    apply_config(uow=people.core.uow(), text=QUICK_WORKFLOW, source="quick.yaml")
    closed = declare(people, title="Old and closed", workflow="quick")
    incidents.resolve(uow=people.core.uow(), actor="bob", incident_id=closed, summary="done")
    incidents.close(uow=people.core.uow(), actor="bob", incident_id=closed)
    bob = signed_in(people, "bob")

    first, second = bob.get("/").text, bob.get("/?page=2").text

    assert 'Open incidents <span class="count">3</span>' in first
    assert "Old and closed" not in first + second
    assert "Incident number 2" in first and "Incident number 1" in first
    assert "Incident number 0" in second and "Page 2 of 2" in second
    assert "NOT ACKED" in first and "Checkout API" in first
    assert re.search(r"SLA acknowledge:</span> 5 min left", first)


def test_logout_ends_the_session_for_good(people: Api) -> None:
    bob = signed_in(people, "bob")
    cookie = bob.client.cookies.get("fireline_session")
    assert bob.post("/logout").headers["location"] == "/login"

    replay = WebUser(people.app)
    replay.client.cookies.set("fireline_session", cookie or "")
    assert replay.get("/").status_code == 303


def test_changing_the_password_logs_out_every_other_session(people: Api) -> None:
    here, elsewhere = signed_in(people, "bob"), signed_in(people, "bob")
    new = "a much longer password"

    wrong = here.post("/account/password", {"current": "nope", "new": new, "repeat": new})
    changed = here.post("/account/password", {"current": PASSWORD, "new": new, "repeat": new})

    assert wrong.status_code == 422 and "the current password is wrong" in wrong.text
    assert changed.status_code == 303
    assert here.get("/account").status_code == 200
    assert "Every other session has been logged out" in here.get("/account?changed=1").text
    assert elsewhere.get("/").status_code == 303
    assert WebUser(people.app).log_in("bob", new).status_code == 303


def test_personal_api_tokens_are_shown_once_listed_and_revoked(people: Api) -> None:
    dana = signed_in(people, "dana")
    created = dana.post("/account/tokens", {"name": "laptop"})
    token = re.search(r'id="new-token">(fl_[^<]+)<', created.text)
    assert token
    me = people.anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token[1]}"})
    listed = dana.get("/account").text
    token_id = re.search(r'aria-label="Revoke token laptop \((\d+)\)"', listed)
    assert token_id

    assert me.json()["id"] == "dana" and "laptop" in listed and token[1] not in listed
    assert dana.post(f"/account/tokens/{token_id[1]}/revoke").status_code == 303
    gone = people.anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {token[1]}"})
    assert gone.status_code == 401 and "revoked" in dana.get("/account").text


def test_an_oversized_form_is_refused(people: Api) -> None:
    declare(people)
    bob = signed_in(people, "bob")
    response = bob.post("/incidents/1/notes", {"text": "x" * 300_000})
    assert response.status_code == 413


def test_ui_routes_stay_out_of_the_api_schema(people: Api) -> None:
    paths = people.anonymous.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/v1")]


def test_static_files_are_served(people: Api) -> None:
    css = people.anonymous.get("/static/fireline.css")
    htmx = people.anonymous.get("/static/htmx.min.js")
    assert css.status_code == htmx.status_code == 200
    assert "prefers-color-scheme: dark" in css.text and "htmx" in htmx.text


def test_login_never_goes_to_a_path_a_browser_would_read_as_another_site(people: Api) -> None:
    from fireline.web.ui.session import safe_next

    for target in ("//evil.example/", "/\t/evil.example", "/\\evil.example", "https://x", ""):
        assert safe_next(target) == "/", target
    assert safe_next("/incidents/3?show=notes") == "/incidents/3?show=notes"


def test_pages_refuse_framing_and_stay_out_of_shared_caches(people: Api) -> None:
    declare(people)
    page = signed_in(people, "dana").get("/incidents/1")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_stale_fields_form_does_not_undo_someone_elses_change(people: Api) -> None:
    declare(people, services=["checkout-api"])
    bob = signed_in(people, "bob")
    form = {"impact": "high", "urgency": "", "severity": ""}
    was = {"was_impact": "high", "was_urgency": "", "was_severity": ""}
    people.responder.patch("/api/v1/incidents/1", json={"urgency": "high"})  # someone else

    bob.post("/incidents/1/fields", {**form, **was, "severity": "SEV2"})

    incident = people.viewer.get("/api/v1/incidents/1").json()
    assert (incident["urgency"], incident["severity"]) == ("high", "SEV2")


def test_page_someone_now(people: Api) -> None:
    declare(people, services=["checkout-api"])
    bob = signed_in(people, "bob")
    assert bob.post("/incidents/1/reassign", {"user": "carol"}).status_code == 303
    _, refused = _refused(bob, "/incidents/1/reassign", {"user": "dana"})
    assert "dana has no notification rules" in refused
    kinds = [e["kind"] for e in people.viewer.get("/api/v1/incidents/1").json()["timeline"]]
    assert "reassigned" in kinds


def test_a_long_timeline_shows_the_newest_events_first(
    people: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fireline.web.ui import incident_page

    monkeypatch.setattr(incident_page, "TIMELINE_PAGE", 3)
    declare(people)
    for n in range(5):
        incidents.add_note(uow=people.core.uow(), actor="bob", incident_id=1, text=f"NOTE-{n}")
    bob = signed_in(people, "bob")
    short, everything = bob.get("/incidents/1").text, bob.get("/incidents/1?all=1").text
    assert "NOTE-4" in short and "NOTE-2" in short and "NOTE-1" not in short
    assert "Show 3 older events" in short
    assert "NOTE-0" in everything and "older events" not in everything


def test_the_board_refreshes_itself(people: Api) -> None:
    html = signed_in(people, "dana").get("/").text
    assert 'hx-get="/?page=1" hx-trigger="every 15s" hx-select="#board-live"' in html


def test_incidents_on_another_workflow_get_their_own_board(people: Api) -> None:
    apply_config(uow=people.core.uow(), text=QUICK_WORKFLOW, source="quick.yaml")
    declare(people, title="Quick one", workflow="quick")
    html = signed_in(people, "dana").get("/").text
    assert '<h2 class="workflow-name">Quick</h2>' in html
    assert '<h2 class="workflow-name">Standard incident workflow</h2>' in html
    assert html.index("Quick one") > html.index('<h2 class="workflow-name">Quick</h2>')


def test_a_responder_sets_a_public_status_from_the_update_form(people: Api) -> None:
    declare(people, services=["checkout-api"])
    bob = signed_in(people, "bob")
    page = bob.get("/incidents/1").text
    form = {"message": "Card payments fail.", "visibility": "public"}
    posted = bob.post(
        "/incidents/1/status-updates", {**form, "public_status:checkout-api": "degraded"}
    )
    unchanged = bob.post("/incidents/1/status-updates", {**form, "public_status:checkout-api": ""})

    assert 'name="public_status:checkout-api"' in page
    assert posted.status_code == 303 and unchanged.status_code == 303
    assert people.viewer.get("/api/v1/incidents/1").json()["public_status"] == {
        "checkout-api": "degraded"
    }
    assert "Unchanged (Degraded)" in bob.get("/incidents/1").text
