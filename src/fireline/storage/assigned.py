"""Open incidents that hold tasks for one person, found without reading every state in Python.

Tasks live inside an incident's state. PostgreSQL asks ``jsonb`` containment
(``state @> '{"tasks": [{"owner": …}]}'``); SQLite reads the owners of the
state's tasks with ``json_each``, whatever the spacing of the stored JSON text
(the ingest writer stores it compact, Core with spaces). The service checks the
tasks themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from fireline.storage.models import IncidentRow


def open_states_owned_by(
    session: Session, user_id: str, *, phases: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """States of incidents in these (open) phases where ``user_id`` may own a task, newest
    first. The ids come from the phase index first: SQLite's planner would otherwise scan
    every incident (it cannot tell that few are open), reading each state."""
    open_ids = select(IncidentRow.id).where(IncidentRow.phase.in_(phases))
    query = (
        select(IncidentRow.state)
        .where(IncidentRow.id.in_(open_ids), _owns(session, user_id))
        .order_by(IncidentRow.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def _owns(session: Session, user_id: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "postgresql":
        wanted = json.dumps({"tasks": [{"owner": user_id}]})
        return IncidentRow.state.op("@>")(cast(literal(wanted), JSONB))
    tasks = func.json_each(IncidentRow.state, "$.tasks").table_valued("value").alias("task")
    owner = func.json_extract(tasks.c.value, "$.owner")
    return exists(select(1).select_from(tasks).where(owner == user_id))
