"""Log in, log out, change your password, manage your API tokens; the account page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fireline.bootstrap import Fireline
from fireline.errors import FirelineError, TooManyAttempts
from fireline.services.admin import auth, web_sessions
from fireline.services.paging import contact_tests, contacts, push_devices
from fireline.web.deps import Uow, client_address
from fireline.web.ui.session import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    AnyUserActs,
    FormBody,
    SignedIn,
    safe_next,
    same_token,
)
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)
Next = Annotated[str | None, Query(alias="next", max_length=500)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(web_sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def _login_page(
    request: Request,
    next_path: str,
    error: str | None = None,
    login: str = "",
    status: int | None = None,
) -> Response:
    """The login form with a fresh double-submit CSRF token (there is no session yet)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status or (401 if error else 200),
        error=error,
        login_csrf=token,
        next_path=next_path,
        login_name=login,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    return response


@router.get("/login")
def login_form(request: Request, next_path: Next = None) -> Response:
    return _login_page(request, safe_next(next_path))


@router.post("/login")
def log_in(request: Request, uow: Uow, form: FormBody) -> Response:
    next_path = safe_next(form.get("next"))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same_token(form.get("csrf_token"), expected):
        return _login_page(request, next_path, "The login form expired. Please try again.")
    core: Fireline = request.app.state.fireline
    try:
        cookie = web_sessions.log_in(
            uow=uow,
            attempts=core.attempts(),
            login=form.get("login").strip(),
            password=form.get("password"),
            address=client_address(request),
        )
    except TooManyAttempts as refused:
        page = _login_page(
            request, next_path, f"Not now: {refused.message}.", form.get("login"), 429
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    except FirelineError:
        return _login_page(request, next_path, "Wrong login or password.", form.get("login"))
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def log_out(request: Request, uow: Uow, _: AnyUserActs) -> Response:
    web_sessions.log_out(uow=uow, cookie=request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def account_page(
    request: Request,
    uow: Uow,
    user_id: str,
    status: int = 200,
    **context: object,
) -> Response:
    """The account page: password, API tokens, contact methods with their latest tests."""
    tokens = auth.list_tokens(uow=uow, user_id=user_id)
    defaults: dict[str, object] = {"new_token": None, "error": None, "notice": None}
    mine = _contacts(uow, user_id) | _push(uow, user_id)
    return render(request, "account.html", status, tokens=tokens, **mine, **{**defaults, **context})


def _push(uow: Uow, user_id: str) -> dict[str, object]:
    who = auth.Principal(user_id, "viewer")
    return {
        "push_devices": push_devices.devices(uow=uow, who=who),
        "push_key": push_devices.application_server_key(uow=uow).application_server_key,
    }


def _contacts(uow: Uow, user_id: str) -> dict[str, object]:
    tests = contact_tests.recent(uow=uow, who=auth.Principal(user_id, "viewer"), owner=user_id)
    latest = {tested.contact: tested for tested in reversed(tests)}  # the newest wins
    return {"contacts": contacts.of_user(uow=uow, user_id=user_id), "latest_tests": latest}


@router.get("/account")
def account(request: Request, uow: Uow, login: SignedIn, changed: bool = False) -> Response:
    notice = "Password changed. Every other session has been logged out." if changed else None
    return account_page(request, uow, login.principal.user_id, notice=notice)


@router.post("/account/password")
def change_password(request: Request, uow: Uow, login: AnyUserActs, form: FormBody) -> Response:
    user_id = login.principal.user_id
    if form.get("new") != form.get("repeat"):
        return account_page(
            request, uow, user_id, 422, error="The two new passwords differ. Nothing changed."
        )
    try:
        cookie = web_sessions.change_password(
            uow=uow, user_id=user_id, current=form.get("current"), new=form.get("new")
        )
    except FirelineError as error:
        return account_page(request, uow, user_id, error.status, error=error.message)
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(request, response, cookie)
    return response


@router.post("/account/tokens")
def create_token(request: Request, uow: Uow, login: AnyUserActs, form: FormBody) -> Response:
    name = (form.optional("name") or "api")[:120]
    token = auth.create_token(uow=uow, user_id=login.principal.user_id, name=name)
    return account_page(request, uow, login.principal.user_id, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    uow: Uow,
    login: AnyUserActs,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    try:
        auth.revoke_token(uow=uow, principal=login.principal, token_id=token_id)
    except FirelineError as error:
        return account_page(
            request, uow, login.principal.user_id, error.status, error=error.message
        )
    return RedirectResponse("/account", status_code=303)
