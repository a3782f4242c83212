"""One person on every channel (#13): carol has an SMS number, a voice number, a push device, a
Slack app DM, a Mattermost webhook and a plain webhook. Whichever channel she acknowledges from,
the timeline names it and the pages still queued on the other channels are cancelled: nothing
more reaches Twilio, the push service, Slack or the webhook receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline, build
from fireline.domain.events import CHANNEL_NAMES
from fireline.domain.sentences import describe
from fireline.services.incidents import commands as incidents
from fireline.services.paging import delivery
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.chat_support import BOT_TOKEN, SIGNING_SECRET, SLACK_PEOPLE, press_body, slack_signed
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, receiving, work
from tests.e2e.push_service import PushService
from tests.e2e.slack_double import SlackDouble
from tests.e2e.test_phones import answer, settings_for, sms_from, verify
from tests.e2e.twilio_double import TwilioDouble

NUMBER = "+15550001003"
CAROL = """      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}
    notification_rules:
      - {contact: carol-hook, after: "0s"}
"""
CONTACTS = {
    "sms": "carol-sms",
    "voice": "carol-voice",
    "push": "carol-phone",
    "slack": "carol-slack",
    "mattermost": "carol-mm",
}


def everywhere(first: str) -> str:
    """The example config; carol is paged on ``first`` at once, on the other channels and by
    webhook a minute later."""
    rules = "".join(
        f'      - {{contact: {contact}, after: "{"0s" if channel == first else "1m"}"}}\n'
        for channel, contact in CONTACTS.items()
    )
    mine = (
        '      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}\n'
        f'      - {{id: carol-sms, type: sms, number: "{NUMBER}"}}\n'
        "      - {id: carol-phone, type: push}\n"
        f'      - {{id: carol-voice, type: voice, number: "{NUMBER}"}}\n'
        "      - {id: carol-slack, type: slack, channel: D0CAROL}\n"
        '      - {id: carol-mm, type: mattermost, url: "http://127.0.0.1:9199/hooks/carol-mm"}\n'
        "    notification_rules:\n" + rules + '      - {contact: carol-hook, after: "1m"}\n'
    )
    text, zone = EXAMPLE.read_text(), "    time_zone: Asia/Singapore\n"
    assert CAROL in text and zone in text
    return text.replace(CAROL, mine).replace(zone, zone + "    mattermost_user_id: carol\n")


@dataclass
class Doubles:
    core: Fireline
    http: TestClient
    twilio: TwilioDouble
    slack: SlackDouble
    push: PushService
    hooks: Receiver
    clock: FakeClock
    first: str  # the channel carol is paged on at once, and acknowledges from


@pytest.fixture
def doubles(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> Iterator[Doubles]:
    twilio, slack, push = TwilioDouble(), SlackDouble(BOT_TOKEN, dict(SLACK_PEOPLE)), PushService()
    slack_app = {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET}
    settings = settings_for(database_url, twilio).model_copy(
        update={**slack_app, "slack_api_url": slack.url}
    )
    core = build(settings, clock=clock, migrate=False)
    try:
        with receiving(core, everywhere(request.param)) as hooks:
            verify(core, twilio)
            api = Api(core)
            carol = api.client_for("carol")
            key = carol.get("/api/v1/push/key").json()["application_server_key"]
            device = {**push.subscribe(key), "name": "phone"}
            assert carol.post("/api/v1/me/push-subscriptions", json=device).status_code == 201
            yield Doubles(core, api.anonymous, twilio, slack, push, hooks, clock, request.param)
    finally:
        core.close()
        twilio.close()
        slack.close()
        push.close()


def _from_sms(d: Doubles, incident_id: int) -> None:
    assert sms_from(d.twilio, d.http, f"{incident_id}a").endswith("Paging stopped.")


def _from_slack(d: Doubles, incident_id: int) -> None:
    [card] = [c for c in d.slack.state.called("chat.postMessage") if c["channel"] == "D0CAROL"]
    body = press_body("U0CAROL", "ack", incident_id, "D0CAROL", "1700000001.000100")
    headers = slack_signed(body, d.clock().timestamp())
    pressed = d.http.post("/api/v1/slack/interactions", content=body, headers=headers)
    assert pressed.status_code == 200, pressed.text
    assert card["blocks"]


def _from_push(d: Doubles, incident_id: int) -> None:
    [pushed] = d.push.payloads()
    assert pushed["url"].endswith(f"/incidents/{incident_id}")
    answer = d.http.post(pushed["ack_url"], headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text


def _from_voice(d: Doubles, incident_id: int) -> None:
    [call] = d.twilio.calls
    assert call["Url"].endswith(f"/api/v1/twilio/voice?incident={incident_id}")
    said = answer(d.twilio, d.http, call, call["Url"], Digits="1")
    assert "acknowledged by carol" in " ".join(s.text or "" for s in said.iter("Say"))


def _from_mattermost(d: Doubles, incident_id: int) -> None:
    [page] = [p["body"] for p in d.hooks.pages if p["path"] == "/hooks/carol-mm"]
    [ack] = [a for a in page["attachments"][0]["actions"] if a["name"] == "Acknowledge"]
    assert ack["integration"]["context"]["incident"] == incident_id
    body = {"user_id": "mm0carol", "user_name": "carol", "context": ack["integration"]["context"]}
    pressed = d.http.post("/api/v1/mattermost/actions", json=body)
    assert pressed.status_code == 200 and "update" in pressed.json(), pressed.text


ACK: dict[str, Callable[[Doubles, int], None]] = {
    "sms": _from_sms,
    "voice": _from_voice,
    "slack": _from_slack,
    "push": _from_push,
    "mattermost": _from_mattermost,
}
SAYS = CHANNEL_NAMES


def _reached(d: Doubles) -> dict[str, int]:
    """How many pages each double received."""
    slack = [c for c in d.slack.state.called("chat.postMessage") if c["channel"] == "D0CAROL"]
    texts = [m for m in d.twilio.messages if "Reply" in m["Body"]]  # pages, not the code
    return {
        "sms": len(texts),
        "voice": len(d.twilio.calls),
        "push": len(d.push.received),
        "slack": len(slack),
        "mattermost": d.hooks.who().count("carol-mm"),
        "hook": d.hooks.who().count("carol"),
    }


@pytest.mark.parametrize("doubles", list(ACK), indirect=True)
def test_an_acknowledgement_from_one_channel_cancels_the_pages_queued_on_the_others(
    doubles: Doubles,
) -> None:
    d = doubles
    first = d.first
    incident_id = incidents.declare(
        uow=d.core.uow(), actor="dana", title="Checkout down", services=["checkout-api"]
    ).incident.id
    work(d.core)
    before = _reached(d)

    ACK[first](d, incident_id)
    d.clock.advance(minutes=10)
    work(d.core)

    assert before == {**dict.fromkeys(CONTACTS, 0), "hook": 0, first: 1}
    assert _reached(d) == before  # nothing more went out, on any channel
    [acked] = incidents.get(
        uow=d.core.uow(), incident_id=incident_id, kinds=["acknowledged"]
    ).timeline
    assert acked.event.actor == "carol"
    assert describe(acked.event).text == f"Acknowledged from {SAYS[first]}; paging stopped"
    logged = {
        d_.contact: d_.status
        for d_ in delivery.list_deliveries(uow=d.core.uow())
        if d_.incident_id == incident_id and d_.contact.startswith("carol-")
    }
    others = {contact: "cancelled" for channel, contact in CONTACTS.items() if channel != first}
    assert logged == {CONTACTS[first]: "sent", **others, "carol-hook": "cancelled"}
