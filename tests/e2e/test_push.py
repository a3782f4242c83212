"""Push to phones and desktops: devices turned on through the API, pages pushed through pywebpush
to a real local Web Push service that checks the VAPID signature and decrypts the payload, the
notification's signed Acknowledge, and devices the push service says are gone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from fireline.bootstrap import Fireline
from fireline.domain.sentences import describe
from fireline.services.admin import secrets
from fireline.services.incidents import commands as incidents
from fireline.services.paging import ack_links, delivery
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, receiving, timeline, work
from tests.e2e.push_service import PushService

CAROL = """      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}
    notification_rules:
      - {contact: carol-hook, after: "0s"}
"""
CAROL_WITH_PUSH = """      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}
      - {id: carol-phone, type: push}
    notification_rules:
      - {contact: carol-phone, after: "0s"}
      - {contact: carol-hook, after: "1m"}
"""


@pytest.fixture
def service() -> Iterator[PushService]:
    running = PushService()
    yield running
    running.close()


@pytest.fixture
def paging(core: Fireline) -> Iterator[Receiver]:
    """The example config, carol paged first on her push devices, then by webhook after 1m."""
    assert CAROL in EXAMPLE.read_text()
    with receiving(core, EXAMPLE.read_text().replace(CAROL, CAROL_WITH_PUSH)) as receiver:
        yield receiver


def turn_on(api: Api, user: str, service: PushService, name: str = "phone") -> dict[str, Any]:
    """What the account page's script does: subscribe with Fireline's key, send the device."""
    client = api.client_for(user)
    key = client.get("/api/v1/push/key").json()["application_server_key"]
    subscription = service.subscribe(key)
    added = client.post("/api/v1/me/push-subscriptions", json={**subscription, "name": name})
    assert added.status_code == 201, added.text
    return subscription


def page_carol(core: Fireline) -> int:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    ).incident
    work(core)  # Monday 10:00 in Paris: carol's weekday cover is paged
    return incident.id


def push_deliveries(core: Fireline) -> list[delivery.DeliveryRead]:
    return [d for d in delivery.list_deliveries(uow=core.uow()) if d.channel == "push"]


def test_a_person_turns_devices_on_lists_them_and_turns_them_off(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    turn_on(api, "bob", service, "Chrome on Android")
    turn_on(api, "bob", service, "Firefox on Linux")

    mine = api.responder.get("/api/v1/me/push-subscriptions").json()
    theirs = api.viewer.get("/api/v1/me/push-subscriptions").json()
    by_dana = api.viewer.delete(f"/api/v1/me/push-subscriptions/{mine[0]['id']}")
    by_bob = api.responder.delete(f"/api/v1/me/push-subscriptions/{mine[0]['id']}")
    again = api.responder.delete(f"/api/v1/me/push-subscriptions/{mine[0]['id']}")

    assert [(d["name"], d["push_service"]) for d in mine] == [
        ("Chrome on Android", "127.0.0.1"),
        ("Firefox on Linux", "127.0.0.1"),
    ]
    assert "endpoint" not in mine[0] and "p256dh" not in str(mine)
    assert theirs == []
    assert by_dana.status_code == 404  # not hers: nothing says it exists
    assert (by_bob.status_code, again.status_code) == (204, 404)
    left = api.responder.get("/api/v1/me/push-subscriptions").json()
    assert [d["name"] for d in left] == ["Firefox on Linux"]


def test_a_subscription_that_cannot_be_pushed_to_is_refused(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    good = service.subscribe(api.responder.get("/api/v1/push/key").json()["application_server_key"])
    wrong = {
        "endpoint": {**good, "endpoint": "http://push.example.com/x"},
        "keys.p256dh": {**good, "keys": {**good["keys"], "p256dh": "AAAA"}},
        "keys.auth": {**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}},
    }
    for field, body in wrong.items():
        refused = api.responder.post("/api/v1/me/push-subscriptions", json=body)
        assert refused.status_code == 422, (field, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    assert api.anonymous.post("/api/v1/me/push-subscriptions", json=good).status_code == 401
    assert api.responder.get("/api/v1/me/push-subscriptions").json() == []


def test_the_vapid_key_is_made_once_kept_and_only_its_public_half_shown(
    core: Fireline, paging: Receiver
) -> None:
    api = Api(core)
    first = api.viewer.get("/api/v1/push/key").json()["application_server_key"]
    second = api.responder.get("/api/v1/push/key").json()["application_server_key"]
    listed = api.admin.get("/api/v1/secrets").json()

    with core.uow() as uow:
        private = secrets.key(uow, "web-push")
    assert first == second and len(first) == 87  # 65 bytes, base64url
    assert private.hex() not in str(listed) and private.hex() not in first
    [web_push] = [s for s in listed if s["purpose"] == "web-push"]
    assert set(web_push) == {"purpose", "description", "created_at"}


def test_a_page_reaches_every_device_and_acknowledge_stops_the_paging(
    core: Fireline, clock: FakeClock, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    phone, laptop = (
        turn_on(api, "carol", service, "phone"),
        turn_on(api, "carol", service, "laptop"),
    )

    incident_id = page_carol(core)

    assert [r.device for r in service.received] == [
        service.device_of(phone).id,
        service.device_of(laptop).id,
    ]
    pushed = service.payloads()[0]
    assert pushed == service.payloads()[1]
    assert pushed["title"].endswith(f"#{incident_id} Checkout down")
    assert pushed["url"].endswith(f"/incidents/{incident_id}")
    assert [a["action"] for a in pushed["actions"]] == ["ack", "open"]
    assert pushed["ack_url"].startswith("/push/ack/")
    claims = service.received[0].claims
    assert claims["aud"] == service.origin and claims["sub"].startswith("mailto:")
    [sent] = push_deliveries(core)
    assert (sent.status, sent.provider_status) == ("sent", "HTTP 201 from 2 device(s)")
    assert sent.provider_ref.startswith(f"{service.origin}/m/")

    acked = api.anonymous.post(pushed["ack_url"], headers={"Accept": "application/json"})

    assert acked.status_code == 200, acked.text
    assert acked.json()["incident"] == incident_id
    record = incidents.get(uow=core.uow(), incident_id=incident_id)
    [event] = [e for e in record.timeline if e.event.kind == "acknowledged"]
    assert event.event.actor == "carol"
    assert describe(event.event).text == "Acknowledged from a push notification; paging stopped"
    clock.advance(minutes=10)
    work(core)  # carol's webhook (after 1m) and the next escalation step are cancelled
    assert paging.who() == []
    assert len(service.received) == 2
    hooks = [d for d in delivery.list_deliveries(uow=core.uow()) if d.contact == "carol-hook"]
    assert [d.status for d in hooks] == ["cancelled"]


def test_a_device_the_push_service_says_is_gone_is_dropped(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    phone, old = turn_on(api, "carol", service, "phone"), turn_on(api, "carol", service, "old")
    service.device_of(old).answer = 410

    page_carol(core)

    [sent] = push_deliveries(core)
    assert sent.status == "sent"
    assert sent.provider_status == "HTTP 201 from 1 device(s); dropped 1 gone: old (410)"
    left = api.client_for("carol").get("/api/v1/me/push-subscriptions").json()
    assert [d["name"] for d in left] == ["phone"]
    assert [r.device for r in service.received] == [service.device_of(phone).id]


def test_when_every_device_is_gone_the_page_fails_for_good(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    service.device_of(turn_on(api, "carol", service)).answer = 404

    incident_id = page_carol(core)

    [failed] = push_deliveries(core)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "every device of this person is gone" in failed.reason and "(404)" in failed.reason
    assert api.client_for("carol").get("/api/v1/me/push-subscriptions").json() == []
    [why] = timeline(core, incident_id, "page_failed")
    assert why["channel"] == "push"


def test_a_push_service_that_fails_for_a_while_is_retried(
    core: Fireline, clock: FakeClock, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    device = service.device_of(turn_on(api, "carol", service))
    device.answer = 503

    page_carol(core)
    [waiting] = push_deliveries(core)
    device.answer = 201
    clock.advance(minutes=1)
    work(core)

    assert waiting.status == "queued" and "answered 503" in waiting.reason
    [sent] = push_deliveries(core)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert len(service.received) == 1


def test_no_device_no_push(core: Fireline, paging: Receiver, service: PushService) -> None:
    page_carol(core)

    [failed] = push_deliveries(core)
    assert failed.status == "failed"
    assert "carol has no push devices: turn on “Notify this device”" in failed.reason


def test_forged_expired_and_foreign_tokens_acknowledge_nothing(
    core: Fireline, clock: FakeClock, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    turn_on(api, "carol", service)
    incident_id = page_carol(core)
    ack_path = service.payloads()[0]["ack_url"]
    token = ack_path.rsplit("/", 1)[-1]
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    as_bob = token.replace(".carol.", ".bob.")
    with core.uow() as uow:  # a genuine acknowledge link is signed with another key
        link_token = ack_links.link_for(uow, "http://x", incident_id, "carol").rsplit("/", 1)[-1]
        uow.commit()

    answers = [
        api.anonymous.post(f"/push/ack/{bad}").status_code
        for bad in (forged, as_bob, link_token, "nonsense")
    ]
    clock.advance(hours=24, minutes=1)
    expired = api.anonymous.post(ack_path)

    assert answers == [401, 401, 401, 401]
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert expired.headers["content-type"] == "application/problem+json"
    assert (
        incidents.get(uow=core.uow(), incident_id=incident_id).incident.timestamps.acknowledged_at
        is None
    )


def test_a_resolved_incident_is_not_acknowledged_from_an_old_notification(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    turn_on(api, "carol", service)
    incident_id = page_carol(core)
    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident_id, summary="Fixed.")

    answer = api.anonymous.post(service.payloads()[0]["ack_url"])

    assert answer.status_code == 409 and "resolved already" in answer.json()["detail"]


def test_a_test_page_to_a_push_contact_reaches_the_devices_without_an_acknowledge_button(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    turn_on(api, "carol", service)

    tested = api.client_for("carol").post("/api/v1/contacts/carol/carol-phone/test").json()

    assert (tested["result"], tested["provider_status"]) == (
        "delivered",
        "HTTP 201 from 1 device(s)",
    )
    [pushed] = service.payloads()
    assert pushed["kind"] == "test" and pushed["ack_url"] == ""
    assert [a["action"] for a in pushed["actions"]] == ["open"]
    assert pushed["url"].endswith("/account")


def test_a_changed_vapid_key_is_refused_by_the_push_service(
    core: Fireline, paging: Receiver, service: PushService
) -> None:
    api = Api(core)
    turn_on(api, "carol", service)
    api.admin.post("/api/v1/secrets/web-push/rotate")

    page_carol(core)

    [failed] = push_deliveries(core)
    assert failed.status == "failed" and "refused the message (403)" in failed.reason
    assert service.refused[0][2] == "not the key this device subscribed with"
    assert timedelta(0) <= failed.updated_at - failed.queued_at
