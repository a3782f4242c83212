"""What other systems receive: mail a mail server accepts as RFC 5322 and never drops as a
duplicate of another install's, Slack text that cannot ping a channel or disguise a link, and
messages within each channel's documented size — over real SMTP and HTTP servers."""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from fireline.notify import Message
from fireline.notify.chat import (
    SLACK_TEXT_LIMIT,
    TEAMS_BYTES_LIMIT,
    ChatNotifier,
    slack_message,
    teams_message,
)
from fireline.notify.email import EmailNotifier
from tests.e2e.paging_support import Receiver
from tests.e2e.servers import free_port

HOSTILE = "DB down <!channel> & <http://evil.example|click here>"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _message(**fields: Any) -> Message:
    defaults: dict[str, Any] = {
        "incident_id": 7,
        "title": "Checkout 502s",
        "priority": "P1",
        "phase": "detection",
        "idempotency_key": "page:7:0:carol:carol-mail",
        "url": "http://127.0.0.1:8080/incidents/7",
        "user": "carol",
        "ack_url": "http://127.0.0.1:8080/ack/7.carol.1.sig",
    }
    return Message(**{**defaults, **fields})


@pytest.fixture
def inbox() -> Iterator[list[Any]]:
    mails: list[Any] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    mails.append(smtp.port)
    try:
        yield mails
    finally:
        smtp.stop()


def _mailer(port: int, install: str) -> EmailNotifier:
    return EmailNotifier(
        "127.0.0.1", port, "fireline@ops.example", install=install, clock=lambda: NOW
    )


def test_mail_has_a_date_a_unique_stable_message_id_and_says_it_is_automatic(
    inbox: list[Any],
) -> None:
    port = inbox.pop(0)
    contact = {"id": "carol-mail", "type": "email", "address": "carol@example.com"}
    here, elsewhere = _mailer(port, "a1b2c3d4e5f6"), _mailer(port, "f6e5d4c3b2a1")

    here.send(contact, _message())
    here.send(contact, _message())  # a retry of the same page
    elsewhere.send(contact, _message())  # another install (or a reset database), same incident

    first, retry, other = inbox
    assert email.utils.parsedate_to_datetime(first["Date"]) == NOW
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Message-ID"] == retry["Message-ID"]  # the same delivery: providers may drop one
    assert first["Message-ID"] != other["Message-ID"]
    assert first["Message-ID"].endswith("@ops.example>")


def test_slack_text_is_escaped_so_it_cannot_ping_or_disguise_a_link() -> None:
    page = slack_message(_message(title=HOSTILE))["text"]
    notice = slack_message(_message(kind="announcement", title=HOSTILE, text=HOSTILE))["text"]

    for text in (page, notice):
        assert "<!channel>" not in text and "<http://evil.example" not in text
        assert "DB down &lt;!channel&gt; &amp; &lt;http://evil.example|click here&gt;" in text
        assert "<http://127.0.0.1:8080/incidents/7|details>" in text  # our own links stay links


def test_a_huge_status_update_fits_each_channel_with_a_link_to_the_full_text() -> None:
    huge = "Überlastung " * 4000  # 48,000 characters, every word with a non-ASCII letter

    slack = slack_message(_message(kind="announcement", text=huge))
    teams = teams_message(_message(kind="announcement", text=huge))
    teams_body = json.dumps(teams, ensure_ascii=False).encode()

    assert len(slack["text"]) <= SLACK_TEXT_LIMIT
    assert "http://127.0.0.1:8080/incidents/7" in slack["text"] and "…" in slack["text"]
    assert len(teams_body) <= TEAMS_BYTES_LIMIT
    assert "full text" in teams_body.decode()


def test_chat_messages_arrive_as_utf_8_without_escapes() -> None:
    receiver = Receiver()
    try:
        with httpx.Client() as client:
            url = f"http://127.0.0.1:{receiver.port}/hooks/teams"
            ChatNotifier(client, teams_message).send(
                {"id": "t", "type": "teams", "url": url}, _message(title="Überlastung")
            )
        (received,) = receiver.pages
        assert "Überlastung".encode() in received["raw"] and b"\\u00dc" not in received["raw"]
    finally:
        receiver.close()
