"""Alembic environment: the engine comes from ``config.attributes`` (see storage/migrate.py)."""

from alembic import context
from sqlalchemy import Connection, text

from fireline.storage.models import Base

MIGRATION_LOCK = 727100001  # a PostgreSQL advisory lock id of Fireline's own


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"migrating left rows that refer to nothing: {broken[:10]}")


config = context.config
engine = config.attributes["engine"]
postgres = engine.dialect.name == "postgresql"

with engine.connect() as connection:
    if not postgres:
        # Rebuilding a table (batch mode) drops the old one: with foreign keys on, that would
        # cascade to the rows that refer to it. Off outside the transaction (inside, SQLite
        # ignores the pragma), checked before the commit, on again before the connection goes
        # back to the pool.
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    if postgres:
        # Several processes starting at once: one migrates, the others wait, then find nothing to do.
        connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=not postgres,
        )
        with context.begin_transaction():
            context.run_migrations()
            if not postgres:
                _check_foreign_keys(connection)
        connection.commit()
    finally:
        if not postgres:
            connection.rollback()
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
        if postgres:
            connection.rollback()
            connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            connection.commit()
