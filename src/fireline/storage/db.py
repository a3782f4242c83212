"""Engines: SQLite (embedded, WAL, one writer at a time) and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "fireline_read_only"  # execution option: this transaction only reads
_TURN = "fireline_write_turn"  # in a connection's info while its write transaction holds a turn


class WriteTurns:
    """The write transactions of one process take SQLite's write lock in turn, first come first
    served. Left to SQLite alone, a waiting writer polls the lock (busy timeout) and loses nearly
    every race to a writer that commits back to back, as the ingest writer does during an alert
    storm: the embedded worker's pages waited seconds. Other processes still meet the busy
    timeout only."""

    def __init__(self, timeout: float) -> None:
        self._turn = threading.Condition()
        self._next = self._serving = 0
        self._abandoned: set[int] = set()
        self._holder: int | None = None
        self.timeout = timeout

    def take(self) -> bool:
        """Wait for this thread's turn. False, and no turn, if the thread holds one already (a
        second connection of its own: SQLite's busy timeout decides, as before) or if the turn
        did not come within the timeout (a leaked transaction must not stop every writer)."""
        me = threading.get_ident()
        with self._turn:
            if self._holder == me:
                return False
            ticket = self._next
            self._next += 1
            if not self._turn.wait_for(lambda: self._serving == ticket, self.timeout):
                self._abandoned.add(ticket)
                return False
            self._holder = me
            return True

    def give_back(self) -> None:
        with self._turn:
            self._holder = None
            self._serving += 1
            while self._serving in self._abandoned:
                self._abandoned.discard(self._serving)
                self._serving += 1
            self._turn.notify_all()


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, *, durability: str = "full") -> Engine:
    """An engine for a database URL, with Fireline's SQLite settings applied."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    _configure_sqlite(engine, synchronous="FULL" if durability == "full" else "NORMAL")
    return engine


def _configure_sqlite(engine: Engine, *, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that writes can BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect on a new database only (before its first table); an existing one needs
        # one VACUUM, which `fireline db upgrade` runs (see enable_incremental_vacuum). Set only
        # on an empty file: on a used one the pragma waits for the write lock, so every new
        # connection, readers' too, would queue behind an open write.
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    turns = WriteTurns(SQLITE_BUSY_TIMEOUT_MS / 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front (IMMEDIATE): no deadlock upgrading a read
        # to a write. A reader (DEFERRED) never waits for writers: WAL gives it a snapshot.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        took = turns.take()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if took:
                turns.give_back()
            raise
        if took:
            connection.info[_TURN] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        if connection.info.pop(_TURN, False):
            turns.give_back()

    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        if record.info.pop(_TURN, False):  # returned to the pool without commit or rollback
            turns.give_back()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """One database: its engine and sessions. The rest of Fireline never sees SQLAlchemy."""

    def __init__(self, url: str, *, durability: str = "full") -> None:
        self.engine = create_db_engine(url, durability=durability)
        self.sessions = session_factory(self.engine)

    def reclaim_space(self) -> None:
        """Give the pages of deleted rows back to the file system (SQLite; PostgreSQL's
        autovacuum makes them reusable by itself)."""
        if not is_sqlite(self.engine):
            return
        raw = self.engine.raw_connection()  # transactions of its own, outside SQLAlchemy's
        try:
            while _free_some_pages(raw):
                pass
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()


INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL
PAGES_PER_VACUUM = 2000  # pages one write transaction gives back: ingest waits milliseconds


def _free_some_pages(raw: Any) -> bool:
    """Give up to PAGES_PER_VACUUM free pages back; whether more are left.

    Python's sqlite3 runs one step of ``PRAGMA incremental_vacuum``, which frees one page
    whatever N says, so it runs once a page, inside one transaction.
    """
    raw.execute("BEGIN IMMEDIATE")
    try:
        free = raw.execute("PRAGMA freelist_count").fetchone()[0]
        for _ in range(min(free, PAGES_PER_VACUUM)):
            raw.execute("PRAGMA incremental_vacuum(1)")
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    return bool(free > PAGES_PER_VACUUM)


def enable_incremental_vacuum(engine: Engine) -> bool:
    """Turn an existing SQLite database to incremental vacuum (one full VACUUM: it rewrites the
    file and needs as much free disk space); whether it had to."""
    if not is_sqlite(engine):
        return False
    raw = engine.raw_connection()  # outside SQLAlchemy's transactions: VACUUM needs none open
    try:
        if raw.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL:
            return False
        raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
        raw.execute("VACUUM")
        return True
    finally:
        raw.close()
