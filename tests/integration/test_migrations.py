"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fireline.bootstrap import Fireline
from fireline.storage.models import Base


def test_models_and_migrations_agree(core: Fireline) -> None:
    with core.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(core: Fireline) -> None:
    from fireline.bootstrap import prepare_database

    prepare_database(core)
    prepare_database(core)
    with core.uow() as uow:
        assert [v for v, _ in uow.workflows.list_latest()] == [1, 1]
