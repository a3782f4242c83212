"""Phone numbers people proved they hold: one row per (user, sms or voice contact method)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fireline.storage.models import PhoneVerification


@dataclass(frozen=True)
class PendingCode:
    """A code sent to ``number`` and not yet confirmed."""

    number: str
    code_hash: str
    sent_at: datetime | None
    expires_at: datetime | None
    attempts: int


class PhoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def verified(self, user_id: str) -> dict[str, str]:
        """The user's verified numbers, by contact method id."""
        query = select(PhoneVerification).where(
            PhoneVerification.user_id == user_id, PhoneVerification.verified_number != ""
        )
        return {row.contact: row.verified_number for row in self.session.execute(query).scalars()}

    def is_verified(self, user_id: str, number: str) -> bool:
        """Whether the user verified ``number`` (for any of their contact methods)."""
        if not number:
            return False
        query = select(PhoneVerification.contact).where(
            PhoneVerification.user_id == user_id, PhoneVerification.verified_number == number
        )
        return self.session.execute(query.limit(1)).first() is not None

    def holders(self, number: str) -> list[tuple[str, str]]:
        """(user, contact) of every contact method whose verified number is ``number``."""
        query = select(PhoneVerification.user_id, PhoneVerification.contact).where(
            PhoneVerification.verified_number == number
        )
        return [(row.user_id, row.contact) for row in self.session.execute(query)]

    def pending(self, user_id: str, contact: str) -> PendingCode | None:
        row = self.session.get(PhoneVerification, (user_id, contact))
        if row is None or not row.code_hash:
            return None
        return PendingCode(
            row.pending_number, row.code_hash, row.code_sent_at, row.code_expires_at, row.attempts
        )

    def put_code(
        self,
        user_id: str,
        contact: str,
        *,
        number: str,
        code_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """A new code for this contact (any earlier one stops working)."""
        row = self._row(user_id, contact)
        row.pending_number, row.code_hash = number, code_hash
        row.code_sent_at, row.code_expires_at, row.attempts = now, expires_at, 0
        self.session.flush()

    def count_wrong(self, user_id: str, contact: str) -> int:
        """One more wrong try at the pending code; how many there have been."""
        row = self._row(user_id, contact)
        row.attempts += 1
        self.session.flush()
        return row.attempts

    def drop_code(self, user_id: str, contact: str) -> None:
        row = self._row(user_id, contact)
        row.pending_number, row.code_hash, row.code_expires_at, row.attempts = "", "", None, 0
        self.session.flush()

    def mark_verified(self, user_id: str, contact: str, number: str, now: datetime) -> None:
        """``number`` is verified for this contact; the pending code is used up."""
        row = self._row(user_id, contact)
        row.verified_number, row.verified_at = number, now
        self.session.flush()
        self.drop_code(user_id, contact)

    def _row(self, user_id: str, contact: str) -> PhoneVerification:
        row = self.session.get(PhoneVerification, (user_id, contact))
        if row is None:
            row = PhoneVerification(
                user_id=user_id,
                contact=contact,
                verified_number="",
                pending_number="",
                code_hash="",
                attempts=0,
            )
            self.session.add(row)
        return row
