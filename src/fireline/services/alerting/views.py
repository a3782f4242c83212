"""Read alerts: list with filters, show one with its source payload."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from fireline.errors import NotFound
from fireline.storage.alerts import AlertFilter, AlertRecord
from fireline.storage.uow import UnitOfWork


class AlertRead(BaseModel):
    id: int
    integration: str
    service: str
    dedup_key: str
    status: str
    summary: str
    severity: str
    source: str
    labels: dict[str, Any]
    starts_at: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    occurrences: int
    flapping: bool
    incident_id: int | None
    silence_id: int | None


class AlertDetail(AlertRead):
    payload: dict[str, Any]


class AlertPage(BaseModel):
    items: list[AlertRead]
    total: int
    limit: int
    offset: int


def list_alerts(
    *,
    uow: UnitOfWork,
    status: Sequence[str] = (),
    service: str | None = None,
    incident_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AlertPage:
    """Alerts, newest first, filtered by status (firing, acknowledged, resolved), service or incident."""
    with uow.read():
        found, total = uow.alerts.list_matching(
            AlertFilter(status=status, service=service, incident_id=incident_id),
            limit=limit,
            offset=offset,
        )
    return AlertPage(
        items=[AlertRead(**_fields(a)) for a in found], total=total, limit=limit, offset=offset
    )


def get_alert(*, uow: UnitOfWork, alert_id: int) -> AlertDetail:
    """One alert with the payload its source sent last."""
    with uow.read():
        alert = uow.alerts.get(alert_id)
    if alert is None:
        raise NotFound(
            f"there is no alert {alert_id} (resolved alerts are deleted after "
            "FIRELINE_RETENTION_ALERTS; the incident's timeline keeps what they said)"
        )
    return AlertDetail(**_fields(alert), payload=alert.payload)


def _fields(alert: AlertRecord) -> dict[str, Any]:
    return {
        "id": alert.id,
        "integration": alert.integration_id,
        "service": alert.service_id,
        "dedup_key": alert.dedup_key,
        "status": alert.status,
        "summary": alert.summary,
        "severity": alert.severity,
        "source": alert.source,
        "labels": alert.labels,
        "starts_at": alert.starts_at,
        "first_seen_at": alert.first_seen_at,
        "last_seen_at": alert.last_seen_at,
        "resolved_at": alert.resolved_at,
        "occurrences": alert.occurrences,
        "flapping": alert.flapping,
        "incident_id": alert.incident_id,
        "silence_id": alert.silence_id,
    }
