"""The ingest writer's hot statements, run on the driver's cursor with SQL written once per dialect.

Every commit of the ingest writer runs the same dozen statements. Through
SQLAlchemy Core each costs its compile-cache key and lookup, parameter
processing (expanding ``IN`` lists re-rendered per call) and result wrapping:
measured, more than the database's own work for a small commit. A
:class:`Query` is plain SQL with ``:name`` parameters; it is rendered once per
dialect (``?`` for SQLite, ``%(name)s`` for psycopg) and run on the DBAPI
cursor of the session's connection, in its transaction. Values go in and come
out converted exactly as SQLAlchemy converts them, by the processors of the
column types the query names, so rows read or written here are the rows Core
reads and writes (JSON going to SQLite is written by msgspec, as
storage/bulk.py writes it: the same values, without the spaces).

A list parameter is written ``IN :name`` (or ``LIST(:name)``, a table of one
column ``item``) and stays one parameter whatever its length, so its statement
is prepared once: a JSON array read with ``json_each`` on SQLite, an array
(``= ANY``, ``unnest``) on PostgreSQL. ``lock``: ``FOR UPDATE`` on PostgreSQL
(SQLite's writers hold the database lock already).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import JSON, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.types import TypeEngine

Convert = Callable[[Any], Any]
_PARAMETER = re.compile(r"\bIN\s+:(?P<listed>\w+)|\bLIST\(:(?P<table>\w+)\)|:(?P<name>\w+)")
_ARRAY_TYPES = {str: "text", int: "bigint"}
_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Query:
    """One statement: SQL with ``:name`` parameters, the column type of each scalar parameter
    (``str`` or ``int`` for a list of them), and the types of the columns it returns, in order."""

    sql: str
    params: Mapping[str, TypeEngine[Any] | type] = field(default_factory=dict)
    columns: Sequence[TypeEngine[Any]] = ()
    lock: bool = False
    _plans: dict[str, _Plan] = field(default_factory=dict, compare=False, repr=False)

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement; its rows with every value converted as SQLAlchemy would."""
        plan = self._plan(connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, parameters := plan.bind(values), **plan.options)
            found = cursor.fetchall() if cursor.description is not None else []
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(connection, cursor, plan.sql, parameters, error) from error
        finally:
            cursor.close()
        return [plan.row(r) for r in found] if plan.converts else [tuple(r) for r in found]

    def run_many(self, connection: Connection, values: Iterable[Mapping[str, Any]]) -> int:
        """Run the statement once per set of values (one ``executemany``); rows it changed."""
        plan = self._plan(connection.dialect)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        parameters = [plan.bind(v) for v in values]
        try:
            cursor.executemany(plan.sql, parameters)  # type: ignore[arg-type]
            return int(cursor.rowcount)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(connection, cursor, plan.sql, parameters, error) from error
        finally:
            cursor.close()

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _Plan.of(self, dialect)
        return plan


@dataclass(frozen=True)
class _Plan:
    """A query rendered for one dialect, with its value converters."""

    sql: str
    names: tuple[str, ...]  # parameter order (SQLite's positional marks)
    positional: bool
    binders: tuple[tuple[str, Convert | None], ...]  # in the order of the values bound
    readers: tuple[Convert | None, ...]

    @property
    def options(self) -> dict[str, Any]:
        # psycopg prepares a statement run 5 times, and PostgreSQL then may switch to a generic
        # plan that cannot see the array's length: plan each run for its own values instead.
        return {} if self.positional else {"prepare": False}

    @property
    def converts(self) -> bool:
        return any(self.readers)

    @staticmethod
    def of(query: Query, dialect: Dialect) -> _Plan:
        positional = dialect.name == "sqlite"
        names: list[str] = []

        def render(match: re.Match[str]) -> str:
            name = match.group("listed") or match.group("table") or match.group("name")
            names.append(name)
            mark = "?" if positional else f"%({name})s"
            if match.group("name"):
                return mark
            if positional:
                items = f"SELECT value AS item FROM json_each({mark})"
                return f"IN ({items})" if match.group("listed") else f"({items})"
            array = f"CAST({mark} AS {_ARRAY_TYPES[query.params[name]]}[])"  # type: ignore[index]
            return (
                f"= ANY({array})" if match.group("listed") else f"(SELECT unnest({array}) AS item)"
            )

        sql = _PARAMETER.sub(render, query.sql if positional else query.sql.replace("%", "%%"))
        if query.lock and not positional:
            sql += " FOR UPDATE"
        kinds = {n: _binder(k, dialect, isinstance(k, type)) for n, k in query.params.items()}
        bound = names if positional else sorted(set(names))
        binders = tuple((n, kinds.get(n)) for n in bound)
        readers = tuple(_reader(kind, dialect) for kind in query.columns)
        return _Plan(sql, tuple(names), positional, binders, readers)

    def bind(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        converted = [
            v if b is None or v is None else b(v) for n, b in self.binders for v in (values[n],)
        ]
        if self.positional:
            return tuple(converted)
        return dict(zip((n for n, _ in self.binders), converted, strict=True))

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if read is None or value is None else read(value)
            for read, value in zip(self.readers, row, strict=True)
        )


def _wrapped(
    connection: Connection, cursor: Any, sql: str, parameters: Any, error: Any
) -> StatementError:
    """The driver's error as Core raises it (IntegrityError, OperationalError…); a lost
    connection is invalidated, so the pool does not hand it out again."""
    lost = connection.dialect.is_disconnect(error, connection.connection, cursor)
    if lost:
        connection.invalidate(error)
    wrapped: StatementError = DBAPIError.instance(
        sql,
        parameters,
        error,
        connection.dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=connection.dialect,
    )
    return wrapped


def _binder(kind: TypeEngine[Any] | type, dialect: Dialect, listed: bool) -> Convert | None:
    if listed:
        return _json_list if dialect.name == "sqlite" else list
    assert isinstance(kind, TypeEngine), "a scalar parameter needs a column type"
    if dialect.name == "sqlite" and isinstance(kind, JSON):
        return _json_text  # as storage.bulk writes it: msgspec, the same values
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _reader(kind: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    return kind.dialect_impl(dialect).result_processor(dialect, None)


def _json_list(values: Iterable[Any]) -> str:
    return _encode(list(values)).decode()


def _json_text(value: Any) -> str:
    return _encode(value).decode()


def column_list(table: Table, names: Iterable[str], alias: str = "") -> str:
    """``"a", "b"`` (or ``x."a", x."b"``) for a query's select list."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{table.c[n].name}"' for n in names)


def column_types(table: Table, names: Iterable[str]) -> list[TypeEngine[Any]]:
    """The types of these columns, for :attr:`Query.columns`."""
    return [table.c[n].type for n in names]
