"""The delivery log: every notification from queued to sent or failed, with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from fireline.storage.models import Delivery, IncidentRow

OPEN = ("queued", "throttled", "coalesced")
FINISHED = ("sent", "failed", "digested", "cancelled")  # nothing will change these rows again


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        key: str,
        incident_id: int | None,
        purpose: str,
        recipient: str,
        contact: dict[str, str],
        now: datetime,
    ) -> None:
        """Log a notification as queued (its job was queued in the same transaction)."""
        self.session.add(
            Delivery(
                incident_id=incident_id,
                idempotency_key=key,
                purpose=purpose,
                recipient=recipient,
                contact=contact["id"],
                channel=contact["type"],
                status="queued",
                attempts=0,
                reason="",
                queued_at=now,
                updated_at=now,
            )
        )

    def mark(
        self,
        key: str,
        status: str,
        now: datetime,
        *,
        reason: str = "",
        attempts: int | None = None,
        provider: tuple[str, str] | None = None,
    ) -> None:
        """Move one delivery to ``status`` (sent stamps ``sent_at``), with the provider's answer."""
        values: dict[str, object] = {"status": status, "reason": reason[:1000], "updated_at": now}
        if attempts is not None:
            values["attempts"] = attempts
        if provider is not None:  # (its id for the message, what it said)
            values["provider_ref"], values["provider_status"] = (p[:200] for p in provider)
        if status == "sent":
            values["sent_at"] = now
        self.session.execute(
            update(Delivery).where(Delivery.idempotency_key == key).values(**values),
            execution_options={"synchronize_session": False},
        )

    def get(self, key: str) -> Delivery:
        """One delivery by its key."""
        return self.session.execute(
            select(Delivery).where(Delivery.idempotency_key == key)
        ).scalar_one()

    def by_provider_ref(self, ref: str) -> Delivery | None:
        """The delivery whose provider gave it this id (a Twilio SID), if any."""
        if not ref:
            return None
        query = select(Delivery).where(Delivery.provider_ref == ref).order_by(Delivery.id.desc())
        return self.session.execute(query.limit(1)).scalar_one_or_none()

    def note_provider(
        self, ref: str, status: str, now: datetime, *, failed: str | None = None
    ) -> None:
        """A provider's later word on a delivery (a status callback): its new ``status``, and
        ``failed`` (the reason) when it says the message never reached the person."""
        values: dict[str, object] = {"provider_status": status[:200], "updated_at": now}
        if failed is not None:
            values["status"], values["reason"] = "failed", failed[:1000]
        self.session.execute(
            update(Delivery).where(Delivery.provider_ref == ref).values(**values),
            execution_options={"synchronize_session": False},
        )

    def tests_of(self, recipient: str, limit: int) -> list[Delivery]:
        """The latest test pages to ``recipient``'s contact methods, newest first."""
        query = (
            select(Delivery)
            .where(Delivery.recipient == recipient, Delivery.purpose == "test")
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(query).scalars())

    def status_of(self, key: str) -> str | None:
        query = select(Delivery.status).where(Delivery.idempotency_key == key)
        return self.session.execute(query).scalar_one_or_none()

    def cancel_pages(self, incident_id: int, reason: str, now: datetime) -> None:
        """Pages still waiting for this incident will not be sent (acknowledged or resolved)."""
        self.session.execute(
            update(Delivery)
            .where(
                Delivery.incident_id == incident_id,
                Delivery.purpose == "page",
                Delivery.status.in_(OPEN),
            )
            .values(status="cancelled", reason=reason, updated_at=now),
            execution_options={"synchronize_session": False},
        )

    def sent_since(
        self, recipient: str, contact: str, since: datetime, limit: int
    ) -> list[datetime]:
        """The last ``limit`` times this contact was sent something since ``since``, oldest first."""
        query = (
            select(Delivery.sent_at)
            .where(
                Delivery.recipient == recipient,
                Delivery.contact == contact,
                Delivery.sent_at >= since,
            )
            .order_by(Delivery.sent_at.desc())
            .limit(limit)
        )
        return sorted(at for at in self.session.execute(query).scalars() if at is not None)

    def priorities_since(self, recipient: str, contact: str, since: datetime) -> list[str | None]:
        """The priorities of the incidents this contact was paged for since ``since``."""
        query = (
            select(IncidentRow.priority)
            .join(Delivery, Delivery.incident_id == IncidentRow.id)
            .where(
                Delivery.recipient == recipient,
                Delivery.contact == contact,
                Delivery.sent_at >= since,
            )
            .distinct()
        )
        return list(self.session.execute(query).scalars())

    def paged_before(self, incident_id: int, recipient: str, contact: str) -> bool:
        """Whether a page of this incident already reached this contact."""
        query = select(Delivery.id).where(
            Delivery.incident_id == incident_id,
            Delivery.recipient == recipient,
            Delivery.contact == contact,
            Delivery.purpose == "page",
            Delivery.sent_at.is_not(None),
        )
        return self.session.execute(query.limit(1)).first() is not None

    def take_coalesced(self, recipient: str, contact: str, now: datetime) -> list[int]:
        """Mark the pages waiting for this contact's digest as ``digested``; their incidents
        (one per page). A concurrent digest for the same contact takes none of them."""
        waiting = (
            Delivery.recipient == recipient,
            Delivery.contact == contact,
            Delivery.status == "coalesced",
        )
        rows = self.session.execute(
            select(Delivery.id, Delivery.incident_id).where(*waiting).with_for_update()
        ).all()
        ids = [row.id for row in rows]
        if ids:
            self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), *waiting)
                .values(status="digested", reason="sent in a digest", updated_at=now),
                execution_options={"synchronize_session": False},
            )
        return [row.incident_id for row in rows if row.incident_id is not None]

    def list_matching(
        self,
        *,
        incident_id: int | None = None,
        statuses: Sequence[str] = (),
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[Delivery]:
        """Newest first; ``before_id`` pages further back."""
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if incident_id is not None:
            query = query.where(Delivery.incident_id == incident_id)
        if statuses:
            query = query.where(Delivery.status.in_(list(statuses)))
        if before_id is not None:
            query = query.where(Delivery.id < before_id)
        return list(self.session.execute(query).scalars())

    def prune(self, finished_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` finished deliveries last changed before then, oldest first."""
        expired = (
            select(Delivery.id)
            .where(Delivery.status.in_(FINISHED), Delivery.updated_at < finished_before)
            .order_by(Delivery.id)
            .limit(limit)
        )
        ids = list(self.session.execute(expired).scalars())
        if ids:
            self.session.execute(delete(Delivery).where(Delivery.id.in_(ids)))
        return len(ids)

    def count(self, status: str) -> int:
        query = select(func.count()).where(Delivery.status == status)
        return int(self.session.execute(query).scalar_one())
