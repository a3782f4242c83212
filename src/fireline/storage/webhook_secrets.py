"""Webhook contacts' signing secrets: one row per (owner, contact), written in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fireline.storage.models import WebhookSecret


class WebhookSecretRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, owner: str, contact: str) -> str | None:
        row = self.session.get(WebhookSecret, (owner, contact))
        return row.secret if row else None

    def source(self, owner: str, contact: str) -> str | None:
        row = self.session.get(WebhookSecret, (owner, contact))
        return row.source if row else None

    def put(self, owner: str, contact: str, secret: str, *, source: str, now: datetime) -> bool:
        """Store the secret; False when it was already the one stored."""
        row = self.session.get(WebhookSecret, (owner, contact))
        if row is None:
            self.session.add(
                WebhookSecret(
                    owner=owner, contact=contact, secret=secret, source=source, created_at=now
                )
            )
        elif row.secret == secret:
            return False
        else:
            row.secret, row.source, row.created_at = secret, source, now
        self.session.flush()
        return True
