"""Shared fixtures: fixed clocks, a clean database per test on SQLite and PostgreSQL, an API client.

PostgreSQL tests run when FIRELINE_TEST_POSTGRES_URL is set (CI sets it) and
are skipped, with the reason shown in the summary, when it is not.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin.organisation import register_shipped_workflows
from fireline.storage.db import normalise_url
from fireline.storage.models import Base

POSTGRES_URL = os.environ.get("FIRELINE_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("FIRELINE_REQUIRE_POSTGRES") == "1"
EXAMPLE = Path(__file__).parent.parent / "examples" / "fireline.yaml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    core = build(Settings(database_url=f"sqlite:///{path}"))
    core.close()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A schema of our own in the test database, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        message = "PostgreSQL tests skipped: set FIRELINE_TEST_POSTGRES_URL to run them"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    schema = f"fireline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    core = build(Settings(database_url=_in_schema(POSTGRES_URL, schema)))
    core.close()
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _in_schema(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database for this test, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "fireline.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    schema = request.getfixturevalue("postgres_schema")
    url = _in_schema(POSTGRES_URL or "", schema)
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    engine = create_engine(normalise_url(url))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    core = build(Settings(database_url=url), migrate=False)
    with core.uow() as uow:
        register_shipped_workflows(uow, START)
        uow.commit()
    core.close()


@pytest.fixture
def core(database_url: str, clock: FakeClock) -> Iterator[Fireline]:
    """The wired application core on a clean database, with a fixed clock."""
    fireline = build(Settings(database_url=database_url), clock=clock, migrate=False)
    yield fireline
    fireline.close()
