"""Chat incoming webhooks: Slack- and Mattermost-compatible, and Microsoft Teams (adaptive card).

People's text (titles come from alert summaries, so from anyone holding an integration key) is
escaped as Slack requires, so it can neither ping a channel nor disguise a link, and clipped to
each channel's documented size with a link to the full text on the incident's page.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from fireline.notify import Message, Receipt
from fireline.notify.http import post

SLACK_TEXT_LIMIT = 4000  # Slack: "best practice is to limit text to 4,000 characters"
TEAMS_BYTES_LIMIT = 28 * 1024  # Teams refuses a message (with its card) over 28 KB
_TEAMS_HEADROOM = 512  # the card around the text, and the "full text" line


def slack_escape(text: str) -> str:
    """The three characters Slack's mrkdwn reads as control sequences, as Slack requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mattermost_escape(text: str) -> str:
    """People's text that cannot mention (@channel, @all, @someone): a zero-width joiner
    after each ``@``, and no bare links in brackets."""
    return text.replace("@", "@\u2060").replace("](", "]\u2060(")


def slack_message(message: Message) -> dict[str, Any]:
    """Slack and Mattermost incoming webhooks take the same shape."""
    headline = slack_escape(message.headline)
    if message.kind != "page":
        head = f":mega: *{headline}* ({message.phase}): "
        tail = f" — <{message.url}|details>"
        room = SLACK_TEXT_LIMIT - len(head) - len(tail)
        return {
            "text": head
            + _clip(slack_escape(message.text), room, f"<{message.url}|full text>")
            + tail
        }
    text = (
        f":rotating_light: *{headline}* ({message.phase}) — "
        f"<{message.url}|details> · <{message.ack_url}|acknowledge>"
    )
    return {"text": text}


def _clip(text: str, room: int, more: str) -> str:
    """``text`` if it fits in ``room`` characters, else its start, an ellipsis and ``more``."""
    if len(text) <= room:
        return text
    return text[: max(0, room - len(more) - 2)] + "… " + more


def _clip_bytes(text: str, room: int) -> str:
    """``text`` cut to ``room`` bytes of UTF-8 (never inside a character)."""
    encoded = text.encode()
    if len(encoded) <= room:
        return text
    return encoded[:room].decode(errors="ignore") + "…"


def teams_message(message: Message) -> dict[str, Any]:
    card = _teams_card(message, message.text)
    size = len(json.dumps(card, ensure_ascii=False).encode())
    if size <= TEAMS_BYTES_LIMIT:
        return card
    room = TEAMS_BYTES_LIMIT - _TEAMS_HEADROOM - (size - len(message.text.encode()))
    clipped = _clip_bytes(message.text, max(0, room))
    return _teams_card(
        message, f"{clipped}\n\nThe full text is on the incident's page: {message.url}"
    )


def _teams_card(message: Message, text: str) -> dict[str, Any]:
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
            *([{"type": "TextBlock", "wrap": True, "text": text}] if text else []),
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

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        body = json.dumps(self.build(message), ensure_ascii=False).encode()
        return post(
            self.client, contact["url"], body, {"Content-Type": "application/json; charset=utf-8"}
        )
