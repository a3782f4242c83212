"""Who changed what, and when, outside incident timelines (those are their own record).

Every administrative change writes one entry in its own transaction: config applied (with its
plan), API tokens created and revoked, passwords set, integration keys created, rotated and
revoked, signing secrets rotated and webhook secrets issued, silences created and expired,
refusals for too many failed logins and their lifting. Fireline never changes or deletes one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from fireline.storage.uow import UnitOfWork

Action = Literal[
    "config.applied",
    "role.changed",
    "token.created",
    "token.revoked",
    "password.set",
    "integration.created",
    "integration.rotated",
    "integration.revoked",
    "secret.rotated",
    "webhook_secret.issued",
    "silence.created",
    "silence.expired",
    "login.throttled",
    "throttle.cleared",
]


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def record(uow: UnitOfWork, actor: str, action: Action, subject: str, **details: Any) -> None:
    """Note a change (inside the unit of work that makes it)."""
    uow.audit.record(at=uow.now(), actor=actor, action=action, subject=subject, details=details)


def list_audit(
    *, uow: UnitOfWork, limit: int = 100, before: int | None = None, action: str | None = None
) -> list[AuditRead]:
    """Newest first; ``before`` an entry id to page back."""
    with uow.read():
        entries = uow.audit.newest(limit=limit, before=before, action=action)
    return [AuditRead(**vars(e)) for e in entries]
