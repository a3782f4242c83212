"""API tokens: stored as SHA-256 digests, looked up by digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fireline.storage.models import ApiToken, User


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, user_id: str, name: str, token_hash: str, now: datetime) -> ApiToken:
        token = ApiToken(user_id=user_id, name=name, token_hash=token_hash, created_at=now)
        self.session.add(token)
        self.session.flush()
        return token

    def owner(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The live token with this digest and its user, or None."""
        query = (
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
        row = self.session.execute(query).first()
        return (row[0], row[1]) if row else None

    def list_for(self, user_id: str) -> list[ApiToken]:
        query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        return list(self.session.execute(query).scalars())

    def get(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)
