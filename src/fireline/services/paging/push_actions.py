"""The Acknowledge button of a push notification: a signed token, acted on without a session.

A page pushed to a device carries ``/push/ack/TOKEN`` (inside the encrypted payload only). The
service worker POSTs it when the person presses Acknowledge, from the lock screen too, with no
session: the token says who and which incident. It has the acknowledge links' form
(``incident.user.expiry.signature``, at most a day) but its own key, ``push-actions``, so a
token from a notification is no acknowledge link and the other way round.
"""

from __future__ import annotations

from fireline.errors import Conflict
from fireline.services.admin import secrets
from fireline.services.incidents.commands import IncidentView
from fireline.services.paging import ack_links, channel_actions
from fireline.storage.uow import UnitOfWork


def token_for(uow: UnitOfWork, incident_id: int, user: str) -> str:
    """A token that acknowledges ``incident_id`` as ``user`` (inside an open unit of work)."""
    expires = uow.now() + ack_links.LIFETIME
    return ack_links.make_token(secrets.key(uow, "push-actions"), incident_id, user, expires)


def acknowledge(*, uow: UnitOfWork, token: str) -> IncidentView:
    """Acknowledge as the person the notification went to: "Acknowledged from a push
    notification" on the timeline, and the incident's pending pages cancelled."""
    with uow:
        key = secrets.key(uow, "push-actions")
        incident_id, user_id = ack_links.read_token(key, token, uow.now())
        resolved_at = uow.incidents.get(incident_id).timestamps.resolved_at
        uow.commit()
    if resolved_at is not None:
        raise Conflict(f"incident #{incident_id} is resolved already; nothing to acknowledge")
    return channel_actions.act(
        uow=uow, user_id=user_id, incident_id=incident_id, action="ack", via="push"
    )
