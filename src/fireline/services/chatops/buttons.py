"""A button pressed on a page in chat (Acknowledge, Escalate, Resolve): act as the chat user's
Fireline user, and say who did what — or, politely, why not."""

from __future__ import annotations

from dataclasses import dataclass

from fireline.domain.events import CHANNEL_NAMES, Channel
from fireline.errors import FirelineError, Forbidden
from fireline.services.chatops.commands import Uows
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentView
from fireline.services.paging import channel_actions
from fireline.services.paging.channel_actions import Action

DONE = {"ack": "Acknowledged", "escalate": "Escalated", "resolve": "Resolved"}


@dataclass(frozen=True)
class Pressed:
    """What came of a press: the incident as it is now (None: nothing to show) and one line,
    either who did what (``done``) or why nothing happened."""

    view: IncidentView | None
    line: str
    done: bool


def action_of(name: str) -> Action | None:
    """A button's action, if it is one Fireline offers."""
    for action in ("ack", "escalate", "resolve"):
        if name == action:
            return action
    return None


def press(*, uows: Uows, user_id: str, action: Action, incident_id: int, via: Channel) -> Pressed:
    """Act on ``incident_id`` as ``user_id`` from ``via``; refusals become a polite line."""
    try:
        view = channel_actions.act(
            uow=uows(), user_id=user_id, incident_id=incident_id, action=action, via=via
        )
    except Forbidden as refused:
        return Pressed(None, f"Sorry, you cannot do that: {refused.message}.", False)
    except FirelineError as error:
        return Pressed(_current(uows, incident_id), f"Nothing changed: {error.message}.", False)
    return Pressed(view, f"{DONE[action]} by {user_id} from {CHANNEL_NAMES[via]}", True)


def _current(uows: Uows, incident_id: int) -> IncidentView | None:
    try:
        return incidents.get(uow=uows(), incident_id=incident_id)
    except FirelineError:
        return None
