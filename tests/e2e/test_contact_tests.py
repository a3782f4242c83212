"""Test pages: `fireline contact test USER CONTACT`, the API, and the delivery log's record of
what the provider answered; an acknowledgement says which channel it came from."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from fireline.bootstrap import Fireline
from fireline.domain.sentences import describe
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.paging import delivery
from fireline.web.app import create_app
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, timeline, work


def test_a_person_tests_their_webhook_and_sees_the_providers_answer(
    core: Fireline, paging: Receiver
) -> None:
    api = Api(core)

    tested = api.responder.post("/api/v1/contacts/bob/bob-hook/test")

    assert tested.status_code == 200, tested.text
    body = tested.json()
    assert (body["result"], body["channel"], body["provider_status"]) == (
        "delivered",
        "webhook",
        "HTTP 204",
    )
    [page] = paging.pages
    assert page["path"] == "/hooks/bob" and page["body"]["type"] == "test"
    assert "sent this test to bob's contact bob-hook" in page["body"]["text"]
    secret = api.admin.post("/api/v1/contacts/bob/bob-hook/secret").json()["secret"]
    assert secret  # a new one; the test was signed with the contact's own secret before it
    logged = delivery.list_deliveries(uow=core.uow())
    assert [(d.purpose, d.status, d.provider_status) for d in logged] == [
        ("test", "sent", "HTTP 204")
    ]
    assert logged[0].incident_id is None
    listed = api.responder.get("/api/v1/contacts/bob/tests").json()
    assert [(t["contact"], t["result"]) for t in listed] == [("bob-hook", "delivered")]


def test_the_test_is_signed_with_the_contacts_secret(core: Fireline, paging: Receiver) -> None:
    api = Api(core)
    secret = api.admin.post("/api/v1/contacts/bob/bob-hook/secret").json()["secret"]

    api.responder.post("/api/v1/contacts/bob/bob-hook/test")

    [page] = paging.pages
    Webhook(secret).verify(page["raw"], page["headers"])


def test_a_failed_test_says_why_and_others_may_not_test_your_contacts(
    core: Fireline, paging: Receiver
) -> None:
    api = Api(core)

    failed = api.responder.post("/api/v1/contacts/bob/bob-mail/test").json()
    by_viewer = api.viewer.post("/api/v1/contacts/bob/bob-hook/test")
    by_admin = api.admin.post("/api/v1/contacts/bob/bob-hook/test")
    missing = api.responder.post("/api/v1/contacts/bob/nope/test")

    assert failed["result"] == "failed"
    assert failed["reason"] == "email is not configured: set FIRELINE_SMTP_HOST"
    assert by_viewer.status_code == 403
    assert by_viewer.headers["content-type"] == "application/problem+json"
    assert by_admin.json()["result"] == "delivered"
    assert missing.status_code == 404 and "no contact method 'nope'" in missing.text
    assert len(paging.pages) == 1  # the admin's; the viewer's sent nothing


def test_the_cli_exits_1_when_the_test_was_not_delivered(
    core: Fireline, paging: Receiver, cli: Cli
) -> None:
    delivered = cli("contact", "test", "bob", "bob-hook")
    failed = cli("contact", "test", "bob", "bob-mail")
    as_json = cli("contact", "test", "bob", "bob-hook", "--json")

    assert delivered.code == 0, delivered.err
    assert delivered.out.strip() == "Test page to bob/bob-hook (webhook): delivered (HTTP 204)"
    assert failed.code == 1
    assert "FAILED: email is not configured" in failed.out
    assert as_json.json()["result"] == "delivered"


def test_an_acknowledgement_by_link_says_so_on_the_timeline(
    core: Fireline, clock: FakeClock, paging: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["ledger"]
    ).incident
    work(core)
    link = paging.pages[0]["body"]["ack_url"].removeprefix("http://127.0.0.1:8080")
    with TestClient(create_app(fireline=core)) as client:
        client.post(link, headers={"Accept": "application/json"})

    [acknowledged] = incidents.get(
        uow=core.uow(), incident_id=incident.id, kinds=["acknowledged"]
    ).timeline
    assert timeline(core, incident.id, "acknowledged")[0]["via"] == "link"
    assert describe(acknowledged.event).text == "Acknowledged from the page's link; paging stopped"


def test_the_account_page_sends_a_test_page_and_shows_the_result(
    core: Fireline, paging: Receiver
) -> None:
    from tests.e2e.ui_support import WebUser, set_passwords

    set_passwords(core, "bob")
    bob = WebUser(create_app(fireline=core))
    assert bob.log_in("bob").status_code == 303

    before = bob.get("/account")
    sent = bob.post("/account/contacts/bob-hook/test")
    failed = bob.post("/account/contacts/bob-mail/test")
    after = bob.get("/account")

    assert "never tested" in before.text and "Send me a test page" in before.text
    assert sent.status_code == 200 and "Test page to bob-hook delivered (HTTP 204)." in sent.text
    assert failed.status_code == 502
    assert "Test page to bob-mail failed: email is not configured" in failed.text
    assert "delivered" in after.text and "failed" in after.text
    assert [p["body"]["type"] for p in paging.pages] == ["test"]


CAROL_HOOK = '      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}\n'
CAROL_EVERYWHERE = EXAMPLE.read_text().replace(
    CAROL_HOOK,
    CAROL_HOOK
    + '      - {id: carol-sms, type: sms, number: "+15550001003"}\n'
    + '      - {id: carol-voice, type: voice, number: "+15550001003"}\n'
    + "      - {id: carol-phone, type: push}\n"
    + "      - {id: carol-slack, type: slack, channel: D0CAROL}\n"
    + '      - {id: carol-x, type: apprise, url: "nosuch://token@host/x"}\n'
    + '      - {id: carol-tg, type: apprise, url: "tgram://123456:AAbotsecret/-100987"}\n',
)


def test_every_channel_a_test_page_cannot_reach_says_why(
    core: Fireline, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fireline contact test` on each new channel type, before it can work: an unverified
    number, a push contact with no device, a Slack app channel without the bot token."""
    apply_config(uow=core.uow(), text=CAROL_EVERYWHERE)
    for name, value in {
        "FIRELINE_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "FIRELINE_TWILIO_AUTH_TOKEN": "f" * 32,
        "FIRELINE_TWILIO_FROM": "+15550000000",
        "FIRELINE_TWILIO_API_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FIRELINE_SLACK_BOT_TOKEN", raising=False)

    said = {}
    for contact in ("carol-sms", "carol-voice", "carol-phone", "carol-slack", "carol-x"):
        tested = cli("contact", "test", "carol", contact)
        assert tested.code == 1, (contact, tested.out, tested.err)
        said[contact] = tested.out.strip()

    assert said == {
        "carol-sms": "Test page to carol/carol-sms (sms): FAILED: number not verified: run "
        "fireline contact verify carol carol-sms",
        "carol-voice": "Test page to carol/carol-voice (voice): FAILED: number not verified: run "
        "fireline contact verify carol carol-voice",
        "carol-phone": "Test page to carol/carol-phone (push): FAILED: carol has no push "
        "devices: turn on “Notify this device” on the account page",
        "carol-slack": "Test page to carol/carol-slack (slack): FAILED: the Slack app is not "
        "configured: set FIRELINE_SLACK_BOT_TOKEN",
        "carol-x": "Test page to carol/carol-x (apprise): FAILED: Apprise does not know the "
        "nosuch:// URL of this contact",
    }


def test_the_account_page_says_where_each_new_channel_reaches_and_hides_apprise_tokens(
    core: Fireline,
) -> None:
    from tests.e2e.ui_support import WebUser, set_passwords

    apply_config(uow=core.uow(), text=CAROL_EVERYWHERE)
    set_passwords(core, "carol")
    carol = WebUser(create_app(fireline=core))
    assert carol.log_in("carol").status_code == 303

    page = carol.get("/account").text
    rows = re.findall(r"<tr>\s*<td>([\w-]+)</td>\s*<td>\w+</td>\s*<td>(.*?)</td>", page, re.S)
    where = {contact: " ".join(re.sub(r"<[^>]+>", "", cell).split()) for contact, cell in rows}

    assert where["carol-sms"] == "+15550001003 not verified"
    assert where["carol-slack"] == "Slack D0CAROL"
    assert where["carol-phone"] == "no device turned on yet: see Push notifications below"
    assert where["carol-tg"] == "tgram:// through Apprise"
    assert "AAbotsecret" not in page and "-100987" not in page
