"""Ids handed out before their row is inserted (so timeline events can name them first).

An id is never handed out twice, even after its row is deleted: PostgreSQL draws from the
column's sequence; SQLite tables that are referred to by id are AUTOINCREMENT, whose counter
(``sqlite_sequence``) remembers the largest id the table ever held.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, column, func, select, table
from sqlalchemy.orm import Session

_SQLITE_SEQUENCE = table("sqlite_sequence", column("name"), column("seq"))
_QUERIES: dict[str, Any] = {}  # per table, built once


def last_given(session: Session | Connection, rows: Any) -> int:
    """The largest id ``rows`` (a SQLite table with an integer ``id``) ever held, 0 if none."""
    query = _QUERIES.get(rows.name)
    if query is None:
        stored = select(func.coalesce(func.max(rows.c.id), 0)).scalar_subquery()
        counter = (
            select(func.coalesce(func.max(_SQLITE_SEQUENCE.c.seq), 0))
            .where(_SQLITE_SEQUENCE.c.name == rows.name)
            .scalar_subquery()
        )
        query = _QUERIES[rows.name] = select(func.max(stored, counter))
    return int(session.execute(query).scalar_one())
