"""Chat incoming webhooks: Slack- and Mattermost-compatible, and Microsoft Teams (adaptive card)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from fireline.notify import Page
from fireline.notify.http import post


def slack_message(page: Page) -> dict[str, Any]:
    """Slack and Mattermost incoming webhooks take the same shape."""
    priority = f"{page.priority} " if page.priority else ""
    return {
        "text": f":rotating_light: {priority}#{page.incident_id} *{page.title}* ({page.phase}) — "
        f"<{page.url}|details> · <{page.ack_url}|acknowledge>"
    }


def teams_message(page: Page) -> dict[str, Any]:
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "size": "Large",
                "weight": "Bolder",
                "wrap": True,
                "text": f"#{page.incident_id} {page.title}",
            },
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Priority", "value": page.priority or "-"},
                    {"title": "Phase", "value": page.phase},
                ],
            },
        ],
        "actions": [
            {"type": "Action.OpenUrl", "title": "Details", "url": page.url},
            {"type": "Action.OpenUrl", "title": "Acknowledge", "url": page.ack_url},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


class ChatNotifier:
    """POSTs a channel message built by ``build`` (slack_message or teams_message)."""

    def __init__(self, client: httpx.Client, build: Any) -> None:
        self.client, self.build = client, build

    def send(self, contact: dict[str, Any], page: Page) -> None:
        body = json.dumps(self.build(page)).encode()
        post(self.client, contact["url"], body, {"Content-Type": "application/json"})
