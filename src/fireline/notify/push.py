"""Web Push: pages to the browsers and phones a person turned on "Notify this device" on.

Each device is a push subscription (the push service's endpoint, the browser's keys). The page
goes to every device of the person as an encrypted (RFC 8291, aes128gcm) Web Push message,
signed with Fireline's VAPID key (RFC 8292), through the ``pywebpush`` package. The payload is
JSON: ``title``, ``body``, ``url`` (the incident page: the **Open** action) and, for a page,
``ack_url`` (a path carrying a signed token: the **Acknowledge** action, which the service
worker POSTs without a session). ``tag`` is the delivery's idempotency key, so a retried page
replaces, silently, the notification an earlier attempt showed.

A device the push service says is gone (404, 410) is dropped. Other refusals (4xx) fail that
device for good; 429, 5xx and network errors are retried.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from fireline.notify import DeliveryFailed, Message, Receipt

GONE = (404, 410)
TTL_SECONDS = 3600  # a page nobody's device fetched within an hour is escalated anyway
SUMMARY_LIMIT = 200  # the delivery log keeps 200 characters of what the provider answered


@dataclass(frozen=True)
class Device:
    """One push subscription: where to send, and the browser's keys to encrypt to."""

    endpoint: str
    p256dh: str
    auth: str
    name: str = ""


@dataclass(frozen=True)
class PushTargets:
    """What a push needs from Fireline's database: the person's devices, the VAPID key (its
    32-byte private scalar) and subject, and the signed acknowledge path (pages only)."""

    devices: list[Device]
    vapid_key: bytes = field(repr=False)
    subject: str
    ack_path: str = ""


@dataclass(frozen=True)
class DeviceBook:
    """Where the notifier finds a person's devices and forgets the ones that are gone."""

    targets: Callable[[Message], PushTargets]
    drop: Callable[[str], object]


@dataclass
class _Tally:
    delivered: list[str] = field(default_factory=list)  # push services' message ids (Location)
    statuses: list[int] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class PushNotifier:
    """Sends a message to every push device of its person (``message.user``)."""

    def __init__(self, book: DeviceBook, session: requests.Session | None = None) -> None:
        self.book = book
        self.session = session or requests.Session()

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        if not message.user:
            raise DeliveryFailed("push goes to a person's devices, not a channel", temporary=False)
        targets = self.book.targets(message)
        if not targets.devices:
            raise DeliveryFailed(
                f"{message.user} has no push devices: turn on “Notify this device” on the "
                "account page",
                temporary=False,
            )
        data = json.dumps(payload(message, targets.ack_path))
        tally = _Tally()
        for device in targets.devices:
            self._push(device, data, targets, tally)
        return _receipt(tally)

    def _push(self, device: Device, data: str, targets: PushTargets, tally: _Tally) -> None:
        label = device.name or "a device"
        try:
            response = webpush(
                subscription_info=_subscription(device),
                data=data,
                vapid_private_key=Vapid.from_raw(_b64url(targets.vapid_key).encode()),
                vapid_claims={"sub": targets.subject},  # webpush adds aud and exp to it
                ttl=TTL_SECONDS,
                timeout=10,
                headers={"Urgency": "high"},
                requests_session=self.session,
            )
        except WebPushException as refused:
            self._refused(device, refused.status_code, tally)
            return
        except requests.RequestException as error:
            tally.retry.append(f"{label}: cannot reach its push service ({type(error).__name__})")
            return
        assert isinstance(response, requests.Response)
        tally.statuses.append(response.status_code)
        tally.delivered.append(response.headers.get("Location", ""))

    def _refused(self, device: Device, status: int | None, tally: _Tally) -> None:
        label = device.name or "a device"
        if status in GONE:
            self.book.drop(device.endpoint)
            tally.gone.append(f"{label} ({status})")
        elif status is None or status == 429 or status >= 500:
            tally.retry.append(f"{label}: its push service answered {status}")
        else:
            tally.refused.append(f"{label}: its push service refused the message ({status})")


def payload(message: Message, ack_path: str) -> dict[str, Any]:
    """What the service worker receives (decrypted) and shows."""
    page = message.kind == "page" and bool(ack_path)
    actions = [{"action": "ack", "title": "Acknowledge"}] if page else []
    actions.append({"action": "open", "title": "Open"})
    return {
        "title": message.headline,
        "body": _body(message),
        "url": message.url,
        "ack_url": ack_path if page else "",
        "incident": message.incident_id,
        "kind": message.kind,
        "tag": message.idempotency_key,
        "actions": actions,
    }


def _body(message: Message) -> str:
    if message.kind == "page":
        return f"You are paged ({message.phase}). Acknowledge to stop the escalation."
    return message.text or message.title


def _receipt(tally: _Tally) -> Receipt:
    gone = f"; dropped {len(tally.gone)} gone: {', '.join(tally.gone)}" if tally.gone else ""
    if tally.retry:
        problems = "; ".join(tally.retry + tally.refused)
        got = f"{len(tally.delivered)} device(s) got it; " if tally.delivered else ""
        raise DeliveryFailed(f"{got}{problems}{gone}", temporary=True)
    if not tally.delivered:
        problems = "; ".join(tally.refused) or "every device of this person is gone"
        raise DeliveryFailed(f"{problems}{gone}", temporary=False)
    codes = ", ".join(sorted({f"HTTP {s}" for s in tally.statuses}))
    refused = f"; {'; '.join(tally.refused)}" if tally.refused else ""
    status = f"{codes} from {len(tally.delivered)} device(s){gone}{refused}"
    ref = " ".join(location for location in tally.delivered if location)
    return Receipt(ref=ref[:SUMMARY_LIMIT], status=status[:SUMMARY_LIMIT])


def _subscription(device: Device) -> dict[str, Any]:
    return {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
