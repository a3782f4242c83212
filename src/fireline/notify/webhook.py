"""Generic webhooks: JSON, signed with HMAC-SHA256, with an idempotency key header."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict
from typing import Any

import httpx

from fireline.notify import Message
from fireline.notify.http import post


class WebhookNotifier:
    """POSTs the message as JSON; 2xx is delivered, 5xx/429/network errors are retried, 4xx is not."""

    def __init__(self, client: httpx.Client, secret: bytes) -> None:
        self.client = client
        self.secret = secret

    def send(self, contact: dict[str, Any], message: Message) -> None:
        body = json.dumps({"type": message.kind, **asdict(message)}, sort_keys=True).encode()
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Fireline-Signature": f"sha256={signature}",
            "Idempotency-Key": message.idempotency_key,
        }
        post(self.client, contact["url"], body, headers)
