"""Mattermost's interactive message buttons: each carries, in its ``integration.context``, the
action and the incident signed with this installation's ``mattermost-actions`` key, so Fireline
acts only on buttons it made (the endpoint has no other credential). The key is Fireline's own,
one per purpose (services/admin/secrets.py); rotating it disables every button posted before.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fireline.errors import Unauthenticated
from fireline.notify.chat import SLACK_TEXT_LIMIT, mattermost_escape
from fireline.services.admin import secrets
from fireline.services.chatops.buttons import action_of
from fireline.services.incidents.commands import IncidentView
from fireline.services.paging.channel_actions import Action
from fireline.storage.uow import UnitOfWork

ACTIONS_PATH = "/api/v1/mattermost/actions"
LABELS = {"ack": "Acknowledge", "escalate": "Escalate", "resolve": "Resolve"}


def signature(key: bytes, action: str, incident_id: int) -> str:
    """HMAC-SHA256 of the button's action and incident (hex)."""
    return hmac.new(key, f"mattermost:{action}:{incident_id}".encode(), hashlib.sha256).hexdigest()


def buttons(*, uow: UnitOfWork, base_url: str, incident_id: int) -> list[dict[str, Any]]:
    """The actions of a page's attachment, each signed (inside an open unit of work)."""
    key = secrets.key(uow, "mattermost-actions")
    url = base_url.rstrip("/") + ACTIONS_PATH
    return [
        {
            "id": action,  # Mattermost: letters and digits only
            "name": label,
            "integration": {
                "url": url,
                "context": {
                    "action": action,
                    "incident": incident_id,
                    "signature": signature(key, action, incident_id),
                },
            },
        }
        for action, label in LABELS.items()
    ]


def verify(*, uow: UnitOfWork, context: dict[str, Any]) -> tuple[Action, int]:
    """The action and incident of a genuine button; Unauthenticated for a forged one."""
    action, incident = action_of(str(context.get("action", ""))), context.get("incident")
    given = str(context.get("signature", ""))
    if action is None or not isinstance(incident, int) or isinstance(incident, bool):
        raise Unauthenticated("this button was not made by Fireline")
    with uow.read():
        key = secrets.key(uow, "mattermost-actions") if _has_key(uow) else b""
    if not key or not hmac.compare_digest(given, signature(key, action, incident)):
        raise Unauthenticated("this button was not made by Fireline")
    return action, incident


def _has_key(uow: UnitOfWork) -> bool:
    return uow.settings.get("secret:mattermost-actions") is not None


def attachment(
    view: IncidentView, base_url: str, actions: list[dict[str, Any]], outcome: str = ""
) -> dict[str, Any]:
    """An incident's attachment: title, phase, who did what, the buttons still useful."""
    incident = view.incident
    priority = f"{incident.priority} " if incident.priority else ""
    title = mattermost_escape(f"{priority}#{incident.id} {incident.title}")[:SLACK_TEXT_LIMIT]
    resolved = incident.timestamps.resolved_at is not None
    acked = incident.timestamps.acknowledged_at is not None
    shown = [a for a in actions if not resolved and not (acked and a["id"] == "ack")]
    return {
        "fallback": title,
        "title": title,
        "title_link": f"{base_url.rstrip('/')}/incidents/{incident.id}",
        "text": f"Phase: **{incident.phase}**" + (f"\n{outcome}" if outcome else ""),
        "actions": shown,
    }
