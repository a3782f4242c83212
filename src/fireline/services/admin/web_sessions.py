"""Browser sessions: log in with a password, stay logged in with a cookie, log out.

A session is a random cookie value; only its SHA-256 is stored, with a CSRF
token that every form must send back. A session ends on logout, after
``LIFETIME``, or as soon as the user's password changes (the session keeps a
stamp of the password hash it was opened with).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fireline import telemetry
from fireline.errors import InvalidInput, Unauthenticated
from fireline.services.admin import auth, throttling
from fireline.services.admin.auth import Principal
from fireline.services.admin.throttling import Attempts
from fireline.storage.models import User, WebSession
from fireline.storage.uow import UnitOfWork

LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class WebLogin:
    """A live session: who it is, and the CSRF token its forms carry."""

    principal: Principal
    csrf_token: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _stamp(user: User) -> str:
    return _digest(user.password_hash or "")


def log_in(*, uow: UnitOfWork, attempts: Attempts, login: str, password: str, address: str) -> str:
    """Check the password (user id or email) and open a session; return the cookie value.

    While the account or the client address has failed too often, refuse (TooManyAttempts)
    without even checking the password."""
    account = throttling.account_of(uow, login)
    attempts.check("account", account)
    attempts.check("address", address)
    try:
        principal = auth.check_password(uow=uow, login=login, password=password)
    except Unauthenticated:
        telemetry.LOGIN_FAILURES.labels("password").inc()
        throttling.failed(uow, attempts, "account", account, address)
        throttling.failed(uow, attempts, "address", address, address)
        raise
    attempts.forget("account", account)
    return open_session(uow=uow, user_id=principal.user_id)


def change_password(*, uow: UnitOfWork, user_id: str, current: str, new: str) -> str:
    """Set a new password if the current one is right. Every session of the user ends with the
    old password; return the cookie of a fresh one for the browser that asked."""
    try:
        auth.check_password(uow=uow, login=user_id, password=current)
    except Unauthenticated:
        raise InvalidInput("the current password is wrong", field="current") from None
    auth.set_password(uow=uow, user_id=user_id, password=new)
    return open_session(uow=uow, user_id=user_id)


def open_session(*, uow: UnitOfWork, user_id: str) -> str:
    """A new session for a user (after a login or a password change); return the cookie value."""
    cookie = secrets.token_urlsafe(32)
    with uow:
        user = uow.directory.get(User, user_id)
        now = uow.now()
        uow.web_sessions.remove_expired(now)
        uow.web_sessions.add(
            WebSession(
                id_hash=_digest(cookie),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                password_stamp=_stamp(user),
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        uow.commit()
    return cookie


def resume(*, uow: UnitOfWork, cookie: str) -> WebLogin:
    """The login a session cookie stands for; Unauthenticated if it ended."""
    with uow.read():
        found = uow.web_sessions.live(_digest(cookie), uow.now())
        if found is None or found[0].password_stamp != _stamp(found[1]):
            raise Unauthenticated("your session has ended; log in again")
        session, user = found
        return WebLogin(Principal(user.id, user.role), session.csrf_token)


def log_out(*, uow: UnitOfWork, cookie: str) -> None:
    """End this session (nothing happens if it had ended already)."""
    with uow:
        uow.web_sessions.remove(_digest(cookie))
        uow.commit()
