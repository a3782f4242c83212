"""Silences and maintenance windows: alerts they match are stored but open nothing, page nobody."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from fireline.domain.alerts import compiled
from fireline.errors import InvalidInput, NotFound
from fireline.services.admin import audit
from fireline.storage.alerts import SilenceRecord
from fireline.storage.models import Service, SilenceRow
from fireline.storage.uow import UnitOfWork

Kind = Literal["silence", "maintenance"]


class MatcherSpec(BaseModel):
    name: str
    op: Literal["=", "!=", "=~", "!~"] = "="
    value: str


class SilenceRead(BaseModel):
    id: int
    kind: Kind
    matchers: list[MatcherSpec]
    service: str | None
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime
    active: bool


def create_silence(
    *,
    uow: UnitOfWork,
    actor: str,
    kind: Kind,
    matchers: list[MatcherSpec],
    service: str | None,
    starts_at: datetime | None,
    ends_at: datetime,
    comment: str,
) -> SilenceRead:
    """Silence matching alerts from ``starts_at`` (default now) until ``ends_at``.

    A maintenance window names a service and may have no matchers: it covers
    every alert of that service. A silence needs at least one matcher.
    """
    with uow:
        now = uow.now()
        start = starts_at or now
        _check(kind, matchers, service, start, ends_at, now)
        if service is not None:
            uow.directory.get(Service, service, field="service")
        silence = uow.silences.add(
            SilenceRow(
                kind=kind,
                matchers=[m.model_dump() for m in matchers],
                service_id=service,
                starts_at=start,
                ends_at=ends_at,
                created_by=actor,
                comment=comment,
                created_at=now,
            )
        )
        audit.record(
            uow,
            actor,
            "silence.created",
            f"silence {silence.id}",
            kind=kind,
            service=service,
            matchers=[m.model_dump() for m in matchers],
            ends_at=ends_at.isoformat(),
        )
        uow.commit()
    return _read(silence, now)


def _check(
    kind: Kind,
    matchers: list[MatcherSpec],
    service: str | None,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    if end <= start or end <= now:
        raise InvalidInput("ends_at must be after starts_at and in the future", field="ends_at")
    if kind == "maintenance" and service is None:
        raise InvalidInput(
            "a maintenance window names the service under maintenance", field="service"
        )
    if kind == "silence" and not matchers:
        raise InvalidInput(
            "a silence needs at least one matcher (or make it a maintenance window)",
            field="matchers",
        )
    for matcher in matchers:
        if matcher.op in ("=~", "!~"):
            try:
                compiled(matcher.value)
            except re.error as error:
                raise InvalidInput(
                    f"matcher {matcher.name}: bad regular expression: {error}", field="matchers"
                ) from None


def list_silences(*, uow: UnitOfWork, include_expired: bool = False) -> list[SilenceRead]:
    """Silences in force or scheduled (and expired ones if asked), newest first."""
    with uow.read():
        now = uow.now()
        return [
            _read(r, now) for r in uow.silences.list_all(now=now, include_expired=include_expired)
        ]


def expire_silence(*, uow: UnitOfWork, actor: str, silence_id: int) -> SilenceRead:
    """End a silence now (alerts from now on are not silenced)."""
    with uow:
        now = uow.now()
        silence = uow.silences.get(silence_id)
        if silence is None:
            raise NotFound(f"there is no silence {silence_id}")
        ended = expired(silence, now)
        if ended != silence:
            uow.silences.expire(silence_id, ended.ends_at)
            audit.record(uow, actor, "silence.expired", f"silence {silence_id}")
        uow.commit()
    return _read(ended, now)


def expired(silence: SilenceRecord, now: datetime) -> SilenceRecord:
    """The silence ended now: at once if it is in force, before it starts if it is to come;
    one that has ended already stays as it was."""
    if silence.ends_at <= now:
        return silence
    return replace(silence, ends_at=max(now, silence.starts_at))


def _read(silence: SilenceRecord, now: datetime) -> SilenceRead:
    return SilenceRead(
        id=silence.id,
        kind=silence.kind,
        matchers=[MatcherSpec(**m) for m in silence.matchers],
        service=silence.service_id,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        created_by=silence.created_by,
        comment=silence.comment,
        created_at=silence.created_at,
        active=silence.starts_at <= now < silence.ends_at,
    )
