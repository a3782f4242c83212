"""Token revocation and passwords, decided against the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from fireline.errors import InvalidInput, NotFound
from fireline.services.admin.auth import Principal, revoke_token, set_password
from fireline.storage.models import User
from fireline.storage.tokens import TokenRecord
from tests.unit.fakes import NOW, FakeUnitOfWork

ALICE = Principal("alice", "responder")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(now=NOW + timedelta(hours=1))
    uow.data.tokens[1] = TokenRecord(1, "alice", "laptop", NOW, None)
    uow.data.tokens[2] = TokenRecord(2, "bob", "ci", NOW, None)
    return uow


def test_a_user_revokes_their_own_token(uow: FakeUnitOfWork) -> None:
    revoke_token(uow=uow, principal=ALICE, token_id=1)
    assert uow.data.tokens[1].revoked_at == NOW + timedelta(hours=1)
    assert uow.data.tokens[2].revoked_at is None
    assert uow.commits == 1


@pytest.mark.parametrize("token_id", [2, 3])
def test_another_users_token_is_not_found_unless_you_are_an_admin(
    uow: FakeUnitOfWork, token_id: int
) -> None:
    with pytest.raises(NotFound, match=f"there is no token {token_id} of yours"):
        revoke_token(uow=uow, principal=ALICE, token_id=token_id)
    assert uow.data.tokens[2].revoked_at is None
    assert uow.commits == 0


def test_an_admin_revokes_anyones_token(uow: FakeUnitOfWork) -> None:
    revoke_token(uow=uow, principal=Principal("root", "admin"), token_id=2)
    assert uow.data.tokens[2].revoked_at == NOW + timedelta(hours=1)


def test_a_password_is_stored_as_an_argon2_hash(uow: FakeUnitOfWork) -> None:
    uow.add_row(User, User(id="alice", name="Alice", email="alice@example.com", role="responder"))
    set_password(uow=uow, user_id="alice", password="correct horse")
    assert PasswordHasher().verify(uow.data.password_hashes["alice"], "correct horse")
    assert uow.commits == 1


def test_a_short_password_or_an_unknown_user_changes_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        set_password(uow=uow, user_id="alice", password="short")
    with pytest.raises(NotFound, match="there is no user 'nobody'"):
        set_password(uow=uow, user_id="nobody", password="long enough")
    assert uow.data.password_hashes == {}
    assert uow.commits == 0
