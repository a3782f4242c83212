"""The inbox channel: the message is kept in Fireline's own database, for its person to read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fireline.notify import DeliveryFailed, Message, Receipt

Keep = Callable[[dict[str, Any], Message], object]


class InboxNotifier:
    """Hands each message to ``keep`` (which stores it, once per idempotency key)."""

    def __init__(self, keep: Keep) -> None:
        self.keep = keep

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        if not message.user:
            raise DeliveryFailed("an inbox belongs to a person, not a channel", temporary=False)
        try:
            self.keep(contact, message)
        except Exception as error:  # the database was busy or away: try again later
            raise DeliveryFailed(
                f"cannot keep it in the inbox: {error!r}", temporary=True
            ) from error
        return Receipt(status="kept in the inbox")
