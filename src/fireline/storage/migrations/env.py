"""Alembic environment: the engine comes from ``config.attributes`` (see storage/migrate.py)."""

from alembic import context
from sqlalchemy import text

from fireline.storage.models import Base

MIGRATION_LOCK = 727100001  # a PostgreSQL advisory lock id of Fireline's own

config = context.config
engine = config.attributes["engine"]
postgres = engine.dialect.name == "postgresql"

with engine.connect() as connection:
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
        connection.commit()
    finally:
        if postgres:
            connection.rollback()
            connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            connection.commit()
