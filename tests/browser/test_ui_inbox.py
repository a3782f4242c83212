"""In a real browser: a page arrives in the built-in inbox with nothing else running — a
desktop notification in the open tab, the unread count in the menu, and an Acknowledge
button on My work."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fireline.services.admin.configuration import apply_config
from tests.browser.conftest import LiveServer, log_in
from tests.conftest import EXAMPLE
from tests.e2e.paging_support import work
from tests.e2e.ui_support import set_passwords

# Records the notifications the page shows (headless Chromium has no desktop to show them on).
RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
class RecordedNotification {
  constructor(title, options) { window.shownNotifications.push({title, ...options}); }
  static requestPermission() {
    RecordedNotification.permission = "granted";
    return Promise.resolve("granted");
  }
}
RecordedNotification.permission = "default";
window.Notification = RecordedNotification;
"""


def test_a_page_arrives_in_the_inbox_and_is_acknowledged(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    tour = EXAMPLE.with_name("tour.yaml")
    apply_config(uow=server.core.uow(), text=tour.read_text(), source=tour.name)
    set_passwords(server.core, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "admin")

    assert "Nothing in your inbox" in page.inner_text("#me-inbox-card")
    allow = page.get_by_role("button", name="Show desktop notifications for new pages")
    allow.click()
    allow.wait_for(state="hidden")

    with server.api("bob") as bob:
        declared = bob.post(
            "/api/v1/incidents", json={"title": "Cart empties", "services": ["storefront"]}
        )
    assert declared.status_code == 201, declared.text
    number = declared.json()["id"]
    work(server.core)  # what the embedded worker does in `fireline serve`

    # polled from here: wait_for_function evaluates a string in the page, which the CSP refuses
    deadline = time.monotonic() + 20
    while not page.evaluate("window.shownNotifications.length") and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    [shown] = page.evaluate("window.shownNotifications")
    assert shown["title"].endswith(f"#{number} Cart empties")
    assert shown["tag"].startswith("fireline-inbox-")
    assert page.inner_text("#inbox-unread") == "1"

    page.reload()
    card = page.locator("#me-inbox-card")
    assert f"#{number} Cart empties" in card.inner_text()
    page.screenshot(path=str(shots / "inbox.png"), full_page=True)
    with page.expect_navigation():
        card.get_by_role("button", name=f"Acknowledge #{number}").click()
    assert page.url.startswith(f"{server.url}/incidents/{number}")

    with server.api("bob") as bob:
        incident = bob.get(f"/api/v1/incidents/{number}").json()
    page.goto(f"{server.url}/")
    assert incident["timestamps"]["acknowledged_at"] is not None
    assert card.get_by_role("button", name=f"Acknowledge #{number}").count() == 0
    assert page.inner_text("#me-inbox").endswith("0")
    assert errors == []
