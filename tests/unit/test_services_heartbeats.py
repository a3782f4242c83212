"""Heartbeats, decided against the in-memory unit of work: deadlines, beats and who missed one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from fireline.services.alerting.ingest import (
    HEARTBEAT_KEY,
    Accepted,
    Rejected,
    Submission,
    check_heartbeats,
    ingest,
    missed_heartbeats,
)
from fireline.services.alerting.integrations import read_integration
from fireline.storage.alerts import AlertRecord
from fireline.storage.models import Service
from tests.unit.fakes import NOW, FakeUnitOfWork, integration


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=NOW + minutes(3))
    uow.add_row(Service, Service(id="ledger", name="Ledger", impact="high", auto_resolve=False))
    uow.data.integrations["ledger-beat"] = integration("ledger-beat")
    return uow


def beat(key: str = "key-of-ledger-beat") -> Submission:
    return Submission(key, "heartbeat", beat=True)


def open_heartbeat_alert(uow: FakeUnitOfWork, alert_id: int = 1) -> None:
    uow.data.alerts[alert_id] = AlertRecord(
        id=alert_id,
        integration_id="ledger-beat",
        service_id="ledger",
        dedup_key=HEARTBEAT_KEY,
        group_key="g",
        status="firing",
        summary="No heartbeat from ledger-beat for 5m",
        severity="critical",
        source="",
        labels={},
        payload={},
        starts_at=NOW + minutes(5),
        first_seen_at=NOW + minutes(5),
        last_seen_at=NOW + minutes(5),
    )


def test_a_beat_is_recorded_at_the_time_of_the_commit(uow: FakeUnitOfWork) -> None:
    assert ingest(uow=uow, submissions=[beat()]) == [Accepted([HEARTBEAT_KEY])]
    assert uow.data.integrations["ledger-beat"].last_beat_at == NOW + minutes(3)
    assert uow.commits == 1


def test_a_beat_resolves_the_open_missed_heartbeat_alert(uow: FakeUnitOfWork) -> None:
    open_heartbeat_alert(uow)
    uow.clock = NOW + minutes(7)
    ingest(uow=uow, submissions=[beat()])
    alert = uow.data.alerts[1]
    assert (alert.status, alert.resolved_at) == ("resolved", NOW + minutes(7))
    assert uow.data.integrations["ledger-beat"].last_beat_at == NOW + minutes(7)


def test_a_refused_beat_records_nothing(uow: FakeUnitOfWork) -> None:
    uow.data.integrations["ledger-beat"] = integration("ledger-beat", revoked_at=NOW)
    [outcome] = ingest(uow=uow, submissions=[beat()])
    assert isinstance(outcome, Rejected) and outcome.status == 403
    assert uow.data.integrations["ledger-beat"].last_beat_at is None


def test_only_a_ping_is_a_beat(uow: FakeUnitOfWork) -> None:
    """What check_heartbeats sends to the key is an alert, not a beat."""
    assert ingest(uow=uow, submissions=[Submission("key-of-ledger-beat", "heartbeat")])
    assert uow.data.integrations["ledger-beat"].last_beat_at is None


def test_many_beats_of_one_integration_in_one_commit_are_one_write(uow: FakeUnitOfWork) -> None:
    uow.data.integrations["web-beat"] = integration("web-beat")
    outcomes = ingest(uow=uow, submissions=[beat(), beat("key-of-web-beat"), beat(), beat("nope")])
    assert [type(o) for o in outcomes] == [Accepted, Accepted, Accepted, Rejected]
    assert {i.id: i.last_beat_at for i in uow.data.integrations.values()} == {
        "ledger-beat": NOW + minutes(3),
        "web-beat": NOW + minutes(3),
    }


@pytest.mark.parametrize(
    ("last_beat", "now", "missed"),
    [
        (2, 6.9, False),  # due 5 minutes after the last beat
        (2, 7, True),
    ],
)
def test_a_heartbeat_is_missed_an_interval_after_the_last_beat(
    uow: FakeUnitOfWork, last_beat: float, now: float, missed: bool
) -> None:
    last = NOW + minutes(last_beat)
    uow.data.integrations["ledger-beat"] = integration("ledger-beat", last_beat_at=last)
    uow.clock = NOW + minutes(now)
    found = missed_heartbeats(uow=uow)
    assert [(m.integration.id, m.due_at) for m in found] == (
        [("ledger-beat", last + minutes(5))] if missed else []
    )


def test_a_heartbeat_never_pinged_waits_for_its_first_beat(uow: FakeUnitOfWork) -> None:
    """A new heartbeat is paused until its first ping: the job it watches may not run yet."""
    uow.clock = NOW + timedelta(days=30)
    assert missed_heartbeats(uow=uow) == []
    assert check_heartbeats(uow=uow) == []
    assert uow.data.alerts == {} and uow.commits == 0


@pytest.mark.parametrize(
    ("last_beat", "state"),
    [(None, "waiting_first_beat"), (1, "up"), (-3, "late")],
)
def test_a_heartbeat_shows_its_state(last_beat: float | None, state: str) -> None:
    last = None if last_beat is None else NOW + minutes(last_beat)
    shown = read_integration(
        integration("ledger-beat", last_beat_at=last), show_key=False, now=NOW + minutes(3)
    )
    assert shown.heartbeat == state


def test_a_missed_heartbeat_with_an_open_alert_is_not_reported_again(uow: FakeUnitOfWork) -> None:
    open_heartbeat_alert(uow)
    uow.clock = NOW + minutes(20)
    assert missed_heartbeats(uow=uow) == []
    assert check_heartbeats(uow=uow) == []
    assert uow.commits == 0


def test_revoked_heartbeats_and_bad_intervals_are_not_checked(
    uow: FakeUnitOfWork, caplog: pytest.LogCaptureFixture
) -> None:
    uow.data.integrations["ledger-beat"] = integration("ledger-beat", revoked_at=NOW)
    uow.data.integrations["odd-beat"] = integration(
        "odd-beat", settings={"interval": "often"}, last_beat_at=NOW
    )
    uow.clock = NOW + timedelta(days=1)
    with caplog.at_level(logging.WARNING, "fireline.alerts"):
        assert missed_heartbeats(uow=uow) == []
    assert "heartbeat odd-beat has no valid interval" in caplog.text
