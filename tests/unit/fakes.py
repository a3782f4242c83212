"""An in-memory unit of work for unit tests of the services: no database, a fixed clock.

It has the repositories (and only the methods) that the services under unit
test call, with the same contracts as the real ones in ``fireline.storage``:
records in, records out, NotFound and StaleState where they raise them. What a
use case writes is visible in ``uow.data`` only once it commits; leaving the
``with`` block without committing drops it, as a rollback does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from fireline.domain.alerts import Silence
from fireline.domain.events import Event
from fireline.domain.state import Incident
from fireline.errors import NotFound, StaleState
from fireline.storage.alerts import AlertRecord, SilenceRecord, by_key, to_silence
from fireline.storage.audit import AuditRecord
from fireline.storage.directory import IntegrationRecord, OverrideRecord, missing
from fireline.storage.incidents import TimelineEntry
from fireline.storage.models import Service
from fireline.storage.review import PostmortemRecord
from fireline.storage.tokens import TokenRecord

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Data:
    """Everything the fake repositories hold (one copy committed, one per open unit of work)."""

    integrations: dict[str, IntegrationRecord] = field(default_factory=dict)
    overrides: dict[int, OverrideRecord] = field(default_factory=dict)
    password_hashes: dict[str, str] = field(default_factory=dict)
    tokens: dict[int, TokenRecord] = field(default_factory=dict)
    alerts: dict[int, AlertRecord] = field(default_factory=dict)
    silences: dict[int, SilenceRecord] = field(default_factory=dict)
    postmortems: dict[int, PostmortemRecord] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    timelines: dict[int, list[Event]] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)


class FakeDirectory:
    """``rows`` are the read-only directory rows (services, users) by model and id."""

    def __init__(self, data: Data, rows: dict[tuple[type[Any], str], Any]) -> None:
        self.data = data
        self.rows = rows

    def get(self, model: type[Any], row_id: str, *, field: str | None = None) -> Any:
        row = self.rows.get((model, row_id))
        if row is None:
            raise missing(model, row_id, field)
        return row

    def find(self, model: type[Any], row_id: str) -> Any:
        return self.rows.get((model, row_id))

    def service(self, service_id: str) -> Service:
        row: Service = self.get(Service, service_id)
        return row

    def list_all(self, model: type[Any]) -> list[Any]:
        return sorted(
            (r for (kind, _), r in self.rows.items() if kind is model), key=lambda r: r.id
        )

    def integration(self, integration_id: str) -> IntegrationRecord:
        if integration_id not in self.data.integrations:
            raise NotFound(f"there is no integration {integration_id!r}")
        return self.data.integrations[integration_id]

    def record_beat(self, integration_id: str, at: datetime) -> None:
        integrations = self.data.integrations
        integrations[integration_id] = replace(integrations[integration_id], last_beat_at=at)

    def rotate_key(self, integration: IntegrationRecord) -> None:
        self._write(integration, "key", "previous_key", "previous_key_expires_at")

    def revoke_integration(self, integration: IntegrationRecord) -> None:
        self._write(integration, "revoked_at", "previous_key", "previous_key_expires_at")

    def _write(self, integration: IntegrationRecord, *columns: str) -> None:
        stored = self.data.integrations[integration.id]
        changes = {c: getattr(integration, c) for c in columns}
        self.data.integrations[integration.id] = replace(stored, **changes)

    def override(self, override_id: int) -> OverrideRecord | None:
        return self.data.overrides.get(override_id)

    def end_override(self, override_id: int, at: datetime) -> None:
        self.data.overrides[override_id] = replace(self.data.overrides[override_id], end=at)

    def delete_override(self, override_id: int) -> None:
        del self.data.overrides[override_id]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.data.password_hashes[user_id] = password_hash


class FakeAlerts:
    def __init__(self, data: Data, rows: dict[tuple[type[Any], str], Any] | None = None) -> None:
        self.data = data
        self.rows = rows or {}
        self._next_ids: list[int] = []

    def _integrations_for_keys(
        self, keys: Iterable[str], now: datetime
    ) -> dict[str, IntegrationRecord]:
        wanted = set(keys)
        stored = self.data.integrations.values()
        return by_key([i for i in stored if i.key in wanted or i.previous_key in wanted], now)

    def senders(
        self, keys: Iterable[str], now: datetime
    ) -> tuple[dict[str, IntegrationRecord], dict[str, Service]]:
        integrations = self._integrations_for_keys(keys, now)
        ids = {i.service_id for i in integrations.values()}
        return integrations, {i: self.rows[(Service, i)] for i in ids if (Service, i) in self.rows}

    def heartbeats(self) -> list[IntegrationRecord]:
        return [
            i
            for _, i in sorted(self.data.integrations.items())
            if i.type == "heartbeat" and i.revoked_at is None
        ]

    def lock_groups(self, groups: Iterable[tuple[str, str]]) -> None:
        pass  # one process, one writer: nothing to serialise with

    def open_alerts(
        self, integration_id: str, dedup_keys: Iterable[str], *, for_update: bool = False
    ) -> dict[str, AlertRecord]:
        keys = set(dedup_keys)
        return {
            a.dedup_key: replace(a, dirty=set())
            for a in self.data.alerts.values()
            if a.integration_id == integration_id and a.dedup_key in keys and a.status != "resolved"
        }

    def reserve_ids(self, count: int) -> None:
        start = max([*self.data.alerts, *self._next_ids, 0]) + 1
        self._next_ids += range(start, start + count)

    def take_id(self) -> int:
        return self._next_ids.pop(0)

    def add(self, records: list[AlertRecord]) -> None:
        for record in records:
            self.data.alerts[record.id] = replace(record, dirty=set())

    def save(self, records: Iterable[AlertRecord]) -> None:
        for record in records:
            if record.dirty:
                self.data.alerts[record.id] = replace(record, dirty=set())
                record.dirty.clear()


class FakeSilences:
    def __init__(self, data: Data) -> None:
        self.data = data

    def active(self, now: datetime) -> list[Silence]:
        return [to_silence(s) for _, s in sorted(self.data.silences.items()) if s.ends_at > now]

    def get(self, silence_id: int) -> SilenceRecord | None:
        return self.data.silences.get(silence_id)

    def expire(self, silence_id: int, at: datetime) -> None:
        self.data.silences[silence_id] = replace(self.data.silences[silence_id], ends_at=at)


class FakeTokens:
    def __init__(self, data: Data) -> None:
        self.data = data

    def get(self, token_id: int) -> TokenRecord | None:
        return self.data.tokens.get(token_id)

    def revoke(self, token_id: int, at: datetime) -> None:
        self.data.tokens[token_id] = replace(self.data.tokens[token_id], revoked_at=at)


class FakeReview:
    def __init__(self, data: Data) -> None:
        self.data = data

    def postmortem(self, incident_id: int) -> PostmortemRecord | None:
        return self.data.postmortems.get(incident_id)

    def save_postmortem(self, record: PostmortemRecord, expected_version: int) -> None:
        stored = self.data.postmortems[record.incident_id]
        if stored.version != expected_version:
            raise StaleState(
                f"the postmortem of incident {record.incident_id} was saved by someone else "
                f"(you edited version {expected_version}); reload it and try again"
            )
        self.data.postmortems[record.incident_id] = replace(record, version=expected_version + 1)

    def comments(self, incident_id: int) -> list[Any]:
        return []

    def alerts_of(self, incident_id: int) -> list[Any]:
        return []


class FakeIncidents:
    def __init__(self, data: Data) -> None:
        self.data = data

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident:
        if incident_id not in self.data.incidents:
            raise NotFound(f"there is no incident {incident_id}")
        return self.data.incidents[incident_id]

    def save(self, incident: Incident, events: list[Event]) -> None:
        if not events:
            return
        if self.data.incidents[incident.id].seq != incident.seq - len(events):
            raise StaleState(
                f"incident {incident.id} was changed by someone else meanwhile; try again"
            )
        self.data.incidents[incident.id] = incident
        self.data.timelines.setdefault(incident.id, []).extend(events)

    def save_many(self, changes: list[tuple[Incident, list[Event]]]) -> None:
        for incident, events in changes:
            self.save(incident, events)

    def timeline(self, incident_id: int, types: Sequence[type[Any]] = ()) -> list[TimelineEntry]:
        events = self.data.timelines.get(incident_id, [])
        return [
            TimelineEntry(seq, e)
            for seq, e in enumerate(events, 1)
            if not types or isinstance(e, tuple(types))
        ]


class FakeSettings:
    def __init__(self, data: Data) -> None:
        self.data = data

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.settings.get(key)


class FakeAudit:
    def __init__(self, data: Data) -> None:
        self.data = data

    def record(
        self, *, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
    ) -> None:
        entry = AuditRecord(len(self.data.audit) + 1, at, actor, action, subject, details)
        self.data.audit.append(entry)


class FakeUnitOfWork:
    """``with uow: ...; uow.commit()`` over in-memory repositories; ``commits`` counts commits."""

    directory: FakeDirectory
    alerts: FakeAlerts
    silences: FakeSilences
    tokens: FakeTokens
    review: FakeReview
    incidents: FakeIncidents
    settings: FakeSettings
    audit: FakeAudit

    def __init__(self, now: datetime = NOW) -> None:
        self.clock = now
        self.data = Data()
        self.rows: dict[tuple[type[Any], str], Any] = {}
        self.commits = 0
        self._working: Data | None = None

    def now(self) -> datetime:
        return self.clock

    def read(self) -> FakeUnitOfWork:
        return self

    def __enter__(self) -> FakeUnitOfWork:
        if self._working is not None:
            raise RuntimeError("this unit of work is already open; use a new one per use case")
        working = self._working = copy.deepcopy(self.data)
        self.directory = FakeDirectory(working, self.rows)
        self.alerts = FakeAlerts(working, self.rows)
        self.silences = FakeSilences(working)
        self.tokens = FakeTokens(working)
        self.review = FakeReview(working)
        self.incidents = FakeIncidents(working)
        self.settings = FakeSettings(working)
        self.audit = FakeAudit(working)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None  # whatever was not committed is gone

    def commit(self) -> None:
        assert self._working is not None, "commit outside a unit of work"
        self.data = copy.deepcopy(self._working)
        self.commits += 1

    def add_row(self, model: type[Any], row: Any) -> None:
        """A directory row (a service, a user) the use cases may read but not change."""
        self.rows[(model, row.id)] = row


def integration(integration_id: str = "ledger-beat", **fields: Any) -> IntegrationRecord:
    """A live integration created at NOW, with a heartbeat's settings unless told otherwise."""
    values: dict[str, Any] = {
        "id": integration_id,
        "service_id": "ledger",
        "type": "heartbeat",
        "key": f"key-of-{integration_id}",
        "previous_key": None,
        "previous_key_expires_at": None,
        "revoked_at": None,
        "last_beat_at": None,
        "settings": {"interval": "5m"},
        "created_at": NOW,
    }
    return IntegrationRecord(**(values | fields))
