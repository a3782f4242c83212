"""Browser sessions: stored by the SHA-256 of the cookie, looked up with their user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fireline.storage.models import User, WebSession


class WebSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WebSession) -> None:
        self.session.add(row)
        self.session.flush()

    def live(self, id_hash: str, now: datetime) -> tuple[WebSession, User] | None:
        """The unexpired session with this digest and its user, or None."""
        query = (
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.id_hash == id_hash, WebSession.expires_at > now)
        )
        row = self.session.execute(query).first()
        return (row[0], row[1]) if row else None

    def remove(self, id_hash: str) -> None:
        self.session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))

    def remove_expired(self, now: datetime) -> None:
        self.session.execute(delete(WebSession).where(WebSession.expires_at <= now))
