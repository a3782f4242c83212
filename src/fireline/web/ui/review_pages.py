"""The postmortem page: status, sections in rendered Markdown with an edit form each, reviewers,
the public flag, comments and exports. Every form calls services.postmortems, as the API does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from fireline.errors import FirelineError, NotFound, StaleState
from fireline.services.incidents import views as incident_views
from fireline.services.review import postmortems
from fireline.services.review.postmortems import PostmortemView
from fireline.storage.uow import UnitOfWork
from fireline.web.api.review import (
    CommentCreate,
    PostmortemStatusUpdate,
    PostmortemUpdate,
)
from fireline.web.deps import Uow
from fireline.web.ui.forms import validated
from fireline.web.ui.incident_page import IncidentId, not_found
from fireline.web.ui.session import Form, FormBody, ResponderActs, SignedIn
from fireline.web.ui.templating import render

router = APIRouter(prefix="/incidents/{incident_id}", include_in_schema=False)
SectionPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
STATUS_BUTTONS = {
    "draft": "Back to draft",
    "in_review": "Send for review",
    "published": "Publish",
}
NEXT_STATUS = {
    "draft": ("in_review",),
    "in_review": ("published", "draft"),
    "published": ("draft",),
}
STALE = (
    "Someone else saved the postmortem while you were editing it. Nothing was saved; "
    "your text is kept below. Reload the page to see their version, then edit again."
)


@dataclass(frozen=True)
class Problem:
    """A refused change, shown next to its form; ``text`` is what the person had typed."""

    where: str
    message: str
    text: str = ""
    values: dict[str, str] = field(default_factory=dict)


def markdown(text: str) -> Markup:
    """Markdown as HTML; raw HTML in the text is escaped, never passed through."""
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def postmortem_response(
    request: Request,
    uow: UnitOfWork,
    incident_id: int,
    status: int = 200,
    problem: Problem | None = None,
) -> Response:
    try:
        page = incident_views.incident_page(
            uow=uow, incident_id=incident_id, kinds=("postmortem_status_changed",)
        )
    except NotFound as error:
        return not_found(request, error.message)
    try:
        view: PostmortemView | None = postmortems.get_postmortem(uow=uow, incident_id=incident_id)
    except NotFound:
        view = None
    return render(
        request,
        "postmortem.html",
        status,
        page=page,
        incident=page.detail.incident,
        pm=view,
        rendered={s.id: markdown(s.body) for s in view.sections} if view else {},
        next_status=NEXT_STATUS[view.status] if view else (),
        status_buttons=STATUS_BUTTONS,
        problem=problem,
    )


@router.get("/postmortem")
def postmortem_page(request: Request, uow: Uow, _: SignedIn, incident_id: IncidentId) -> Response:
    return postmortem_response(request, uow, incident_id)


def _act(
    request: Request,
    uow: UnitOfWork,
    incident_id: int,
    where: str,
    call: Callable[[], object],
    text: str = "",
) -> Response:
    try:
        call()
    except StaleState:
        return postmortem_response(request, uow, incident_id, 409, Problem(where, STALE, text))
    except FirelineError as error:
        return postmortem_response(
            request, uow, incident_id, error.status, Problem(where, error.message, text)
        )
    return RedirectResponse(f"/incidents/{incident_id}/postmortem#{where}", status_code=303)


def _version(form: Form) -> str:
    return form.get("version", "0")


@router.post("/postmortem")
def start(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    actor = who.principal.user_id
    return _act(
        request,
        uow,
        incident_id,
        "postmortem",
        lambda: postmortems.start_postmortem(uow=uow, actor=actor, incident_id=incident_id),
    )


@router.post("/postmortem/sections/{section}")
def edit_section(
    request: Request,
    uow: Uow,
    who: ResponderActs,
    incident_id: IncidentId,
    section: SectionPath,
    form: FormBody,
) -> Response:
    text = form.get("body").replace("\r\n", "\n")
    refill = form.get("refill") == "true"

    def call() -> object:
        body = validated(
            PostmortemUpdate,
            version=_version(form),
            sections=None if refill else {section: text},
            refill=[section] if refill else [],
        )
        return postmortems.edit_postmortem(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            version=body.version,
            sections=body.sections,
            refill=body.refill,
        )

    return _act(request, uow, incident_id, f"section-{section}", call, "" if refill else text)


@router.post("/postmortem/settings")
def edit_settings(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(
            PostmortemUpdate,
            version=_version(form),
            reviewers=[r for r in form.fields.get("reviewers", []) if r],
            public=form.get("public") == "true",
        )
        return postmortems.edit_postmortem(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            version=body.version,
            reviewers=body.reviewers,
            public=body.public,
        )

    return _act(request, uow, incident_id, "settings", call)


@router.post("/postmortem/status")
def change_status(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(PostmortemStatusUpdate, status=form.get("status"))
        return postmortems.set_status(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, status=body.status
        )

    return _act(request, uow, incident_id, "status", call)


@router.post("/postmortem/comments")
def comment(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    text = form.get("body").strip()

    def call() -> object:
        body = validated(CommentCreate, body=text, section=form.optional("section"))
        return postmortems.add_comment(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            body=body.body,
            section=body.section,
        )

    return _act(request, uow, incident_id, "comments", call, text)


@router.get("/postmortem/export.{fmt}")
def export(
    request: Request,
    uow: Uow,
    _: SignedIn,
    incident_id: IncidentId,
    fmt: Literal["md", "html"],
) -> Response:
    try:
        text = postmortems.export(
            uow=uow, incident_id=incident_id, fmt="html" if fmt == "html" else "markdown"
        )
    except NotFound as error:
        return not_found(request, error.message)
    response: Response
    if fmt == "html":
        response = HTMLResponse(text)
    else:
        name = f"postmortem-{incident_id}.md"
        response = PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
