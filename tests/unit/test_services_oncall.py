"""Deleting an override, decided against the in-memory unit of work: what has not started goes,
what has started ends now, the past stays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.errors import NotFound
from fireline.services.oncall.schedules import delete_override
from fireline.storage.directory import OverrideRecord
from tests.unit.fakes import NOW, FakeUnitOfWork

HOUR = timedelta(hours=1)


def override(override_id: int, start: float, end: float) -> OverrideRecord:
    return OverrideRecord(
        id=override_id,
        schedule_id="primary",
        start=NOW + start * HOUR,
        end=NOW + end * HOUR,
        user_id="bob",
        replaces="alice",
        reason="dentist",
        created_by="alice",
        created_at=NOW,
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=NOW + 2 * HOUR)
    for record in (override(1, 1, 4), override(2, 3, 4), override(3, 0, 1)):
        uow.data.overrides[record.id] = record
    return uow


def test_an_override_under_way_ends_now(uow: FakeUnitOfWork) -> None:
    delete_override(uow=uow, schedule_id="primary", override_id=1)
    assert uow.data.overrides[1] == override(1, 1, 2)
    assert uow.commits == 1


def test_an_override_still_to_come_is_deleted(uow: FakeUnitOfWork) -> None:
    delete_override(uow=uow, schedule_id="primary", override_id=2)
    assert set(uow.data.overrides) == {1, 3}


@pytest.mark.parametrize(
    ("schedule", "override_id"),
    [("primary", 3), ("primary", 9), ("secondary", 1)],
    ids=["ended", "unknown", "other schedule"],
)
def test_an_ended_unknown_or_foreign_override_is_not_found(
    uow: FakeUnitOfWork, schedule: str, override_id: int
) -> None:
    before = dict(uow.data.overrides)
    with pytest.raises(
        NotFound, match=f"schedule {schedule} has no override {override_id} that has not ended"
    ):
        delete_override(uow=uow, schedule_id=schedule, override_id=override_id)
    assert uow.data.overrides == before
    assert uow.commits == 0
