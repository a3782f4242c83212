"""The built-in inbox: a channel that needs nothing outside Fireline.

A person's ``inbox`` contact method keeps each page (or reminder) in the
database. The person reads it on the "My work" page, where an open Fireline
tab also shows it as a desktop notification; the API lists and marks it read.
It is delivered like any other channel — a job, a row in the delivery log,
throttling, cancelled when the incident is acknowledged before it is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from fireline.notify import Message
from fireline.storage.inbox import InboxRecord
from fireline.storage.uow import UnitOfWork

LIMIT = 50


class InboxMessageRead(BaseModel):
    id: int
    incident_id: int | None
    kind: str
    title: str
    text: str
    url: str  # the incident's page, a path on this server
    created_at: datetime
    read_at: datetime | None
    needs_ack: bool  # a page whose incident is neither acknowledged nor resolved


class InboxRead(BaseModel):
    items: list[InboxMessageRead]
    unread: int


def keep(*, uow: UnitOfWork, contact: dict[str, Any], message: Message) -> bool:
    """Put a notification in its person's inbox; False if a retry of it is kept already."""
    with uow:
        kept = uow.inbox.add(
            InboxRecord(
                id=0,
                user_id=message.user,
                contact=contact["id"],
                incident_id=message.incident_id or None,  # 0: a test, of no incident
                kind=message.kind,
                title=message.headline[:400],
                text=message.text[:4000],
                idempotency_key=message.idempotency_key,
                created_at=uow.now(),
                read_at=None,
            )
        )
        uow.commit()
    return kept


def my_inbox(
    *, uow: UnitOfWork, user_id: str, unread: bool = False, after_id: int = 0, limit: int = LIMIT
) -> InboxRead:
    """The user's inbox, newest first (``after_id``: only newer messages, for polling)."""
    with uow.read():
        records = uow.inbox.list_for(user_id, unread=unread, after_id=after_id, limit=limit)
        items = [_read(uow, r) for r in records]
        return InboxRead(items=items, unread=uow.inbox.count_unread(user_id))


def mark_read(*, uow: UnitOfWork, user_id: str, ids: Sequence[int] | None) -> int:
    """Mark the user's messages read (``ids``, or all); how many were unread."""
    with uow:
        changed = uow.inbox.mark_read(user_id, ids, uow.now())
        uow.commit()
    return changed


def read_on_acknowledgement(uow: UnitOfWork, user_id: str, incident_id: int, at: datetime) -> None:
    """Whoever acknowledged an incident has read their pages about it."""
    uow.inbox.mark_incident_read(user_id, incident_id, at)


def _read(uow: UnitOfWork, record: InboxRecord) -> InboxMessageRead:
    needs_ack = False
    if record.incident_id is not None and record.kind == "page":
        stamps = uow.incidents.get(record.incident_id).timestamps
        needs_ack = stamps.acknowledged_at is None and stamps.resolved_at is None
    return InboxMessageRead(
        id=record.id,
        incident_id=record.incident_id,
        kind=record.kind,
        title=record.title,
        text=record.text,
        url=f"/incidents/{record.incident_id}" if record.incident_id is not None else "/",
        created_at=record.created_at,
        read_at=record.read_at,
        needs_ack=needs_ack,
    )
