"""People's Web Push devices: one row per subscription, found by id or by endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fireline.storage.models import PushDevice
from fireline.storage.records import record_of


@dataclass(frozen=True)
class PushDeviceRecord:
    id: int
    user_id: str
    endpoint: str
    p256dh: str
    auth: str
    name: str
    created_at: datetime


class PushDeviceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_of(self, user_id: str) -> list[PushDeviceRecord]:
        """The user's devices, oldest first."""
        rows = self.session.scalars(
            select(PushDevice).where(PushDevice.user_id == user_id).order_by(PushDevice.id)
        )
        return [record_of(PushDeviceRecord, row) for row in rows]

    def get(self, device_id: int) -> PushDeviceRecord | None:
        row = self.session.get(PushDevice, device_id)
        return record_of(PushDeviceRecord, row) if row else None

    def by_endpoint(self, endpoint: str) -> PushDeviceRecord | None:
        row = self.session.scalar(select(PushDevice).where(PushDevice.endpoint == endpoint))
        return record_of(PushDeviceRecord, row) if row else None

    def add(
        self, *, user_id: str, endpoint: str, p256dh: str, auth: str, name: str, now: datetime
    ) -> PushDeviceRecord:
        row = PushDevice(
            user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth, name=name, created_at=now
        )
        self.session.add(row)
        self.session.flush()
        return record_of(PushDeviceRecord, row)

    def remove(self, device_id: int) -> bool:
        """Forget a device; False if it was gone already."""
        removed = self.session.execute(delete(PushDevice).where(PushDevice.id == device_id))
        return bool(removed.rowcount)  # type: ignore[attr-defined]

    def remove_endpoint(self, endpoint: str) -> bool:
        """Forget the device with this endpoint; False if there was none."""
        removed = self.session.execute(delete(PushDevice).where(PushDevice.endpoint == endpoint))
        return bool(removed.rowcount)  # type: ignore[attr-defined]
