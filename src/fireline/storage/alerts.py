"""Alerts and silences. Alerts are written in bulk: the ingest path commits many at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from fireline.domain.alerts import Matcher, Silence
from fireline.storage.incidents import reserve_next_id
from fireline.storage.models import AlertRow, Integration, SilenceRow


@dataclass
class AlertRecord:
    """An alert as the ingest path reads and changes it (``id`` is None until stored)."""

    id: int | None
    integration_id: str
    service_id: str
    dedup_key: str
    group_key: str
    status: str
    summary: str
    severity: str
    source: str
    labels: dict[str, Any]
    payload: dict[str, Any]
    starts_at: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None
    occurrences: int = 1
    flapping: bool = False
    incident_id: int | None = None
    silence_id: int | None = None


COLUMNS = [f.name for f in fields(AlertRecord)]


@dataclass(frozen=True)
class AlertFilter:
    status: Sequence[str] = ()
    service: str | None = None
    incident_id: int | None = None


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_alerts(self, integration_id: str, dedup_keys: Iterable[str]) -> dict[str, AlertRecord]:
        """The open (firing or acknowledged) alerts of an integration with these dedup keys."""
        query = select(AlertRow).where(
            AlertRow.integration_id == integration_id,
            AlertRow.dedup_key.in_(list(set(dedup_keys))),
            AlertRow.status != "resolved",
        )
        return {r.dedup_key: _record(r) for r in self.session.execute(query).scalars()}

    def add(self, records: list[AlertRecord]) -> None:
        """Insert new alerts and give them their ids."""
        if not records:
            return
        rows = [{c: getattr(r, c) for c in COLUMNS if c != "id"} for r in records]
        ids = self.session.execute(
            insert(AlertRow).returning(AlertRow.id, sort_by_parameter_order=True), rows
        )
        for record, (alert_id,) in zip(records, ids, strict=True):
            record.id = alert_id

    def save(self, records: list[AlertRecord]) -> None:
        """Write back changed alerts."""
        for record in records:
            values = {c: getattr(record, c) for c in COLUMNS if c != "id"}
            self.session.execute(update(AlertRow).where(AlertRow.id == record.id).values(**values))

    def recent_resolutions(self, integration_id: str, dedup_key: str, since: datetime) -> int:
        query = select(func.count()).where(
            AlertRow.integration_id == integration_id,
            AlertRow.dedup_key == dedup_key,
            AlertRow.resolved_at >= since,
        )
        return int(self.session.execute(query).scalar_one())

    def last_incident_of(self, integration_id: str, dedup_key: str) -> int | None:
        """The incident the latest alert with this key joined."""
        query = (
            select(AlertRow.incident_id)
            .where(
                AlertRow.integration_id == integration_id,
                AlertRow.dedup_key == dedup_key,
                AlertRow.incident_id.is_not(None),
            )
            .order_by(AlertRow.id.desc())
            .limit(1)
        )
        return self.session.execute(query).scalar_one_or_none()

    def group_incidents(self, service_id: str, group_key: str) -> list[int]:
        """Incidents that alerts of this group joined, newest first."""
        query = (
            select(AlertRow.incident_id)
            .where(
                AlertRow.service_id == service_id,
                AlertRow.group_key == group_key,
                AlertRow.incident_id.is_not(None),
            )
            .group_by(AlertRow.incident_id)
            .order_by(AlertRow.incident_id.desc())
            .limit(5)
        )
        return [i for i in self.session.execute(query).scalars() if i is not None]

    def open_ids(self, incident_id: int) -> set[int]:
        """The ids of the incident's alerts not yet resolved."""
        query = select(AlertRow.id).where(
            AlertRow.incident_id == incident_id, AlertRow.status != "resolved"
        )
        return set(self.session.execute(query).scalars())

    def reserve_id(self) -> int:
        """An id for a new alert, so that timeline events can name it before it is written."""
        self._last_id = reserve_next_id(
            self.session, AlertRow.__table__, getattr(self, "_last_id", None)
        )
        return self._last_id

    def get(self, alert_id: int) -> AlertRecord | None:
        row = self.session.get(AlertRow, alert_id)
        return _record(row) if row else None

    def list_matching(
        self, filters: AlertFilter, *, limit: int, offset: int
    ) -> tuple[list[AlertRecord], int]:
        query = select(AlertRow)
        if filters.status:
            query = query.where(AlertRow.status.in_(filters.status))
        if filters.service:
            query = query.where(AlertRow.service_id == filters.service)
        if filters.incident_id is not None:
            query = query.where(AlertRow.incident_id == filters.incident_id)
        total = self.session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = self.session.execute(
            query.order_by(AlertRow.id.desc()).limit(limit).offset(offset)
        ).scalars()
        return [_record(r) for r in rows], int(total)

    def integration_for_key(self, key: str, now: datetime) -> Integration | None:
        """The integration whose current key, or previous key still in its grace period, this is."""
        query = select(Integration).where(
            (Integration.key == key)
            | ((Integration.previous_key == key) & (Integration.previous_key_expires_at > now))
        )
        return self.session.execute(query).scalars().first()

    def heartbeats(self) -> Sequence[Integration]:
        query = select(Integration).where(
            Integration.type == "heartbeat", Integration.revoked_at.is_(None)
        )
        return self.session.execute(query).scalars().all()


class SilenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active(self, now: datetime) -> list[Silence]:
        """Silences in force now or later (the ingest path checks each alert's own time)."""
        query = select(SilenceRow).where(SilenceRow.ends_at > now).order_by(SilenceRow.id)
        return [to_silence(r) for r in self.session.execute(query).scalars()]

    def add(self, row: SilenceRow) -> SilenceRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, silence_id: int) -> SilenceRow | None:
        return self.session.get(SilenceRow, silence_id)

    def list_all(self, *, now: datetime, include_expired: bool) -> list[SilenceRow]:
        query = select(SilenceRow)
        if not include_expired:
            query = query.where(SilenceRow.ends_at > now)
        return list(self.session.execute(query.order_by(SilenceRow.id.desc()).limit(500)).scalars())


def to_silence(row: SilenceRow) -> Silence:
    matchers = tuple(Matcher(m["name"], m["op"], m["value"]) for m in row.matchers)
    return Silence(row.id, matchers, row.starts_at, row.ends_at, row.service_id)


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(**{c: getattr(row, c) for c in COLUMNS})
