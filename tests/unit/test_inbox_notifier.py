"""The inbox channel's adapter: a person's message is kept; the rest fails with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from fireline.notify import DeliveryFailed, Message
from fireline.notify.inbox import InboxNotifier

CONTACT = {"id": "alice-inbox", "type": "inbox"}


def message(user: str) -> Message:
    return Message(
        incident_id=1,
        title="x",
        priority="P1",
        phase="detection",
        idempotency_key="k",
        url="",
        user=user,
    )


def test_a_page_to_a_person_is_kept() -> None:
    kept: list[tuple[dict[str, Any], Message]] = []
    InboxNotifier(lambda contact, m: kept.append((contact, m))).send(CONTACT, message("alice"))
    assert kept == [(CONTACT, message("alice"))]


def test_an_announcement_has_no_inbox_to_go_to() -> None:
    with pytest.raises(DeliveryFailed, match="an inbox belongs to a person") as refused:
        InboxNotifier(lambda contact, m: None).send(CONTACT, message(""))
    assert refused.value.temporary is False


def test_a_database_hiccup_is_retried() -> None:
    def busy(contact: dict[str, Any], m: Message) -> None:
        raise RuntimeError("database is locked")

    with pytest.raises(DeliveryFailed, match="database is locked") as failed:
        InboxNotifier(busy).send(CONTACT, message("alice"))
    assert failed.value.temporary is True
