"""`fireline db backup`, `db restore` and `db check`: a round trip on each engine keeps everything
the application shows, a backup taken while a writer runs is consistent, and a restore refuses a
database that is not empty."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text, update

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.incidents import commands as incidents
from fireline.storage.db import normalise_url
from fireline.storage.migrate import MIGRATIONS, newest_revision
from fireline.storage.models import IncidentRow
from tests.conftest import FakeClock
from tests.e2e.cli_runner import Cli
from tests.integration.sample_data import populate, read_back


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("FIRELINE_DATABASE_URL", raising=False)
    return Cli(capsys, monkeypatch)


def test_a_backup_restores_into_an_empty_database_with_everything_in_it(
    core: Fireline, database_url: str, empty_url: str, clock: FakeClock, cli: Cli, tmp_path: Path
) -> None:
    populate(core)
    before = read_back(core)
    backup = tmp_path / "fireline.backup"

    assert cli("db", "backup", str(backup), "--database-url", database_url).code == 0
    restored = cli("db", "restore", str(backup), "--database-url", empty_url)
    assert restored.code == 0, restored.err
    checked = cli("db", "check", "--json", "--database-url", empty_url)

    assert checked.code == 0, checked.out
    assert checked.json()["ok"] is True and checked.json()["revision"] == checked.json()["newest"]
    target = build(Settings(database_url=empty_url), clock=clock, migrate=False)
    after = read_back(target)
    target.close()
    assert after == before
    assert len(after["incidents"]) == 2 and after["postmortems"] and after["overrides"]
    assert sorted(a["status"] for a in after["alerts"]) == ["firing", "resolved"]


def test_a_restore_refuses_a_database_that_is_not_empty(
    database_url: str, cli: Cli, tmp_path: Path
) -> None:
    backup = tmp_path / "fireline.backup"
    assert cli("db", "backup", str(backup), "--database-url", database_url).code == 0

    refused = cli("db", "restore", str(backup), "--database-url", database_url)

    assert refused.code == 1
    assert "not empty" in refused.err and "restore into a new, empty database" in refused.err


def test_a_backup_never_overwrites_a_file(database_url: str, cli: Cli, tmp_path: Path) -> None:
    backup = tmp_path / "fireline.backup"
    backup.write_text("keep me")

    refused = cli("db", "backup", str(backup), "--database-url", database_url)

    assert refused.code == 1 and "exists already" in refused.err
    assert backup.read_text() == "keep me"


def test_restoring_something_that_is_no_backup_fails_clearly(
    empty_url: str, cli: Cli, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)

    refused = cli("db", "restore", str(junk), "--database-url", empty_url)

    assert refused.code == 1 and "junk.backup" in refused.err


def test_a_sqlite_backup_taken_while_a_writer_runs_is_consistent(
    core: Fireline, database_url: str, cli: Cli, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("pg_dump's snapshot is PostgreSQL's own; this checks SQLite's backup API")
    writing = threading.Event()
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            view = incidents.declare(uow=core.uow(), actor="alice", title="load").incident
            incidents.add_note(uow=core.uow(), actor="alice", incident_id=view.id, text="x" * 500)
            writing.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        writing.wait(10)
        backups = [tmp_path / f"during-{n}.db" for n in range(3)]
        for backup in backups:
            assert cli("db", "backup", str(backup), "--database-url", database_url).code == 0
    finally:
        stop.set()
        writer.join()

    for backup in backups:
        checked = cli("db", "check", "--json", "--database-url", f"sqlite:///{backup}")
        assert checked.code == 0, checked.out
        assert checked.json()["checks"]["incidents"]["ok"] is True


def test_check_finds_a_state_that_differs_from_its_timeline(
    core: Fireline, database_url: str, cli: Cli
) -> None:
    view = incidents.declare(uow=core.uow(), actor="alice", title="Disk full").incident
    retitled = view.model_copy(update={"title": "Edited behind its back"})
    with core.database.engine.begin() as connection:
        connection.execute(update(IncidentRow).values(state=retitled.model_dump(mode="json")))

    checked = cli("db", "check", "--database-url", database_url)

    assert checked.code == 1
    assert f"incident {view.id}: the stored state differs" in checked.out


NEWEST = newest_revision()
PREVIOUS = str(
    ScriptDirectory(str(MIGRATIONS)).get_revision(NEWEST).down_revision  # numbers may skip
)


@pytest.fixture
def one_behind(database_url: str) -> Iterator[Engine]:
    """The database marked as one migration behind (put back after: the schema is shared)."""
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE alembic_version SET version_num = '{PREVIOUS}'"))
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE alembic_version SET version_num = '{NEWEST}'"))
    engine.dispose()


def test_check_says_when_the_schema_is_behind(
    database_url: str, one_behind: Engine, cli: Cli
) -> None:
    checked = cli("db", "check", "--json", "--database-url", database_url)

    assert checked.code == 1
    assert checked.json()["revision"] == PREVIOUS
    assert "run `fireline db upgrade`" in checked.json()["checks"]["schema"]["problems"][0]


def test_upgrade_dry_run_lists_pending_migrations_and_applies_none(
    database_url: str, one_behind: Engine, cli: Cli
) -> None:
    listed = cli("db", "upgrade", "--dry-run", "--database-url", database_url)

    assert listed.code == 0
    assert listed.out.splitlines()[0].startswith(f"{NEWEST}  ")
    assert "1 pending migrations" in listed.out
    with one_behind.connect() as connection:
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert stored == PREVIOUS


def test_check_finds_broken_references_and_sequences_behind(
    core: Fireline, database_url: str, cli: Cli
) -> None:
    view = incidents.declare(uow=core.uow(), actor="alice", title="Disk full").incident
    if database_url.startswith("sqlite"):  # SQLite checks references only when told to
        raw = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        raw.execute("UPDATE incident_events SET incident_id = 999")
        raw.commit()
        raw.close()
    else:  # PostgreSQL keeps references itself; a sequence set back is what a bad load does
        with core.database.engine.begin() as connection:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 1, false)")
            )

    checked = cli("db", "check", "--json", "--database-url", database_url).json()

    assert checked["ok"] is False
    if database_url.startswith("sqlite"):
        assert (
            "incident_events row 1 refers to a missing row of incidents"
            in checked["checks"]["integrity"]["problems"]
        )
    else:
        assert checked["checks"]["sequences"]["problems"] == [
            f"incidents: the id sequence would give 1, but ids up to {view.id} exist (setval it past {view.id})"
        ]
