"""Real processes for the storm tests: the config applied by `fireline apply`, serving nodes and a
worker on one database, and a PostgreSQL schema of the test's own."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from fireline.storage.db import normalise_url
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _in_schema
from tests.e2e.servers import FIRELINE, Server, start_server

# Storms are many requests from one address on one key: no rate limit, and no throttle.
NODE_ENV = {"FIRELINE_INGEST_RATE_LIMIT": "0", "FIRELINE_THROTTLE_LIMIT": "0"}


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")}


def apply(workdir: Path, database_url: str, config: str) -> None:
    """`fireline db upgrade` and `fireline apply` of ``config``, as an operator would."""
    path = workdir / "fireline.yaml"
    path.write_text(config)
    for command in (["db", "upgrade"], ["apply", str(path)]):
        done = subprocess.run(
            [FIRELINE, *command, "--database-url", database_url],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def own_postgres_schema(prefix: str) -> Iterator[str]:
    """A fresh schema of this test's own (not yet migrated), dropped at the end."""
    if not POSTGRES_URL:
        message = "PostgreSQL tests skipped: set FIRELINE_TEST_POSTGRES_URL to run them"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _in_schema(POSTGRES_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def serving(
    workdir: Path, database_url: str, *, nodes: int, worker: bool
) -> Iterator[list[Server]]:
    """``nodes`` `fireline serve` processes on one database. With several nodes they run
    ``--no-worker`` and, when ``worker``, one `fireline worker` runs beside them; a single node
    runs its embedded worker when ``worker``."""
    embedded = nodes == 1 and worker
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                start_server(
                    workdir, database_url=database_url, env=NODE_ENV, no_worker=not embedded
                )
            )
            for _ in range(nodes)
        ]
        if worker and not embedded:
            stack.enter_context(_worker(workdir, database_url))
        yield servers


@contextmanager
def _worker(workdir: Path, database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    with (workdir / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            [FIRELINE, "worker", "--database-url", database_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**clean_env(), **NODE_ENV, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield process
    finally:
        assert process.poll() is None, (workdir / "worker.log").read_text()
        process.terminate()
        process.wait(timeout=30)
