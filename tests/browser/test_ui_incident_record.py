"""In a real browser (#11): checklist tasks tick themselves as people act, and a closed incident's
page offers no forms but reopening, and shows its durations instead of "ago"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer, log_in


def _tick_state(page: Any, title: str) -> str:
    button = page.get_by_role("button", name=f"Mark not done: {title}")
    return "done" if button.count() else "open"


def test_tasks_tick_themselves_from_the_page(browser: Any, server: LiveServer, shots: Path) -> None:
    with server.api("bob") as bob:
        body = {"title": "Checkout is slow", "services": ["checkout-api"]}
        assert bob.post("/api/v1/incidents", json=body).status_code == 201
        assert bob.post("/api/v1/incidents/1/transition", json={"phase": "assessment"}).is_success
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(page, server.url, "bob")
    page.goto(f"{server.url}/incidents/1")
    assert _tick_state(page, "Assign an incident commander") == "open"
    assert (
        "ticks itself when an incident commander is assigned"
        in page.locator("#live-tasks").inner_text()
    )

    page.locator("#assign-role").select_option("commander")
    page.locator("#assign-user").select_option("bob")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign role").click()
    assert _tick_state(page, "Assign an incident commander") == "done"
    assert _tick_state(page, "Confirm the affected services and customers") == "open"
    timeline = page.locator("#live-timeline").inner_text()
    assert "fireline" in timeline
    page.screenshot(path=str(shots / "tasks-tick-themselves.png"), full_page=True)


def _close(server: LiveServer) -> None:
    with server.api("bob") as bob:
        body = {"title": "Ledger drift", "services": ["checkout-api"], "urgency": "high"}
        assert bob.post("/api/v1/incidents", json=body).status_code == 201
        assert bob.post("/api/v1/incidents/1/acknowledge").is_success
        assert bob.post("/api/v1/incidents/1/resolve", json={"summary": "Reverted"}).is_success
        assert bob.post("/api/v1/incidents/1/transition", json={"phase": "review"}).is_success
        draft = bob.get("/api/v1/incidents/1/postmortem").json()
        sections = {s["id"]: f"{s['title']}: what we learned." for s in draft["sections"]}
        edit = {"version": draft["version"], "sections": sections, "reviewers": ["alice"]}
        assert bob.patch("/api/v1/incidents/1/postmortem", json=edit).is_success
        agreed = {"title": "Alert on drift", "owner": "bob", "due_at": "2030-01-01T00:00:00Z"}
        assert bob.post("/api/v1/incidents/1/follow-ups", json=agreed).status_code == 201
        for status in ("in_review", "published"):
            body = {"status": status}
            assert bob.post("/api/v1/incidents/1/postmortem/status", json=body).is_success
        assert bob.post("/api/v1/incidents/1/close", json={}).is_success


def test_a_closed_incident_is_read_only_and_shows_its_durations(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    _close(server)
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(page, server.url, "bob")
    page.goto(f"{server.url}/incidents/1")

    for form in ("#update", "#note", "#fields", "#roles", "#tasks", "#resolve", "#actions"):
        assert page.locator(form).count() == 0, form
    assert page.locator("#live-tasks form").count() == 0
    assert " ago)" not in page.locator("#live-head").inner_text()
    durations = page.locator("#durations").inner_text()
    for name in ("Time to acknowledge", "Time to resolve", "Time to close"):
        assert name in durations
    assert page.locator("#read-only").is_visible()
    page.screenshot(path=str(shots / "closed-incident.png"), full_page=True)

    page.locator(".more-moves summary").click()
    page.get_by_label("Reason for the move").fill("the drift came back")
    with page.expect_navigation():
        page.get_by_role("button", name="Reopen: back to Response").click()
    assert page.locator("#note").count() == 1
    assert page.locator("#durations").count() == 0
