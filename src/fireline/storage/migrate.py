"""Alembic, driven from code: ``fireline db upgrade`` and ``fireline serve`` call :func:`upgrade`.

Alembic takes longer to import than most CLI commands take to run, so it is loaded only when
the schema is behind: a migration's revision id is the number its file name starts with
(``0009_search.py`` is ``0009``; tests/integration/test_migrations.py holds every migration to
it), which tells the newest revision without Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to date (creates it on an empty database)."""
    if revision == "head" and is_current(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def newest_revision() -> str:
    """The revision id of the newest migration, from the file names."""
    names = (p.name for p in (MIGRATIONS / "versions").glob("*.py") if not p.name.startswith("_"))
    return max(name.split("_", 1)[0] for name in names)


def is_current(engine: Engine) -> bool:
    """Whether the schema is at the newest migration."""
    return stored_revision(engine) == newest_revision()


def stored_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for a database without Fireline's schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        stored = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        return stored[0] if len(stored) == 1 else None


def pending(engine: Engine) -> list[tuple[str, str]]:
    """The migrations ``upgrade`` would run, oldest first: (revision, what it does)."""
    from alembic.script import ScriptDirectory

    stored = stored_revision(engine)
    if stored == newest_revision():
        return []
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    ahead = scripts.iterate_revisions("head", stored or "base")
    return [(script.revision, (script.doc or "").strip()) for script in reversed(list(ahead))]
