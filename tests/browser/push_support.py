"""Hand Fireline's service worker a push message in Chromium, as the browser does with one from its
push service (used by the browser tests and by bench/screenshots.py's notification)."""

from __future__ import annotations

import time
from typing import Any


def deliver_push(context: Any, page: Any, origin: str, data: str) -> None:
    """Hand the service worker a push message, as the browser does once it has decrypted one
    (Chromium's DevTools protocol: ServiceWorker.deliverPushMessage)."""
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 20
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    [registration] = [r for r in registrations if r["scopeURL"] == f"{origin}/"]
    message = {"origin": f"{origin}/", "registrationId": registration["registrationId"]}
    cdp.send("ServiceWorker.deliverPushMessage", {**message, "data": data})
