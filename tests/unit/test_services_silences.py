"""Expiring silences, decided against the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.errors import NotFound
from fireline.services.alerting.silences import expire_silence
from fireline.storage.alerts import SilenceRecord
from tests.unit.fakes import NOW, FakeUnitOfWork

HOUR = timedelta(hours=1)


def silence(silence_id: int, starts: float, ends: float) -> SilenceRecord:
    return SilenceRecord(
        id=silence_id,
        kind="silence",
        matchers=[{"name": "alertname", "op": "=", "value": "DiskFull"}],
        service_id=None,
        starts_at=NOW + starts * HOUR,
        ends_at=NOW + ends * HOUR,
        created_by="alice",
        comment="",
        created_at=NOW,
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=NOW + 2 * HOUR)
    for record in (silence(1, 1, 4), silence(2, 3, 4), silence(3, 0, 1)):
        uow.data.silences[record.id] = record
    return uow


def test_a_silence_in_force_ends_now(uow: FakeUnitOfWork) -> None:
    shown = expire_silence(uow=uow, actor="bob", silence_id=1)
    assert uow.data.silences[1].ends_at == NOW + 2 * HOUR
    assert (shown.ends_at, shown.active) == (NOW + 2 * HOUR, False)
    assert uow.commits == 1


def test_a_silence_still_to_come_ends_when_it_would_have_started(uow: FakeUnitOfWork) -> None:
    shown = expire_silence(uow=uow, actor="bob", silence_id=2)
    assert uow.data.silences[2].ends_at == NOW + 3 * HOUR
    assert shown.starts_at == shown.ends_at


def test_an_ended_silence_stays_as_it_was(uow: FakeUnitOfWork) -> None:
    shown = expire_silence(uow=uow, actor="bob", silence_id=3)
    assert uow.data.silences[3] == silence(3, 0, 1)
    assert shown.ends_at == NOW + HOUR


def test_an_unknown_silence_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="there is no silence 9"):
        expire_silence(uow=uow, actor="bob", silence_id=9)
    assert uow.commits == 0
