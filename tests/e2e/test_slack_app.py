"""The Slack app (#13): pages posted through the bot as Block Kit cards with buttons, signed
interactions and slash commands (the real slack_sdk on our side, a Slack double on 127.0.0.1),
and incident channels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.domain.sentences import describe
from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock
from tests.e2e.chat_support import (
    chat_core,
    client,
    command_body,
    press_body,
    slack_signed,
)
from tests.e2e.paging_support import work
from tests.e2e.slack_double import SlackDouble


@pytest.fixture
def slack(
    database_url: str, clock: FakeClock
) -> Iterator[tuple[Fireline, SlackDouble, TestClient]]:
    with chat_core(database_url, clock) as (core, double):
        yield core, double, client(core)


def _declare(core: Fireline, actor: str = "alice", **fields: object) -> int:
    view = incidents.declare(
        uow=core.uow(),
        actor=actor,
        title="Checkout 502s <!channel>",
        **fields,  # type: ignore[arg-type]
    )
    return view.incident.id


def _post(http: TestClient, path: str, body: str, clock: FakeClock, **headers: str) -> object:
    return http.post(
        path, content=body, headers={**slack_signed(body, clock().timestamp()), **headers}
    )


def test_a_page_is_a_block_kit_card_with_buttons_and_its_receipt_is_channel_and_ts(
    slack, clock: FakeClock
) -> None:
    core, double, _ = slack
    incident_id = _declare(core, services=["ledger"])
    work(core)
    posted = [c for c in double.state.called("chat.postMessage") if c["channel"] == "D0BOB"]
    assert len(posted) == 1
    blocks = posted[0]["blocks"]
    head = blocks[0]["text"]["text"]
    assert f"#{incident_id} Checkout 502s &lt;!channel&gt;" in head  # escaped: pings nobody
    buttons = blocks[-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Acknowledge", "Escalate", "Resolve", "Open"]
    assert buttons[-1]["url"] == f"http://fireline.test/incidents/{incident_id}"
    with core.uow() as uow:
        logged = uow.deliveries.list_matching(incident_id=incident_id)
        receipts = {d.contact: (d.status, d.provider_ref) for d in logged}
    status, ref = receipts["bob-slack"]
    assert status == "sent" and ref.startswith("D0BOB:") and ref.split(":")[1].endswith(".000100")


def test_acknowledge_from_slack_acts_as_the_mapped_user_updates_the_card_and_stops_paging(
    slack, clock: FakeClock
) -> None:
    core, double, http = slack
    incident_id = _declare(core, services=["ledger"])
    work(core)
    page = [
        c
        for c in double.state.calls
        if c.method == "chat.postMessage" and c.args["channel"] == "D0BOB"
    ]
    assert page
    body = press_body("U0BOB", "ack", incident_id, "D0BOB", "1700000001.000100")
    response = _post(http, "/api/v1/slack/interactions", body, clock)
    assert response.status_code == 200, response.text
    updates = double.state.called("chat.update")
    assert len(updates) == 1
    assert updates[0]["channel"] == "D0BOB" and updates[0]["ts"] == "1700000001.000100"
    assert "Acknowledged by bob from Slack" in updates[0]["text"]
    labels = [b["text"]["text"] for b in updates[0]["blocks"][-1]["elements"]]
    assert labels == ["Escalate", "Resolve", "Open"]
    events = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["acknowledged"]).timeline
    assert [e.event.actor for e in events] == ["bob"]
    assert describe(events[0].event).text == "Acknowledged from Slack; paging stopped"
    clock.advance(minutes=30)  # the second step (alice) would be due now: it was cancelled
    work(core)
    assert not [c for c in double.state.called("chat.postMessage") if c["channel"] == "D0ALICE"]


def test_a_slack_user_is_found_by_email_through_users_info(slack, clock: FakeClock) -> None:
    core, double, http = slack
    incident_id = _declare(core, services=["ledger"])
    body = press_body("U0CAROL", "ack", incident_id, "C0OPS", "1700000009.000100")
    assert _post(http, "/api/v1/slack/interactions", body, clock).status_code == 200
    assert double.state.called("users.info") == [{"user": "U0CAROL"}]
    events = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["acknowledged"]).timeline
    assert [e.event.actor for e in events] == ["carol"]


def test_a_viewer_click_is_refused_politely_and_changes_nothing(slack, clock: FakeClock) -> None:
    core, double, http = slack
    incident_id = _declare(core, services=["ledger"])
    body = press_body("U0DANA", "resolve", incident_id, "C0OPS", "1700000009.000100")
    assert _post(http, "/api/v1/slack/interactions", body, clock).status_code == 200
    told = double.state.called("chat.postEphemeral")
    assert told and told[0]["user"] == "U0DANA" and "dana is a viewer" in told[0]["text"]
    assert not double.state.called("chat.update")
    assert (
        incidents.get(uow=core.uow(), incident_id=incident_id).incident.timestamps.resolved_at
        is None
    )


def test_an_unknown_slack_user_is_refused(slack, clock: FakeClock) -> None:
    core, double, http = slack
    incident_id = _declare(core, services=["ledger"])
    body = press_body("U0STRANGER", "ack", incident_id, "C0OPS", "1700000009.000100")
    assert _post(http, "/api/v1/slack/interactions", body, clock).status_code == 200
    told = double.state.called("chat.postEphemeral")
    assert "Fireline does not know who you are" in told[0]["text"]
    assert "slack_user_id: U0STRANGER" in told[0]["text"]
    assert (
        incidents.get(uow=core.uow(), incident_id=incident_id).incident.timestamps.acknowledged_at
        is None
    )


@pytest.mark.parametrize("path", ["/api/v1/slack/interactions", "/api/v1/slack/commands"])
def test_unsigned_stale_and_wrongly_signed_requests_are_refused(
    slack, clock: FakeClock, path: str
) -> None:
    core, double, http = slack
    body = (
        command_body("U0BOB", "declare Forged")
        if path.endswith("commands")
        else press_body("U0BOB", "open", 1, "C0OPS", "1700000009.000100")  # a link: no action
    )
    now = clock().timestamp()
    cases = {
        "unsigned": {"Content-Type": "application/x-www-form-urlencoded"},
        "stale": slack_signed(body, now - 5 * 60 - 1),
        "from the future": slack_signed(body, now + 5 * 60 + 1),
        "wrong secret": slack_signed(body, now, secret="not-the-signing-secret"),
        "other body": slack_signed(body.replace("U0BOB", "U0DANA"), now),
    }
    for case, headers in cases.items():
        response = http.post(path, content=body, headers=headers)
        assert response.status_code == 401, case
        assert response.headers["content-type"].startswith("application/problem+json"), case
    assert (
        http.post(path, content=body, headers=slack_signed(body, now - 4 * 60)).status_code == 200
    )
    assert not double.state.called("chat.update")


def _command(
    http: TestClient, clock: FakeClock, user: str, text: str, channel: str = "C0GENERAL"
) -> str:
    body = command_body(user, text, channel)
    response = _post(http, "/api/v1/slack/commands", body, clock)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def test_slash_commands(slack, clock: FakeClock) -> None:
    core, double, http = slack
    assert "/incident declare TITLE" in _command(http, clock, "U0BOB", "help")
    assert "/incident ack ID" in _command(http, clock, "U0BOB", "")
    declared = _command(http, clock, "U0BOB", "declare Payments <@U0ALL> failing")
    assert declared.startswith("Declared *") and "&lt;@U0ALL&gt;" in declared
    incident_id = incidents.list_incidents(uow=core.uow(), filters=_all()).items[0].incident.id
    assert f"#{incident_id}" in declared
    assert "Acknowledged" in _command(http, clock, "U0BOB", f"ack {incident_id}")
    assert "Posted a status update" in _command(
        http, clock, "U0BOB", f"update #{incident_id} Rolling back"
    )
    assert "Noted" in _command(
        http, clock, "U0BOB", f"note {incident_id} The deploy at 09:00 did it"
    )
    status = _command(http, clock, "U0DANA", f"status {incident_id}")
    assert "Acknowledged at" in status and f"#{incident_id}" in status
    assert _command(http, clock, "U0DANA", "oncall") == "*Payments primary*: bob"
    assert _command(http, clock, "U0DANA", "oncall primary") == "*Payments primary*: bob"
    detail = incidents.get(uow=core.uow(), incident_id=incident_id)
    kinds = [e.event.kind for e in detail.timeline]
    assert {"declared", "acknowledged", "status_update_posted", "note_added"} <= set(kinds)
    acked = [e.event for e in detail.timeline if e.event.kind == "acknowledged"]
    assert acked[0].via == "slack"  # type: ignore[union-attr]


def test_slash_command_mistakes_get_a_helpful_reply(slack, clock: FakeClock) -> None:
    core, double, http = slack
    assert "Could not ack: there is no incident 999" in _command(http, clock, "U0BOB", "ack 999")
    assert _command(http, clock, "U0BOB", "ack seven").startswith("Usage: `/incident ack ID`")
    assert _command(http, clock, "U0BOB", "update 1").startswith(
        "Usage: `/incident update ID TEXT`"
    )
    assert "There is no `/incident frobnicate`" in _command(http, clock, "U0BOB", "frobnicate")
    assert "dana is a viewer" in _command(http, clock, "U0DANA", "declare Not allowed")
    assert "Fireline does not know who you are" in _command(http, clock, "U0NOBODY", "status 1")
    assert "there is no schedule 'nope'" in _command(http, clock, "U0BOB", "oncall nope")


def test_an_incident_channel_opens_invites_and_hears_the_news(slack, clock: FakeClock) -> None:
    core, double, http = slack
    incident_id = _declare(core, services=["checkout-api"], urgency="high")
    work(core)
    created = double.state.called("conversations.create")
    assert [c["name"] for c in created] == [f"inc-{incident_id}-checkout-502s-channel"]
    (channel_id,) = double.state.channels
    incidents.assign_role(
        uow=core.uow(), actor="alice", incident_id=incident_id, role="commander", user="bob"
    )
    work(core)
    assert double.state.channels[channel_id]["members"] == ["U0BOB"]
    incidents.post_status_update(
        uow=core.uow(), actor="bob", incident_id=incident_id, message="Rolled back"
    )
    work(core)
    into_channel = [
        c["text"] for c in double.state.called("chat.postMessage") if c["channel"] == channel_id
    ]
    assert len(into_channel) == 2  # the incident's card when it opened, then the update
    assert "Rolled back" in into_channel[1]
    # a note typed in the channel lands on that incident's timeline
    reply = _command(http, clock, "U0BOB", "note Customers see errors again", channel=channel_id)
    assert reply.startswith("Noted on")
    _command(http, clock, "U0BOB", "note 5 pods restarted", channel=channel_id)
    notes = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["note_added"]).timeline
    texts = [n.event.text for n in notes]  # type: ignore[attr-defined]
    assert texts == ["Customers see errors again", "5 pods restarted"]
    status = _command(http, clock, "U0DANA", "status", channel=channel_id)
    assert f"#{incident_id}" in status and "Roles: commander: bob" in status


def test_no_channel_below_the_chosen_priorities(slack, clock: FakeClock) -> None:
    core, double, _ = slack
    _declare(core, services=["ledger"], urgency="high")  # ledger: low impact → P3; wants P1
    work(core)
    assert double.state.called("conversations.create") == []


def _all():  # type: ignore[no-untyped-def]
    from fireline.storage.incidents import IncidentFilter

    return IncidentFilter()


def test_escalate_and_resolve_buttons(slack, clock: FakeClock) -> None:
    core, double, http = slack
    incident_id = _declare(core, actor="carol", services=["ledger"])  # alice may be paged
    work(core)
    escalate = press_body("U0BOB", "escalate", incident_id, "D0BOB", "1700000001.000100")
    assert _post(http, "/api/v1/slack/interactions", escalate, clock).status_code == 200
    assert "Escalated by bob from Slack" in double.state.called("chat.update")[0]["text"]
    work(core)  # the next step (alice) was paged at once
    assert [c for c in double.state.called("chat.postMessage") if c["channel"] == "D0ALICE"]
    resolve = press_body("U0BOB", "resolve", incident_id, "D0BOB", "1700000001.000100")
    assert _post(http, "/api/v1/slack/interactions", resolve, clock).status_code == 200
    resolved = double.state.called("chat.update")[-1]
    assert "Resolved by bob from Slack" in resolved["text"]
    assert [b["text"]["text"] for b in resolved["blocks"][-1]["elements"]] == ["Open"]
    view = incidents.get(uow=core.uow(), incident_id=incident_id).incident
    assert view.timestamps.resolved_at is not None
    again = press_body("U0BOB", "ack", incident_id, "D0BOB", "1700000001.000100")
    assert _post(http, "/api/v1/slack/interactions", again, clock).status_code == 200
    assert "Nothing changed" in double.state.called("chat.postEphemeral")[-1]["text"]


def test_a_long_status_update_is_clipped_to_block_kit_limits(slack, clock: FakeClock) -> None:
    core, double, _ = slack
    incident_id = _declare(core, services=["checkout-api"], urgency="high")
    work(core)
    (channel_id,) = double.state.channels
    long = "<!here> " + "x" * 5000
    incidents.post_status_update(
        uow=core.uow(), actor="alice", incident_id=incident_id, message=long
    )
    work(core)
    update = [c for c in double.state.called("chat.postMessage") if c["channel"] == channel_id][-1]
    sections = [b["text"]["text"] for b in update["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    assert sections[1].startswith("Status update (internal): &lt;!here&gt;")
    assert sections[1].endswith("|full text>") and len(update["text"]) <= 4000


def test_slack_refusing_the_token_fails_the_page_for_good(
    database_url: str, clock: FakeClock
) -> None:
    with chat_core(database_url, clock) as (core, double):
        double.state.token = "xoxb-another-token"  # Slack no longer knows ours: invalid_auth
        incident_id = _declare(core, services=["ledger"])
        work(core)
        with core.uow() as uow:
            (failed,) = [
                d
                for d in uow.deliveries.list_matching(incident_id=incident_id)
                if d.contact == "bob-slack"
            ]
        assert failed.status == "failed" and "invalid_auth" in (failed.reason or "")


def test_a_channel_contact_without_the_app_says_how_to_set_it_up(
    database_url: str, clock: FakeClock
) -> None:
    from fireline.bootstrap import build_notifier
    from fireline.config import Settings
    from fireline.notify import DeliveryFailed, Message

    notifier = build_notifier(Settings(database_url=database_url), install="x")
    message = Message(
        incident_id=1, title="T", priority=None, phase="p", idempotency_key="k", url="u"
    )
    with pytest.raises(DeliveryFailed, match="FIRELINE_SLACK_BOT_TOKEN") as failed:
        notifier.send({"id": "s", "type": "slack", "channel": "C0123"}, message)
    assert failed.value.temporary is False


def test_a_test_page_through_the_app_has_no_buttons(slack, clock: FakeClock) -> None:
    from fireline.services.admin.auth import Principal
    from fireline.services.paging import contact_tests

    core, double, _ = slack
    tested = contact_tests.test(
        uow=core.uow(),
        notifier=core.pager(),
        base_url=core.base_url(),
        who=Principal(user_id="bob", role="responder"),
        owner="bob",
        contact_id="bob-slack",
    )
    (posted,) = double.state.called("chat.postMessage")
    assert [b["type"] for b in posted["blocks"]] == ["section"]
    assert tested.result == "delivered" and tested.provider_ref.startswith("D0BOB:")


def test_announcements_go_through_the_app_as_cards(slack, clock: FakeClock) -> None:
    core, double, _ = slack
    incident_id = _declare(core, services=["checkout-api"], urgency="high")
    work(core)
    (announced,) = [
        c for c in double.state.called("chat.postMessage") if c["channel"] == "C0PAYMENTS"
    ]
    assert announced["blocks"][0]["text"]["text"].startswith(":mega: *P1 #")
    assert "Incident declared by alice" in announced["blocks"][1]["text"]["text"]
    assert announced["blocks"][-1]["block_id"] == f"incident-{incident_id}"


def test_a_signed_request_without_a_payload_is_a_clear_422(slack, clock: FakeClock) -> None:
    _, double, http = slack
    for body in ("payload=%5B1%5D", "payload=not-json", "nothing=here"):
        response = _post(http, "/api/v1/slack/interactions", body, clock)
        assert response.status_code == 422, body
        assert response.json()["field"] == "payload"
    assert double.state.calls == []


def test_the_account_page_tests_a_slack_app_contact(slack, clock: FakeClock) -> None:
    from fireline.web.app import create_app
    from tests.e2e.ui_support import WebUser, set_passwords

    core, double, _ = slack
    set_passwords(core, "bob")
    bob = WebUser(create_app(fireline=core))
    assert bob.log_in("bob").status_code == 303
    assert "Slack D0BOB" in bob.get("/account").text
    sent = bob.post("/account/contacts/bob-slack/test")
    assert sent.status_code == 200 and "Test page to bob-slack delivered" in sent.text
    assert [c["channel"] for c in double.state.called("chat.postMessage")] == ["D0BOB"]
