"""The Slack app: pages and announcements posted with the bot token (``chat.postMessage``),
as Block Kit cards with buttons; the provider's receipt is the channel and the message's ``ts``.

A ``slack`` contact with a ``channel`` goes here; one with a ``url`` stays an incoming webhook.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from fireline.notify import DeliveryFailed, Message, Notifier, Receipt
from fireline.notify.chat import slack_escape
from fireline.notify.slack_blocks import Card, blocks, clip, fallback

# Slack errors that pass: retried with backoff; the others (not_in_channel, invalid_auth, …)
# need a person to fix the app or the contact.
TEMPORARY = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}
ICONS = {"page": ":rotating_light:", "announcement": ":mega:"}


def card_of(message: Message) -> Card:
    return Card(
        incident_id=message.incident_id,
        title=message.title,
        priority=message.priority,
        phase=message.phase,
        url=message.url,
        text=message.text,
    )


def slack_app_message(message: Message) -> dict[str, Any]:
    """``text`` and ``blocks`` for chat.postMessage (a test message has no buttons)."""
    card = card_of(message)
    if message.kind == "test":  # no incident: the title and what it is for
        text = clip(
            f"*{slack_escape(message.title)}*\n{slack_escape(message.text)}", 3000, card.url
        )
        return {
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
    return {"text": fallback(card), "blocks": blocks(card, icon=ICONS.get(message.kind, ":bell:"))}


class SlackAppNotifier:
    """Posts through Slack's Web API with the bot token (``client`` carries it)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        try:
            answer = self.client.chat_postMessage(
                channel=contact["channel"], unfurl_links=False, **slack_app_message(message)
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "error"))
            raise DeliveryFailed(
                f"Slack refused the message: {reason}", temporary=reason in TEMPORARY
            ) from None
        except (SlackClientError, OSError) as error:
            raise DeliveryFailed(f"cannot reach Slack: {error}", temporary=True) from None
        return Receipt(ref=f"{answer['channel']}:{answer['ts']}", status="ok")


class SlackNotifier:
    """A ``slack`` contact: the app's when it names a ``channel``, else the incoming webhook."""

    def __init__(self, webhook: Notifier, app: Notifier | None) -> None:
        self.webhook, self.app = webhook, app

    def send(self, contact: dict[str, Any], message: Message) -> Receipt | None:
        if not contact.get("channel"):
            return self.webhook.send(contact, message)
        if self.app is None:
            raise DeliveryFailed(
                "the Slack app is not configured: set FIRELINE_SLACK_BOT_TOKEN", temporary=False
            )
        return self.app.send(contact, message)
