"""Generic webhooks: JSON signed as Standard Webhooks specifies (https://www.standardwebhooks.com).

Each webhook contact method has its own ``whsec_…`` secret (``contact["secret"]``, given by the
delivery for the send only). Headers: ``webhook-id`` — the delivery's idempotency key, the same on
every retry, so a receiver can drop duplicates; ``webhook-timestamp`` — when this attempt was
sent, so a receiver can refuse replays; ``webhook-signature`` — ``v1,`` and the base64
HMAC-SHA256 of ``id.timestamp.body``. ``Idempotency-Key`` carries the id too, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from fireline.notify import DeliveryFailed, Message, Receipt
from fireline.notify.http import post


class WebhookNotifier:
    """POSTs the message as JSON; 2xx is delivered, 5xx/429/network errors are retried, 4xx is not."""

    def __init__(
        self, client: httpx.Client, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.client, self.clock = client, clock

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        secret = contact.get("secret")
        if not secret:
            raise DeliveryFailed("this webhook contact has no signing secret", temporary=False)
        body = json.dumps({"type": message.kind, **asdict(message)}, sort_keys=True)
        sent_at = self.clock()
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message.idempotency_key,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message.idempotency_key, sent_at, body),
            "Idempotency-Key": message.idempotency_key,
        }
        return post(self.client, contact["url"], body.encode(), headers)
