"""In a real browser, the small things people see: spacing on board cards, pages that fit a
375-px phone, a compact navigation, follow-up ids that tell incidents apart, seconds on the
timeline, and a refused move that leaves the browser on the incident page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import LiveServer, log_in

PHONE = {"width": 375, "height": 812}


def _seed(server: LiveServer) -> None:
    with server.api("bob") as bob:
        for title in ("Checkout returns 502 errors on every card payment", "Ledger is slow"):
            body = {"title": title, "services": ["checkout-api"], "urgency": "high"}
            assert bob.post("/api/v1/incidents", json=body).status_code == 201
        for number in (1, 2):
            follow_up = {
                "title": "Alert on the replica lag before customers notice it, with a runbook",
                "owner": "bob",
                "due_at": "2026-12-15T23:59:00Z",
                "url": "https://tracker.example.com/browse/PAYMENTS-123456789012345",
            }
            answer = bob.post(f"/api/v1/incidents/{number}/follow-ups", json=follow_up)
            assert answer.status_code < 300, answer.text


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_probe(browser: Any, server: LiveServer, shots: Path) -> None:
    _seed(server)
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    log_in(page, server.url, "bob")
    print("board", _width(page), page.locator("header.top").bounding_box())
    print(page.locator(".incident-card").first.inner_text())
    for path in ("/follow-ups", "/reports", "/incidents/1"):
        page.goto(f"{server.url}{path}")
        page.screenshot(path=str(shots / f"probe{path.replace('/', '-')}.png"), full_page=True)
        print(path, _width(page), page.evaluate("window.innerWidth"))
    phone.close()
    assert False, shots
