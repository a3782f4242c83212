"""In a real browser: Fireline's service worker registers from the account page, and a page
pushed to a device (sent by Fireline through pywebpush to the local Web Push service, which
decrypted it) is shown by the worker's push handler; pressing Acknowledge acknowledges the
incident with no session, and the timeline says it came from a push notification.

Headless Chromium has no push service to subscribe with (PushManager.subscribe fails), so the
device is turned on with a subscription from the local push service, the decrypted payload is
handed to the worker's push event through the DevTools protocol (what the browser does with a
message from its push service), and the worker's notification-click handler is called in the
worker itself with the notification it showed (a headless browser has no notification to
click).

"Notify this device" never hangs: a push service that does not answer (subscribe() never
settles, as with Google's push service out of reach) or refuses gets a clear sentence in the
page's status area, and the button back."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fireline.services.admin.configuration import apply_config
from tests.browser.conftest import LiveServer, log_in
from tests.browser.push_support import deliver_push
from tests.conftest import EXAMPLE
from tests.e2e.paging_support import work
from tests.e2e.push_service import PushService
from tests.e2e.test_push import CAROL, CAROL_WITH_PUSH
from tests.e2e.ui_support import set_passwords

ACKNOWLEDGE = (
    "tag => self.registration.getNotifications({tag})"
    ".then(shown => onNotificationClick(shown[0], 'ack'))"
    ".then(() => self.registration.getNotifications())"
    ".then(shown => shown.map(n => ({title: n.title, body: n.body})))"
)


NEVER_ANSWERS = "PushManager.prototype.subscribe = () => new Promise(() => {});"
# A push service that answers 2 s late, with a subscription that counts its unsubscribe() calls
ANSWERS_LATE = """
window.lateUnsubscribed = 0;
PushManager.prototype.subscribe = () => new Promise(resolve => setTimeout(() => resolve({
  endpoint: "https://push.invalid/late",
  toJSON: () => ({endpoint: "https://push.invalid/late", keys: {}}),
  unsubscribe: () => { window.lateUnsubscribed += 1; return Promise.resolve(true); },
}), 2000));
"""
NOT_ON = "push is not turned on for this device. Try again, or use another contact method."


SHOWN = (
    "() => self.registration.getNotifications()"
    ".then(shown => shown.map(n => ({title: n.title, tag: n.tag, actions: n.actions})))"
)


def _wait_for_notifications(worker: Any, page: Any) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while not (shown := worker.evaluate(SHOWN)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    result: list[dict[str, Any]] = shown
    return result


def _worker(context: Any, deadline: float) -> Any:
    while not context.service_workers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert context.service_workers, "the service worker did not register"
    return context.service_workers[0]


def test_the_worker_shows_a_pushed_page_and_its_acknowledge_button_acknowledges(
    browser: Any, server: LiveServer, shots: Path
) -> None:
    core = server.core
    apply_config(
        uow=core.uow(), text=EXAMPLE.read_text().replace(CAROL, CAROL_WITH_PUSH), source="x.yaml"
    )
    set_passwords(core, "carol")
    service = PushService()
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "carol")
    page.goto(f"{server.url}/account")
    worker = _worker(context, time.monotonic() + 20)
    assert worker.url == f"{server.url}/sw.js"

    page.get_by_role("button", name="Notify this device").click()
    deadline = time.monotonic() + 20
    while NOT_ON not in page.inner_text("#push-state") and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    # no push service behind headless Chromium: the page says so instead of failing silently
    assert page.inner_text("#push-state").startswith("Your browser's push service refused")

    with server.api("carol") as carol:  # what the page's script sends once subscribed
        key = carol.get("/api/v1/push/key").json()["application_server_key"]
        assert page.get_attribute("#push-this-device", "data-key") == key
        body = {**service.subscribe(key), "name": "Chrome on Android"}
        assert carol.post("/api/v1/me/push-subscriptions", json=body).status_code == 201
    with server.api("bob") as bob:
        declared = bob.post(
            "/api/v1/incidents", json={"title": "Cart empties", "services": ["checkout-api"]}
        )
        number = declared.json()["id"]
        # carol now, whoever the schedule has on call at this (real) hour
        reassigned = bob.post(f"/api/v1/incidents/{number}/reassign", json={"user": "carol"})
        assert reassigned.status_code < 300, reassigned.text
    work(core)  # what the embedded worker does in `fireline serve`
    payload = next(p for p in service.payloads() if p["incident"] == number)
    service.close()

    deliver_push(context, page, server.url, json.dumps(payload))  # the worker's push event
    shown = _wait_for_notifications(worker, page)

    assert [n["tag"] for n in shown] == [payload["tag"]]
    [notification] = shown
    assert notification["title"].endswith(f"#{number} Cart empties")
    assert [(a["action"], a["title"]) for a in notification["actions"]] == [
        ("ack", "Acknowledge"),
        ("open", "Open"),
    ]
    context.clear_cookies()  # from the lock screen: no session at all
    after = worker.evaluate(ACKNOWLEDGE, payload["tag"])

    assert after == [
        {"title": "Acknowledged", "body": f"Incident #{number} is acknowledged; paging stopped."}
    ]
    with server.api("bob") as bob:
        incident = bob.get(f"/api/v1/incidents/{number}").json()
    assert incident["timestamps"]["acknowledged_at"] is not None
    acknowledged = [e for e in incident["timeline"] if e["kind"] == "acknowledged"]
    assert [(e["actor"], e["sentence"]) for e in acknowledged] == [
        ("carol", "Acknowledged from a push notification; paging stopped")
    ]

    log_in(page, server.url, "carol")
    page.goto(f"{server.url}/account")
    devices = page.locator("#push-devices")
    assert "Chrome on Android" in devices.inner_text()
    devices.scroll_into_view_if_needed()
    devices.screenshot(path=str(shots / "push-devices.png"))
    with page.expect_navigation():
        devices.get_by_role("button", name="Turn off push on Chrome on Android (1)").click()
    assert "No device is turned on" in page.inner_text("#push-devices")
    assert errors == []


def _account_page(browser: Any, server: LiveServer, init_script: str | None) -> tuple[Any, Any]:
    """Bob's account page, notifications allowed, push.js's subscribe timeout down to 1 s."""
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=server.url)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    log_in(page, server.url, "bob")
    page.goto(f"{server.url}/account")
    box = page.locator("#push-this-device")
    assert box.get_attribute("data-subscribe-seconds") == "20"  # what a person gets
    box.evaluate("box => { box.dataset.subscribeSeconds = '1'; }")
    return context, page


def _press_and_wait(page: Any, ending: str) -> tuple[tuple[str, bool], str, float]:
    """Press "Notify this device", then wait (10 s at most) for the status to end with `ending`:
    the status and whether the button was disabled just after the press, the status at the
    end, and the seconds it took."""
    button = page.get_by_role("button", name="Notify this device")
    started = time.monotonic()
    button.click()
    pressed = (page.inner_text("#push-state"), button.is_disabled())
    deadline = started + 10
    while not (state := page.inner_text("#push-state")).endswith(ending):
        assert time.monotonic() < deadline, f"still {state!r} after 10 s"
        page.wait_for_timeout(50)
    return pressed, state, time.monotonic() - started


def test_notify_this_device_gives_up_when_the_push_service_does_not_answer(
    browser: Any, server: LiveServer
) -> None:
    context, page = _account_page(browser, server, NEVER_ANSWERS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    pressed, state, seconds = _press_and_wait(page, NOT_ON)
    _, again, _ = _press_and_wait(page, NOT_ON)  # the button works again, and says it again

    assert pressed == ("Turning on…", True)  # one attempt at a time
    assert state == (
        "Your browser's push service did not answer in 1 s; push is not turned on for this "
        "device. Try again, or use another contact method."
    )
    assert 0.9 < seconds < 5
    assert page.get_by_role("button", name="Notify this device").is_enabled()
    assert again == state
    assert "No device is turned on" in page.inner_text("#push-devices")
    assert errors == []
    context.close()


def test_notify_this_device_says_what_the_push_service_refused(
    browser: Any, server: LiveServer
) -> None:
    # headless Chromium's own push service refuses: AbortError, "Registration failed - ..."
    context, page = _account_page(browser, server, None)

    _, state, _ = _press_and_wait(page, NOT_ON)

    assert state.startswith("Your browser's push service refused (Registration failed - ")
    assert state.endswith("); " + NOT_ON)
    assert page.get_by_role("button", name="Notify this device").is_enabled()
    context.close()


def test_a_subscription_that_comes_after_giving_up_is_dropped_again(
    browser: Any, server: LiveServer
) -> None:
    context, page = _account_page(browser, server, ANSWERS_LATE)

    _, state, _ = _press_and_wait(page, NOT_ON)
    deadline = time.monotonic() + 10
    while not page.evaluate("window.lateUnsubscribed") and time.monotonic() < deadline:
        page.wait_for_timeout(100)

    assert "did not answer in 1 s" in state
    assert page.evaluate("window.lateUnsubscribed") == 1  # the browser forgets it too
    assert page.inner_text("#push-state") == state  # and the page still tells the truth
    with server.api("bob") as bob:
        assert bob.get("/api/v1/me/push-subscriptions").json() == []
    context.close()
