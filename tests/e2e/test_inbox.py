"""The built-in inbox channel: paged with nothing outside Fireline, through the same delivery
machinery as every other channel (jobs, delivery log, throttling, cancellation on ack)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.config import Settings
from fireline.notify import Message
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.paging import delivery, inbox
from fireline.web.app import create_app
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.paging_support import work
from tests.e2e.ui_support import WebUser, set_passwords

TOUR = EXAMPLE.with_name("tour.yaml")


@pytest.fixture
def toured(core: Fireline) -> Iterator[Fireline]:
    """The example and the README tour's file, applied as the tour does."""
    for path in (EXAMPLE, TOUR):
        apply_config(uow=core.uow(), text=path.read_text(), source=path.name)
    yield core


def declare(core: Fireline, service: str = "storefront") -> int:
    declared = incidents.declare(
        uow=core.uow(), actor="bob", title="Cart empties", services=[service]
    )
    return declared.incident.id


def test_a_page_arrives_in_the_inbox_and_the_delivery_log(toured: Fireline) -> None:
    number = declare(toured)
    work(toured)

    shown = inbox.my_inbox(uow=toured.uow(), user_id="admin")
    log = delivery.list_deliveries(uow=toured.uow(), incident_id=number)
    [message] = shown.items
    assert (shown.unread, message.kind, message.incident_id, message.needs_ack) == (
        1,
        "page",
        number,
        True,
    )
    assert (
        message.title.endswith(f"#{number} Cart empties") and message.url == f"/incidents/{number}"
    )
    assert [(d.recipient, d.contact, d.channel, d.status) for d in log] == [
        ("admin", "admin-inbox", "inbox", "sent")
    ]
    assert inbox.my_inbox(uow=toured.uow(), user_id="alice").items == []


def test_a_retried_send_is_kept_once(toured: Fireline) -> None:
    message = Message(
        incident_id=declare(toured),
        title="x",
        priority=None,
        phase="detection",
        idempotency_key="page:1:admin:admin-inbox:0",
        url="",
        user="admin",
    )
    contact = {"id": "admin-inbox", "type": "inbox"}
    first = inbox.keep(uow=toured.uow(), contact=contact, message=message)
    again = inbox.keep(uow=toured.uow(), contact=contact, message=message)
    assert (first, again) == (True, False)
    assert len(inbox.my_inbox(uow=toured.uow(), user_id="admin").items) == 1


def test_acknowledging_cancels_a_page_not_yet_sent_and_reads_the_inbox(
    toured: Fireline, clock: FakeClock
) -> None:
    number = declare(toured)
    work(toured)
    incidents.acknowledge(uow=toured.uow(), actor="admin", incident_id=number)
    shown = inbox.my_inbox(uow=toured.uow(), user_id="admin")
    assert shown.unread == 0 and shown.items[0].read_at is not None
    assert shown.items[0].needs_ack is False

    later = """
users:
  - id: admin
    name: Administrator
    email: admin@localhost.localdomain
    role: admin
    contact_methods: [{id: admin-inbox, type: inbox}]
    notification_rules: [{contact: admin-inbox, after: "2m"}]
"""
    apply_config(uow=toured.uow(), text=later, source="later.yaml")
    second = declare(toured)
    work(toured)
    incidents.acknowledge(uow=toured.uow(), actor="bob", incident_id=second)
    clock.advance(minutes=3)
    work(toured)
    log = delivery.list_deliveries(uow=toured.uow(), incident_id=second)
    assert [(d.channel, d.status) for d in log] == [("inbox", "cancelled")]
    assert [m.incident_id for m in inbox.my_inbox(uow=toured.uow(), user_id="admin").items] == [
        number
    ]


def test_the_inbox_is_throttled_like_any_channel(database_url: str, clock: FakeClock) -> None:
    from fireline.bootstrap import build

    core = build(Settings(database_url=database_url, throttle_limit=1), clock=clock)
    try:
        for path in (EXAMPLE, TOUR):
            apply_config(uow=core.uow(), text=path.read_text(), source=path.name)
        declare(core)
        declare(core)
        work(core)
        statuses = sorted(d.status for d in delivery.list_deliveries(uow=core.uow()))
        assert statuses == ["sent", "throttled"]
        assert len(inbox.my_inbox(uow=core.uow(), user_id="admin").items) == 1
    finally:
        core.close()


def test_the_api_lists_and_marks_read_only_the_callers_inbox(toured: Fireline) -> None:
    declare(toured)
    declare(toured)
    work(toured)
    app = create_app(fireline=toured)
    admin = TestClient(app, headers={"Authorization": f"Bearer {_token(toured, 'admin')}"})
    dana = TestClient(app, headers={"Authorization": f"Bearer {_token(toured, 'dana')}"})

    listed = admin.get("/api/v1/me/inbox").json()
    newest = listed["items"][0]["id"]
    newer = admin.get("/api/v1/me/inbox", params={"after": newest}).json()
    marked = admin.post("/api/v1/me/inbox/read", json={"ids": [newest]}).json()
    theirs = dana.post("/api/v1/me/inbox/read").json()
    left = admin.get("/api/v1/me/inbox", params={"unread": True}).json()
    everything = admin.post("/api/v1/me/inbox/read").json()
    refused = admin.post("/api/v1/me/inbox/read", json={"ids": ["x"]})
    anonymous = TestClient(app).get("/api/v1/me/inbox")

    assert listed["unread"] == 2 and [i["incident_id"] for i in listed["items"]] == [2, 1]
    assert newer == {"items": [], "unread": 2}
    assert marked == {"marked": 1, "unread": 1}
    assert theirs == {"marked": 0, "unread": 0}  # dana's inbox is empty; admin's untouched
    assert [i["incident_id"] for i in left["items"]] == [1]
    assert everything == {"marked": 1, "unread": 0}
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401


def _token(core: Fireline, user: str) -> str:
    return auth.create_token(uow=core.uow(), user_id=user)


def test_my_work_shows_the_inbox_with_an_acknowledge_button(toured: Fireline) -> None:
    number = declare(toured)
    work(toured)
    set_passwords(toured, "admin")
    browser = WebUser(create_app(fireline=toured))
    browser.log_in("admin")
    board = browser.get("/").text
    polled = browser.get("/inbox/poll").json()
    forged = browser.client.post(f"/incidents/{number}/acknowledge", data={"csrf_token": "no"})
    acked = browser.post(f"/incidents/{number}/acknowledge")
    after = browser.get("/").text
    refused = browser.client.post("/inbox/read", data={"csrf_token": "no"})

    assert "My inbox" in board and "Cart empties" in board
    assert f'action="/incidents/{number}/acknowledge"' in board
    assert f'name="csrf_token" value="{browser.csrf}"' in board
    assert [m["incident_id"] for m in polled["items"]] == [number] and polled["unread"] == 1
    assert forged.status_code == 403 and acked.status_code == 303
    assert f"Acknowledge #{number}" not in after
    assert refused.status_code == 403


def test_favicon(toured: Fireline) -> None:
    icon = TestClient(create_app(fireline=toured)).get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
