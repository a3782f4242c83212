"""storage.direct (the ingest writer's statements on the driver's cursor) reads and writes the
values SQLAlchemy Core reads and writes, on every engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Integer, Table, insert, select
from sqlalchemy.exc import IntegrityError

from fireline.bootstrap import Fireline
from fireline.services.admin.configuration import apply_config
from fireline.storage.direct import Query, column_list, column_types
from fireline.storage.models import AlertRow
from tests.conftest import EXAMPLE
from tests.integration.test_bulk import _alert

ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
NAMES = [c.name for c in ALERTS.c]
BY_KEYS = Query(
    f"SELECT {column_list(ALERTS, NAMES)} FROM alerts"
    " WHERE integration_id = :integration AND dedup_key IN :keys ORDER BY id",
    {"integration": ALERTS.c.integration_id.type, "keys": str},
    column_types(ALERTS, NAMES),
)
SINCE = Query(
    "SELECT id FROM alerts WHERE starts_at >= :since ORDER BY id",
    {"since": ALERTS.c.starts_at.type},
)
KNOWN = Query(
    "SELECT item FROM LIST(:ids) AS x WHERE item IN (SELECT id FROM alerts)", {"ids": int}
)
FLAG = Query(
    "UPDATE alerts SET flapping = :flapping, labels = :labels WHERE id = :_id",
    {"_id": Integer(), "flapping": ALERTS.c.flapping.type, "labels": ALERTS.c.labels.type},
)
WHOLE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARIS = datetime(2026, 3, 2, 10, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)))


def _stored(core: Fireline) -> dict[int, dict[str, object]]:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text())
    with core.database.engine.begin() as connection:
        connection.execute(insert(ALERTS), [_alert(1, WHOLE, a="x"), _alert(2, PARIS, b="é")])
    with core.database.engine.connect() as connection:
        return {r.id: r._asdict() for r in connection.execute(select(ALERTS))}


def test_rows_come_back_as_core_reads_them(core: Fireline) -> None:
    stored = _stored(core)
    with core.database.engine.connect() as connection:
        params = {"integration": "checkout-alertmanager", "keys": ["k2", "k1", "k1", "nope"]}
        rows = BY_KEYS.rows(connection, params)
        assert [dict(zip(NAMES, r, strict=True)) for r in rows] == [stored[1], stored[2]]
        assert BY_KEYS.rows(connection, {**params, "keys": []}) == []
        # a time parameter compares as Core stores it (text on SQLite), whatever its zone
        assert SINCE.rows(connection, {"since": PARIS}) == [(2,)]
        assert SINCE.rows(connection, {"since": PARIS + timedelta(microseconds=1)}) == []
        assert KNOWN.rows(connection, {"ids": [3, 2, 1]}) in ([(2,), (1,)], [(1,), (2,)])


def test_writes_change_what_core_reads(core: Fireline) -> None:
    stored = _stored(core)
    with core.database.engine.begin() as connection:
        changes = [
            {"_id": 1, "flapping": False, "labels": {"é": "ü"}},
            {"_id": 2, "flapping": True, "labels": {}},
            {"_id": 9, "flapping": True, "labels": {}},
        ]
        assert FLAG.run_many(connection, changes) == 2  # rows changed, over all the sets
    with core.database.engine.connect() as connection:
        after = {r.id: r._asdict() for r in connection.execute(select(ALERTS))}
    assert after[1] == {**stored[1], "flapping": False, "labels": {"é": "ü"}}
    assert after[2] == {**stored[2], "labels": {}}


def test_a_locking_read_locks_only_on_postgresql(core: Fireline) -> None:
    locking = Query("SELECT id FROM alerts WHERE id IN :ids", {"ids": int}, lock=True)
    with core.database.engine.connect() as connection:
        dialect = connection.dialect
        assert locking.rows(connection, {"ids": []}) == []
    assert locking._plan(dialect).sql.endswith("FOR UPDATE") == (dialect.name == "postgresql")


def test_a_driver_error_is_raised_as_core_raises_it(core: Fireline) -> None:
    _stored(core)
    duplicate = Query(
        "UPDATE alerts SET id = :other WHERE id = :_id", {"other": Integer(), "_id": Integer()}
    )
    with core.database.engine.connect() as connection, pytest.raises(IntegrityError):
        duplicate.run_many(connection, [{"other": 2, "_id": 1}])
