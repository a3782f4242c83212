"""Acknowledge from the page itself: a signed link that acknowledges as the paged user.

A token is ``incident.user.expiry.signature`` (user ids have no dots); a page
carries it in its ``ack_url``, and following the link acknowledges as that user.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from fireline.errors import Unauthenticated
from fireline.services.admin.organisation import webhook_secret
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentView
from fireline.storage.uow import UnitOfWork

LIFETIME = timedelta(hours=24)


def make_token(secret: str, incident_id: int, user: str, expires: datetime) -> str:
    """``incident.user.expiry.signature`` — user ids have no dots."""
    claim = f"{incident_id}.{user}.{int(expires.timestamp())}"
    return f"{claim}.{_signature(secret, claim)}"


def _signature(secret: str, claim: str) -> str:
    return hmac.new(secret.encode(), f"ack:{claim}".encode(), hashlib.sha256).hexdigest()[:40]


def read_token(secret: str, token: str, now: datetime) -> tuple[int, str]:
    """The incident and user a token acknowledges for; Unauthenticated if forged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
        raise Unauthenticated("this acknowledge link is malformed")
    claim = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(secret, claim)):
        raise Unauthenticated("this acknowledge link is not valid")
    if datetime.fromtimestamp(int(parts[2]), UTC) < now:
        raise Unauthenticated(
            "this acknowledge link has expired; acknowledge from the API, CLI or UI"
        )
    return int(parts[0]), parts[1]


def link_for(uow: UnitOfWork, base_url: str, incident_id: int, user: str) -> str:
    """The acknowledge URL to put in a page (inside an open unit of work)."""
    token = make_token(webhook_secret(uow), incident_id, user, uow.now() + LIFETIME)
    return f"{base_url.rstrip('/')}/ack/{token}"


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
