"""Repositories for what config-as-code manages: teams, users, services, settings and so on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fireline.errors import Conflict, InvalidInput, NotFound
from fireline.storage.models import (
    API,
    AlertRow,
    Base,
    EscalationPolicy,
    Integration,
    Schedule,
    ScheduleOverride,
    Service,
    Setting,
    Team,
    TeamMember,
    User,
)
from fireline.storage.records import record_of

Row = TypeVar("Row", bound=Base)
_SERVICES: Table = Service.__table__  # type: ignore[assignment]
_SERVICE = select(_SERVICES).where(_SERVICES.c.id == bindparam("id"))
Outcome = Literal["created", "updated", "unchanged", "deleted"]
Fields = dict[str, tuple[Any, Any]]  # a column's (old, new) values
KINDS: dict[str, type[Base]] = {
    "team": Team,
    "user": User,
    "schedule": Schedule,
    "escalation policy": EscalationPolicy,
    "service": Service,
    "integration": Integration,
}


@dataclass(frozen=True)
class IntegrationRecord:
    """An integration as stored; change it through the repository's write methods."""

    id: str
    service_id: str
    type: str
    key: str
    previous_key: str | None
    previous_key_expires_at: datetime | None
    revoked_at: datetime | None
    last_beat_at: datetime | None
    settings: dict[str, Any]
    created_at: datetime
    managed_by: str = API


@dataclass(frozen=True)
class Written:
    """What an upsert did, and each changed column's (old, new) values (old None: created)."""

    outcome: Outcome
    fields: Fields


@dataclass(frozen=True)
class OverrideRecord:
    """A schedule override as stored."""

    id: int
    schedule_id: str
    start: datetime
    end: datetime
    user_id: str | None
    replaces: str | None
    reason: str
    created_by: str
    created_at: datetime


def missing(model: type[Base], row_id: str, field: str | None = None) -> NotFound | InvalidInput:
    """The error for a row that is not there: InvalidInput naming ``field`` when a request
    referred to it, else NotFound."""
    kind = next(k for k, m in KINDS.items() if m is model)
    if field is not None:
        return InvalidInput(f"there is no {kind} {row_id!r}", field=field)
    return NotFound(f"there is no {kind} {row_id!r}")


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, model: type[Row], row_id: str, *, field: str | None = None) -> Row:
        """One row by id. Missing, it is NotFound, or InvalidInput naming ``field`` when a
        request referred to it."""
        row = self.session.get(model, row_id)
        if row is None:
            raise missing(model, row_id, field)
        return row

    def service(self, service_id: str) -> Service:
        """A service as the ingest path reads it: a detached copy, read with one Core
        statement (changing it changes nothing stored). NotFound if there is none."""
        row = self.session.connection().execute(_SERVICE, {"id": service_id}).first()
        if row is None:
            raise missing(Service, service_id, None)
        return Service(**row._mapping)

    def find(self, model: type[Row], row_id: str) -> Row | None:
        return self.session.get(model, row_id)

    def list_all(self, model: type[Row]) -> Sequence[Row]:
        key = getattr(model, "id")  # noqa: B009 - every directory table has an id
        return self.session.execute(select(model).order_by(key)).scalars().all()

    def ids(self, model: type[Base]) -> set[str]:
        return set(self.session.execute(select(getattr(model, "id"))).scalars())  # noqa: B009

    def upsert(self, model: type[Row], row_id: str, values: dict[str, Any]) -> Written:
        """Create the row or bring it in line with ``values``; say which it was, and what
        changed."""
        row = self.session.get(model, row_id)
        if row is None:
            self.session.add(model(id=row_id, **values))
            self._flush(model, row_id)
            return Written("created", {k: (None, v) for k, v in values.items()})
        changed = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
        for key, (_, value) in changed.items():
            setattr(row, key, value)
        self._flush(model, row_id)
        return Written("updated" if changed else "unchanged", changed)

    def _flush(self, model: type[Base], row_id: str) -> None:
        try:
            self.session.flush()
        except IntegrityError as error:
            kind = next(k for k, m in KINDS.items() if m is model)
            raise Conflict(f"{kind} {row_id} clashes with stored data: {error.orig}") from None

    def user_by_login(self, login: str) -> User | None:
        """A user by id or email."""
        query = select(User).where((User.id == login) | (User.email == login.lower()))
        return self.session.execute(query).scalars().first()

    def member_ids(self, team_id: str) -> list[str]:
        query = (
            select(TeamMember.user_id)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.user_id)
        )
        return list(self.session.execute(query).scalars())

    def team_ids_of(self, user_id: str) -> list[str]:
        query = (
            select(TeamMember.team_id)
            .where(TeamMember.user_id == user_id)
            .order_by(TeamMember.team_id)
        )
        return list(self.session.execute(query).scalars())

    def set_teams(self, user_id: str, team_ids: Sequence[str]) -> bool:
        """Make the user's team memberships exactly these; True if anything changed."""
        current = set(self.team_ids_of(user_id))
        if current == set(team_ids):
            return False
        self.session.execute(delete(TeamMember).where(TeamMember.user_id == user_id))
        self.session.add_all(TeamMember(team_id=t, user_id=user_id) for t in team_ids)
        self.session.flush()
        return True

    def integration(self, integration_id: str) -> IntegrationRecord:
        """One integration; NotFound if there is none."""
        return record_of(IntegrationRecord, self.get(Integration, integration_id))

    def list_integrations(self) -> list[IntegrationRecord]:
        return [record_of(IntegrationRecord, i) for i in self.list_all(Integration)]

    def integrations_of(self, service_id: str) -> list[IntegrationRecord]:
        query = (
            select(Integration).where(Integration.service_id == service_id).order_by(Integration.id)
        )
        return [record_of(IntegrationRecord, i) for i in self.session.execute(query).scalars()]

    def incidents_fed_by(self, integration_id: str) -> list[int]:
        """The incidents that hold alerts of this integration (their timelines name them)."""
        query = (
            select(AlertRow.incident_id)
            .where(AlertRow.integration_id == integration_id, AlertRow.incident_id.is_not(None))
            .distinct()
            .order_by(AlertRow.incident_id)
        )
        return [int(i) for i in self.session.execute(query).scalars() if i is not None]

    def delete_integration(self, integration_id: str) -> None:
        """Delete the integration and its alerts (none of them in an incident: check first)."""
        self.session.execute(delete(Integration).where(Integration.id == integration_id))

    def integration_by_key(self, key: str) -> Integration | None:
        return (
            self.session.execute(select(Integration).where(Integration.key == key))
            .scalars()
            .first()
        )

    def record_beat(self, integration_id: str, at: datetime) -> None:
        """A heartbeat arrived at ``at``."""
        self.session.execute(
            update(Integration).where(Integration.id == integration_id).values(last_beat_at=at)
        )

    def rotate_key(self, integration: IntegrationRecord) -> None:
        """Store the integration's new key, and its previous key with the end of its grace."""
        self._write_integration(integration, "key", "previous_key", "previous_key_expires_at")

    def revoke_integration(self, integration: IntegrationRecord) -> None:
        """Store when the integration was revoked, and that no previous key is in its grace."""
        self._write_integration(
            integration, "revoked_at", "previous_key", "previous_key_expires_at"
        )

    def _write_integration(self, integration: IntegrationRecord, *columns: str) -> None:
        # Only the columns this kind of change decides: a beat at the same time must not undo a
        # rotation, nor a rotation a revocation.
        self.session.execute(
            update(Integration)
            .where(Integration.id == integration.id)
            .values({c: getattr(integration, c) for c in columns})
        )

    def overrides_of(self, schedule_id: str, *, since: datetime) -> list[OverrideRecord]:
        """A schedule's overrides that end after ``since``, in the order they were made."""
        query = (
            select(ScheduleOverride)
            .where(ScheduleOverride.schedule_id == schedule_id, ScheduleOverride.end > since)
            .order_by(ScheduleOverride.id)
        )
        return [record_of(OverrideRecord, o) for o in self.session.execute(query).scalars()]

    def override(self, override_id: int) -> OverrideRecord | None:
        row = self.session.get(ScheduleOverride, override_id)
        return record_of(OverrideRecord, row) if row else None

    def add_override(self, row: ScheduleOverride) -> OverrideRecord:
        self.add(row)
        return record_of(OverrideRecord, row)

    def end_override(self, override_id: int, at: datetime) -> None:
        """Cut an override short: it ends at ``at``."""
        self.session.execute(
            update(ScheduleOverride).where(ScheduleOverride.id == override_id).values(end=at)
        )

    def delete_override(self, override_id: int) -> None:
        self.session.execute(delete(ScheduleOverride).where(ScheduleOverride.id == override_id))

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash)
        )

    def delete(self, row: Base) -> None:
        self.session.delete(row)
        self.session.flush()

    def count_users(self) -> int:
        return int(self.session.execute(select(func.count()).select_from(User)).scalar_one())

    def add(self, row: Base) -> None:
        self.session.add(row)
        self.session.flush()


class SettingsRepository:
    """Organisation-wide sections (priorities, severities, roles, workflows, status_page)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.session.get(Setting, key)
        return row.value if row else None

    def put(self, key: str, value: dict[str, Any]) -> Written:
        row = self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=value))
            self.session.flush()
            return Written("created", {"value": (None, value)})
        if row.value == value:
            return Written("unchanged", {})
        old, row.value = row.value, value
        self.session.flush()
        return Written("updated", {"value": (old, value)})
