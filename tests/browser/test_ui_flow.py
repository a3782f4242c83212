"""In a real browser: declare, drive an incident through every phase to Closed, see another
person's change appear live, and watch the public status page follow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer, log_in

XSS = "<script>alert(1)</script>"
LIVE_TIMEOUT = 15_000  # ms; the page polls every 3 s


def _submit(page: Any, button: Any) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def _move(page: Any, phase: str) -> None:
    _submit(page, page.get_by_role("button", name=f"Move to {phase} →"))


def test_an_incident_from_declaration_to_closed(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    public = context.new_page()  # the same browser: the status page needs no login anyway

    log_in(page, server.url, "alice")
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("What is broken?").fill(f"{XSS} Checkout returns 502")
    page.get_by_label("Service").select_option("checkout-api")
    page.get_by_label("Urgency").select_option("high")
    page.get_by_label("What do you see?").fill("502s on every checkout since 02:50")
    page.screenshot(path=str(shots / "declare.png"), full_page=True)
    _submit(page, page.get_by_role("button", name="Declare incident"))

    page.wait_for_url(re.compile(r"/incidents/1$"))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"#1 {XSS} Checkout returns 502"
    assert dialogs == []
    public.goto(f"{server.url}/status")
    assert _component(public, "Checkout") == "Operational"  # until a responder says otherwise

    # Skipping ahead is refused with the gate's explanation; what was typed stays.
    page.locator("summary", has_text="Other moves").click()
    page.get_by_label("Reason for the move").fill("straight to work")
    _submit(page, page.get_by_role("button", name="Skip to Response"))
    problem = page.get_by_role("alert")
    assert "an incident commander must be assigned" in problem.inner_text()
    assert page.get_by_label("Reason for the move").input_value() == "straight to work"
    page.screenshot(path=str(shots / "incident-refused.png"), full_page=True)
    page.get_by_label("Reason for the move").fill("")

    _submit(page, page.get_by_role("button", name="Acknowledge"))
    _move(page, "Assessment")
    page.get_by_label("Role", exact=True).select_option("commander")
    page.get_by_label("Person").select_option("alice")
    _submit(page, page.get_by_role("button", name="Assign role"))
    _submit(page, page.get_by_role("button", name="Mark done: Assign an incident commander"))
    _move(page, "Response")
    assert _badge(page) == "Response"

    page.get_by_label("Message").fill("We are rolling back the last release.")
    page.get_by_label("Public (status page)").check()
    page.get_by_label("Public status of checkout-api").select_option("major_outage")
    _submit(page, page.get_by_role("button", name="Post update"))
    page.get_by_label("Note (internal)").fill("Suspect release 42; alice has the pager")
    _submit(page, page.get_by_role("button", name="Add note"))

    # Someone else acts (over the API): the page shows it without a reload.
    with server.api("bob") as bob:
        noted = bob.post("/api/v1/incidents/1/notes", json={"text": "Bob: DB is fine"})
        assert noted.status_code == 201
    timeline = page.locator("#live-timeline")
    timeline.get_by_text("Bob: DB is fine").wait_for(timeout=LIVE_TIMEOUT)
    page.screenshot(path=str(shots / "incident-response.png"), full_page=True)

    public.reload()
    assert "We are rolling back the last release." in public.inner_text("main")
    assert _component(public, "Checkout") == "Major outage"
    public.screenshot(path=str(shots / "status-ongoing.png"), full_page=True)

    page.get_by_label("Resolution summary: what fixed it?").fill("Rolled back release 42")
    _submit(page, page.get_by_role("button", name="Resolve incident"))
    assert _badge(page) == "Resolution"
    _move(page, "Review")
    _review_in_the_browser(page, shots)
    _move(page, "Closed")
    assert _badge(page) == "Closed"
    page.screenshot(path=str(shots / "incident-closed.png"), full_page=True)

    public.reload()
    text = public.inner_text("body")
    assert _component(public, "Checkout") == "Operational"
    assert "We are rolling back the last release." in text
    for secret in ("Suspect release 42", "Bob: DB is fine", "alice", "Checkout returns 502"):
        assert secret not in public.content()
    public.screenshot(path=str(shots / "status-resolved.png"), full_page=True)
    context.close()


def _review_in_the_browser(page: Any, shots: Path) -> None:
    """Write the postmortem, agree an owned and dated follow-up, review and publish it: the
    gate to Closed (postmortem published, follow-ups owned) is met from the browser alone."""
    closing = page.locator("#moves .move", has_text="Move to Closed")
    assert "the postmortem must be published" in closing.inner_text()
    _submit(page, page.get_by_role("link", name="Open the postmortem"))
    page.locator("#section-root_causes summary").click()
    page.get_by_label("Root causes (Markdown)").fill(f"Release 42 had no canary. {XSS}")
    _submit(page, page.get_by_role("button", name="Save Root causes"))
    assert XSS in page.locator("#section-root_causes .markdown").inner_text()
    page.get_by_label("What should be done?").fill("Add a canary stage to releases")
    page.locator("#fu-owner").select_option("alice")
    page.locator("#fu-due").fill("2030-01-31")
    page.locator("#fu-priority").select_option("high")
    _submit(page, page.get_by_role("button", name="Add follow-up"))
    assert "Add a canary stage" in page.locator("#follow-ups").inner_text()
    _submit(page, page.get_by_role("button", name="Send for review"))
    _submit(page, page.get_by_role("button", name="Publish"))
    assert page.locator("#status .badge").inner_text() == "PUBLISHED"
    page.screenshot(path=str(shots / "postmortem-published.png"), full_page=True)
    _submit(page, page.locator(".crumbs a"))
    assert closing.locator(".needs").count() == 0


def _component(page: Any, name: str) -> str:
    row = page.locator(".component", has_text=name)
    return str(row.locator(".component-state").inner_text())


def _badge(page: Any) -> str:
    return str(page.locator("#live-head .badge.phase").inner_text())


def test_the_board_and_pages_on_a_phone(browser: Any, server: LiveServer, shots: Path) -> None:
    with server.api("bob") as bob:
        for title, body in (
            ("Checkout returns 502", {"services": ["checkout-api"], "urgency": "high"}),
            ("Ledger heartbeat missing", {"services": ["ledger"], "urgency": "low"}),
            ("Card tokens exposed in logs", {"urgency": "medium", "impact": "high"}),
        ):
            assert bob.post("/api/v1/incidents", json={"title": title, **body}).status_code == 201
        bob.post("/api/v1/incidents/1/acknowledge")
        bob.post("/api/v1/incidents/3/transition", json={"phase": "assessment"})
        bob.post(
            "/api/v1/incidents/1/status-updates",
            json={"message": "Investigating 502s on checkout", "visibility": "public"},
        )
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    log_in(page, server.url, "bob")
    assert page.locator(".column", has_text="Assessment").get_by_text("Card tokens").count() == 1
    page.screenshot(path=str(shots / "board.png"), full_page=True)
    desktop.close()

    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = phone.new_page()
    log_in(page, server.url, "bob")
    page.screenshot(path=str(shots / "phone-board.png"), full_page=True)
    page.goto(f"{server.url}/incidents/1")
    page.screenshot(path=str(shots / "phone-incident.png"), full_page=True)
    page.screenshot(path=str(shots / "phone-incident-top.png"))
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    page.goto(f"{server.url}/status")
    page.screenshot(path=str(shots / "phone-status.png"), full_page=True)
    page.goto(f"{server.url}/incidents/new")
    page.screenshot(path=str(shots / "phone-declare.png"), full_page=True)
    phone.close()

    night = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = night.new_page()
    log_in(page, server.url, "bob")
    page.screenshot(path=str(shots / "dark-board.png"), full_page=True)
    page.goto(f"{server.url}/incidents/3")
    page.screenshot(path=str(shots / "dark-incident.png"), full_page=True)
    night.close()


def test_the_keyboard_alone_logs_in_and_declares(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.screenshot(path=str(shots / "login.png"))
    page.keyboard.type("bob")  # the login field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/incidents/new")
    page.keyboard.type("Typed with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/incidents/1$"))
    page.goto(f"{server.url}/account")
    page.get_by_role("button", name="Create token").click()
    page.screenshot(path=str(shots / "account.png"), full_page=True)
    page.goto(f"{server.url}/incidents/1")
    focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert focus is not None
    context.close()
