"""What responders do from the incident page. Each form posts here, calls the same service as
the API, and comes back to the page; a refusal comes back to the page too (see refusals.py),
which shows the reason and what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from fireline.errors import FirelineError, TransitionRefused
from fireline.schemas import (
    IncidentUpdate,
    NoteCreate,
    ResolveCreate,
    RoleAssignment,
    StatusUpdateCreate,
    TaskCreate,
    TaskUpdate,
    TransitionCreate,
)
from fireline.services.incidents import commands as incidents
from fireline.services.paging import escalation as paging
from fireline.web.deps import Uow
from fireline.web.ui import refusals
from fireline.web.ui.forms import validated
from fireline.web.ui.incident_page import IncidentId, Problem, incident_response
from fireline.web.ui.session import Form, FormBody, ResponderActs

router = APIRouter(prefix="/incidents/{incident_id}", include_in_schema=False)
TaskId = Annotated[str, Path(pattern=r"^T[0-9]{1,6}$")]


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
        missing = error.missing if isinstance(error, TransitionRefused) else []
        values = {k: v[0] for k, v in form.fields.items() if k != "csrf_token" and v}
        refusal = refusals.Refusal(where, error.message, missing, values)
        url = f"/incidents/{incident_id}"
        back = refusals.redirect_back(request, url, refusal, request.state.login.csrf_token)
        return back or incident_response(
            request,
            uow,
            incident_id,
            status=error.status,
            problem=Problem(where, error.message, missing),
            values=values,
        )
    return RedirectResponse(f"/incidents/{incident_id}#{where}", status_code=303)


# Buttons that only name the incident: the same route shape, each calling its service verb.
PLAIN_ACTIONS: dict[str, Callable[..., object]] = {
    "acknowledge": incidents.acknowledge,
    "mitigate": incidents.mitigate,
    "escalate": paging.escalate_now,
}


def _plain(verb: Callable[..., object]) -> Callable[..., Response]:
    def route(
        request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
    ) -> Response:
        actor = who.principal.user_id
        return _act(
            request,
            uow,
            incident_id,
            form,
            "actions",
            lambda: verb(uow=uow, actor=actor, incident_id=incident_id),
        )

    return route


for _path, _verb in PLAIN_ACTIONS.items():
    router.post(f"/{_path}")(_plain(_verb))


@router.post("/reassign")
def reassign(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(RoleAssignment, user=form.get("user"))
        paging.reassign(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, user=body.user
        )
        return None

    return _act(request, uow, incident_id, form, "page", call)


@router.post("/transition")
def transition(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(TransitionCreate, phase=form.get("phase"), reason=form.optional("reason"))
        return incidents.transition(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, **body.model_dump()
        )

    return _act(request, uow, incident_id, form, "phase", call)


@router.post("/resolve")
def resolve(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(ResolveCreate, summary=form.get("summary").strip())
        return incidents.resolve(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, summary=body.summary
        )

    return _act(request, uow, incident_id, form, "resolve", call)


@router.post("/fields")
def update_fields(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        # Only what this person changed: a form loaded before someone else's change must not undo it.
        values = {
            name: form.optional(name)
            for name in ("impact", "urgency", "severity")
            if form.get(name) != form.get(f"was_{name}", form.get(name) + "?")
        }
        body = validated(IncidentUpdate, **values)
        return incidents.update(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, changes=body.changes()
        )

    return _act(request, uow, incident_id, form, "fields", call)


@router.post("/roles")
def assign_role(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        return incidents.assign_role(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            role=form.get("role"),
            user=form.optional("user"),
        )

    return _act(request, uow, incident_id, form, "roles", call)


@router.post("/notes")
def add_note(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(NoteCreate, text=form.get("text").strip())
        return incidents.add_note(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, text=body.text
        )

    return _act(request, uow, incident_id, form, "note", call)


@router.post("/status-updates")
def post_status_update(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(
            StatusUpdateCreate,
            message=form.get("message").strip(),
            visibility=form.get("visibility", "internal"),
            component_status=_public_states(form),
        )
        return incidents.post_status_update(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, **body.model_dump()
        )

    return _act(request, uow, incident_id, form, "update", call)


def _public_states(form: Form) -> dict[str, str]:
    """The form's ``public_status:<service>`` choices; an empty one leaves that service as is."""
    prefix = "public_status:"
    return {
        name.removeprefix(prefix): values[0]
        for name, values in form.fields.items()
        if name.startswith(prefix) and values and values[0]
    }


@router.post("/tasks")
def add_task(
    request: Request, uow: Uow, who: ResponderActs, incident_id: IncidentId, form: FormBody
) -> Response:
    def call() -> object:
        body = validated(TaskCreate, title=form.get("title").strip())
        return incidents.add_task(
            uow=uow, actor=who.principal.user_id, incident_id=incident_id, **body.model_dump()
        )

    return _act(request, uow, incident_id, form, "tasks", call)


@router.post("/tasks/{task_id}")
def tick_task(
    request: Request,
    uow: Uow,
    who: ResponderActs,
    incident_id: IncidentId,
    task_id: TaskId,
    form: FormBody,
) -> Response:
    def call() -> object:
        body = validated(TaskUpdate, done=form.get("done") == "true")
        return incidents.update_task(
            uow=uow,
            actor=who.principal.user_id,
            incident_id=incident_id,
            task_id=task_id,
            changes=body.changes(),
        )

    return _act(request, uow, incident_id, form, "tasks", call)
