"""The incident repository: a state snapshot per incident plus its append-only timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from fireline.domain.events import (
    Acknowledged,
    BaseEvent,
    Event,
    FieldsChanged,
    FollowUpAdded,
    FollowUpUpdated,
    News,
    ResolutionSummarySet,
    kind_of,
    parse_event,
)
from fireline.domain.metrics import phase_spans, phase_times
from fireline.domain.state import Incident
from fireline.errors import NotFound, StaleState
from fireline.storage import search
from fireline.storage.bulk import insert_rows
from fireline.storage.direct import Query
from fireline.storage.ids import last_given
from fireline.storage.models import (
    FollowUpRow,
    IncidentEvent,
    IncidentFactsRow,
    IncidentRow,
    IncidentService,
)

SEARCHED = (FieldsChanged, ResolutionSummarySet)  # what changes the search text

# The statements every save runs, built once on the tables (Core, not the ORM's unit of work:
# the alert path saves many incidents a second).
_INCIDENTS: Table = IncidentRow.__table__  # type: ignore[assignment]
_EVENTS: Table = IncidentEvent.__table__  # type: ignore[assignment]
_FACTS: Table = IncidentFactsRow.__table__  # type: ignore[assignment]
COLUMNS = (
    "title",
    "phase",
    "workflow_id",
    "workflow_version",
    "priority",
    "severity",
    "drill",
    "detected_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "version",
    "state",
)
_STATE = select(_INCIDENTS.c.state).where(_INCIDENTS.c.id == bindparam("id"))
_VERSION = select(_INCIDENTS.c.version).where(_INCIDENTS.c.id == bindparam("id"))
_VERSIONS = Query("SELECT id, version FROM incidents WHERE id IN :ids ORDER BY id", {"ids": int})
_VERSIONS_FOR_UPDATE = Query(_VERSIONS.sql, _VERSIONS.params, lock=True)
_INSERT = insert(_INCIDENTS)
_UPDATE = Query(
    f"UPDATE incidents SET {', '.join(f'{c} = :{c}' for c in COLUMNS)}"
    " WHERE id = :_id AND version = :_expected",
    {"_id": Integer(), "_expected": Integer(), **{c: _INCIDENTS.c[c].type for c in COLUMNS}},
)
_INSERT_FACTS = insert(_FACTS)


@dataclass(frozen=True)
class IncidentFilter:
    phases: Sequence[str] = ()
    service: str | None = None
    priority: str | None = None
    open_only: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    event: Event


@dataclass(frozen=True)
class Saved:
    """One save of an incident: its state after the save and the events it appended."""

    incident: Incident
    events: tuple[Event, ...]

    def seq_of(self, event: Event) -> int:
        """Where on the incident's timeline one of these events stands."""
        index = next(i for i, e in enumerate(self.events) if e is event)
        return self.incident.seq - len(self.events) + 1 + index


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._saved: list[Saved] = []
        self._latest: dict[int, Incident] = {}

    def collect_saved(self) -> list[Saved]:
        """The saves since the last call, oldest first (what the bus reacts to)."""
        saved, self._saved = self._saved, []
        return saved

    def latest(self, incident_id: int) -> Incident:
        """The newest state this unit of work saved of an incident (reactions included)."""
        return self._latest[incident_id]

    def latest_states(self) -> list[Incident]:
        """The newest state of every incident this unit of work saved."""
        return list(self._latest.values())

    def _record(self, incident: Incident, events: list[Event]) -> None:
        self._saved.append(Saved(incident, tuple(events)))
        self._latest[incident.id] = incident

    def next_id(self) -> int:
        """A fresh incident id (under the write lock on SQLite, from the sequence on PostgreSQL)."""
        self._last_id = reserve_next_id(
            self.session, IncidentRow.__table__, getattr(self, "_last_id", None)
        )
        return self._last_id

    def _connection(self) -> Connection:
        """The session's connection, in its transaction: Core statements skip the ORM."""
        return self.session.connection()

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident:
        """The incident's current state; NotFound if there is none."""
        query = _STATE.with_for_update() if for_update else _STATE
        state = self._connection().execute(query, {"id": incident_id}).scalar_one_or_none()
        if state is None:
            raise NotFound(f"there is no incident {incident_id}")
        return Incident.model_validate(state)

    def version(self, incident_id: int, *, for_update: bool = False) -> int | None:
        """The incident's stored version (its state's ``seq``), None if there is no incident:
        enough to tell whether a state read before is still current."""
        query = _VERSION.with_for_update() if for_update else _VERSION
        found = self._connection().execute(query, {"id": incident_id}).scalar_one_or_none()
        return None if found is None else int(found)

    def add(self, incident: Incident, events: list[Event]) -> None:
        """Store a new incident with its first events."""
        connection = self._connection()
        connection.execute(_INSERT, {"id": incident.id, **self._columns(incident, events[-1].at)})
        facts = metrics_columns(incident)
        facts["first_acknowledged_at"] = first_acknowledgement(events)
        connection.execute(_INSERT_FACTS, {"incident_id": incident.id, **facts})
        self._link_services(incident)
        self._append(incident, events)
        search.index(self.session, incident)
        self._record(incident, events)

    def save(self, incident: Incident, events: list[Event]) -> None:
        """Store the new state if nobody else changed the incident since it was read."""
        if not events:
            return
        expected = incident.seq - len(events)
        changed = _UPDATE.run_many(
            self._connection(),
            [{"_id": incident.id, "_expected": expected, **self._columns(incident, events[-1].at)}],
        )
        if changed != 1:
            raise StaleState(
                f"incident {incident.id} was changed by someone else meanwhile; try again"
            )
        if any(isinstance(e, FieldsChanged) and "services" in e.changes for e in events):
            self.session.execute(
                delete(IncidentService).where(IncidentService.incident_id == incident.id)
            )
            self._link_services(incident)
        if any(isinstance(e, SEARCHED) for e in events):
            search.index(self.session, incident)
        if any(isinstance(e, FollowUpAdded | FollowUpUpdated) for e in events):
            self._project_follow_ups(incident, events[-1].at)
        if not all(isinstance(e, News) for e in events):  # news changes no metric
            self._update_facts(incident, events)
        self._append(incident, events)
        self._record(incident, events)

    def save_many(self, changes: list[tuple[Incident, list[Event]]]) -> None:
        """Save several incidents as :meth:`save` does; those that only gained news (alerts
        attached or cleared) with one statement for all their rows and one for all their
        events."""
        news = [(i, e) for i, e in changes if e and all(isinstance(x, News) for x in e)]
        for incident, events in changes:
            if events and not all(isinstance(x, News) for x in events):
                self.save(incident, events)
        if not news:
            return
        params = [
            {"_id": i.id, "_expected": i.seq - len(e), **self._columns(i, e[-1].at)}
            for i, e in news
        ]
        if _UPDATE.run_many(self._connection(), params) != len(news):
            raise StaleState("an incident was changed by someone else meanwhile; try again")
        insert_rows(self._connection(), _EVENTS, [r for i, e in news for r in _rows(i, e)])
        for incident, events in news:
            self._record(incident, events)

    def versions(self, ids: Sequence[int], *, for_update: bool = False) -> dict[int, int]:
        """The stored versions of these incidents (those that exist), as :meth:`version`."""
        if not ids:
            return {}
        query = _VERSIONS_FOR_UPDATE if for_update else _VERSIONS
        rows = query.rows(self._connection(), {"ids": sorted(set(ids))})
        return {int(i): int(v) for i, v in rows}

    def list_matching(
        self, filters: IncidentFilter, *, limit: int, offset: int
    ) -> tuple[list[Incident], int]:
        """One page of incidents, newest first, and how many match in all."""
        query = select(IncidentRow)
        if filters.phases:
            query = query.where(IncidentRow.phase.in_(filters.phases))
        if filters.service:
            linked = select(IncidentService.incident_id).where(
                IncidentService.service_id == filters.service
            )
            query = query.where(IncidentRow.id.in_(linked))
        if filters.priority:
            query = query.where(IncidentRow.priority == filters.priority)
        if filters.open_only:
            query = query.where(IncidentRow.closed_at.is_(None), IncidentRow.resolved_at.is_(None))
        total = self.session.execute(
            select(func.count()).select_from(query.subquery())
        ).scalar_one()
        page = query.order_by(IncidentRow.id.desc()).limit(limit).offset(offset)
        rows = self.session.execute(page.with_only_columns(IncidentRow.state)).scalars()
        return [Incident.model_validate(state) for state in rows], int(total)

    def timeline(
        self, incident_id: int, types: Sequence[type[BaseEvent]] = ()
    ) -> list[TimelineEntry]:
        """The incident's events in order, optionally only some types."""
        query = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
        if types:
            query = query.where(IncidentEvent.kind.in_([kind_of(t) for t in types]))
        rows = self.session.execute(query.order_by(IncidentEvent.seq)).scalars()
        return [TimelineEntry(r.seq, parse_event(r.kind, r.at, r.actor, r.data)) for r in rows]

    def _columns(self, incident: Incident, updated_at: datetime) -> dict[str, object]:
        stamps = incident.timestamps
        return {
            "title": incident.title,
            "phase": incident.phase,
            "workflow_id": incident.workflow,
            "workflow_version": incident.workflow_version,
            "priority": incident.priority,
            "severity": incident.severity,
            "drill": incident.drill,
            "detected_at": stamps.detected_at,
            "resolved_at": stamps.resolved_at,
            "closed_at": stamps.closed_at,
            "updated_at": updated_at,
            "version": incident.seq,
            "state": incident.model_dump(mode="json"),
        }

    def _update_facts(self, incident: Incident, events: list[Event]) -> None:
        facts: dict[str, Any] = metrics_columns(incident)
        acknowledged = first_acknowledgement(events)
        if acknowledged is not None:  # only the first one ever counts (MTTA)
            first = IncidentFactsRow.first_acknowledged_at
            facts["first_acknowledged_at"] = func.coalesce(first, literal(acknowledged, first.type))
        self.session.execute(
            update(IncidentFactsRow)
            .where(IncidentFactsRow.incident_id == incident.id)
            .values(**facts)
        )

    def _link_services(self, incident: Incident) -> None:
        for service_id in incident.services:
            self.session.add(IncidentService(incident_id=incident.id, service_id=service_id))
        self.session.flush()

    def _project_follow_ups(self, incident: Incident, now: datetime) -> None:
        """Keep the follow_ups table (for lists across incidents) equal to the state's."""
        existing = {
            row.id: row
            for row in self.session.execute(
                select(FollowUpRow).where(FollowUpRow.incident_id == incident.id)
            ).scalars()
        }
        for f in incident.follow_ups:
            row = existing.get(f.id) or FollowUpRow(
                incident_id=incident.id, id=f.id, created_at=now
            )
            row.title, row.owner, row.due_at = f.title, f.owner, f.due_at
            row.priority, row.type, row.url = f.priority, f.type, f.url
            row.done_at = (row.done_at or now) if f.done else None
            self.session.add(row)
        self.session.flush()

    def _append(self, incident: Incident, events: list[Event]) -> None:
        insert_rows(self._connection(), _EVENTS, _rows(incident, events))


def _rows(incident: Incident, events: list[Event]) -> list[dict[str, Any]]:
    """The timeline rows of events that brought the incident to this state."""
    first = incident.seq - len(events) + 1
    return [
        {
            "incident_id": incident.id,
            "seq": first + i,
            "at": e.at,
            "actor": e.actor,
            "kind": e.kind,
            "data": e.data,
        }
        for i, e in enumerate(events)
    ]


def metrics_columns(incident: Incident) -> dict[str, Any]:
    """The incident's row of ``incident_facts`` (what the metrics read), but for its first
    acknowledgement, which only the timeline knows."""
    stamps = incident.timestamps
    times, current = phase_times(phase_spans(incident))
    return {
        "detected_at": stamps.detected_at,
        "services": " ".join(incident.services),
        "workflow_id": incident.workflow,
        "priority": incident.priority,
        "severity": incident.severity,
        "drill": incident.drill,
        "excluded": incident.excluded,
        "impact_started_at": stamps.impact_started_at,
        "mitigated_at": stamps.mitigated_at,
        "resolved_at": stamps.resolved_at,
        "reopened": incident.reopened,
        "time_in_phases": times,
        "current_phase": current,
    }


def first_acknowledgement(events: Sequence[Event]) -> datetime | None:
    """When the earliest ``acknowledged`` event among these happened, if any."""
    return min((e.at for e in events if isinstance(e, Acknowledged)), default=None)


def reserve_next_id(session: Session, table: Any, last: int | None) -> int:
    """The next id of a table with an integer ``id``, before inserting the row.

    PostgreSQL draws from the column's sequence. SQLite takes the largest id it
    ever gave plus one, which is safe because writers hold the database lock, and
    remembers what this transaction already handed out.
    """
    if session.get_bind().dialect.name == "postgresql":
        sql = select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
        return int(session.execute(sql).scalar_one())
    return max(last_given(session, table), last or 0) + 1
