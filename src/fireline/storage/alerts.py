"""Alerts and silences. Alerts are written in bulk: the ingest path commits many at once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from fireline.domain.alerts import Matcher, Silence
from fireline.storage.bulk import insert_rows
from fireline.storage.direct import Query, column_list, column_types
from fireline.storage.directory import IntegrationRecord
from fireline.storage.models import AlertRow, IncidentRow, Integration, Service, SilenceRow
from fireline.storage.records import record_of


@dataclass
class AlertRecord:
    """An alert as the ingest path reads and changes it; ``dirty`` names the columns to write back."""

    id: int
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
    dirty: set[str] = field(default_factory=set, compare=False, repr=False)

    def change(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
            self.dirty.add(name)


COLUMNS = [f.name for f in fields(AlertRecord) if f.name != "dirty"]
_ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
# Written out, not a parameter: PostgreSQL's generic plan of a prepared statement uses the
# partial index uq_alerts_open only if it can see the query implies the index's predicate.
_OPEN_ROW = _ALERTS.c.status != literal_column("'resolved'")
_INCIDENTS: Table = IncidentRow.__table__  # type: ignore[assignment]
_GROUP_INCIDENTS = (
    select(_ALERTS.c.group_key, func.max(_ALERTS.c.incident_id))
    .join(_INCIDENTS, _INCIDENTS.c.id == _ALERTS.c.incident_id)
    .where(
        _ALERTS.c.service_id == bindparam("service"),
        _ALERTS.c.group_key.in_(bindparam("groups", expanding=True)),
        _INCIDENTS.c.resolved_at.is_(None),
    )
    .group_by(_ALERTS.c.group_key)
)
_UPDATES: dict[frozenset[str], Query] = {}  # per set of changed columns, its statement


def _alert_update(columns: frozenset[str]) -> Query:
    names = sorted(columns)
    return Query(
        f"UPDATE alerts SET {', '.join(f'{c} = :{c}' for c in names)} WHERE id = :_id",
        {"_id": _ALERTS.c.id.type, **{c: _ALERTS.c[c].type for c in names}},
    )


_INTEGRATIONS: Table = Integration.__table__  # type: ignore[assignment]
_LAST_INCIDENT = (
    select(_ALERTS.c.incident_id)
    .where(
        _ALERTS.c.integration_id == bindparam("integration"),
        _ALERTS.c.dedup_key == bindparam("key"),
        _ALERTS.c.incident_id.is_not(None),
    )
    .order_by(_ALERTS.c.id.desc())
    .limit(1)
)
_OPEN_IDS = select(_ALERTS.c.id).where(_ALERTS.c.incident_id == bindparam("incident"), _OPEN_ROW)
_LOCK_GROUPS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k")


_SERVICES: Table = Service.__table__  # type: ignore[assignment]
_SERVICE_COLUMNS = [c.name for c in _SERVICES.c]
_INTEGRATION_COLUMNS = [f.name for f in fields(IntegrationRecord)]
_SENDERS = Query(
    f"SELECT {column_list(_INTEGRATIONS, _INTEGRATION_COLUMNS, 'i')},"
    f" {column_list(_SERVICES, _SERVICE_COLUMNS, 's')}"
    " FROM integrations AS i JOIN services AS s ON s.id = i.service_id"
    " WHERE i.key IN :keys OR i.previous_key IN :keys",
    {"keys": str},
    column_types(_INTEGRATIONS, _INTEGRATION_COLUMNS) + column_types(_SERVICES, _SERVICE_COLUMNS),
)
_OPEN_SQL = (
    f"SELECT {column_list(_ALERTS, COLUMNS)} FROM alerts"
    " WHERE integration_id = :integration AND dedup_key IN :keys AND status != 'resolved'"
)
_OPEN_PARAMS: dict[str, TypeEngine[Any] | type] = {
    "integration": _ALERTS.c.integration_id.type,
    "keys": str,
}
_OPEN_DIRECT = Query(_OPEN_SQL, _OPEN_PARAMS, column_types(_ALERTS, COLUMNS))
_OPEN_DIRECT_FOR_UPDATE = Query(
    _OPEN_SQL + " ORDER BY id", _OPEN_PARAMS, column_types(_ALERTS, COLUMNS), lock=True
)
_RESOLUTIONS_DIRECT = Query(
    "SELECT dedup_key, count(*) FROM alerts WHERE integration_id = :integration"
    " AND dedup_key IN :keys AND resolved_at >= :since GROUP BY dedup_key",
    {**_OPEN_PARAMS, "since": _ALERTS.c.resolved_at.type},
)
# Each group's newest incident (one seek down ix_alerts_group_incident per group) and whether
# that incident is resolved, in one statement.
_NEWEST_DIRECT = Query(
    "SELECT n.item, n.newest, i.resolved_at FROM ("
    " SELECT g.item AS item, (SELECT max(a.incident_id) FROM alerts AS a"
    "  WHERE a.service_id = :service AND a.group_key = g.item) AS newest"
    " FROM LIST(:groups) AS g) AS n JOIN incidents AS i ON i.id = n.newest",
    {"service": _ALERTS.c.service_id.type, "groups": str},
    [_ALERTS.c.group_key.type, _ALERTS.c.incident_id.type, _INCIDENTS.c.resolved_at.type],
)
_SQLITE_LAST_ALERT = Query(
    "SELECT max(coalesce((SELECT max(id) FROM alerts), 0),"
    " coalesce((SELECT max(seq) FROM sqlite_sequence WHERE name = 'alerts'), 0))"
)
_PG_NEXT_ALERTS = Query(
    "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) FROM generate_series(1, :count)",
    {"count": Integer()},
)


@dataclass(frozen=True)
class AlertFilter:
    status: Sequence[str] = ()
    service: str | None = None
    incident_id: int | None = None


class AlertRepository:
    """Alerts, read and written in bulk with prepared Core statements: this is the hot path."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._next_ids: list[int] = []
        self._last_reserved = 0  # SQLite: the largest id this transaction handed out

    def _connection(self) -> Connection:
        """The session's connection, in its transaction: Core statements skip the ORM."""
        return self.session.connection()

    def senders(
        self, keys: Iterable[str], now: datetime
    ) -> tuple[dict[str, IntegrationRecord], dict[str, Service]]:
        """Integrations by key (the current one, or the previous one still in its grace period),
        with their services (detached copies) by id, in one statement."""
        rows = _SENDERS.rows(self._connection(), {"keys": list(set(keys))})
        split = len(_INTEGRATION_COLUMNS)
        integrations = [IntegrationRecord(*r[:split]) for r in rows]
        services = {
            r[split]: Service(**dict(zip(_SERVICE_COLUMNS, r[split:], strict=True))) for r in rows
        }
        return by_key(integrations, now), services

    def lock_groups(self, groups: Iterable[tuple[str, str]]) -> None:
        """Serialise with every other transaction that takes one of these (service, group) locks,
        until commit: two processes receiving alerts of one new group open one incident.

        PostgreSQL only (on SQLite writers are serialised already); locks are taken in one
        order, so two transactions never wait for each other in a circle."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        keys = sorted({_lock_key(service, group) for service, group in groups})
        if keys:
            self.session.execute(_LOCK_GROUPS, {"keys": keys}).all()

    def open_alerts(
        self, integration_id: str, dedup_keys: Iterable[str], *, for_update: bool = False
    ) -> dict[str, AlertRecord]:
        """The open (firing or acknowledged) alerts of an integration with these dedup keys;
        ``for_update``: locked until commit (PostgreSQL), so that two processes resolving one
        alert at once resolve it once."""
        query = _OPEN_DIRECT_FOR_UPDATE if for_update else _OPEN_DIRECT
        params = {"integration": integration_id, "keys": list(set(dedup_keys))}
        records = [AlertRecord(*r) for r in query.rows(self._connection(), params)]
        return {r.dedup_key: r for r in records}

    def resolution_counts(
        self, integration_id: str, dedup_keys: Iterable[str], since: datetime
    ) -> dict[str, int]:
        """How many times each key's alert was resolved since ``since`` (flapping detection)."""
        params = {"integration": integration_id, "keys": list(set(dedup_keys)), "since": since}
        rows = _RESOLUTIONS_DIRECT.rows(self._connection(), params)
        return {key: int(count) for key, count in rows}

    def open_group_incidents(self, service_id: str, group_keys: Iterable[str]) -> dict[str, int]:
        """The newest unresolved incident that alerts of each group joined.

        Usually that is the newest incident of the group, found with one index seek per
        group; only a group whose newest incident is resolved needs the scan of its alerts.
        """
        connection = self._connection()
        params = {"service": service_id, "groups": sorted(set(group_keys))}
        newest = _NEWEST_DIRECT.rows(connection, params)
        found = {g: int(i) for g, i, resolved_at in newest if resolved_at is None}
        newest = [(g, i, r) for g, i, r in newest if g not in found]
        rest = [g for g, _, _ in newest]
        if rest:
            wide: dict[str, object] = {"service": service_id, "groups": rest}
            found |= {g: int(i) for g, i in connection.execute(_GROUP_INCIDENTS, wide)}
        return found

    def last_incident_of(self, integration_id: str, dedup_key: str) -> int | None:
        """The incident the latest alert with this key joined."""
        params = {"integration": integration_id, "key": dedup_key}
        found = self._connection().execute(_LAST_INCIDENT, params).scalar_one_or_none()
        return None if found is None else int(found)

    def reserve_ids(self, count: int) -> None:
        """Set aside ids for up to ``count`` new alerts, so timeline events can name them first."""
        if count <= 0:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            series = _PG_NEXT_ALERTS.rows(self._connection(), {"count": count})
            self._next_ids += [int(i) for (i,) in series]
            return
        last = self._last_reserved or int(_SQLITE_LAST_ALERT.rows(self._connection(), {})[0][0])
        self._next_ids += list(range(last + 1, last + 1 + count))
        self._last_reserved = last + count

    def take_id(self) -> int:
        """One of the reserved ids (one more is reserved if none is left)."""
        if not self._next_ids:
            self.reserve_ids(1)
        return self._next_ids.pop(0)

    def add(self, records: list[AlertRecord]) -> None:
        """Insert new alerts (their ids were reserved)."""
        if records:
            rows = [{c: getattr(r, c) for c in COLUMNS} for r in records]
            insert_rows(self._connection(), _ALERTS, rows)
            self._next_ids.clear()  # unused reservations are gaps, as with any sequence

    def save(self, records: Iterable[AlertRecord]) -> None:
        """Write back what changed, one statement per set of changed columns."""
        groups: dict[frozenset[str], list[AlertRecord]] = {}
        for record in records:
            if record.dirty:
                groups.setdefault(frozenset(record.dirty), []).append(record)
        for columns, group in groups.items():
            statement = _UPDATES.get(columns)
            if statement is None:
                statement = _UPDATES[columns] = _alert_update(columns)
            rows = [{"_id": r.id, **{c: getattr(r, c) for c in columns}} for r in group]
            statement.run_many(self._connection(), rows)
            for record in group:
                record.dirty.clear()

    def open_ids(self, incident_id: int) -> set[int]:
        """The ids of the incident's alerts not yet resolved."""
        return set(self._connection().execute(_OPEN_IDS, {"incident": incident_id}).scalars())

    def prune(self, resolved_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` alerts resolved before then, oldest first, except those of an
        incident that is still open; how many were deleted."""
        open_incidents = select(IncidentRow.id).where(
            IncidentRow.resolved_at.is_(None), IncidentRow.closed_at.is_(None)
        )
        expired = (
            select(AlertRow.id)
            .where(AlertRow.status == "resolved", AlertRow.resolved_at < resolved_before)
            .where(or_(AlertRow.incident_id.is_(None), AlertRow.incident_id.not_in(open_incidents)))
            .order_by(AlertRow.id)
            .limit(limit)
        )
        ids = list(self.session.execute(expired).scalars())
        if ids:
            self.session.execute(delete(AlertRow).where(AlertRow.id.in_(ids)))
        return len(ids)

    def get(self, alert_id: int) -> AlertRecord | None:
        row = self.session.execute(
            select(*(_ALERTS.c[c] for c in COLUMNS)).where(_ALERTS.c.id == alert_id)
        ).first()
        return AlertRecord(**row._mapping) if row else None

    def list_matching(
        self, filters: AlertFilter, *, limit: int, offset: int
    ) -> tuple[list[AlertRecord], int]:
        query = select(*(_ALERTS.c[c] for c in COLUMNS))
        if filters.status:
            query = query.where(_ALERTS.c.status.in_(filters.status))
        if filters.service:
            query = query.where(_ALERTS.c.service_id == filters.service)
        if filters.incident_id is not None:
            query = query.where(_ALERTS.c.incident_id == filters.incident_id)
        total = self.session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = self.session.execute(query.order_by(_ALERTS.c.id.desc()).limit(limit).offset(offset))
        return [AlertRecord(**r._mapping) for r in rows], int(total)

    def heartbeats(self) -> list[IntegrationRecord]:
        """The heartbeat integrations not revoked."""
        query = select(Integration).where(
            Integration.type == "heartbeat", Integration.revoked_at.is_(None)
        )
        return [record_of(IntegrationRecord, i) for i in self.session.execute(query).scalars()]


@dataclass(frozen=True)
class SilenceRecord:
    """A silence or maintenance window as stored."""

    id: int
    kind: str
    matchers: list[dict[str, Any]]
    service_id: str | None
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime


_SILENCES: Table = SilenceRow.__table__  # type: ignore[assignment]
_SILENCE_COLUMNS = [f.name for f in fields(SilenceRecord)]
_ACTIVE = Query(
    f"SELECT {column_list(_SILENCES, _SILENCE_COLUMNS)} FROM silences"
    " WHERE ends_at > :now ORDER BY id",
    {"now": _SILENCES.c.ends_at.type},
    column_types(_SILENCES, _SILENCE_COLUMNS),
)


class SilenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active(self, now: datetime) -> list[Silence]:
        """Silences in force now or later (the ingest path checks each alert's own time)."""
        rows = _ACTIVE.rows(self.session.connection(), {"now": now})
        return [to_silence(SilenceRecord(*r)) for r in rows]

    def add(self, row: SilenceRow) -> SilenceRecord:
        self.session.add(row)
        self.session.flush()
        return record_of(SilenceRecord, row)

    def get(self, silence_id: int) -> SilenceRecord | None:
        row = self.session.get(SilenceRow, silence_id)
        return record_of(SilenceRecord, row) if row else None

    def list_all(self, *, now: datetime, include_expired: bool) -> list[SilenceRecord]:
        query = select(SilenceRow)
        if not include_expired:
            query = query.where(SilenceRow.ends_at > now)
        rows = self.session.execute(query.order_by(SilenceRow.id.desc()).limit(500)).scalars()
        return [record_of(SilenceRecord, r) for r in rows]

    def expire(self, silence_id: int, at: datetime) -> None:
        """The silence ends at ``at``."""
        self.session.execute(
            update(SilenceRow).where(SilenceRow.id == silence_id).values(ends_at=at)
        )


def by_key(
    integrations: Iterable[IntegrationRecord], now: datetime
) -> dict[str, IntegrationRecord]:
    """The integrations by their keys, a previous key only until its grace ends."""
    found: dict[str, IntegrationRecord] = {}
    for integration in integrations:
        found[integration.key] = integration
        grace = integration.previous_key_expires_at
        if integration.previous_key and grace is not None and grace > now:
            found[integration.previous_key] = integration
    return found


def _lock_key(service_id: str, group: str) -> int:
    digest = hashlib.blake2b(f"alert-group\0{service_id}\0{group}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def to_silence(silence: SilenceRecord) -> Silence:
    """The stored silence as the domain's rule."""
    matchers = tuple(Matcher(m["name"], m["op"], m["value"]) for m in silence.matchers)
    return Silence(silence.id, matchers, silence.starts_at, silence.ends_at, silence.service_id)
