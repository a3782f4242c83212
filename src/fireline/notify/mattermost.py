"""Mattermost incoming webhooks with interactive buttons: a page or an announcement carries an
attachment whose ``actions`` call Fireline back (``integration.url``) with a signed
``integration.context`` (services/chatops/mattermost.py makes them); Mattermost keeps the
attachments in the post's ``props.attachments``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from fireline.notify import Message, Receipt
from fireline.notify.chat import mattermost_escape, slack_message
from fireline.notify.http import post

Buttons = Callable[[int], list[dict[str, Any]]]  # an incident id → its signed actions
WITH_BUTTONS = ("page", "announcement")


def mattermost_message(message: Message, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The webhook body: the text every Slack-compatible webhook takes, and the buttons."""
    body = slack_message(message)
    body["text"] = mattermost_escape(body["text"])  # Slack's escaping leaves @channel alone
    if actions:
        body["attachments"] = [
            {
                "fallback": body["text"][:300],
                "title_link": message.url,
                "text": f"Phase: **{message.phase}**",
                "actions": actions,
            }
        ]
    return body


class MattermostNotifier:
    """POSTs to a Mattermost incoming webhook; ``buttons`` signs the actions of a page."""

    def __init__(self, client: httpx.Client, buttons: Buttons | None) -> None:
        self.client, self.buttons = client, buttons

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        with_buttons = self.buttons is not None and message.kind in WITH_BUTTONS
        actions = self.buttons(message.incident_id) if with_buttons and self.buttons else []
        body = json.dumps(mattermost_message(message, actions), ensure_ascii=False).encode()
        return post(
            self.client, contact["url"], body, {"Content-Type": "application/json; charset=utf-8"}
        )
