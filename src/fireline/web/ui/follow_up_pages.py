"""Follow-up actions from the browser: add, edit and mark done on an incident's postmortem page,
and the list across incidents at /follow-ups (mine, open, overdue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from fireline.errors import FirelineError
from fireline.services.review import follow_ups
from fireline.web.api.review import FollowUpCreate, FollowUpUpdate
from fireline.web.deps import Uow
from fireline.web.ui.forms import validated
from fireline.web.ui.incident_page import IncidentId
from fireline.web.ui.review_pages import Problem, postmortem_response
from fireline.web.ui.session import Form, FormBody, ResponderActs, SignedIn
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)
FollowUpId = Annotated[str, Path(pattern=r"^F[0-9]{1,6}$")]
Flag = Annotated[bool, Query()]
FIELDS = ("title", "owner", "due", "priority", "type", "url")
LIST_LIMIT = 200


def _fields(form: Form) -> dict[str, Any]:
    return {
        "title": form.get("title").strip(),
        "owner": form.optional("owner"),
        "due_at": form.optional("due"),  # a day: the API's rule makes it the end of that day
        "priority": form.get("priority", "medium"),
        "type": form.get("type", "prevent"),
        "url": form.optional("url"),
    }


def _act(
    request: Request,
    uow: Uow,
    incident_id: int,
    form: Form,
    where: str,
    call: Callable[[], object],
) -> Response:
    try:
        call()
    except FirelineError as error:
        values = {k: form.get(k) for k in FIELDS}
        problem = Problem(where, error.message, values=values)
        return postmortem_response(request, uow, incident_id, error.status, problem)
    return RedirectResponse(f"/incidents/{incident_id}/postmortem#{where}", status_code=303)


@router.post("/incidents/{incident_id}/follow-ups")
def add(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(FollowUpCreate, **_fields(form))
        return follow_ups.add_follow_up(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, **body.model_dump()
        )

    return _act(request, uow, incident_id, form, "follow-ups", call)


@router.post("/incidents/{incident_id}/follow-ups/{follow_up_id}")
def update(
    request: Request,
    uow: Uow,
    who: ResponderActs,
    incident_id: IncidentId,
    follow_up_id: FollowUpId,
    form: FormBody,
) -> Response:
    """The edit form sends every field; the Done / Reopen buttons send only ``done``."""

    def call() -> object:
        if "done" in form.fields:
            changes: dict[str, Any] = {"done": form.get("done") == "true"}
        else:
            changes = {k: v for k, v in _fields(form).items() if v is not None or k != "title"}
        body = validated(FollowUpUpdate, **changes)
        return follow_ups.update_follow_up(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            follow_up_id=follow_up_id,
            changes=body.changes(),
        )

    return _act(request, uow, incident_id, form, f"follow-up-{follow_up_id}", call)


@router.get("/follow-ups")
def list_page(
    request: Request,
    uow: Uow,
    login: SignedIn,
    mine: Flag = False,
    open_only: Annotated[bool, Query(alias="open")] = False,
    overdue: Flag = False,
) -> Response:
    found = follow_ups.list_follow_ups(
        uow=uow,
        owner=login.principal.user_id if mine else None,
        open_only=open_only,
        overdue=overdue,
        limit=LIST_LIMIT,
    )
    return render(
        request,
        "follow_ups.html",
        items=found,
        filters={"mine": mine, "open": open_only, "overdue": overdue},
        limit=LIST_LIMIT,
    )
