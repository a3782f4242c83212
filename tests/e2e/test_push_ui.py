"""The installable web app and "Notify this device" over HTTP: the manifest, the service worker
at the root, the account page's push section and the routes its script calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from fireline.bootstrap import Fireline
from fireline.logs import redact
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver
from tests.e2e.push_service import PushService
from tests.e2e.ui_support import WebUser, set_passwords


@pytest.fixture
def service() -> Iterator[PushService]:
    running = PushService()
    yield running
    running.close()


@pytest.fixture
def bob(core: Fireline, paging: Receiver) -> WebUser:
    set_passwords(core, "bob", "dana")
    user = WebUser(Api(core).app)
    assert user.log_in("bob").status_code == 303
    return user


def test_every_page_links_the_manifest_and_the_manifest_makes_an_installable_app(
    bob: WebUser,
) -> None:
    page = bob.get("/")
    manifest = bob.get("/manifest.webmanifest")
    icons = [bob.get(icon["src"]) for icon in manifest.json()["icons"]]

    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text
    assert '<script src="/static/push.js" defer></script>' in page.text
    assert manifest.headers["content-type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["start_url"], body["scope"], body["display"]) == ("/", "/", "standalone")
    assert [i.status_code for i in icons] == [200, 200, 200]
    assert icons[0].content.startswith(b"\x89PNG") and icons[1].content.startswith(b"\x89PNG")


def test_the_service_worker_is_served_from_the_root_and_the_policy_allows_it(bob: WebUser) -> None:
    worker = bob.get("/sw.js")

    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert 'addEventListener("notificationclick"' in worker.text
    policy = worker.headers["content-security-policy"]
    assert "worker-src 'self'" in policy and "script-src 'self'" in policy


def test_the_account_page_offers_notify_this_device_with_the_public_key(bob: WebUser) -> None:
    page = bob.get("/account")

    key = re.search(r'id="push-this-device" data-key="([A-Za-z0-9_-]+)"', page.text)
    assert key and len(key.group(1)) == 87
    assert "Notify this device" in page.text
    assert "No device is turned on for push notifications." in page.text
    assert "<script>" not in page.text  # no inline script: push.js does the work


def test_the_page_script_turns_this_device_on_and_off_with_its_csrf_token(
    bob: WebUser, service: PushService
) -> None:
    key = re.search(r'data-key="([A-Za-z0-9_-]+)"', bob.get("/account").text)
    assert key
    subscription = service.subscribe(key.group(1))
    headers = {"X-CSRF-Token": bob.csrf}
    body = {**subscription, "name": "Chrome on Linux"}

    without = bob.client.post("/account/push-devices", json=body)
    on = bob.client.post("/account/push-devices", json=body, headers=headers)
    listed = bob.get("/account").text
    off = bob.client.post(
        "/account/push-devices/off", json={"endpoint": subscription["endpoint"]}, headers=headers
    )
    off_again = bob.client.post(
        "/account/push-devices/off", json={"endpoint": subscription["endpoint"]}, headers=headers
    )

    assert without.status_code == 403 and "CSRF" in without.text
    assert on.status_code == 201, on.text
    assert on.json()["name"] == "Chrome on Linux"
    assert "Chrome on Linux" in listed and "127.0.0.1" in listed
    assert off.status_code == 204
    assert off_again.status_code == 404


def test_the_device_list_turns_any_of_my_devices_off_and_no_one_elses(
    core: Fireline, bob: WebUser, service: PushService
) -> None:
    api = Api(core)
    key = api.responder.get("/api/v1/push/key").json()["application_server_key"]
    added = api.responder.post(
        "/api/v1/me/push-subscriptions", json={**service.subscribe(key), "name": "old laptop"}
    ).json()
    dana = WebUser(api.app)
    assert dana.log_in("dana").status_code == 303

    by_dana = dana.post(f"/account/push-devices/{added['id']}/delete")
    by_bob = bob.post(f"/account/push-devices/{added['id']}/delete")

    assert by_dana.status_code == 404
    assert by_bob.status_code == 303 and by_bob.headers["location"] == "/account"
    assert api.responder.get("/api/v1/me/push-subscriptions").json() == []


def test_the_acknowledge_token_of_a_push_is_redacted_from_logs() -> None:
    line = 'POST /push/ack/7.carol.1767225600.0123456789abcdef HTTP/1.1" 200'

    assert redact(line) == 'POST /push/ack/[redacted] HTTP/1.1" 200'
