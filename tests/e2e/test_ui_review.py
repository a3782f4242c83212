"""The review pages over plain HTTP: postmortem, follow-ups, incident panels, drill report and
the metrics dashboard — logins, CSRF, roles, escaping and conflicting saves."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fireline.services.incidents import commands as incidents
from fireline.services.review import follow_ups, postmortems
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.ui_support import WebUser, set_passwords

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PAGES = [
    "/incidents/1/postmortem",
    "/incidents/1/postmortem/export.md",
    "/incidents/1/drill-report",
    "/follow-ups",
    "/reports",
]
ACTIONS = [
    ("/incidents/1/postmortem", {}),
    ("/incidents/1/postmortem/sections/summary", {"version": "1", "body": "x"}),
    ("/incidents/1/postmortem/settings", {"version": "1", "public": "true"}),
    ("/incidents/1/postmortem/status", {"status": "in_review"}),
    ("/incidents/1/postmortem/comments", {"body": "x"}),
    ("/incidents/1/follow-ups", {"title": "x", "owner": "bob", "due": "2030-01-01"}),
    ("/incidents/1/follow-ups/F1", {"done": "true"}),
]


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


def with_postmortem(api: Api, **fields: Any) -> int:
    incident_id = declare(api, **fields)
    postmortems.start_postmortem(uow=api.core.uow(), actor="bob", incident_id=incident_id)
    return incident_id


def postmortem(api: Api) -> dict[str, Any]:
    found: dict[str, Any] = api.viewer.get("/api/v1/incidents/1/postmortem").json()
    return found


def section(api: Api, section_id: str) -> str:
    return str(next(s["body"] for s in postmortem(api)["sections"] if s["id"] == section_id))


@pytest.mark.parametrize("path", PAGES)
def test_every_review_page_needs_a_session(people: Api, path: str) -> None:
    response = WebUser(people.app).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("path", "form"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_review_form_without_its_csrf_token_changes_nothing(
    people: Api, path: str, form: dict[str, str]
) -> None:
    with_postmortem(people)
    follow_ups.add_follow_up(uow=people.core.uow(), actor="bob", incident_id=1, title="F")
    bob = signed_in(people, "bob")
    before = (people.viewer.get("/api/v1/incidents/1").json()["version"], postmortem(people))

    missing = bob.client.post(path, data=form)
    forged = bob.client.post(path, data={**form, "csrf_token": "forged"})

    assert missing.status_code == forged.status_code == 403
    assert "CSRF" in missing.text
    after = (people.viewer.get("/api/v1/incidents/1").json()["version"], postmortem(people))
    assert after == before


@pytest.mark.parametrize(("path", "form"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_viewer_reads_the_review_but_cannot_act(
    people: Api, path: str, form: dict[str, str]
) -> None:
    with_postmortem(people)
    dana = signed_in(people, "dana")
    page = dana.get("/incidents/1/postmortem")
    assert page.status_code == 200
    assert "Publish</button>" not in page.text and "Send for review</button>" not in page.text
    assert "<textarea" not in page.text and "Add follow-up" not in page.text

    refused = dana.post(path, form)

    assert refused.status_code == 403
    assert "this needs the responder role; you (dana) are a viewer" in refused.text
    assert postmortem(people)["version"] == 1 and postmortem(people)["comments"] == []


def test_without_a_postmortem_the_pages_offer_to_draft_one(people: Api) -> None:
    declare(people)
    bob = signed_in(people, "bob")
    for path in ("/incidents/1", "/incidents/1/postmortem"):
        assert "Draft the postmortem</button>" in bob.get(path).text, path

    drafted = bob.post("/incidents/1/postmortem")

    assert drafted.status_code == 303
    assert drafted.headers["location"].startswith("/incidents/1/postmortem")
    assert postmortem(people)["status"] == "draft"
    assert 'href="/incidents/1/postmortem" id="postmortem-link"' in bob.get("/incidents/1").text


def test_markdown_is_rendered_and_raw_html_shown_as_text(people: Api) -> None:
    with_postmortem(people, title=XSS)
    bob = signed_in(people, "bob")
    text = f"**Root cause**: a typo.\n\n{XSS}\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))"

    saved = bob.post("/incidents/1/postmortem/sections/summary", {"version": "1", "body": text})
    html = bob.get("/incidents/1/postmortem").text

    assert saved.status_code == 303
    assert section(people, "summary") == text
    assert "<strong>Root cause</strong>" in html
    assert XSS not in html and "<img" not in html and 'href="javascript:' not in html
    assert ESCAPED in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    exported = bob.get("/incidents/1/postmortem/export.html")
    assert exported.status_code == 200 and XSS not in exported.text and "<img" not in exported.text
    markdown = bob.get("/incidents/1/postmortem/export.md")
    assert markdown.headers["content-type"].startswith("text/markdown") and XSS in markdown.text


def test_a_save_over_someone_elses_keeps_the_text_and_says_why(people: Api) -> None:
    with_postmortem(people)
    bob = signed_in(people, "bob")
    alice = signed_in(people, "alice")
    assert (
        bob.post(
            "/incidents/1/postmortem/sections/impact", {"version": "1", "body": "bob's impact"}
        ).status_code
        == 303
    )

    late = alice.post(
        "/incidents/1/postmortem/sections/impact", {"version": "1", "body": "alice's <impact>"}
    )

    assert late.status_code == 409
    assert "Someone else saved the postmortem while you were editing it" in late.text
    assert "alice&#39;s &lt;impact&gt;</textarea>" in late.text
    assert section(people, "impact") == "bob's impact"


def test_refill_a_section_from_the_incidents_data(people: Api) -> None:
    with_postmortem(people)
    bob = signed_in(people, "bob")
    bob.post("/incidents/1/postmortem/sections/action_items", {"version": "1", "body": "gone"})
    follow_ups.add_follow_up(
        uow=people.core.uow(), actor="bob", incident_id=1, title="Add a canary", owner="bob"
    )

    refilled = bob.post(
        "/incidents/1/postmortem/sections/action_items",
        {"version": "2", "body": "ignored", "refill": "true"},
    )

    assert refilled.status_code == 303
    assert "Add a canary" in section(people, "action_items")


def test_review_publish_and_settings_from_the_page(people: Api) -> None:
    with_postmortem(people)
    bob = signed_in(people, "bob")
    page = bob.get("/incidents/1/postmortem").text
    assert "Send for review</button>" in page and "Publish</button>" not in page

    early = bob.post("/incidents/1/postmortem/status", {"status": "published"})
    assert early.status_code == 409 and "a review comes first" in early.text
    settings = {"version": "1", "reviewers": "alice", "public": "true"}
    assert bob.post("/incidents/1/postmortem/settings", settings).status_code == 303
    assert bob.post("/incidents/1/postmortem/comments", {"body": XSS}).status_code == 303
    for status in ("in_review", "published"):
        assert bob.post("/incidents/1/postmortem/status", {"status": status}).status_code == 303

    found = postmortem(people)
    assert (found["status"], found["reviewers"], found["public"]) == ("published", ["alice"], True)
    assert [c["body"] for c in found["comments"]] == [XSS]
    page = bob.get("/incidents/1/postmortem").text
    assert "Back to draft</button>" in page and '<textarea id="body-' not in page
    assert ESCAPED in page and XSS not in page


def test_follow_ups_are_added_edited_and_done_from_the_page(people: Api) -> None:
    declare(people)
    bob = signed_in(people, "bob")
    added = bob.post(
        "/incidents/1/follow-ups",
        {
            "title": "Add a canary",
            "owner": "alice",
            "due": "2030-01-31",
            "priority": "high",
            "type": "prevent",
            "url": "https://tickets.example.com/42",
        },
    )
    wrong = bob.post("/incidents/1/follow-ups", {"title": "Bad link", "url": "javascript:x"})
    edited = bob.post(
        "/incidents/1/follow-ups/F1",
        {
            "title": "Add a canary stage",
            "owner": "bob",
            "due": "2030-02-01",
            "priority": "medium",
            "type": "detect",
            "url": "",
        },
    )
    done = bob.post("/incidents/1/follow-ups/F1", {"done": "true"})

    assert added.status_code == edited.status_code == done.status_code == 303
    assert wrong.status_code == 422 and "url" in wrong.text and 'value="Bad link"' in wrong.text
    (item,) = people.viewer.get("/api/v1/incidents/1").json()["follow_ups"]
    assert item == {
        "id": "F1",
        "title": "Add a canary stage",
        "owner": "bob",
        "due_at": "2030-02-01T23:59:00Z",
        "priority": "medium",
        "type": "detect",
        "url": None,
        "done": True,
    }


def test_the_follow_ups_list_filters_and_shows_overdue_ones(people: Api, clock: FakeClock) -> None:
    declare(people, title="First")
    declare(people, title="Second")
    uow = people.core.uow()
    follow_ups.add_follow_up(
        uow=uow, actor="bob", incident_id=1, title="Mine late", owner="bob", due_at=clock.now
    )
    follow_ups.add_follow_up(uow=uow, actor="bob", incident_id=2, title="Alice's", owner="alice")
    clock.advance(hours=1)
    bob = signed_in(people, "bob")

    everything = bob.get("/follow-ups").text
    mine = bob.get("/follow-ups?mine=true").text
    overdue = bob.get("/follow-ups?overdue=true&open=true").text

    assert "Mine late" in everything and "Alice&#39;s" in everything
    assert "Mine late" in mine and "Alice" not in mine.split("<main", 1)[1].split("</table>")[0]
    assert "Mine late" in overdue and "Alice&#39;s" not in overdue
    assert re.search(
        r'<tr id="follow-up-[0-9]+-F[0-9]+" class="overdue">.*?Mine late', everything, re.S
    )
    assert "OVERDUE" in everything


def test_the_incident_page_shows_similar_incidents_and_deliveries(people: Api) -> None:
    declare(people, title="Checkout returns 502 errors", services=["checkout-api"])
    follow_ups.add_follow_up(uow=people.core.uow(), actor="bob", incident_id=1, title="Fix it")
    declare(
        people, title="Checkout returns 502 errors again", services=["checkout-api"], urgency="high"
    )
    bob = signed_in(people, "bob")

    html = bob.get("/incidents/2").text

    similar = html.split('id="similar"', 1)[1].split("</section>", 1)[0]
    assert 'href="/incidents/1"' in similar and "score" in similar
    assert "1 open follow-up" in similar
    assert 'id="deliveries"' in html


def test_a_drill_is_marked_and_has_its_report(people: Api) -> None:
    declare(people, title="Practice: checkout down", drill=True)
    declare(people, title="Real one")
    bob = signed_in(people, "bob")

    page = bob.get("/incidents/1").text
    board = bob.get("/").text
    report = bob.get("/incidents/1/drill-report")
    not_a_drill = bob.get("/incidents/2/drill-report")

    assert 'class="drill-banner"' in page and 'href="/incidents/1/drill-report"' in page
    assert 'class="drill-banner"' not in bob.get("/incidents/2").text
    assert re.search(r'incident-card[^"]* drill"', board)
    assert report.status_code == 200 and "First acknowledgement" in report.text
    assert not_a_drill.status_code == 409 and "is not a drill" in not_a_drill.text


def test_the_dashboard_shows_charts_and_the_numbers(people: Api, clock: FakeClock) -> None:
    for title in ("One", "Two"):
        incident_id = declare(people, title=title, services=["checkout-api"], urgency="high")
        incidents.acknowledge(uow=people.core.uow(), actor="bob", incident_id=incident_id)
    clock.advance(minutes=10)
    incidents.resolve(uow=people.core.uow(), actor="bob", incident_id=1, summary="fixed")
    dana = signed_in(people, "dana")

    page = dana.get("/reports?days=7&by=service")
    year = dana.get("/reports?days=365")

    assert page.status_code == year.status_code == 200
    for chart in ("incidents", "mttx", "phases", "sla"):
        assert f'<canvas id="chart-{chart}"' in page.text
    assert '<script src="/static/chart.umd.min.js" defer></script>' in page.text
    data = json.loads(page.text.split('id="chart-data">', 1)[1].split("</script>", 1)[0])
    assert sum(data["incidents"]["datasets"][0]["data"]) == 2
    assert len(data["incidents"]["labels"]) == 7
    assert data["incidents"]["datasets"][0]["label"] == "checkout-api"
    assert "<caption>Durations, from detection" in page.text and "MTTR" in page.text
    assert "docs/metrics.md" in page.text
    assert dana.get("/static/chart.umd.min.js").status_code == 200


def test_a_bad_dashboard_filter_is_refused(people: Api) -> None:
    bob = signed_in(people, "bob")
    assert bob.get("/reports?by=colour").status_code == 422
    assert bob.get("/reports?days=0").status_code == 422
