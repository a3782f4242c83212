"""Rows written by storage.bulk (the ingest path's inserts) read back as SQLAlchemy writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Table, insert, select, text

from fireline.bootstrap import Fireline
from fireline.services.admin.configuration import apply_config
from fireline.storage.bulk import insert_rows
from fireline.storage.models import AlertRow
from tests.conftest import EXAMPLE

ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]


def _alert(alert_id: int, at: datetime, **labels: str) -> dict[str, object]:
    return {
        "id": alert_id,
        "integration_id": "checkout-alertmanager",
        "service_id": "checkout-api",
        "dedup_key": f"k{alert_id}",
        "group_key": "g",
        "status": "resolved",  # not open: the unique index of open alerts stays out of it
        "summary": "Ünïcode “summary”",
        "severity": "critical",
        "source": "",
        "labels": labels,
        "payload": {"nested": [1, 2.5, None, True, {"a": "é"}]},
        "starts_at": at,
        "first_seen_at": at,
        "last_seen_at": at,
        "resolved_at": None,
        "occurrences": 1,
        "flapping": True,
        "incident_id": None,
        "silence_id": None,
    }


def test_bulk_rows_equal_core_rows_on_every_engine(core: Fireline) -> None:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text())
    whole = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # no microseconds: still six decimals
    paris = datetime(2026, 3, 2, 10, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    with core.database.engine.begin() as connection:
        connection.execute(insert(ALERTS), [_alert(1, whole, a="x"), _alert(2, paris, b="é")])
        insert_rows(connection, ALERTS, [_alert(3, whole, a="x"), _alert(4, paris, b="é")])
    with core.database.engine.connect() as connection:
        rows = {r.id: r._asdict() for r in connection.execute(select(ALERTS))}
        # on SQLite, times compare as text: both ways must store the same text
        earlier = connection.execute(
            select(ALERTS.c.id).where(ALERTS.c.starts_at < paris).order_by(ALERTS.c.id)
        ).scalars()
        if core.database.engine.dialect.name == "sqlite":
            stored = connection.execute(text("SELECT id, starts_at FROM alerts ORDER BY id"))
            times = {int(i): str(t) for i, t in stored}
            assert (times[3], times[4]) == (times[1], times[2])
    for core_id, bulk_id in ((1, 3), (2, 4)):
        core_row, bulk_row = rows[core_id], rows[bulk_id]
        assert {**bulk_row, "id": core_id, "dedup_key": core_row["dedup_key"]} == core_row
    assert list(earlier) == [1, 3]
