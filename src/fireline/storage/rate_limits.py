"""A storage for the ``limits`` package in Fireline's own database, so every process counts the
same failed logins and an admin can see and clear them. Fixed windows only (``incr``, ``get``,
``get_expiry``): one row per counter, reset in place once its window has passed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits.storage import Storage
from sqlalchemy import Connection, Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from fireline.storage.db import READ_ONLY
from fireline.storage.models import RateLimit


@dataclass(frozen=True)
class Counter:
    key: str
    hits: int
    expires_at: datetime


class DatabaseStorage(Storage):
    STORAGE_SCHEME = None  # built by Fireline, never from a URI

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.engine, self.clock = engine, clock

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter; a counter past its window starts again from it."""
        now = self.clock()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        fresh = dialect.insert(RateLimit).values(
            key=key, hits=amount, expires_at=now + timedelta(seconds=expiry)
        )
        lapsed = RateLimit.expires_at <= now
        upsert = fresh.on_conflict_do_update(
            index_elements=[RateLimit.key],
            set_={
                "hits": case((lapsed, fresh.excluded.hits), else_=RateLimit.hits + amount),
                "expires_at": case((lapsed, fresh.excluded.expires_at), else_=RateLimit.expires_at),
            },
        ).returning(RateLimit.hits)
        with self.engine.begin() as connection:
            return int(connection.execute(upsert).scalar_one())

    def get(self, key: str) -> int:
        counter = self._current(key)
        return counter.hits if counter else 0

    def get_expiry(self, key: str) -> float:
        counter = self._current(key)
        return (counter.expires_at if counter else self.clock()).timestamp()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimit)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimit).where(RateLimit.key == key))

    def live(self, prefix: str) -> list[Counter]:
        """Every counter under ``prefix`` whose window has not passed."""
        query = select(RateLimit).where(
            RateLimit.key.startswith(prefix, autoescape=True), RateLimit.expires_at > self.clock()
        )
        with self._reading() as connection:
            return [Counter(r.key, r.hits, r.expires_at) for r in connection.execute(query)]

    def _current(self, key: str) -> Counter | None:
        query = select(RateLimit).where(RateLimit.key == key, RateLimit.expires_at > self.clock())
        with self._reading() as connection:
            row = connection.execute(query).first()
        return Counter(row.key, row.hits, row.expires_at) if row else None

    def _reading(self) -> Connection:
        """A connection that only reads: on SQLite it never waits for a writer (every API
        request's token check reads here, while the ingest writer may hold the write lock)."""
        return self.engine.connect().execution_options(**{READ_ONLY: True})
