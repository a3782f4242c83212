"""Sending pages to people: one Protocol, one adapter per channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Page:
    """What a page says; ``idempotency_key`` is the same on every retry of the same page."""

    incident_id: int
    title: str
    priority: str | None
    phase: str
    user: str
    idempotency_key: str
    url: str
    ack_url: str


class DeliveryFailed(Exception):
    """The channel did not take the page; ``temporary`` failures are retried."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.temporary = temporary


class Notifier(Protocol):
    def send(self, contact: dict[str, Any], page: Page) -> None:
        """Deliver the page to one contact method, or raise DeliveryFailed."""
        ...


class ChannelNotifier:
    """Routes each contact method to the adapter for its type."""

    def __init__(self, adapters: dict[str, Notifier]) -> None:
        self.adapters = adapters

    def send(self, contact: dict[str, Any], page: Page) -> None:
        adapter = self.adapters.get(contact["type"])
        if adapter is None:
            reason = (
                "email is not configured: set FIRELINE_SMTP_HOST"
                if contact["type"] == "email"
                else f"no {contact['type']} channel"
            )
            raise DeliveryFailed(reason, temporary=False)
        adapter.send(contact, page)
