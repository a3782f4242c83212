"""Who is asking, and may they: API tokens, passwords and roles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from pydantic import BaseModel

from fireline import telemetry
from fireline.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from fireline.services.admin import audit, throttling
from fireline.services.admin.throttling import Attempts
from fireline.storage.models import User
from fireline.storage.uow import UnitOfWork

ROLES = ("viewer", "responder", "admin")
TOKEN_PREFIX = "fl_"
MIN_PASSWORD = 8
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """An authenticated user and their role."""

    user_id: str
    role: str

    def require(self, role: str) -> None:
        """Raise Forbidden unless this principal's role is at least ``role``."""
        if ROLES.index(self.role) < ROLES.index(role):
            raise Forbidden(f"this needs the {role} role; {self.user_id} is a {self.role}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    *, uow: UnitOfWork, user_id: str, name: str = "api", actor: str | None = None
) -> str:
    """Make a new API token for a user (by ``actor``, else the user themself); only its digest
    is stored, so show it now."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        uow.directory.get(User, user_id)
        added = uow.tokens.add(
            user_id=user_id, name=name, token_hash=hash_token(token), now=uow.now()
        )
        audit.record(uow, actor or user_id, "token.created", user_id, token_id=added.id, name=name)
        uow.commit()
    return token


def authenticate(*, uow: UnitOfWork, token: str) -> Principal:
    """The principal a bearer token stands for; Unauthenticated if it is unknown or revoked."""
    with uow.read():
        found = uow.tokens.owner(hash_token(token))
    if found is None:
        raise Unauthenticated(
            "the API token is unknown or revoked; create one with `fireline token create`"
        )
    return Principal(found[1].id, found[1].role)


class TokenRead(BaseModel):
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


def authenticate_from(
    *, uow: UnitOfWork, attempts: Attempts, token: str, address: str
) -> Principal:
    """``authenticate``, refusing an address that sent too many invalid tokens (TooManyAttempts)."""
    attempts.check("token-address", address)
    try:
        return authenticate(uow=uow, token=token)
    except Unauthenticated:
        telemetry.LOGIN_FAILURES.labels("token").inc()
        throttling.failed(uow, attempts, "token-address", address, address)
        raise


def list_tokens(*, uow: UnitOfWork, user_id: str) -> list[TokenRead]:
    """A user's tokens (never the tokens themselves: only their digests are stored)."""
    with uow.read():
        uow.directory.get(User, user_id)
        return [
            TokenRead.model_validate(t, from_attributes=True) for t in uow.tokens.list_for(user_id)
        ]


def revoke_token(*, uow: UnitOfWork, principal: Principal, token_id: int) -> None:
    """Revoke a token: your own, or anyone's if you are an admin."""
    with uow:
        token = uow.tokens.get(token_id)
        if token is None or (token.user_id != principal.user_id and principal.role != "admin"):
            raise NotFound(f"there is no token {token_id} of yours")
        uow.tokens.revoke(token_id, uow.now())
        audit.record(uow, principal.user_id, "token.revoked", token.user_id, token_id=token_id)
        uow.commit()


def set_password(*, uow: UnitOfWork, user_id: str, password: str, actor: str | None = None) -> None:
    """Set a user's web login password (stored as an argon2 hash), by ``actor`` (else the user
    themself)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", field="password")
    with uow:
        uow.directory.get(User, user_id)
        uow.directory.set_password_hash(user_id, _hasher.hash(password))
        audit.record(uow, actor or user_id, "password.set", user_id)
        uow.commit()


def check_password(*, uow: UnitOfWork, login: str, password: str) -> Principal:
    """The user with this id or email, if the password is theirs."""
    with uow.read():
        user = uow.directory.user_by_login(login)
        if user is None or user.password_hash is None:
            _hasher.hash(password)  # same work either way: do not reveal who exists
            raise Unauthenticated("wrong login or password")
        try:
            _hasher.verify(user.password_hash, password)
        except VerificationError:
            raise Unauthenticated("wrong login or password") from None
    return Principal(user.id, user.role)


def admin_ids(*, uow: UnitOfWork) -> list[str]:
    with uow.read():
        return [u.id for u in uow.directory.list_all(User) if u.role == "admin"]


def create_first_admin(*, uow: UnitOfWork) -> tuple[str, str] | None:
    """On an empty database, create user ``admin`` with a random password; return (id, password)."""
    password = secrets.token_urlsafe(12)
    with uow:
        if uow.directory.count_users():
            return None
        uow.directory.add(
            User(
                id="admin",
                name="Administrator",
                email="admin@localhost.localdomain",
                role="admin",
                time_zone="UTC",
                password_hash=_hasher.hash(password),
                contact_methods=[],
                notification_rules=[],
                created_at=uow.now(),
            )
        )
        uow.commit()
    return "admin", password
