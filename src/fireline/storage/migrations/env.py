"""Alembic environment: the engine comes from ``config.attributes`` (see storage/migrate.py)."""

from alembic import context

from fireline.storage.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        version_table_schema=None,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
