"""Integration keys, decided against the in-memory unit of work: rotation with and without grace,
revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fireline.errors import Conflict, NotFound
from fireline.services.alerting.integrations import revoke, rotate_key
from tests.unit.fakes import NOW, FakeUnitOfWork, integration

HOUR = timedelta(hours=1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=NOW + HOUR)
    uow.data.integrations["am"] = integration("am", type="alertmanager", key="old", settings={})
    return uow


def test_rotating_with_a_grace_keeps_the_old_key_working_until_it_ends(uow: FakeUnitOfWork) -> None:
    shown = rotate_key(uow=uow, actor="alice", integration_id="am", grace=2 * HOUR)
    stored = uow.data.integrations["am"]
    assert stored.key not in ("old", "") and len(stored.key) == 32
    assert (stored.previous_key, stored.previous_key_expires_at) == ("old", NOW + 3 * HOUR)
    assert shown.key == stored.key
    assert shown.path == f"/api/v1/integrations/alertmanager/{stored.key}"
    assert shown.previous_key_expires_at == NOW + 3 * HOUR
    assert uow.commits == 1


def test_rotating_without_a_grace_drops_the_old_key_at_once(uow: FakeUnitOfWork) -> None:
    rotate_key(uow=uow, actor="alice", integration_id="am", grace=2 * HOUR)
    shown = rotate_key(uow=uow, actor="alice", integration_id="am", grace=timedelta(0))
    stored = uow.data.integrations["am"]
    assert (stored.previous_key, stored.previous_key_expires_at) == (None, None)
    assert shown.previous_key_expires_at is None


def test_a_second_rotation_in_the_grace_replaces_the_previous_key(uow: FakeUnitOfWork) -> None:
    first = rotate_key(uow=uow, actor="alice", integration_id="am", grace=HOUR).key
    rotate_key(uow=uow, actor="alice", integration_id="am", grace=HOUR)
    assert uow.data.integrations["am"].previous_key == first


def test_a_revoked_integration_is_not_rotated(uow: FakeUnitOfWork) -> None:
    revoke(uow=uow, actor="alice", integration_id="am")
    before = uow.data.integrations["am"]
    with pytest.raises(Conflict, match="integration am is revoked; create a new one"):
        rotate_key(uow=uow, actor="alice", integration_id="am", grace=HOUR)
    assert uow.data.integrations["am"] == before
    assert uow.commits == 1


def test_revoking_ends_the_grace_of_a_previous_key(uow: FakeUnitOfWork) -> None:
    rotate_key(uow=uow, actor="alice", integration_id="am", grace=HOUR)
    shown = revoke(uow=uow, actor="alice", integration_id="am")
    stored = uow.data.integrations["am"]
    assert (stored.revoked_at, stored.previous_key, stored.previous_key_expires_at) == (
        NOW + HOUR,
        None,
        None,
    )
    assert shown.revoked_at == NOW + HOUR


def test_revoking_again_keeps_the_first_revocation_time(uow: FakeUnitOfWork) -> None:
    revoke(uow=uow, actor="alice", integration_id="am")
    uow.clock += HOUR
    assert revoke(uow=uow, actor="alice", integration_id="am").revoked_at == NOW + HOUR
    assert uow.data.integrations["am"].revoked_at == NOW + HOUR


def test_an_unknown_integration_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="there is no integration 'nope'"):
        rotate_key(uow=uow, actor="alice", integration_id="nope", grace=HOUR)
    with pytest.raises(NotFound):
        revoke(uow=uow, actor="alice", integration_id="nope")
    assert uow.commits == 0
