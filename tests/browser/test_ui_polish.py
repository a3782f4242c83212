"""In a real browser, the small things people see: spacing on board cards, pages that fit a
375-px phone, a compact navigation, follow-up ids that tell incidents apart, seconds on the
timeline, and a refused move that leaves the browser on the incident page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer, log_in

PHONE = {"width": 375, "height": 812}
NAV_MAX = 60  # px of a phone screen the navigation may take


def _seed(server: LiveServer) -> None:
    with server.api("bob") as bob:
        for title in ("Checkout returns 502 errors on every card payment", "Ledger is slow"):
            body = {"title": title, "services": ["checkout-api"], "urgency": "high"}
            assert bob.post("/api/v1/incidents", json=body).status_code == 201
        for number in (1, 2):
            follow_up = {
                "title": "Alert on the replica lag before customers notice it, with a runbook",
                "owner": "bob",
                "due_at": "2026-12-15",
                "url": "https://tracker.example.com/browse/PAYMENTS-123456789012345",
            }
            answer = bob.post(f"/api/v1/incidents/{number}/follow-ups", json=follow_up)
            assert answer.status_code < 300, answer.text


def _width(page: Any) -> int:
    """How wide the page lays out: on a phone, more than the screen means sideways scrolling
    (a mobile browser then zooms out, so window.innerWidth grows with it)."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_phone_pages_fit_and_the_navigation_is_compact(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    _seed(server)
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    log_in(page, server.url, "bob")
    card = page.locator(".incident-card").first.inner_text()  # ::after colons are not in it
    colon = page.evaluate(
        "getComputedStyle(document.querySelector('.incident-card dt'), '::after').content"
    )
    nav = page.locator("header.top").bounding_box()
    declare = page.get_by_role("link", name="Declare incident").bounding_box()
    widths = {}
    for path in ("/", "/follow-ups", "/reports", "/incidents/1", "/alerts", "/oncall"):
        page.goto(f"{server.url}{path}")
        widths[path] = _width(page)
        page.screenshot(path=str(shots / f"phone{path.replace('/', '-')}.png"), full_page=True)
    ids = page.goto(f"{server.url}/follow-ups") and page.locator(".fu-table .num").all_inner_texts()
    phone.close()

    assert colon == '":"'  # so the card reads "Service: Checkout API"
    assert "Service Checkout API" in card and "Commander none" in card
    assert re.search(r"Age \d+ s", card), card
    assert nav["height"] <= NAV_MAX, nav
    assert declare["x"] + declare["width"] <= PHONE["width"], declare  # in sight, not scrolled off
    assert all(width <= PHONE["width"] for width in widths.values()), widths
    assert sorted(ids) == ["#1 F1", "#2 F1"]


def test_the_timeline_shows_seconds_and_a_refused_move_stays_on_the_page(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    _seed(server)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, server.url, "bob")
    page.goto(f"{server.url}/incidents/1")
    stamp = page.locator("#live-timeline time").first
    shown, title = stamp.inner_text(), stamp.get_attribute("title")

    page.locator(".more-moves summary").click()
    with page.expect_navigation():
        page.locator("#move-response").click()
    landed = page.url
    page.screenshot(path=str(shots / "refused-move.png"), full_page=True)
    reason = page.locator("#move-form .problem").inner_text()
    page.reload()
    reloaded = page.url
    context.close()

    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", shown), shown
    assert title and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", title), title
    assert landed == f"{server.url}/incidents/1#phase" and reloaded == landed
    assert reason.startswith("Refused:"), reason
