"""The built-in inbox: notifications kept in the database for a person to read in Fireline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fireline.storage.models import InboxMessage
from fireline.storage.records import record_of


@dataclass(frozen=True)
class InboxRecord:
    id: int
    user_id: str
    contact: str
    incident_id: int | None
    kind: str
    title: str
    text: str
    idempotency_key: str
    created_at: datetime
    read_at: datetime | None


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: InboxRecord) -> bool:
        """Keep a message; False if its idempotency key is kept already (a retried send)."""
        found = self.session.scalar(
            select(InboxMessage.id).where(InboxMessage.idempotency_key == message.idempotency_key)
        )
        if found is not None:
            return False
        values = {k: v for k, v in vars(message).items() if k != "id"}
        self.session.add(InboxMessage(**values))
        self.session.flush()
        return True

    def list_for(
        self, user_id: str, *, unread: bool, after_id: int, limit: int
    ) -> list[InboxRecord]:
        """The user's messages, newest first; only those with an id above ``after_id``."""
        query = select(InboxMessage).where(
            InboxMessage.user_id == user_id, InboxMessage.id > after_id
        )
        if unread:
            query = query.where(InboxMessage.read_at.is_(None))
        rows = self.session.scalars(query.order_by(InboxMessage.id.desc()).limit(limit))
        return [record_of(InboxRecord, row) for row in rows]

    def count_unread(self, user_id: str) -> int:
        query = select(func.count()).where(
            InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None)
        )
        return int(self.session.scalar(query) or 0)

    def mark_read(self, user_id: str, ids: Sequence[int] | None, now: datetime) -> int:
        """Mark the user's messages read (``ids``, or all of them); how many changed."""
        query = update(InboxMessage).where(
            InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None)
        )
        if ids is not None:
            query = query.where(InboxMessage.id.in_(ids))
        result = self.session.execute(
            query.values(read_at=now), execution_options={"synchronize_session": False}
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def mark_incident_read(self, user_id: str, incident_id: int, now: datetime) -> None:
        """The user acted on the incident: its messages to them are read."""
        self.session.execute(
            update(InboxMessage)
            .where(
                InboxMessage.user_id == user_id,
                InboxMessage.incident_id == incident_id,
                InboxMessage.read_at.is_(None),
            )
            .values(read_at=now),
            execution_options={"synchronize_session": False},
        )
