"""What the metrics read: one compact row per incident and one per page sent, for a period.

Incidents come from ``incident_facts``, a narrow table the incident
repository writes with every save (``storage.incidents.metrics_columns``),
keyed by detection time; pages from the ``page_sent`` events, by kind and
time. Neither reads the ``state`` JSON or a whole timeline, so a report over
100,000 incidents is two range scans. They return the rows
:mod:`fireline.domain.metrics` defines, with the values ``facts_from`` and
``pages_from`` derive from a replayed incident.

The columns are read raw and decoded here (:class:`_Decode`): SQLAlchemy's
per-value type processing would take longer than the whole report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import JSON, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from fireline.domain.events import PageSent as PageSentEvent
from fireline.domain.events import kind_of
from fireline.domain.metrics import FollowUpFact, IncidentFacts
from fireline.domain.oncall_load import PageSent
from fireline.storage.models import FollowUpRow, IncidentEvent, Service, User, UTCDateTime
from fireline.storage.models import IncidentFactsRow as Facts

Linked = tuple[tuple[str, ...], tuple[str, ...]]  # services, and the teams owning them


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_facts(self, start: datetime, end: datetime) -> Iterator[IncidentFacts]:
        """The metrics row of every incident detected in [start, end), drills and excluded
        ones included (the report counts what it leaves out)."""
        decode = _Decode(self.session)
        in_period = (Facts.detected_at >= start, Facts.detected_at < end)
        follow_ups = self._follow_ups(decode, in_period)
        query = select(*(decode.column(c) for c in _FACT_COLUMNS)).where(*in_period)
        time, times, json = decode.time, decode.optional_time, decode.json
        for row in self.session.connection().execute(query).fetchall():  # fetchall: in C
            services, teams = decode.services(row[2])
            yield IncidentFacts(
                row[0],
                row[3],
                time(row[1]),
                row[4],
                row[5],
                services,
                teams,
                times(row[6]),
                times(row[7]),
                times(row[8]),
                times(row[9]),
                row[10],
                json(row[11]),
                row[12],
                bool(row[13]),
                bool(row[14]),
                follow_ups.get(row[0], ()),
            )

    def _follow_ups(
        self, decode: _Decode, in_period: tuple[Any, ...]
    ) -> dict[int, tuple[FollowUpFact, ...]]:
        """The follow-ups of the period's incidents (from the ``follow_ups`` table), in order."""
        query = (
            select(
                FollowUpRow.incident_id,
                FollowUpRow.id,
                decode.column(FollowUpRow.created_at),
                decode.column(FollowUpRow.done_at),
                decode.column(FollowUpRow.due_at),
            )
            .join(Facts, Facts.incident_id == FollowUpRow.incident_id)
            .where(*in_period)
        )
        found: dict[int, list[FollowUpFact]] = {}
        times = decode.optional_time
        for incident, key, created, done, due in self.session.connection().execute(query):
            fact = FollowUpFact(key, decode.time(created), times(done), times(due))
            found.setdefault(incident, []).append(fact)
        return {incident: tuple(sorted(facts, key=_numbered)) for incident, facts in found.items()}

    def list_pages(self, start: datetime, end: datetime) -> list[PageSent]:
        """Every ``page_sent`` event sent in [start, end), with its incident's flags."""
        decode = _Decode(self.session)
        query = (
            select(
                IncidentEvent.incident_id,
                IncidentEvent.data["user"].as_string(),
                decode.column(IncidentEvent.at),
                decode.column(Facts.drill),
                decode.column(Facts.excluded),
            )
            .join(Facts, Facts.incident_id == IncidentEvent.incident_id)
            .where(
                IncidentEvent.kind == kind_of(PageSentEvent),
                IncidentEvent.at >= start,
                IncidentEvent.at < end,
            )
        )
        time = decode.time
        return [
            PageSent(incident, user, time(at), bool(drill), bool(excluded))
            for incident, user, at, drill, excluded in self.session.connection().execute(query)
        ]

    def time_zones(self, users: Collection[str]) -> dict[str, str]:
        """Each known user's time zone (unknown users are left out)."""
        query = select(User.id, User.time_zone).where(User.id.in_(sorted(users)))
        return dict(self.session.execute(query).all())


_FACT_COLUMNS = (
    Facts.incident_id,
    Facts.detected_at,
    Facts.services,
    Facts.workflow_id,
    Facts.priority,
    Facts.severity,
    Facts.impact_started_at,
    Facts.first_acknowledged_at,
    Facts.mitigated_at,
    Facts.resolved_at,
    Facts.reopened,
    Facts.time_in_phases,
    Facts.current_phase,
    Facts.drill,
    Facts.excluded,
)


def _numbered(follow_up: FollowUpFact) -> tuple[int, str]:
    return len(follow_up.id), follow_up.id  # F2 before F10


class _Decode:
    """Reads columns in the form that is fastest to turn into domain values, on both engines:
    times as naive UTC text (SQLite stores them so; PostgreSQL formats them), JSON as text
    (psycopg would decode it with the slower ``json`` module), nothing through SQLAlchemy's
    per-value result processing."""

    def __init__(self, session: Session) -> None:
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.owners: dict[str, str | None] = dict(
            session.execute(select(Service.id, Service.team_id)).all()
        )
        self.linked: dict[str, Linked] = {"": ((), ())}

    def column(self, column: Any) -> Any:
        """The column as this class decodes it."""
        kind = column.type
        if self.postgres and isinstance(kind, UTCDateTime):
            column = func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
        elif self.postgres and isinstance(kind, JSON):
            column = cast(column, Text)
        return type_coerce(column, NullType())

    def time(self, text: str) -> datetime:
        return _from_iso(text + "+00:00")

    def optional_time(self, text: str | None) -> datetime | None:
        return None if text is None else _from_iso(text + "+00:00")

    def services(self, joined: str) -> Linked:
        """The services of ``incident_facts.services`` and the teams owning them now."""
        found = self.linked.get(joined)
        if found is None:
            services = tuple(joined.split(" "))
            teams = (self.owners.get(s) for s in services)
            found = self.linked[joined] = services, tuple(dict.fromkeys(t for t in teams if t))
        return found

    def json(self, text: str) -> Any:
        return _from_json(text)


_from_iso = datetime.fromisoformat
_from_json = msgspec.json.decode
