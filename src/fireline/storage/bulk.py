"""Many rows into one table at once, for the ingest path.

On SQLite the rows go straight to the driver in one ``executemany``, each value
converted as SQLAlchemy would store it (times as naive UTC text with six
decimals, JSON as text, booleans as integers): measured, SQLAlchemy's
per-value processing cost more than SQLite's insert. JSON is written by
msgspec (the same values, without the spaces Python's ``json`` puts after
separators; nothing matches these tables' JSON as text). Elsewhere, Core's
``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import JSON, Boolean, Connection, Table, insert

from fireline.storage.models import UTCDateTime

Convert = Callable[[Any], Any]
_PLANS: dict[tuple[str, tuple[str, ...]], tuple[str, list[Convert | None]]] = {}
_encode = msgspec.json.Encoder().encode


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows (dicts with the same keys, named after the table's columns)."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    names = tuple(rows[0])
    sql, converters = _plan(table, names)
    values = [
        tuple(
            value if convert is None or value is None else convert(value)
            for convert, value in zip(converters, (row[n] for n in names), strict=True)
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, values)


def _plan(table: Table, names: tuple[str, ...]) -> tuple[str, list[Convert | None]]:
    key = (table.name, names)
    plan = _PLANS.get(key)
    if plan is None:
        columns = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in names)
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        plan = _PLANS[key] = (sql, [_converter(table.c[n].type) for n in names])
    return plan


def _converter(kind: Any) -> Convert | None:
    if isinstance(kind, UTCDateTime):
        return _sqlite_time
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(kind, Boolean):
        return int
    return None


def _sqlite_time(value: datetime) -> str:
    """As SQLAlchemy's SQLite DATETIME stores a UTCDateTime: naive UTC, always 6 decimals
    (stored times compare as text)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use an aware UTC time")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _json_text(value: Any) -> str:
    return _encode(value).decode()
