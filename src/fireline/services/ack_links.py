"""Acknowledge from the page itself: a signed link that acknowledges as the paged user."""

from __future__ import annotations

from fireline.services import incidents
from fireline.services.ack_tokens import read_token
from fireline.services.incidents import IncidentView
from fireline.services.organisation import webhook_secret
from fireline.storage.uow import UnitOfWork


def describe(*, uow: UnitOfWork, token: str) -> tuple[int, str]:
    """Check a token without acting on it (for the confirmation page)."""
    with uow:
        found = read_token(webhook_secret(uow), token, uow.now())
        uow.commit()
    return found


def acknowledge_by_link(*, uow: UnitOfWork, token: str) -> IncidentView:
    """Acknowledge as the user the link was made for."""
    with uow:
        incident_id, user = read_token(webhook_secret(uow), token, uow.now())
        uow.commit()
    return incidents.acknowledge(uow=uow, actor=user, incident_id=incident_id)
