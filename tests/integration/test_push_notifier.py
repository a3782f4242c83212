"""The push adapter on its own, against the local Web Push service: what it sends, and what the
delivery log is told for each mix of device answers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest

from fireline.notify import DeliveryFailed, Message
from fireline.notify.push import Device, DeviceBook, PushNotifier, PushTargets
from fireline.services.admin.secrets import p256_private_key
from fireline.services.paging.push_devices import public_key_of, vapid_subject
from tests.e2e.push_service import PushService

PAGE = Message(
    incident_id=7,
    title="Checkout 502s",
    priority="P1",
    phase="response",
    idempotency_key="page:7:bob:bob-phone:1",
    url="https://fireline.example.com/incidents/7",
    user="bob",
    ack_url="https://fireline.example.com/ack/x",
)
SUBJECT = "mailto:oncall@example.com"


@pytest.fixture
def service() -> Iterator[PushService]:
    running = PushService()
    yield running
    running.close()


class Book:
    """A person's devices in memory, and the endpoints the notifier dropped."""

    def __init__(self, key: bytes, devices: list[Device]) -> None:
        self.key, self.devices, self.dropped = key, devices, list[str]()

    def as_book(self) -> DeviceBook:
        def targets(message: Message) -> PushTargets:
            return PushTargets(list(self.devices), self.key, SUBJECT, "/push/ack/7.bob.1.sig")

        return DeviceBook(targets=targets, drop=self.dropped.append)


def devices(service: PushService, key: bytes, *names: str) -> list[Device]:
    made = []
    for name in names:
        subscription = service.subscribe(public_key_of(key))
        keys = subscription["keys"]
        made.append(Device(subscription["endpoint"], keys["p256dh"], keys["auth"], name))
    return made


def test_the_payload_is_encrypted_to_each_device_and_signed_for_its_push_service(
    service: PushService,
) -> None:
    key = p256_private_key()
    book = Book(key, devices(service, key, "phone"))

    receipt = PushNotifier(book.as_book()).send({"id": "bob-phone", "type": "push"}, PAGE)

    [received] = service.received
    assert received.payload == {
        "title": "P1 #7 Checkout 502s",
        "body": "You are paged (response). Acknowledge to stop the escalation.",
        "url": "https://fireline.example.com/incidents/7",
        "ack_url": "/push/ack/7.bob.1.sig",
        "incident": 7,
        "kind": "page",
        "tag": "page:7:bob:bob-phone:1",
        "actions": [
            {"action": "ack", "title": "Acknowledge"},
            {"action": "open", "title": "Open"},
        ],
    }
    assert received.claims["sub"] == SUBJECT and received.claims["aud"] == service.origin
    assert received.headers["urgency"] == "high" and int(received.headers["ttl"]) > 0
    assert receipt.status == "HTTP 201 from 1 device(s)"
    assert receipt.ref.startswith(f"{service.origin}/m/")
    assert key.hex() not in json.dumps(received.payload)


def test_a_device_that_refuses_fails_alone_and_a_gone_one_is_dropped(
    service: PushService,
) -> None:
    key = p256_private_key()
    phone, laptop, old = devices(service, key, "phone", "laptop", "old")
    service.device_of({"endpoint": laptop.endpoint}).answer = 413
    service.device_of({"endpoint": old.endpoint}).answer = 410
    book = Book(key, [phone, laptop, old])

    receipt = PushNotifier(book.as_book()).send({}, PAGE)

    assert receipt.status == (
        "HTTP 201 from 1 device(s); dropped 1 gone: old (410); "
        "laptop: its push service refused the message (413)"
    )
    assert book.dropped == [old.endpoint]


def test_an_unreachable_push_service_is_retried_and_a_message_for_no_one_is_refused(
    service: PushService,
) -> None:
    key = p256_private_key()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    [device] = devices(service, key, "x")
    away = replace(device, endpoint=f"http://127.0.0.1:{port}/push/x", name="away")
    book = Book(key, [away])

    with pytest.raises(DeliveryFailed) as unreachable:
        PushNotifier(book.as_book()).send({}, PAGE)
    with pytest.raises(DeliveryFailed) as nobody:
        PushNotifier(book.as_book()).send({}, Message(**{**vars(PAGE), "user": ""}))

    assert unreachable.value.temporary
    assert "away: cannot reach its push service (ConnectionError)" in str(unreachable.value)
    assert not nobody.value.temporary


def test_the_vapid_subject_is_the_setting_else_the_https_address_else_the_mail_sender() -> None:
    assert vapid_subject("mailto:me@example.com", "https://f.example.com", "x@y") == (
        "mailto:me@example.com"
    )
    assert vapid_subject("", "https://f.example.com/", "x@y") == "https://f.example.com"
    assert vapid_subject("", "http://127.0.0.1:8080", "pager@example.com") == (
        "mailto:pager@example.com"
    )
