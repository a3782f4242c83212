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


OWNED = ("teams", "users", "schedules", "escalation_policies", "services", "integrations")
NEVER_REUSED = ("incidents", "incident_events", "jobs", "api_tokens")


def _rows(core: Fireline, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import text

    with core.database.engine.connect() as connection:
        return {
            t: sorted(
                tuple(v for k, v in row._mapping.items() if k != "managed_by")
                for row in connection.execute(text(f"SELECT * FROM {t}"))
            )
            for t in tables
        }


def _sqlite_schema(core: Fireline) -> list[tuple[str, str]]:
    from sqlalchemy import text

    with core.database.engine.connect() as connection:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        return sorted((n, s) for n, s in connection.execute(text(query)))


def test_rows_made_before_ownership_survive_it_and_belong_to_the_api(core: Fireline) -> None:
    """#11: 0010 keeps every row (and its indexes); what existed before is api-owned."""
    from alembic import command
    from sqlalchemy import text

    from fireline.services.admin import auth
    from fireline.services.admin.configuration import apply_config
    from fireline.services.incidents import commands as incidents
    from fireline.storage.migrate import alembic_config, upgrade
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    for title in ("First", "Second", "Third"):
        incidents.declare(uow=core.uow(), actor="alice", title=title, services=["checkout-api"])
    auth.create_token(uow=core.uow(), user_id="alice")
    engine = core.database.engine
    sqlite = engine.dialect.name == "sqlite"
    before = _rows(core, OWNED + NEVER_REUSED)
    indexes = _sqlite_schema(core) if sqlite else []

    command.downgrade(alembic_config(engine), "0009")
    upgrade(engine)

    assert _rows(core, OWNED + NEVER_REUSED) == before
    with engine.connect() as connection:
        owners = {
            owner
            for t in OWNED
            for owner in connection.execute(text(f"SELECT managed_by FROM {t}")).scalars()
        }
    assert owners == {"api"}
    if sqlite:
        assert _sqlite_schema(core) == indexes
    with engine.begin() as connection:
        newest = connection.execute(text("SELECT max(id) FROM incidents")).scalar_one()
        connection.execute(text("DELETE FROM incident_search"))
        connection.execute(text("DELETE FROM incidents WHERE id = :id"), {"id": newest})
    again = incidents.declare(uow=core.uow(), actor="alice", title="After").incident.id
    assert again == newest + 1
