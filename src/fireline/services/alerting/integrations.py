"""Integration keys: create, list, rotate (the old key keeps working for a grace period), revoke."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from fireline.domain.durations import parse_duration
from fireline.errors import Conflict, InvalidInput
from fireline.services.admin import audit
from fireline.services.admin.base_url import DEFAULT as DEFAULT_BASE_URL
from fireline.services.alerting.batch import deadline
from fireline.storage.directory import IntegrationRecord
from fireline.storage.models import API, Integration, Service
from fireline.storage.uow import UnitOfWork

PATHS = {
    "alertmanager": "/api/v1/integrations/alertmanager/{key}",
    "events_v2": "/v2/enqueue",
    "generic": "/api/v1/integrations/generic/{key}",
    "heartbeat": "/api/v1/heartbeats/{key}",
}


HeartbeatState = Literal["waiting_first_beat", "up", "late"]


class IntegrationRead(BaseModel):
    id: str
    service: str
    type: str
    key: str | None
    path: str
    url: str  # the path under the server's base URL
    settings: dict[str, Any]
    previous_key_expires_at: datetime | None
    revoked_at: datetime | None
    last_beat_at: datetime | None
    heartbeat: HeartbeatState | None = None  # heartbeats only
    managed_by: str  # config: `fireline apply` owns it; api: made through the API, CLI or UI


def new_key() -> str:
    return secrets.token_hex(16)


def read_integration(
    integration: IntegrationRecord,
    *,
    show_key: bool,
    now: datetime,
    base_url: str = DEFAULT_BASE_URL,
) -> IntegrationRead:
    """An integration as the API shows it; the key (and the URL that holds it) only to admins."""
    key = integration.key if show_key else None
    path = PATHS[integration.type].format(key=key or "<key>")
    return IntegrationRead(
        id=integration.id,
        service=integration.service_id,
        type=integration.type,
        key=key,
        path=path,
        url=base_url.rstrip("/") + path,
        settings=integration.settings,
        previous_key_expires_at=integration.previous_key_expires_at,
        revoked_at=integration.revoked_at,
        last_beat_at=integration.last_beat_at,
        heartbeat=heartbeat_state(integration, now) if integration.type == "heartbeat" else None,
        managed_by=integration.managed_by,
    )


def heartbeat_state(integration: IntegrationRecord, now: datetime) -> HeartbeatState:
    """Waiting for its first beat (never checked until then), up, or late."""
    if integration.last_beat_at is None:
        return "waiting_first_beat"
    try:
        due = deadline(integration)
    except (KeyError, ValueError):  # a bad interval stored by hand: never checked
        return "up"
    return "late" if due is not None and due <= now else "up"


def list_integrations(
    *, uow: UnitOfWork, show_keys: bool, base_url: str = DEFAULT_BASE_URL
) -> list[IntegrationRead]:
    with uow.read():
        now = uow.now()
        return [
            read_integration(i, show_key=show_keys, now=now, base_url=base_url)
            for i in uow.directory.list_integrations()
        ]


def create_integration(
    *,
    uow: UnitOfWork,
    actor: str,
    integration_id: str,
    service: str,
    kind: str,
    settings: dict[str, Any],
    base_url: str = DEFAULT_BASE_URL,
) -> IntegrationRead:
    """Add an integration to a service with a fresh key."""
    with uow:
        uow.directory.get(Service, service, field="service")
        if uow.directory.find(Integration, integration_id) is not None:
            raise Conflict(f"integration {integration_id} exists already")
        if kind == "heartbeat" and "interval" not in settings:
            raise InvalidInput(
                "a heartbeat integration needs an interval, like 5m", field="interval"
            )
        uow.directory.add(
            Integration(
                id=integration_id,
                service_id=service,
                type=kind,
                key=new_key(),
                settings=settings,
                created_at=uow.now(),
                managed_by=API,
            )
        )
        created = read_integration(
            uow.directory.integration(integration_id),
            show_key=True,
            now=uow.now(),
            base_url=base_url,
        )
        audit.record(uow, actor, "integration.created", integration_id, service=service, type=kind)
        uow.commit()
    return created


def parse_grace(text: str) -> timedelta:
    """How long a rotated key keeps working, from text like "1h"."""
    try:
        return parse_duration(text)
    except ValueError as error:
        raise InvalidInput(str(error), field="grace") from None


def rotate_key(
    *,
    uow: UnitOfWork,
    actor: str,
    integration_id: str,
    grace: timedelta,
    base_url: str = DEFAULT_BASE_URL,
) -> IntegrationRead:
    """Give the integration a new key; the current one keeps working for ``grace``."""
    with uow:
        integration = uow.directory.integration(integration_id)
        integration = rotated(integration, key=new_key(), grace=grace, now=uow.now())
        uow.directory.rotate_key(integration)
        seconds = int(grace.total_seconds())
        audit.record(uow, actor, "integration.rotated", integration_id, grace_seconds=seconds)
        uow.commit()
    return read_integration(integration, show_key=True, now=uow.now(), base_url=base_url)


def rotated(
    integration: IntegrationRecord, *, key: str, grace: timedelta, now: datetime
) -> IntegrationRecord:
    """The integration with ``key``; its current key stays valid for ``grace`` if that is > 0."""
    if integration.revoked_at is not None:
        raise Conflict(f"integration {integration.id} is revoked; create a new one")
    keep = grace > timedelta(0)
    return replace(
        integration,
        key=key,
        previous_key=integration.key if keep else None,
        previous_key_expires_at=now + grace if keep else None,
    )


def revoke(
    *, uow: UnitOfWork, actor: str, integration_id: str, base_url: str = DEFAULT_BASE_URL
) -> IntegrationRead:
    """Stop accepting alerts on this integration's keys, at once."""
    with uow:
        integration = revoked(uow.directory.integration(integration_id), now=uow.now())
        uow.directory.revoke_integration(integration)
        audit.record(uow, actor, "integration.revoked", integration_id)
        uow.commit()
    return read_integration(integration, show_key=True, now=uow.now(), base_url=base_url)


def revoked(integration: IntegrationRecord, *, now: datetime) -> IntegrationRecord:
    """The integration revoked (since ``now`` unless it was already), its previous key gone."""
    return replace(
        integration,
        revoked_at=integration.revoked_at or now,
        previous_key=None,
        previous_key_expires_at=None,
    )
