"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fireline.bootstrap import Fireline
from fireline.storage.models import Base


def test_models_and_migrations_agree(core: Fireline) -> None:
    with core.database.engine.connect() as connection:
        # Full-text search tables are engine-specific and kept outside the models (0009).
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, parent: (
                    not str(name).startswith("incident_search")
                )
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(core: Fireline) -> None:
    from fireline.bootstrap import prepare_database

    prepare_database(core)
    prepare_database(core)
    with core.uow() as uow:
        assert [v for v, _ in uow.workflows.list_latest()] == [1, 1]


def test_sqlite_runs_in_wal_mode_with_the_chosen_durability(core: Fireline) -> None:
    from sqlalchemy import text

    if core.database.engine.dialect.name != "sqlite":
        return
    with core.database.engine.connect() as connection:
        mode = connection.execute(text("PRAGMA journal_mode")).scalar()
        synchronous = connection.execute(text("PRAGMA synchronous")).scalar()
        foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    assert (mode, synchronous, foreign_keys) == ("wal", 2, 1)  # 2 = FULL


def test_a_revision_id_is_the_number_its_file_name_starts_with() -> None:
    from pathlib import Path

    from alembic.script import ScriptDirectory

    from fireline.storage.migrate import MIGRATIONS, newest_revision

    scripts = list(ScriptDirectory(str(MIGRATIONS)).walk_revisions())
    assert all(Path(s.path).name.split("_", 1)[0] == s.revision for s in scripts)
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == newest_revision()


def test_a_current_schema_is_not_migrated_again(core: Fireline) -> None:
    from sqlalchemy import text

    from fireline.storage.migrate import is_current

    assert is_current(core.database.engine)
    with core.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    assert not is_current(core.database.engine)
