"""Acknowledge from the page itself: a signed link that acknowledges as the paged user.

A token is ``incident.user.expiry.signature`` (user ids have no dots), signed with the
``ack-links`` key and nothing else; a page carries it in its ``ack_url``. Following it acts as
that user on that incident only, until its expiry (at most LIFETIME after it was made), while the
user exists and may acknowledge, and while the incident is not resolved.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from fireline.errors import Conflict, Forbidden, Unauthenticated
from fireline.services.admin import secrets
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentView
from fireline.storage.models import User
from fireline.storage.uow import UnitOfWork

LIFETIME = timedelta(hours=24)


ACKNOWLEDGERS = ("responder", "admin")


def make_token(secret: bytes, incident_id: int, user: str, expires: datetime) -> str:
    """``incident.user.expiry.signature`` — user ids have no dots."""
    claim = f"{incident_id}.{user}.{int(expires.timestamp())}"
    return f"{claim}.{_signature(secret, claim)}"


def _signature(secret: bytes, claim: str) -> str:
    return hmac.new(secret, f"ack:{claim}".encode(), hashlib.sha256).hexdigest()[:40]


def read_token(secret: bytes, token: str, now: datetime) -> tuple[int, str]:
    """The incident and user a token acknowledges for; Unauthenticated if forged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
        raise Unauthenticated("this acknowledge link is malformed")
    claim = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(secret, claim)):
        raise Unauthenticated("this acknowledge link is not valid")
    expires = datetime.fromtimestamp(int(parts[2]), UTC)
    if expires > now + LIFETIME:  # Fireline never makes one that long: not one of ours
        raise Unauthenticated("this acknowledge link is not valid")
    if expires < now:
        raise Unauthenticated(
            "this acknowledge link has expired; acknowledge from the API, CLI or UI"
        )
    return int(parts[0]), parts[1]


def link_for(uow: UnitOfWork, base_url: str, incident_id: int, user: str) -> str:
    """The acknowledge URL to put in a page (inside an open unit of work)."""
    token = make_token(secrets.key(uow, "ack-links"), incident_id, user, uow.now() + LIFETIME)
    return f"{base_url.rstrip('/')}/ack/{token}"


def describe(*, uow: UnitOfWork, token: str) -> tuple[int, str]:
    """Check a token and what it would do, without acting (for the confirmation page)."""
    with uow:
        found = _usable(uow, token)
        uow.commit()
    return found


def acknowledge_by_link(*, uow: UnitOfWork, token: str) -> IncidentView:
    """Acknowledge as the user the link was made for."""
    with uow:
        incident_id, user = _usable(uow, token)
        uow.commit()
    return incidents.acknowledge(uow=uow, actor=user, incident_id=incident_id, via="link")


def _usable(uow: UnitOfWork, token: str) -> tuple[int, str]:
    """The incident and user of a genuine, current link whose user may still acknowledge it."""
    incident_id, user_id = read_token(secrets.key(uow, "ack-links"), token, uow.now())
    user = uow.directory.find(User, user_id)
    if user is None:
        raise Unauthenticated("this acknowledge link is not valid")
    if user.role not in ACKNOWLEDGERS:
        raise Forbidden(f"{user_id} is a {user.role} and may not acknowledge incidents")
    resolved_at = uow.incidents.get(incident_id).timestamps.resolved_at
    if resolved_at is not None:
        raise Conflict(
            f"incident #{incident_id} was already resolved at {resolved_at:%Y-%m-%d %H:%M} UTC; "
            "this link changes nothing"
        )
    return incident_id, user_id
