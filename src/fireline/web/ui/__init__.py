"""The web UI: server-rendered pages (Jinja2 + vendored htmx) on the same services as the API."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from fireline.web.ui import (
    account,
    alert_pages,
    catalog_pages,
    contact_pages,
    dashboard,
    drill_pages,
    follow_up_pages,
    inbox_pages,
    incident_actions,
    incident_page,
    oncall_pages,
    push_pages,
    review_pages,
    status,
)
from fireline.web.ui.session import FormRejected, LoginRequired, NotAllowed
from fireline.web.ui.templating import STATIC, environment, render

# Every page and form of the UI; tests/e2e/test_authorization_matrix.py holds a row for each.
ROUTERS = tuple(
    module.router
    for module in (
        account,
        contact_pages,
        push_pages,
        incident_page,
        incident_actions,
        status,
        alert_pages,
        oncall_pages,
        catalog_pages,
        inbox_pages,
        review_pages,
        follow_up_pages,
        drill_pages,
        dashboard,
    )
)


def install(app: FastAPI) -> None:
    """Add the UI's pages, its static files and the handlers that answer in HTML."""
    app.state.ui_templates = environment()
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(NotAllowed, _not_allowed)  # type: ignore[arg-type]
    app.add_exception_handler(FormRejected, _form_rejected)  # type: ignore[arg-type]


def _favicon() -> Response:
    """Browsers ask for /favicon.ico on every site, whatever the page links."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")


async def _login_required(request: Request, error: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.headers.get("hx-request"):
        target = "/"  # a form post or a poll: there is no page to come back to as such
    login = f"/login?next={quote(target, safe='/')}"
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


async def _not_allowed(request: Request, error: NotAllowed) -> Response:
    return render(request, "error.html", 403, title="Not allowed", message=error.message)


async def _form_rejected(request: Request, error: FormRejected) -> Response:
    return render(request, "error.html", error.status, title="Form refused", message=error.message)
