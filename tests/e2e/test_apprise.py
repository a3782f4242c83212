"""Apprise contacts (#13): a page reaches any of Apprise's channels, here its `json://` plugin
posting to a real local receiver, with the acknowledge link in the text; the URL's tokens never
reach a log or the delivery log."""

from __future__ import annotations

import logging

import pytest

from fireline.bootstrap import Fireline
from fireline.notify import DeliveryFailed, Message
from fireline.notify.apprise import AppriseNotifier
from fireline.services.incidents import commands as incidents
from fireline.services.paging import delivery
from tests.conftest import EXAMPLE
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, receiving, work
from tests.e2e.servers import free_port

CAROL_HOOK = 'type: webhook, url: "http://127.0.0.1:9199/hooks/carol"'
CAROL_APPRISE = 'type: apprise, url: "json://127.0.0.1:9199/hooks/carol"'
PAGE = Message(
    incident_id=7,
    title="Checkout 502s",
    priority="P1",
    phase="triage",
    idempotency_key="page-7-1",
    url="http://fireline.example/incidents/7",
    ack_url="http://fireline.example/ack/7.bob.x",
)


@pytest.fixture
def apprise_paging(core: Fireline) -> Receiver:
    with receiving(core, EXAMPLE.read_text().replace(CAROL_HOOK, CAROL_APPRISE)) as receiver:
        yield receiver


def test_a_page_reaches_an_apprise_channel_with_its_acknowledge_link(
    core: Fireline, apprise_paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="Checkout 502s", services=["ledger"]
    ).incident
    work(core)

    [page] = [p for p in apprise_paging.pages if p["path"] == "/hooks/carol"]
    assert page["headers"]["User-Agent"] == "Apprise"
    assert page["body"]["title"] == f"#{incident.id} Checkout 502s"  # no priority set yet
    assert f"Acknowledge: http://127.0.0.1:8080/ack/{incident.id}.carol." in page["body"]["message"]
    [logged] = [d for d in delivery.list_deliveries(uow=core.uow()) if d.contact == "carol-hook"]
    assert (logged.channel, logged.status, logged.provider_status) == (
        "apprise",
        "sent",
        "accepted by json://",
    )


def test_a_test_page_to_an_apprise_contact(core: Fireline, apprise_paging: Receiver) -> None:
    tested = Api(core).admin.post("/api/v1/contacts/carol/carol-hook/test").json()

    assert tested["result"] == "delivered"
    assert apprise_paging.pages[0]["body"]["title"] == "Test page from Fireline"


def test_a_failure_is_retried_and_its_reason_holds_no_part_of_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "s3cr3tT0ken"
    url = f"json://user:{token}@127.0.0.1:{free_port()}/{token}/x"

    with caplog.at_level(logging.INFO), pytest.raises(DeliveryFailed) as failed:
        AppriseNotifier().send({"id": "tg", "type": "apprise", "url": url}, PAGE)

    assert failed.value.temporary
    assert str(failed.value).startswith("json:// did not take it: ")
    assert token not in str(failed.value) and "127.0.0.1" not in str(failed.value)
    assert token not in caplog.text  # at Fireline's log levels, Apprise says nothing of it


def test_a_url_apprise_does_not_know_fails_for_good() -> None:
    with pytest.raises(DeliveryFailed, match="Apprise does not know the nope:// URL") as failed:
        AppriseNotifier().send({"id": "x", "type": "apprise", "url": "nope://x/y"}, PAGE)

    assert not failed.value.temporary
