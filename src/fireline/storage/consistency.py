"""``fireline db check``: is the schema current, and are the data consistent?

The checks, each a list of problems (empty: fine):

    schema      the stored migration revision is the newest one
    integrity   SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``
    sequences   PostgreSQL: every id sequence is ahead of the largest id in its table
    incidents   every incident's stored state equals the replay of its timeline

The data checks read through the current models, so they run only when the schema is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Integer, func, select, text

from fireline.domain.events import parse_event
from fireline.domain.state import Incident, replay
from fireline.storage.migrate import is_current, newest_revision, stored_revision
from fireline.storage.models import Base, IncidentEvent, IncidentRow


@dataclass(frozen=True)
class Report:
    """What ``db check`` found: the revisions, and the problems by check."""

    revision: str | None
    newest: str
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


def check(engine: Engine) -> Report:
    """Run every check that applies to this database (read only)."""
    current = is_current(engine)
    problems = {"schema": [] if current else [_behind(engine)]}
    with engine.connect().execution_options(fireline_read_only=True) as connection:
        if engine.dialect.name == "sqlite":
            problems["integrity"] = _sqlite_integrity(connection)
        elif current:
            problems["sequences"] = _sequences_behind(connection)
        if current:
            problems["incidents"] = _replay_differs(connection)
    return Report(stored_revision(engine), newest_revision(), problems)


def _behind(engine: Engine) -> str:
    stored = stored_revision(engine)
    if stored is None:
        return "the database has no Fireline schema; run `fireline db upgrade`"
    return (
        f"the schema is at {stored}, the newest is {newest_revision()}: run `fireline db upgrade`"
    )


def _sqlite_integrity(connection: Connection) -> list[str]:
    found = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
    problems = [] if found == ["ok"] else [f"integrity: {line}" for line in found]
    for table, rowid, parent, _ in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        problems.append(f"{table} row {rowid} refers to a missing row of {parent}")
    return problems


def _sequences_behind(connection: Connection) -> list[str]:
    problems = []
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not isinstance(column.type, Integer):
            continue
        sequence = connection.execute(
            select(func.pg_get_serial_sequence(table.name, "id"))
        ).scalar_one()
        if sequence is None:
            continue
        last, called = connection.execute(
            text(f"SELECT last_value, is_called FROM {sequence}")
        ).one()
        largest = connection.execute(select(func.coalesce(func.max(column), 0))).scalar_one()
        if largest > last or (largest == last and not called):
            problems.append(
                f"{table.name}: the id sequence would give {last if not called else last + 1}, "
                f"but ids up to {largest} exist (setval it past {largest})"
            )
    return problems


def _replay_differs(connection: Connection) -> list[str]:
    problems = []
    for incident_id, state in connection.execute(
        select(IncidentRow.id, IncidentRow.state).order_by(IncidentRow.id)
    ):
        rows = connection.execute(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.seq)
        )
        events = [parse_event(r.kind, r.at, r.actor, r.data) for r in rows]
        try:
            replayed = replay(events)
        except ValueError as error:
            problems.append(f"incident {incident_id}: its timeline does not replay: {error}")
            continue
        if replayed != Incident.model_validate(state):
            problems.append(
                f"incident {incident_id}: the stored state differs from the replay of its "
                f"{len(events)} events"
            )
    return problems
