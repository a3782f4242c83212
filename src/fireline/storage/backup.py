"""Copies of the database: a consistent backup while Fireline runs, and a restore into an empty one.

SQLite uses its online backup API (``sqlite3.Connection.backup``): the copy is one snapshot even
while ``fireline serve`` writes, and it is a plain database file. PostgreSQL uses ``pg_dump`` in
its custom format (``-Fc``) of the schema Fireline's tables live in (``public`` normally), and
``pg_restore`` into the same schema of the target database; both programs must be on the PATH
and match the server's major version.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from fireline.errors import Conflict, InvalidInput


def backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the database to ``path`` (refuses to overwrite a file)."""
    if path.exists():
        raise Conflict(f"{path} exists already; choose a new file for the backup")
    if engine.dialect.name == "sqlite":
        _sqlite_backup(_sqlite_file(engine), path)
    else:
        _pg_dump(engine, path)


def restore(path: Path, engine: Engine) -> None:
    """Load a backup made by :func:`backup` into an empty database."""
    if not path.is_file():
        raise InvalidInput(f"there is no backup file {path}")
    if engine.dialect.name == "sqlite":
        _refuse_non_empty(engine, None)
        _sqlite_restore(path, _sqlite_file(engine))
    else:
        schema = _dumped_schema(path)
        _refuse_non_empty(engine, schema)
        _pg_restore(path, engine, schema)


def _refuse_non_empty(engine: Engine, schema: str | None) -> None:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names(schema=schema)
    if tables:
        raise Conflict(
            f"the target database is not empty ({len(tables)} tables, {', '.join(sorted(tables)[:3])}"
            f"{', …' if len(tables) > 3 else ''}); restore into a new, empty database"
        )


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    # One step (all pages) is one read transaction: in WAL mode it reads a snapshot and writers
    # go on meanwhile. Copying in smaller steps would start over whenever a writer commits.
    with _sqlite(source) as reader, _sqlite(target) as writer:
        reader.backup(writer)


def _sqlite_restore(source: Path, target: Path) -> None:
    with _sqlite(source) as reader:
        found = reader.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if not found or not found[0]:
            raise InvalidInput(f"{source} is not a Fireline backup (it has no alembic_version)")
        with _sqlite(target) as writer:
            reader.backup(writer)


class _sqlite:
    """A plain sqlite3 connection, closed on exit (sqlite3's own context manager only commits)."""

    def __init__(self, path: Path) -> None:
        try:
            self.connection = sqlite3.connect(path, timeout=30)
            self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise InvalidInput(f"{path} is not a SQLite database: {error}") from None

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_: object) -> None:
        self.connection.close()


def _pg_dump(engine: Engine, path: Path) -> None:
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    _run(["pg_dump", "--format=custom", f"--schema={schema}", f"--file={path}", _libpq(engine)])


def _pg_restore(path: Path, engine: Engine, schema: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--schema={schema}",
            f"--dbname={_libpq(engine)}",
            str(path),
        ]
    )


def _dumped_schema(path: Path) -> str:
    """The schema a ``pg_dump`` archive holds Fireline's tables in, from its table of contents."""
    try:
        listing = _run(["pg_restore", "--list", str(path)])
    except InvalidInput as error:
        raise InvalidInput(f"{path} is not a backup made by pg_dump ({error.message})") from None
    found = re.search(r"^\d+; \d+ \d+ TABLE (\S+) alembic_version ", listing, re.MULTILINE)
    if not found:
        raise InvalidInput(f"{path} is not a Fireline backup made by pg_dump")
    return found.group(1)


def _libpq(engine: Engine) -> str:
    """The engine's URL as libpq reads it (no SQLAlchemy driver name)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise InvalidInput(f"{command[0]} is not installed (it comes with the PostgreSQL client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()
        raise InvalidInput(f"{command[0]} failed: {' '.join(reason[:3]) or done.returncode}")
    return done.stdout
