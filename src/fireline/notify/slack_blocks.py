"""Block Kit: a page or an announcement as the Slack app posts it, with its action buttons.

The same card is built again when someone acts from it (``outcome`` says who did what), so
the message is updated in place. People's text is escaped (``slack_escape``) and clipped to
Block Kit's limits: a section's text holds 3,000 characters, a message's fallback text 4,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fireline.notify.chat import SLACK_TEXT_LIMIT, slack_escape

SECTION_LIMIT = 3000  # Block Kit: a section block's text
ACTIONS = {"ack": "Acknowledge", "escalate": "Escalate", "resolve": "Resolve"}
ACTION_PREFIX = "fireline_"  # action_id = fireline_ack, fireline_escalate, …


@dataclass(frozen=True)
class Card:
    """What a Slack card shows about one incident."""

    incident_id: int
    title: str
    priority: str | None
    phase: str
    url: str
    text: str = ""
    resolved: bool = False
    acknowledged: bool = False


def clip(text: str, room: int, url: str) -> str:
    """``text`` if it fits in ``room`` characters, else its start and a link to the rest."""
    if len(text) <= room:
        return text
    more = f"… <{url}|full text>"
    return text[: max(0, room - len(more))] + more


def headline(card: Card) -> str:
    priority = f"{card.priority} " if card.priority else ""
    return slack_escape(f"{priority}#{card.incident_id} {card.title}")


def blocks(
    card: Card, *, outcome: str = "", icon: str = ":rotating_light:"
) -> list[dict[str, Any]]:
    """The card's blocks: headline and phase, the text, who did what, and the buttons."""
    head = f"{icon} *{headline(card)}*\nPhase: *{slack_escape(card.phase)}*"
    found: list[dict[str, Any]] = [_section(clip(head, SECTION_LIMIT, card.url))]
    if card.text:
        found.append(_section(clip(slack_escape(card.text), SECTION_LIMIT, card.url)))
    if outcome:
        found.append({"type": "context", "elements": [{"type": "mrkdwn", "text": outcome}]})
    found.append(
        {"type": "actions", "block_id": f"incident-{card.incident_id}", "elements": _buttons(card)}
    )
    return found


def fallback(card: Card, outcome: str = "") -> str:
    """The message's plain text (notifications, screen readers)."""
    said = f": {slack_escape(card.text)}" if card.text else ""
    text = f"{headline(card)} ({slack_escape(card.phase)}){said} {outcome}".strip()
    return clip(text, SLACK_TEXT_LIMIT, card.url)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _buttons(card: Card) -> list[dict[str, Any]]:
    shown = [] if card.resolved else [a for a in ACTIONS if not (a == "ack" and card.acknowledged)]
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": ACTION_PREFIX + action,
            "text": {"type": "plain_text", "text": ACTIONS[action]},
            "value": str(card.incident_id),
            **({"style": "primary"} if action == "ack" else {}),
            **({"style": "danger"} if action == "resolve" else {}),
        }
        for action in shown
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": ACTION_PREFIX + "open",
            "text": {"type": "plain_text", "text": "Open"},
            "url": card.url,
        }
    )
    return buttons
