"""The audit log: appended to in the change's own transaction, read newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fireline.storage.models import AuditEntry


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, *, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at, actor=actor[:64], action=action, subject=subject[:200], details=details
            )
        )
        self.session.flush()

    def newest(
        self, *, limit: int, before: int | None = None, action: str | None = None
    ) -> list[AuditRecord]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return [
            AuditRecord(e.id, e.at, e.actor, e.action, e.subject, e.details)
            for e in self.session.execute(query).scalars()
        ]
