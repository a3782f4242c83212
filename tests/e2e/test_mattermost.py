"""Mattermost (#13): the `/incident` slash command checked by its token, and buttons on pages
whose context Fireline signed (a real HTTP receiver stands for the incoming webhook)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.domain.sentences import describe
from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock
from tests.e2e.chat_support import MATTERMOST_TOKEN, chat_core, client
from tests.e2e.paging_support import Receiver, work

Chat = tuple[Fireline, Receiver, TestClient]


@pytest.fixture
def mattermost(database_url: str, clock: FakeClock) -> Iterator[Chat]:
    receiver = Receiver()
    try:
        with chat_core(database_url, clock, port=receiver.port) as (core, _):
            yield core, receiver, client(core)
    finally:
        receiver.close()


def _paged(core: Fireline, receiver: Receiver) -> tuple[int, dict[str, Any]]:
    view = incidents.declare(
        uow=core.uow(), actor="alice", title="Ledger @channel lag", services=["ledger"]
    )
    work(core)
    (page,) = [p["body"] for p in receiver.pages if p["path"] == "/hooks/bob-mm"]
    return view.incident.id, page


def _press(http: TestClient, context: dict[str, Any], user: str = "bob.okafor") -> Any:
    body = {
        "user_id": "k4x9mattermostid",
        "user_name": user,
        "channel_id": "ch1",
        "team_id": "t1",
        "post_id": "p1",
        "trigger_id": "tr1",
        "type": "",
        "data_source": "",
        "context": context,
    }
    return http.post("/api/v1/mattermost/actions", json=body)


def test_a_page_carries_signed_buttons_that_call_fireline_back(mattermost: Chat) -> None:
    core, receiver, _ = mattermost
    incident_id, page = _paged(core, receiver)
    (attachment,) = page["attachments"]
    actions = attachment["actions"]
    assert [a["name"] for a in actions] == ["Acknowledge", "Escalate", "Resolve"]
    assert all(a["id"].isalnum() for a in actions)
    integration = actions[0]["integration"]
    assert integration["url"] == "http://fireline.test/api/v1/mattermost/actions"
    assert integration["context"]["incident"] == incident_id
    assert len(integration["context"]["signature"]) == 64


def test_the_acknowledge_button_acts_as_the_mapped_user_and_updates_the_post(
    mattermost: Chat,
) -> None:
    core, receiver, http = mattermost
    incident_id, page = _paged(core, receiver)
    response = _press(http, page["attachments"][0]["actions"][0]["integration"]["context"])
    assert response.status_code == 200, response.text
    update = response.json()["update"]
    (attachment,) = update["props"]["attachments"]
    assert "Acknowledged by bob from Mattermost" in attachment["text"]
    assert [a["name"] for a in attachment["actions"]] == ["Escalate", "Resolve"]
    events = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["acknowledged"])
    (acknowledged,) = events.timeline
    assert acknowledged.event.actor == "bob"
    assert describe(acknowledged.event).text == "Acknowledged from Mattermost; paging stopped"


def test_forged_button_contexts_are_refused(mattermost: Chat) -> None:
    core, receiver, http = mattermost
    incident_id, page = _paged(core, receiver)
    context = page["attachments"][0]["actions"][0]["integration"]["context"]
    forged = [
        {**context, "action": "resolve"},  # another action under ack's signature
        {**context, "incident": incident_id + 1},
        {**context, "signature": "0" * 64},
        {"action": "ack", "incident": incident_id},
        {},
    ]
    for body in forged:
        assert _press(http, body).status_code == 401, body
    view = incidents.get(uow=core.uow(), incident_id=incident_id).incident
    assert view.timestamps.acknowledged_at is None and view.timestamps.resolved_at is None


def test_a_viewer_or_a_stranger_is_told_why_not(mattermost: Chat) -> None:
    core, receiver, http = mattermost
    incident_id, page = _paged(core, receiver)
    resolve = page["attachments"][0]["actions"][2]["integration"]["context"]
    viewer = _press(http, resolve, user="dana").json()
    assert "dana is a viewer" in viewer["ephemeral_text"] and "update" not in viewer
    stranger = _press(http, resolve, user="eve").json()
    assert "mattermost_user_id: eve" in stranger["ephemeral_text"]
    view = incidents.get(uow=core.uow(), incident_id=incident_id).incident
    assert view.timestamps.resolved_at is None


def _command(
    http: TestClient, text: str, token: str = MATTERMOST_TOKEN, user: str = "bob.okafor"
) -> Any:
    form = {
        "channel_id": "ch1",
        "channel_name": "town-square",
        "command": "/incident",
        "team_domain": "acme",
        "team_id": "t1",
        "text": text,
        "token": token,
        "user_id": "k4x9mattermostid",
        "user_name": user,
    }
    return http.post(
        "/api/v1/mattermost/commands",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_slash_commands_need_the_command_token(mattermost: Chat) -> None:
    core, _, http = mattermost
    for token in ("", "mm-command-token-12345", "wrong"):
        refused = _command(http, "declare Forged", token=token)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert incidents.list_incidents(uow=core.uow(), filters=_all()).total == 0
    answer = _command(http, "declare Ledger @all lag")
    assert answer.status_code == 200 and answer.json()["response_type"] == "ephemeral"
    assert answer.json()["text"].startswith("Declared")
    assert "@\u2060all" in answer.json()["text"]  # cannot mention everyone
    (item,) = incidents.list_incidents(uow=core.uow(), filters=_all()).items
    assert "Acknowledged" in _command(http, f"ack {item.incident.id}").json()["text"]
    acked = incidents.get(uow=core.uow(), incident_id=item.incident.id, kinds=["acknowledged"])
    assert acked.timeline[0].event.via == "mattermost"  # type: ignore[union-attr]
    assert "dana is a viewer" in _command(http, "update 1 x", user="dana").json()["text"]


def _all():  # type: ignore[no-untyped-def]
    from fireline.storage.incidents import IncidentFilter

    return IncidentFilter()


def test_rotating_the_key_disables_the_buttons_already_posted(mattermost: Chat) -> None:
    from fireline.services.admin import secrets

    core, receiver, http = mattermost
    incident_id, page = _paged(core, receiver)
    context = page["attachments"][0]["actions"][0]["integration"]["context"]
    secrets.rotate(uow=core.uow(), actor="alice", purpose="mattermost-actions")
    assert _press(http, context).status_code == 401
    view = incidents.get(uow=core.uow(), incident_id=incident_id).incident
    assert view.timestamps.acknowledged_at is None


def test_a_page_to_mattermost_mentions_nobody(mattermost: Chat) -> None:
    """A title with ``@channel`` (alert summaries are anyone's text) pings nobody when the page
    is posted, as it pings nobody when a button updates the post."""
    core, receiver, http = mattermost
    incident_id, page = _paged(core, receiver)

    assert "@channel" not in page["text"] and "@\u2060channel" in page["text"]
    assert "@channel" not in page["attachments"][0]["fallback"]
    (context,) = [a["integration"]["context"] for a in page["attachments"][0]["actions"][:1]]
    updated = _press(http, context).json()["update"]
    assert "@channel" not in str(updated) and incident_id
