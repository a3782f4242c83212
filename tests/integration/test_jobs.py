"""The job repository on SQLite and PostgreSQL: typed jobs in, typed claims out, and the only
moves a job makes — claim, finish, retry, hold, renew, cancel, run now."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from fireline.bootstrap import Fireline
from fireline.domain.jobs import Escalate, Page, SlaCheck, StatusReminder
from fireline.services.incidents import commands as incidents
from fireline.storage.jobs import JobRecord
from fireline.storage.models import Job as JobRow
from fireline.worker import jobs
from fireline.worker.jobs import run_due_jobs
from tests.conftest import FakeClock

LEASE = timedelta(seconds=60)
HOOK = {"id": "carol-hook", "type": "webhook", "url": "http://127.0.0.1:9/hooks/carol"}


def _incident(core: Fireline) -> int:
    return incidents.declare(uow=core.uow(), actor="dana", title="Checkout down").incident.id


def _claim_one(core: Fireline, key: str, worker: str = "w1") -> SlaCheck:
    with core.uow() as uow:
        (claimed,) = [
            c
            for c in uow.jobs.claim(worker=worker, now=uow.now(), lease=LEASE, limit=50)
            if c.key == key
        ]
        uow.commit()
    return claimed.narrow(SlaCheck).job


def test_a_job_is_queued_once_per_key_and_claimed_as_its_class(
    core: Fireline, clock: FakeClock
) -> None:
    incident_id = _incident(core)
    job = SlaCheck(incident_id=incident_id, target="acknowledge")
    with core.uow() as uow:
        assert uow.jobs.add(job, due_at=clock.now, now=clock.now)
        assert not uow.jobs.add(job, due_at=clock.now, now=clock.now)
        uow.commit()
    key = job.key(clock.now)
    assert _claim_one(core, key) == job
    record = _find(core, incident_id, key)
    assert (record.kind, record.status, record.attempts, record.worker) == (
        "sla_check",
        "running",
        1,
        "w1",
    )


def test_held_retried_and_finished(core: Fireline, clock: FakeClock) -> None:
    incident_id = _incident(core)
    job = SlaCheck(incident_id=incident_id, target="mitigate")
    key = job.key(clock.now)
    with core.uow() as uow:
        uow.jobs.add(job, due_at=clock.now, now=clock.now)
        uow.commit()
    job_id = _find(core, incident_id, key).id

    _claim_one(core, key)
    with core.uow() as uow:
        uow.jobs.hold(job_id, until=clock.now + timedelta(minutes=5), reason="held: full")
        uow.commit()
    assert _state(core, job_id) == ("pending", 0, clock.now + timedelta(minutes=5), "held: full")

    clock.advance(minutes=5)
    _claim_one(core, key)
    with core.uow() as uow:
        uow.jobs.renew(job_id, until=clock.now + LEASE)
        uow.jobs.retry(job_id, at=clock.now + timedelta(seconds=5), error="x" * 2000)
        uow.commit()
    assert _state(core, job_id) == ("pending", 1, clock.now + timedelta(seconds=5), "x" * 1000)

    clock.advance(seconds=5)
    _claim_one(core, key)
    with core.uow() as uow:
        uow.jobs.finish(job_id, clock.now)
        uow.commit()
    assert _state(core, job_id)[:2] == ("done", 2)
    with core.uow() as uow, pytest.raises(RuntimeError, match="only a running job moves on"):
        uow.jobs.retry(job_id, at=clock.now, error="again")


def test_cancel_by_class_and_run_now(core: Fireline, clock: FakeClock) -> None:
    incident_id = _incident(core)
    later = clock.now + timedelta(minutes=5)
    step = Escalate(incident_id=incident_id, policy={"id": "p", "steps": []}, position=1)
    page = Page(incident_id=incident_id, recipient="carol", contact=HOOK, label="1", rule=0)
    with core.uow() as uow:
        uow.jobs.add(step, due_at=later, now=clock.now)
        uow.jobs.add(page, due_at=later, now=clock.now)
        uow.jobs.add(StatusReminder(incident_id=incident_id), due_at=later, now=clock.now)
        assert uow.jobs.run_now(incident_id, Escalate, clock.now) == step
        assert uow.jobs.has_pending(incident_id, StatusReminder)
        uow.commit()
    assert _find(core, incident_id, step.key(later)).due_at == clock.now

    with core.uow() as uow:
        assert uow.jobs.cancel(incident_id, (Escalate, Page), clock.now) == 2
        assert uow.jobs.run_now(incident_id, Escalate, clock.now) is None
        uow.commit()
        statuses = {r.kind: r.status for r in uow.jobs.for_incident(incident_id)}
    assert statuses["escalate"] == statuses["notify"] == "cancelled"
    assert statuses["status_reminder"] == "pending"


@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("page_everyone", {}, "unknown job kind 'page_everyone'"),
        ("sla_check", {"target_name": "acknowledge"}, "a sla_check job that does not fit"),
    ],
)
def test_a_row_no_job_class_describes_fails_at_once_and_says_why(
    core: Fireline, clock: FakeClock, kind: str, payload: dict[str, str], problem: str
) -> None:
    incident_id = _incident(core)
    with core.uow() as uow:
        uow.jobs.session.add(
            JobRow(
                kind=kind,
                due_at=clock.now,
                status="pending",
                payload={"incident_id": incident_id, **payload},
                attempts=0,
                incident_id=incident_id,
                idempotency_key=f"odd:{incident_id}",
                created_at=clock.now,
            )
        )
        uow.commit()
    run_due_jobs(core, "w1")
    clock.advance(hours=1)
    run_due_jobs(core, "w1")

    record = _find(core, incident_id, f"odd:{incident_id}")
    assert (record.status, record.attempts) == ("failed", 1)
    assert problem in record.last_error
    failed = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["job_failed"]).timeline
    assert [(e.event.data["job"], e.event.data["attempts"]) for e in failed] == [(kind, 1)]
    assert problem in failed[0].event.data["error"]


def _find(core: Fireline, incident_id: int, key: str) -> JobRecord:
    with core.uow() as uow:
        (record,) = [r for r in uow.jobs.for_incident(incident_id) if r.key == key]
    return record


def _state(core: Fireline, job_id: int) -> tuple[object, ...]:
    with core.uow() as uow:
        record = uow.jobs.get(job_id)
    assert record is not None
    return (record.status, record.attempts, record.due_at, record.last_error)


def test_a_stopping_worker_runs_the_job_in_hand_and_gives_the_others_back_at_once(
    core: Fireline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = _incident(core)
    targets = ("acknowledge", "mitigate", "resolve")
    with core.uow() as uow:
        for target in targets:
            uow.jobs.add(
                SlaCheck(incident_id=incident_id, target=target), due_at=clock.now, now=clock.now
            )
        uow.commit()
    keys = [SlaCheck(incident_id=incident_id, target=t).key(clock.now) for t in targets]
    before = {key: _find(core, incident_id, key).attempts for key in keys}
    stop = threading.Event()
    ran: list[int] = []
    real = jobs.HANDLERS["sla_check"]

    def handler(core: Fireline, job_id: int, worker: str) -> None:
        stop.set()  # SIGTERM arrives while the first job runs
        ran.append(job_id)
        real(core, job_id, worker)

    monkeypatch.setitem(jobs.HANDLERS, "sla_check", handler)
    assert run_due_jobs(core, "w1", stop=stop) >= len(targets)

    records = {key: _find(core, incident_id, key) for key in keys}
    finished = [key for key, r in records.items() if r.id in ran]
    assert len(ran) == 1 and records[finished[0]].status == "done"
    given_back = [r for key, r in records.items() if r.id not in ran]
    assert [(r.status, r.worker, r.attempts) for r in given_back] == [
        ("pending", None, before[r.key]) for r in given_back
    ]
    with core.uow() as uow:  # another worker claims them now, not after the lease
        claimed = uow.jobs.claim(worker="w2", now=uow.now(), lease=LEASE, limit=50)
        uow.commit()
    assert {r.id for r in given_back} <= {c.id for c in claimed}
