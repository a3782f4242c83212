"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from fireline.bootstrap import Fireline
from fireline.storage.db import normalise_url
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

    from fireline.storage.migrate import is_current, newest_revision

    assert is_current(core.database.engine)
    with core.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    try:
        assert not is_current(core.database.engine)
    finally:  # the PostgreSQL test schema is shared: later tests must find it current
        with core.database.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": newest_revision()}
            )


OWNED = ("teams", "users", "schedules", "escalation_policies", "services", "integrations")
NEVER_REUSED = ("incidents", "incident_events", "jobs", "api_tokens")


# Columns the round trip does not keep: 0011's own, and 0012's (dropped going down to 0010).
LATER = ("managed_by", "status_page", "slack", "slack_user_id", "mattermost_user_id")


def _rows(core: Fireline, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:

    with core.database.engine.connect() as connection:
        return {
            t: sorted(
                tuple(v for k, v in row._mapping.items() if k not in LATER)
                for row in connection.execute(text(f"SELECT * FROM {t}"))
            )
            for t in tables
        }


def _sqlite_schema(core: Fireline) -> list[tuple[str, str]]:

    with core.database.engine.connect() as connection:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        return sorted((n, s) for n, s in connection.execute(text(query)))


@pytest.fixture
def own_database(database_url: str, tmp_path: Path) -> Iterator[Fireline]:
    """A database of this test's own, since it migrates down and up again (on PostgreSQL
    the shared test schema must not see that)."""
    from fireline.bootstrap import build
    from fireline.config import Settings
    from tests.conftest import POSTGRES_URL, FakeClock, _in_schema

    if database_url.startswith("sqlite"):
        core = build(Settings(database_url=f"sqlite:///{tmp_path / 'own.db'}"), clock=FakeClock())
        yield core
        core.close()
        return
    schema = f"fireline_own_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL or ""))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    core = build(Settings(database_url=_in_schema(POSTGRES_URL or "", schema)), clock=FakeClock())
    yield core
    core.close()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_rows_made_before_ownership_survive_it_and_belong_to_the_api(
    own_database: Fireline,
) -> None:
    """#11: 0011 keeps every row (and its indexes); what existed before is api-owned."""
    from alembic import command

    core = own_database

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

    command.downgrade(alembic_config(engine), "0010")
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


def test_every_numbered_table_never_reuses_an_id_on_sqlite(core: Fireline) -> None:
    """#11: a table with an integer ``id`` is AUTOINCREMENT, or a deleted row's id comes back."""
    if core.database.engine.dialect.name != "sqlite":
        return  # PostgreSQL sequences never go back
    with core.database.engine.connect() as connection:
        tables = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        ).all()
    numbered = {name: sql for name, sql in tables if "\tid INTEGER NOT NULL" in sql}
    assert {"alerts", "incidents", "incident_events", "jobs", "deliveries"} <= set(numbered)
    assert [n for n, sql in numbered.items() if "AUTOINCREMENT" not in sql] == []
