"""Retention: expired alerts and delivery-log rows are pruned in batches by the worker, never an
alert of an open incident, never an incident or its timeline; SQLite gives the space back."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.services.admin.retention import prune_expired
from fireline.services.incidents import commands as incidents
from fireline.web.app import create_app
from fireline.worker import retention
from tests.conftest import FakeClock
from tests.integration.sample_data import CHECKOUT, Session, alert, populate, webhook

DAYS_90 = timedelta(days=90)


def _alert_ids(core: Fireline) -> dict[str, int]:
    with TestClient(create_app(fireline=core)) as client:
        alerts = Session(core, client).get("/alerts", limit=200)["items"]
    return {a["dedup_key"]: a["id"] for a in alerts}


def _resolve_firing_alert(core: Fireline) -> None:
    with TestClient(create_app(fireline=core)) as client:
        api = Session(core, client)
        firing = [a for a in api.get("/alerts", limit=200)["items"] if a["status"] == "firing"]
        ended = core.clock().isoformat().replace("+00:00", "Z")
        resolved = [
            {**alert(a["labels"]["alertname"], a["dedup_key"], core.clock()), "status": "resolved",
             "labels": a["labels"], "endsAt": ended}
            for a in firing
        ]  # fmt: skip
        api.call("POST", CHECKOUT, json=webhook(resolved))


def test_alerts_go_when_expired_and_never_while_their_incident_is_open(
    core: Fireline, clock: FakeClock
) -> None:
    populate(core)  # incident 1 open: fp1 resolved now, fp2 firing; incident 2 resolved
    ids = _alert_ids(core)
    clock.advance(days=100)

    kept = prune_expired(uow=core.uow, alerts=DAYS_90, deliveries=timedelta(0))
    assert kept.alerts == 0  # fp1 is old, but its incident is still open; fp2 fires

    _resolve_firing_alert(core)
    opened = [i for i in _incidents(core) if i.phase != "review"][0]
    if opened.timestamps.resolved_at is None:
        incidents.resolve(uow=core.uow(), actor="alice", incident_id=opened.id, summary="ok")
    pruned = prune_expired(uow=core.uow, alerts=DAYS_90, deliveries=timedelta(0), batch=1)

    assert pruned.alerts == 1  # fp1; fp2 resolved only today
    assert set(_alert_ids(core)) == {"fp2"}
    clock.advance(days=91)
    assert prune_expired(uow=core.uow, alerts=DAYS_90, deliveries=timedelta(0)).alerts == 1
    assert _alert_ids(core) == {}
    detail = incidents.get(uow=core.uow(), incident_id=opened.id)
    attached = [e.event for e in detail.timeline if e.event.kind == "alert_attached"]
    assert {e.dedup_key for e in attached} == {"fp1", "fp2"}  # type: ignore[attr-defined]
    assert {e.alert_id for e in attached} == set(ids.values())  # type: ignore[attr-defined]
    assert len(_incidents(core)) == 2


def _incidents(core: Fireline) -> list[Any]:
    from fireline.storage.incidents import IncidentFilter

    listed = incidents.list_incidents(uow=core.uow(), filters=IncidentFilter(), limit=100, offset=0)
    return [view.incident for view in listed.items]


def test_finished_deliveries_go_in_batches_and_open_ones_stay(
    core: Fireline, clock: FakeClock
) -> None:
    contact = {"id": "phone", "type": "webhook"}
    with core.uow() as uow:
        for n, status in enumerate(
            ["sent", "failed", "cancelled", "digested", "queued", "coalesced"]
        ):
            key = f"d{n}"
            uow.deliveries.add(key=key, incident_id=None, purpose="page", recipient="bob",
                               contact=contact, now=clock.now)  # fmt: skip
            uow.deliveries.mark(key, status, clock.now)
        uow.commit()
    clock.advance(days=29)
    assert (
        prune_expired(uow=core.uow, alerts=timedelta(0), deliveries=timedelta(days=30)).total == 0
    )
    clock.advance(days=2)

    pruned = prune_expired(
        uow=core.uow, alerts=timedelta(0), deliveries=timedelta(days=30), batch=3
    )

    assert pruned.deliveries == 4
    with core.uow() as uow:
        assert uow.deliveries.count("queued") == 1 and uow.deliveries.count("coalesced") == 1
        assert uow.deliveries.count("sent") == 0


def test_nothing_is_pruned_unless_configured(core: Fireline, clock: FakeClock) -> None:
    populate(core)
    clock.advance(days=3650)

    assert retention.prune(core).total == 0
    assert len(_alert_ids(core)) == 2


def test_the_worker_prunes_once_an_hour_and_sqlite_gives_the_space_back(
    core: Fireline, clock: FakeClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core.settings, "retention_deliveries", timedelta(days=1))
    with core.uow() as uow:
        for n in range(300):
            uow.deliveries.add(key=f"d{n}", incident_id=None, purpose="page", recipient="bob",
                               contact={"id": "phone", "type": "webhook"}, now=clock.now)  # fmt: skip
            uow.deliveries.mark(f"d{n}", "failed", clock.now, reason="x" * 900)
        uow.commit()
    duty = retention.retention_duty(core)

    clock.advance(hours=23)
    first = duty()
    clock.advance(minutes=59)  # a day old now, but within the hour of the first pass
    assert duty() is None
    clock.advance(minutes=2)
    second = duty()

    assert first == retention.Pruned() and second == retention.Pruned(deliveries=300)
    if database_url.startswith("sqlite"):
        raw = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        assert raw.execute("PRAGMA auto_vacuum").fetchone() == (2,)
        assert raw.execute("PRAGMA freelist_count").fetchone() == (0,)
        raw.close()
