"""Fixtures of the storage tests: an empty database to restore into."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fireline.storage.db import normalise_url
from tests.conftest import POSTGRES_URL, _in_schema


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the engine of ``database_url`` (PostgreSQL: a database of its
    own, reached with the test schema's name first on the search path, as its dump restores it)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"fireline_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL or ""), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = (POSTGRES_URL or "").rsplit("/", 1)[0]
    schema = database_url.rsplit("%3D", 1)[1]
    yield _in_schema(f"{base}/{name}", schema)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
