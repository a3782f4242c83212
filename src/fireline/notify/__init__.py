"""Sending pages to people and announcements to stakeholder channels: one Protocol, one adapter
per channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Message:
    """What a notification says; ``idempotency_key`` is the same on every retry of it.

    A *page* asks ``user`` to act and carries a signed ``ack_url``; an *announcement*
    tells a stakeholder channel what happened (``text``); a *reminder* tells ``user``
    what is overdue (``text``); a *digest* tells ``user`` the repeat pages their contact
    did not get while its throttle window was full (``text``); a *test* checks that a contact
    method works (``text`` says so; ``incident_id`` is 0). Only pages have an ``ack_url``.
    """

    incident_id: int
    title: str
    priority: str | None
    phase: str
    idempotency_key: str
    url: str
    kind: Literal["page", "announcement", "reminder", "digest", "test"] = "page"
    user: str = ""
    ack_url: str = ""
    text: str = ""

    @property
    def headline(self) -> str:
        if self.kind == "test":
            return self.title
        priority = f"{self.priority} " if self.priority else ""
        return f"{priority}#{self.incident_id} {self.title}"


@dataclass(frozen=True)
class Receipt:
    """What the provider answered, for the delivery log: its own id for the message (``ref``: a
    Twilio message SID, a Slack ``ts``) and what it said (``status``: "HTTP 201", "queued")."""

    ref: str = ""
    status: str = ""


def plain_text(message: Message) -> str:
    """The message for people, in plain text with whole links (email, Apprise's channels)."""
    about = (
        []
        if message.kind == "test"
        else [
            f"Incident #{message.incident_id}, phase {message.phase}, "
            f"priority {message.priority or '-'}."
        ]
    )
    lines = [
        message.title,
        "",
        *([message.text, ""] if message.text else []),
        *about,
        f"Details: {message.url}",
    ]
    if message.ack_url:
        lines.append(f"Acknowledge: {message.ack_url}")
    return "\n".join(lines) + "\n"


class DeliveryFailed(Exception):
    """The channel did not take the message; ``temporary`` failures are retried."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.temporary = temporary


class Notifier(Protocol):
    def send(self, contact: dict[str, Any], message: Message) -> Receipt | None:
        """Deliver the message to one contact method (and say what the provider answered), or
        raise DeliveryFailed."""
        ...


class ChannelNotifier:
    """Routes each contact method to the adapter for its type."""

    def __init__(self, adapters: dict[str, Notifier]) -> None:
        self.adapters = adapters

    def send(self, contact: dict[str, Any], message: Message) -> Receipt | None:
        adapter = self.adapters.get(contact["type"])
        if adapter is None:
            reason = _NOT_CONFIGURED.get(contact["type"], f"no {contact['type']} channel")
            raise DeliveryFailed(reason, temporary=False)
        return adapter.send(contact, message)


_TWILIO = "FIRELINE_TWILIO_ACCOUNT_SID, FIRELINE_TWILIO_AUTH_TOKEN and FIRELINE_TWILIO_FROM"
_NOT_CONFIGURED = {
    "email": "email is not configured: set FIRELINE_SMTP_HOST",
    "sms": f"SMS is not configured: set {_TWILIO}",
    "voice": f"voice calls are not configured: set {_TWILIO}",
}
