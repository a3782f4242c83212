"""SIGTERM to `fireline worker` processes during escalations (PostgreSQL, several workers).

Two workers share one database; every couple of seconds one of them gets
SIGTERM — as systemd sends on a restart — and a new one is started. A stopping
worker claims nothing more, finishes the job in hand and gives back the jobs it
claimed but did not start. So, unlike after a SIGKILL (test_chaos.py), no job
waits for its lease (a minute here, as in production) and no page is sent twice,
not even under the same key: every page reaches the receiver exactly once, and
no job was ever claimed twice.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.storage.models import Job
from tests.e2e.test_chaos import (
    POSITIONS,
    Receiver,
    Workers,
    _apply,
    _check_delivery_log,
    _check_jobs,
    _check_receiver,
    _check_timeline,
    _declare,
    _expected_keys,
    _paging_jobs_left,
    _reclaimed,
    _secrets,
    chaos_database,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.postgres

INCIDENTS = 30
WORKERS = 2
LEASE_SECONDS = 60  # as in production: a job left behind by a stopped worker would wait this long
TERM_EVERY = (1.5, 2.5)  # seconds between two SIGTERMs
EXIT_WITHIN = 10.0
TIMEOUT = 120
ENV = {"PYTHONUNBUFFERED": "1", "FIRELINE_THROTTLE_LIMIT": "0"}


def test_sigterm_during_escalations_loses_no_page_sends_none_twice_and_leaves_none_waiting(
    tmp_path: Path,
    chaos_database: str,  # noqa: F811 - the fixture
) -> None:
    core = build(Settings(database_url=chaos_database))
    env = {**ENV, "FIRELINE_WORKER_LEASE": str(LEASE_SECONDS)}
    workers = Workers(chaos_database, tmp_path, random.Random(), env)
    receiver = Receiver()
    stops: list[tuple[int, float]] = []
    incident_ids: list[int] = []
    try:
        _apply(tmp_path, chaos_database, receiver.port)
        workers.start(WORKERS)
        deadline = time.monotonic() + TIMEOUT
        term_at = time.monotonic() + random.uniform(*TERM_EVERY)
        while len(incident_ids) < INCIDENTS or _paging_jobs_left(core):
            assert time.monotonic() < deadline, "paging not finished: a job waits for its lease"
            workers.check_alive()
            if time.monotonic() >= term_at and (stopped := workers.replace_one(signal.SIGTERM)):
                stops.append(stopped)
                term_at = time.monotonic() + random.uniform(*TERM_EVERY)
            if len(incident_ids) < INCIDENTS:
                incident_ids += _declare(core, len(incident_ids), 5)
            time.sleep(0.2)
        workers.check_alive()
    finally:
        workers.close()
        receiver.close()

    try:
        expected = _expected_keys(incident_ids)
        _check_jobs(core, incident_ids, expected)
        _check_timeline(core, incident_ids, expected)
        _check_delivery_log(core, expected)
        resends = _check_receiver(receiver, expected, _secrets(core))
        late = _latest_job(core)
        print(
            f"\n{len(incident_ids)} incidents, {len(incident_ids) * POSITIONS} steps, "
            f"{len(expected)} pages, {len(stops)} SIGTERMs, exits {sorted({c for c, _ in stops})} "
            f"in at most {max(t for _, t in stops):.2f} s, {resends} resent, "
            f"{_reclaimed(core)} reclaimed, latest job {late:.2f} s after it was due"
        )
        assert len(stops) >= 3
        assert [code for code, _ in stops] == [0] * len(stops)
        assert max(took for _, took in stops) < EXIT_WITHIN
        assert (resends, _reclaimed(core)) == (0, 0)  # no page twice, no job left to its lease
        assert late < LEASE_SECONDS  # a job left to its lease would be a minute late
    finally:
        core.close()


def _latest_job(core: Fireline) -> float:
    """The longest any paging job ran after it was due, in seconds."""
    query = select(func.max(Job.finished_at - Job.due_at)).where(
        Job.kind.in_(["escalate", "notify"])
    )
    with core.database.engine.connect() as connection:
        return float(connection.execute(query).scalar_one().total_seconds())
