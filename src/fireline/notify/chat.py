"""Chat incoming webhooks: Slack- and Mattermost-compatible, and Microsoft Teams (adaptive card)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from fireline.notify import Message
from fireline.notify.http import post


def slack_message(message: Message) -> dict[str, Any]:
    """Slack and Mattermost incoming webhooks take the same shape."""
    if message.kind != "page":
        return {
            "text": f":mega: *{message.headline}* ({message.phase}): {message.text} — "
            f"<{message.url}|details>"
        }
    return {
        "text": f":rotating_light: *{message.headline}* ({message.phase}) — "
        f"<{message.url}|details> · <{message.ack_url}|acknowledge>"
    }


def teams_message(message: Message) -> dict[str, Any]:
    actions = [{"type": "Action.OpenUrl", "title": "Details", "url": message.url}]
    if message.ack_url:
        actions.append({"type": "Action.OpenUrl", "title": "Acknowledge", "url": message.ack_url})
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
                "text": f"#{message.incident_id} {message.title}",
            },
            *([{"type": "TextBlock", "wrap": True, "text": message.text}] if message.text else []),
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Priority", "value": message.priority or "-"},
                    {"title": "Phase", "value": message.phase},
                ],
            },
        ],
        "actions": actions,
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

    def send(self, contact: dict[str, Any], message: Message) -> None:
        body = json.dumps(self.build(message)).encode()
        post(self.client, contact["url"], body, {"Content-Type": "application/json"})
