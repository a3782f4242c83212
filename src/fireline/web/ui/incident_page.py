"""The incident page, its live fragment, the board of open incidents, and the declare form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fireline.errors import FirelineError, NotFound
from fireline.schemas import IncidentCreate
from fireline.services.incidents import commands as incidents
from fireline.services.incidents import my_work
from fireline.services.incidents import views as incident_views
from fireline.services.incidents.status_page import STATES as PUBLIC_STATES
from fireline.services.paging import inbox
from fireline.storage.uow import UnitOfWork
from fireline.web.deps import Uow
from fireline.web.ui import refusals
from fireline.web.ui.forms import validated
from fireline.web.ui.incident_panels import incident_panels
from fireline.web.ui.session import Form, FormBody, ResponderActs, SignedIn
from fireline.web.ui.templating import render
from fireline.web.ui.views import TIMELINE_FILTERS, clock_text, describe, worst_clock

router = APIRouter(include_in_schema=False)
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Show = Annotated[str, Query(pattern=r"^[a-z]{1,20}$")]
BOARD_PAGE = 100
INBOX_SHOWN = 10
TIMELINE_PAGE = 200  # newest events shown; `?all=1` shows every one
REFRESH_SECONDS = 30  # the live fragment is re-sent at least this often, for the clocks


@dataclass(frozen=True)
class Problem:
    """A refused action, shown next to the form it came from (which keeps what was typed)."""

    where: str
    message: str
    missing: list[str] = field(default_factory=list)


def not_found(request: Request, message: str) -> Response:
    return render(request, "error.html", 404, title="Not found", message=message)


@router.get("/")
def board(
    request: Request, uow: Uow, who: SignedIn, page: Annotated[int, Query(ge=1, le=10**6)] = 1
) -> Response:
    found = incident_views.open_board(uow=uow, limit=BOARD_PAGE, offset=(page - 1) * BOARD_PAGE)
    pages = max(1, -(-found.total // BOARD_PAGE))
    me = who.principal.user_id
    return render(
        request,
        "board.html",
        board=found,
        page=page,
        pages=pages,
        worst_clock=worst_clock,
        my_on_call=my_work.on_call_status(uow=uow, user_id=me),
        my_tasks=my_work.open_tasks(uow=uow, user_id=me),
        my_inbox=inbox.my_inbox(uow=uow, user_id=me, limit=INBOX_SHOWN),
    )


def incident_response(
    request: Request,
    uow: UnitOfWork,
    incident_id: int,
    *,
    show: str = "all",
    every_event: bool = False,
    status: int = 200,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
    template: str = "incident.html",
) -> Response:
    show = show if show in TIMELINE_FILTERS else "all"
    try:
        page = incident_views.incident_page(
            uow=uow, incident_id=incident_id, kinds=TIMELINE_FILTERS[show][1]
        )
    except NotFound as error:
        return not_found(request, error.message)
    newest = list(reversed(page.detail.timeline))
    shown = newest if every_event else newest[:TIMELINE_PAGE]
    timeline = [describe(e) for e in shown]
    return render(
        request,
        template,
        status,
        page=page,
        incident=page.detail.incident,
        clocks=[clock_text(c) for c in page.detail.sla],
        timeline=timeline,
        hidden_events=len(newest) - len(shown),
        every_event=every_event,
        show=show,
        filters=TIMELINE_FILTERS,
        problem=problem,
        values=values or {},
        public_states=PUBLIC_STATES,
        oob=template != "incident.html",
        **(incident_panels(uow, incident_id) if template == "incident.html" else {}),
    )


@router.get("/incidents/new")
def declare_form(request: Request, uow: Uow, _: SignedIn) -> Response:
    return _declare_page(request, uow)


def _declare_page(
    request: Request,
    uow: UnitOfWork,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    found = incident_views.directory(uow=uow)
    paging = incident_views.paging_defaults(uow=uow)
    return render(
        request,
        "declare.html",
        status,
        directory=found,
        paging=paging,
        error=error,
        values=values or {},
    )


@router.post("/incidents")
def declare(request: Request, uow: Uow, who: ResponderActs, form: FormBody) -> Response:
    service = form.optional("service")
    try:
        body = validated(
            IncidentCreate,
            title=form.get("title").strip(),
            summary=form.get("summary").strip(),
            services=[service] if service else [],
            impact=form.optional("impact"),
            urgency=form.optional("urgency"),
            severity=form.optional("severity"),
            page=_page_choice(form),
        )
        view = incidents.declare(uow=uow, actor=who.principal.user_id, **body.model_dump())
    except FirelineError as error:
        values = {
            k: form.get(k)
            for k in ("title", "summary", "service", "impact", "urgency", "severity", "page")
        }
        values["page"] = "1" if values["page"] else "0"
        return _declare_page(request, uow, error.status, error.message, values)
    return RedirectResponse(f"/incidents/{view.incident.id}", status_code=303)


def _page_choice(form: Form) -> bool | None:
    """The form's "page the on-call" box: an unticked box sends nothing, so the form says it
    showed the box; a post without the box (a script) gets the workflow's default."""
    if form.optional("page_shown") is None:
        return None
    return form.optional("page") is not None


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request,
    uow: Uow,
    _: SignedIn,
    incident_id: IncidentId,
    show: Show = "all",
    every_event: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    refused = refusals.take(request, request.state.login.csrf_token)
    response = incident_response(
        request,
        uow,
        incident_id,
        show=show,
        every_event=every_event,
        problem=Problem(refused.where, refused.message, refused.missing) if refused else None,
        values=refused.values if refused else None,
    )
    if refused:
        refusals.forget(response, f"/incidents/{incident_id}")
    return response


@router.get("/incidents/{incident_id}/live")
def live(
    request: Request,
    uow: Uow,
    _: SignedIn,
    incident_id: IncidentId,
    v: Annotated[int, Query(ge=0)] = 0,
    t: Annotated[float, Query(ge=0)] = 0,
    show: Show = "all",
    every_event: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    """The parts of the page that change, when something changed (else 204: nothing to swap)."""
    try:
        version = incident_views.incident_version(uow=uow, incident_id=incident_id)
    except NotFound as error:
        return not_found(request, error.message)
    now = request.app.state.fireline.clock().timestamp()
    if version == v and now - t < REFRESH_SECONDS:
        return Response(status_code=204)
    return incident_response(
        request, uow, incident_id, show=show, every_event=every_event, template="live.html"
    )
