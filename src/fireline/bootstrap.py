"""Wire Fireline together from settings: engine, sessions, clock. Nothing happens at import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fireline.config import Settings
from fireline.services.organisation import register_shipped_workflows
from fireline.storage.db import create_db_engine, session_factory
from fireline.storage.migrate import upgrade
from fireline.storage.uow import Clock, UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Fireline:
    """The wired application core that every entry point (web, CLI, worker) uses."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (one per use case)."""
        return UnitOfWork(self.sessions, self.clock)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock = utc_now, migrate: bool = True) -> Fireline:
    """Connect to the database and, unless told not to, bring its schema up to date."""
    engine = create_db_engine(settings.database_url, durability=settings.durability)
    fireline = Fireline(settings, engine, session_factory(engine), clock)
    if migrate:
        prepare_database(fireline)
    return fireline


def prepare_database(fireline: Fireline) -> None:
    """Run migrations and store the shipped workflows (idempotent)."""
    upgrade(fireline.engine)
    with fireline.uow() as uow:
        register_shipped_workflows(uow, uow.now())
        uow.commit()
