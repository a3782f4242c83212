"""Who is using the browser: the session cookie, roles, CSRF tokens and form bodies.

Every UI page needs a session (else a redirect to /login); every POST needs the
session's CSRF token, in the form (``csrf_token``) or in the ``X-CSRF-Token``
header that htmx sends.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from fireline.errors import Unauthenticated
from fireline.services.admin import web_sessions
from fireline.services.admin.auth import ROLES
from fireline.services.admin.web_sessions import WebLogin
from fireline.web.deps import Uow

COOKIE = "fireline_session"
LOGIN_CSRF_COOKIE = "fireline_login_csrf"
MAX_FORM_BYTES = 256 * 1024


class LoginRequired(Exception):
    """No live session: the browser goes to the login page."""


class NotAllowed(Exception):
    """Logged in, but the role does not allow this (shown as a 403 page)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormRejected(Exception):
    """The form lacks a valid CSRF token, or is too large (shown as a 403 or 413 page)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Form:
    """A parsed ``application/x-www-form-urlencoded`` body."""

    fields: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def optional(self, name: str) -> str | None:
        """The value, or None when the field is absent or blank."""
        value = self.get(name).strip()
        return value or None


async def read_form(request: Request) -> Form:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise FormRejected("the form is too large", status=413)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormRejected("the form is too large", status=413)
    text = body.decode("utf-8", errors="replace")
    return Form(parse_qs(text, keep_blank_values=True))


FormBody = Annotated[Form, Depends(read_form)]


def current_login(request: Request, uow: Uow) -> WebLogin:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise LoginRequired()
    try:
        login = web_sessions.resume(uow=uow, cookie=cookie)
    except Unauthenticated:
        raise LoginRequired() from None
    request.state.login = login
    return login


SignedIn = Annotated[WebLogin, Depends(current_login)]


def same_token(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _acting(role: str) -> object:
    def check(request: Request, login: SignedIn, form: FormBody) -> WebLogin:
        given = form.get("csrf_token") or request.headers.get("x-csrf-token", "")
        if not same_token(given, login.csrf_token):
            raise FormRejected(
                "this form is out of date or did not come from Fireline (CSRF check failed); "
                "reload the page and try again"
            )
        if ROLES.index(login.principal.role) < ROLES.index(role):
            raise NotAllowed(
                f"this needs the {role} role; you ({login.principal.user_id}) "
                f"are a {login.principal.role}"
            )
        return login

    return Depends(check)


# POST routes: a valid CSRF token and at least this role.
AnyUserActs = Annotated[WebLogin, _acting("viewer")]
ResponderActs = Annotated[WebLogin, _acting("responder")]
AdminActs = Annotated[WebLogin, _acting("admin")]


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another site."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(c.isprintable() and not c.isspace() for c in target)
    ):
        return target
    return "/"
