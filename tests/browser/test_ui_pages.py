"""In a real browser: alerts and a silence, an override that changes who is on call, and the
services catalog — on a desktop and on a 375-px phone, with the keyboard where it matters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import LiveServer, log_in
from tests.e2e.ingest_support import AM_URL, am_alert, am_webhook

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 1000}
NAMES = {"alice": "Alice Moreau", "bob": "Bob Okafor", "carol": "Carol Ng"}


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def _fits(page: Any) -> None:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _fire(server: LiveServer, name: str) -> None:
    alert = am_alert(name, f"fp-{name}", datetime.now(UTC) - timedelta(minutes=2))
    response = httpx.post(f"{server.url}{AM_URL}", json=am_webhook(alert), timeout=10)
    assert response.status_code < 300, response.text


def test_see_alerts_and_silence_them(browser: Any, server: LiveServer, shots: Path) -> None:
    _fire(server, "HighErrorRate")
    _fire(server, "DiskFull")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, server.url, "bob")

    page.get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url(f"{server.url}/alerts")
    assert page.get_by_role("link", name="HighErrorRate on eu1").is_visible()
    page.screenshot(path=str(shots / "alerts.png"), full_page=True)
    page.get_by_label("Status").select_option("resolved")
    _submit(page, page.get_by_role("button", name="Filter"))
    assert "No alerts match these filters." in page.inner_text("main")

    page.goto(f"{server.url}/alerts")
    _submit(page, page.get_by_role("link", name="DiskFull on eu1"))
    assert page.get_by_role("heading", name="Labels").is_visible()
    assert "generatorURL" in page.inner_text("pre.payload")
    page.screenshot(path=str(shots / "alert.png"), full_page=True)

    page.goto(f"{server.url}/silences")
    page.get_by_label("Matcher 1 label").fill("alertname")
    page.get_by_label("Matcher 1 value").fill("DiskFull")
    page.get_by_label("Lasts").select_option("4h")
    page.get_by_label("Why").fill("Disk replacement tonight")
    _submit(page, page.get_by_role("button", name="Create", exact=True))
    listed = page.locator(".row-item", has_text="Disk replacement tonight")
    assert "ACTIVE" in listed.inner_text() and 'alertname = "DiskFull"' in listed.inner_text()
    page.screenshot(path=str(shots / "silences.png"), full_page=True)

    phone = browser.new_context(viewport=PHONE).new_page()
    log_in(phone, server.url, "bob")
    for path in ("/alerts", "/silences"):
        phone.goto(f"{server.url}{path}")
        _fits(phone)
        phone.screenshot(path=str(shots / f"phone{path.replace('/', '-')}.png"), full_page=True)

    page.get_by_role("button", name=re.compile(r"Expire silence \d+ now")).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Nothing is silenced." in page.inner_text("main")
    context.close()


def test_an_override_changes_who_is_on_call(browser: Any, server: LiveServer, shots: Path) -> None:
    with server.api("dana") as api:
        on_call = api.get("/api/v1/oncall").json()[0]["users"]
    stand_in = next(u for u in ("carol", "bob", "alice") if u not in on_call)
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, server.url, "bob")

    page.get_by_role("link", name="On call").click()
    page.wait_for_url(f"{server.url}/oncall")
    now_line = page.locator(".oncall-now li", has_text="Payments primary")
    assert NAMES[on_call[0]] in now_line.inner_text()
    _fits(page)
    page.screenshot(path=str(shots / "phone-oncall.png"), full_page=True)

    start = datetime.now(ZoneInfo("Europe/Paris")) - timedelta(minutes=5)
    page.locator("summary", has_text="Create an override for Payments primary").click()
    page.get_by_label("Who takes over").select_option(stand_in)
    page.get_by_label("Instead of").select_option(on_call[0])
    page.get_by_label("From").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("To").fill(f"{start + timedelta(hours=3):%Y-%m-%dT%H:%M}")
    page.get_by_label("Reason").fill("Swap: dentist")
    _submit(page, page.get_by_role("button", name="Create override"))

    assert NAMES[stand_in] in now_line.inner_text()
    assert "Swap: dentist" in page.inner_text("main")
    page.screenshot(path=str(shots / "phone-oncall-override.png"), full_page=True)
    _submit(page, page.get_by_role("button", name=re.compile(r"Delete override \d+")))
    assert NAMES[on_call[0]] in now_line.inner_text()


def test_the_services_catalog(browser: Any, server: LiveServer, shots: Path) -> None:
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, server.url, "alice")
    page.goto(f"{server.url}/services")
    checkout = page.locator("#service-checkout-api")
    assert "Payments" in checkout.inner_text() and "payments-default" in checkout.inner_text()
    assert "ev0checkout0000000000000000000001" in checkout.inner_text()
    page.screenshot(path=str(shots / "services.png"), full_page=True)

    page.get_by_label("Old key keeps working for").first.focus()
    page.keyboard.press("Tab")  # to the Rotate button of the first integration
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "old key works until" in page.inner_text("#integration-checkout-alertmanager")

    phone = browser.new_context(viewport=PHONE).new_page()
    log_in(phone, server.url, "dana")
    phone.goto(f"{server.url}/services")
    assert "am0checkout" not in phone.inner_text("main")
    _fits(phone)
    phone.screenshot(path=str(shots / "phone-services.png"), full_page=True)
    phone.goto(f"{server.url}/")
    assert "My on-call status" in phone.inner_text("main")
    phone.screenshot(path=str(shots / "phone-board.png"), full_page=True)
