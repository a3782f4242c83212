"""Acting on an incident from a channel: an SMS reply, a key pressed on a call, a push
notification's button, a Slack or Mattermost button or slash command.

The channel has worked out who is acting (the owner of the phone number, the Slack user, the
signed push action); this checks that the person may act, then runs the same command the web
UI, the API and the CLI run, so one event and one set of reactions follow wherever it came
from: an acknowledgement from any channel cancels the incident's pending pages everywhere.
"""

from __future__ import annotations

from typing import Literal

from fireline.domain.events import CHANNEL_NAMES, Channel
from fireline.errors import Forbidden, Unauthenticated
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentView
from fireline.services.paging import escalation
from fireline.storage.models import User
from fireline.storage.uow import UnitOfWork

Action = Literal["ack", "escalate", "resolve"]
ACTORS = ("responder", "admin")  # who may act on incidents; viewers only watch


def check_actor(uow: UnitOfWork, user_id: str) -> None:
    """``user_id`` exists and may act on incidents (inside an open unit of work)."""
    user = uow.directory.find(User, user_id)
    if user is None:
        raise Unauthenticated(f"there is no Fireline user {user_id!r}")
    if user.role not in ACTORS:
        raise Forbidden(f"{user_id} is a {user.role} and may not act on incidents")


def act(
    *, uow: UnitOfWork, user_id: str, incident_id: int, action: Action, via: Channel
) -> IncidentView:
    """Acknowledge, escalate or resolve incident ``incident_id`` as ``user_id``, from ``via``."""
    with uow:
        check_actor(uow, user_id)
        uow.commit()
    if action == "ack":
        return incidents.acknowledge(uow=uow, actor=user_id, incident_id=incident_id, via=via)
    if action == "escalate":
        escalation.escalate_now(uow=uow, actor=user_id, incident_id=incident_id)
        return incidents.get(uow=uow, incident_id=incident_id)
    summary = f"Resolved from {CHANNEL_NAMES[via]} by {user_id}."
    return incidents.resolve(uow=uow, actor=user_id, incident_id=incident_id, summary=summary)
