"""/healthz, /readyz and the dead man's switch, with fixed clocks (both engines)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from fireline.bootstrap import Fireline
from fireline.services.incidents import commands as incidents
from fireline.storage.health import HealthStore
from fireline.web.app import create_app
from fireline.web.health import readiness
from fireline.worker import Watch, cycle
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Switch


@pytest.fixture
def switch(core: Fireline) -> Iterator[Switch]:
    receiver = Switch()
    core.settings = core.settings.model_copy(update={"deadman_url": receiver.url})
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_healthz_answers_while_the_process_lives(core: Fireline) -> None:
    assert TestClient(create_app(fireline=core)).get("/healthz").json() == {"status": "ok"}


def test_readyz_needs_a_worker_that_keeps_cycling(core: Fireline, clock: FakeClock) -> None:
    client = TestClient(create_app(fireline=core))
    never = client.get("/readyz")

    assert cycle(core, Watch(name="w1"))
    ready = client.get("/readyz")
    clock.advance(seconds=119)
    still = client.get("/readyz")
    clock.advance(seconds=2)
    stale = client.get("/readyz")

    assert never.status_code == 503
    assert never.json()["checks"]["worker"] == "no worker has finished a cycle yet"
    assert ready.status_code == still.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "worker": "ok", "jobs": "ok"},
    }
    assert stale.status_code == 503
    assert stale.json()["status"] == "fail"
    assert stale.json()["checks"]["worker"] == "no worker has finished a cycle for 121 s"


def test_readyz_fails_while_a_due_job_waits_too_long(api: Api, clock: FakeClock) -> None:
    HealthStore(api.core.database.engine).record_cycle("w1", clock.now + timedelta(minutes=3))
    incidents.declare(uow=api.core.uow(), actor="bob", title="Ledger drift", services=["ledger"])
    clock.advance(minutes=3)  # a worker cycles (another process, say) but this job waits

    waiting = api.anonymous.get("/readyz")

    assert waiting.status_code == 503
    assert waiting.json()["checks"] == {
        "database": "ok",
        "worker": "ok",
        "jobs": "a due job has waited 180 s for a worker",
    }


def test_readiness_fails_when_the_database_does_not_answer(clock: FakeClock) -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    checks = readiness(HealthStore(engine), clock.now, timedelta(minutes=2))

    assert list(checks) == ["database"]
    assert checks["database"].startswith("unreachable: OperationalError")


def test_the_dead_mans_switch_is_called_every_interval_while_healthy(
    core: Fireline, clock: FakeClock, switch: Switch
) -> None:
    watch = Watch(name="w1")
    calls = []
    for seconds in (0, 30, 29, 1, 0.2, 60):
        clock.advance(seconds=seconds)
        assert cycle(core, watch)
        calls.append(len(switch.calls))

    assert calls == [1, 1, 1, 2, 2, 3]
    assert switch.calls[0] == "/ping/fireline"


def test_the_dead_mans_switch_stops_when_the_worker_is_not_healthy(
    core: Fireline, clock: FakeClock, switch: Switch
) -> None:
    watch = Watch(name="w1")
    assert cycle(core, watch) and len(switch.calls) == 1

    def broken() -> None:
        raise RuntimeError("the database is gone")

    healthy_duties, watch.each_tick = watch.each_tick, [broken]
    for _ in range(3):
        clock.advance(minutes=1)
        assert not cycle(core, watch)
    assert len(switch.calls) == 1
    watch.each_tick = healthy_duties
    assert cycle(core, watch) and len(switch.calls) == 2


def test_each_worker_keeps_one_row_and_those_gone_a_week_are_forgotten(
    core: Fireline, clock: FakeClock
) -> None:
    store = HealthStore(core.database.engine)
    store.record_cycle("old:1", clock.now)
    clock.advance(days=8)
    store.record_cycle("new:2", clock.now)
    store.record_cycle("new:2", clock.advance(seconds=10))

    with core.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT worker FROM worker_cycles")).scalars().all()
    assert rows == ["new:2"]
    assert store.last_cycle() == clock.now
