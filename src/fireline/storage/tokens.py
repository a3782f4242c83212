"""API tokens: stored as SHA-256 digests, looked up by digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fireline.storage.models import ApiToken, User
from fireline.storage.records import record_of


@dataclass(frozen=True)
class TokenRecord:
    """A token as stored (its digest stays in the table)."""

    id: int
    user_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, user_id: str, name: str, token_hash: str, now: datetime) -> TokenRecord:
        token = ApiToken(user_id=user_id, name=name, token_hash=token_hash, created_at=now)
        self.session.add(token)
        self.session.flush()
        return record_of(TokenRecord, token)

    def owner(self, token_hash: str) -> tuple[TokenRecord, User] | None:
        """The live token with this digest and its user, or None."""
        query = (
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
        row = self.session.execute(query).first()
        return (record_of(TokenRecord, row[0]), row[1]) if row else None

    def list_for(self, user_id: str) -> list[TokenRecord]:
        query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        return [record_of(TokenRecord, t) for t in self.session.execute(query).scalars()]

    def get(self, token_id: int) -> TokenRecord | None:
        token = self.session.get(ApiToken, token_id)
        return record_of(TokenRecord, token) if token else None

    def revoke(self, token_id: int, at: datetime) -> None:
        """The token stops working from ``at`` on."""
        self.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=at))
