"""/api/v1/incidents: declare, read, and work incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from fireline.schemas import (
    CloseCreate,
    IncidentCreate,
    IncidentDetailRead,
    IncidentPage,
    IncidentRead,
    IncidentUpdate,
    MetricsExclusionUpdate,
    NoteCreate,
    ResolveCreate,
    RoleAssignment,
    StatusUpdateCreate,
    TaskCreate,
    TaskUpdate,
    TransitionCreate,
)
from fireline.services.admin import list_filters
from fireline.services.incidents import commands as incidents
from fireline.services.paging import escalation as paging
from fireline.storage.incidents import IncidentFilter
from fireline.web.deps import Responder, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(
    prefix="/incidents", tags=["incidents"], responses=document((401, 403, 429, 422))
)
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The incident's number.")]
RoleName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
TaskId = Annotated[str, Path(pattern=r"^T[0-9]{1,6}$")]
Phase = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
CHANGES = document((404, 409))


@router.get("", response_model=IncidentPage, summary="List incidents, newest first")
def list_incidents(
    uow: Uow,
    _: Viewer,
    phase: Annotated[list[Phase] | None, Query(max_length=20)] = None,
    service: Annotated[str | None, Query(max_length=40)] = None,
    priority: Annotated[str | None, Query(pattern=r"^P[1-9]$")] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> IncidentPage:
    phases = phase or ()
    list_filters.check_filters(uow=uow, phases=phases, service=service, priority=priority)
    filters = IncidentFilter(phases=phases, service=service, priority=priority, open_only=open_only)
    page = incidents.list_incidents(uow=uow, filters=filters, limit=limit, offset=offset)
    return IncidentPage.of(page, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=IncidentRead, summary="Declare an incident")
def declare(uow: Uow, who: Responder, body: IncidentCreate) -> IncidentRead:
    return IncidentRead.of(incidents.declare(uow=uow, actor=who.user_id, **body.model_dump()))


@router.get(
    "/{incident_id}",
    response_model=IncidentDetailRead,
    responses=document((404,)),
    summary="One incident with its timeline, SLA clocks and allowed moves",
)
def show(
    uow: Uow,
    _: Viewer,
    incident_id: IncidentId,
    kind: Annotated[
        list[Phase] | None, Query(max_length=20, description="Only these event kinds")
    ] = None,
) -> IncidentDetailRead:
    return IncidentDetailRead.of_detail(
        incidents.get(uow=uow, incident_id=incident_id, kinds=kind or ())
    )


@router.patch(
    "/{incident_id}",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Change title, summary, impact, urgency, severity, services or impact start",
)
def update(uow: Uow, who: Responder, incident_id: IncidentId, body: IncidentUpdate) -> IncidentRead:
    changes = body.changes()
    return IncidentRead.of(
        incidents.update(uow=uow, actor=who.user_id, incident_id=incident_id, changes=changes)
    )


@router.post(
    "/{incident_id}/transition",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Move to another phase (refused with what is missing)",
)
def transition(
    uow: Uow, who: Responder, incident_id: IncidentId, body: TransitionCreate
) -> IncidentRead:
    view = incidents.transition(
        uow=uow, actor=who.user_id, incident_id=incident_id, **body.model_dump()
    )
    return IncidentRead.of(view)


@router.post("/{incident_id}/acknowledge", response_model=IncidentRead, responses=CHANGES)
def acknowledge(uow: Uow, who: Responder, incident_id: IncidentId) -> IncidentRead:
    return IncidentRead.of(
        incidents.acknowledge(uow=uow, actor=who.user_id, incident_id=incident_id)
    )


@router.post("/{incident_id}/mitigate", response_model=IncidentRead, responses=CHANGES)
def mitigate(uow: Uow, who: Responder, incident_id: IncidentId) -> IncidentRead:
    return IncidentRead.of(incidents.mitigate(uow=uow, actor=who.user_id, incident_id=incident_id))


@router.post("/{incident_id}/resolve", response_model=IncidentRead, responses=CHANGES)
def resolve(uow: Uow, who: Responder, incident_id: IncidentId, body: ResolveCreate) -> IncidentRead:
    view = incidents.resolve(
        uow=uow, actor=who.user_id, incident_id=incident_id, summary=body.summary
    )
    return IncidentRead.of(view)


@router.post("/{incident_id}/close", response_model=IncidentRead, responses=CHANGES)
def close(uow: Uow, who: Responder, incident_id: IncidentId, body: CloseCreate) -> IncidentRead:
    view = incidents.close(uow=uow, actor=who.user_id, incident_id=incident_id, reason=body.reason)
    return IncidentRead.of(view)


@router.post(
    "/{incident_id}/metrics-exclusion",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Leave the incident out of metrics (with a reason), or count it again",
)
def set_metrics_exclusion(
    uow: Uow, who: Responder, incident_id: IncidentId, body: MetricsExclusionUpdate
) -> IncidentRead:
    view = incidents.exclude_from_metrics(
        uow=uow, actor=who.user_id, incident_id=incident_id, **body.model_dump()
    )
    return IncidentRead.of(view)


@router.put(
    "/{incident_id}/roles/{role}",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Assign a role, or hand it over",
)
def assign_role(
    uow: Uow, who: Responder, incident_id: IncidentId, role: RoleName, body: RoleAssignment
) -> IncidentRead:
    view = incidents.assign_role(
        uow=uow, actor=who.user_id, incident_id=incident_id, role=role, user=body.user
    )
    return IncidentRead.of(view)


@router.delete("/{incident_id}/roles/{role}", response_model=IncidentRead, responses=CHANGES)
def unassign_role(
    uow: Uow, who: Responder, incident_id: IncidentId, role: RoleName
) -> IncidentRead:
    view = incidents.assign_role(
        uow=uow, actor=who.user_id, incident_id=incident_id, role=role, user=None
    )
    return IncidentRead.of(view)


@router.post(
    "/{incident_id}/notes", status_code=201, response_model=IncidentRead, responses=CHANGES
)
def add_note(uow: Uow, who: Responder, incident_id: IncidentId, body: NoteCreate) -> IncidentRead:
    return IncidentRead.of(
        incidents.add_note(
            uow=uow, actor=who.user_id, incident_id=incident_id, text=body.text, pinned=body.pinned
        )
    )


@router.post(
    "/{incident_id}/status-updates", status_code=201, response_model=IncidentRead, responses=CHANGES
)
def post_status_update(
    uow: Uow, who: Responder, incident_id: IncidentId, body: StatusUpdateCreate
) -> IncidentRead:
    view = incidents.post_status_update(
        uow=uow, actor=who.user_id, incident_id=incident_id, **body.model_dump()
    )
    return IncidentRead.of(view)


@router.post(
    "/{incident_id}/tasks", status_code=201, response_model=IncidentRead, responses=CHANGES
)
def add_task(uow: Uow, who: Responder, incident_id: IncidentId, body: TaskCreate) -> IncidentRead:
    view = incidents.add_task(
        uow=uow, actor=who.user_id, incident_id=incident_id, **body.model_dump()
    )
    return IncidentRead.of(view)


@router.patch("/{incident_id}/tasks/{task_id}", response_model=IncidentRead, responses=CHANGES)
def update_task(
    uow: Uow, who: Responder, incident_id: IncidentId, task_id: TaskId, body: TaskUpdate
) -> IncidentRead:
    changes = body.changes()
    view = incidents.update_task(
        uow=uow, actor=who.user_id, incident_id=incident_id, task_id=task_id, changes=changes
    )
    return IncidentRead.of(view)


@router.post(
    "/{incident_id}/escalate",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Fire the next escalation step now",
)
def escalate(uow: Uow, who: Responder, incident_id: IncidentId) -> IncidentRead:
    paging.escalate_now(uow=uow, actor=who.user_id, incident_id=incident_id)
    return IncidentRead.of(incidents.get(uow=uow, incident_id=incident_id))


@router.post(
    "/{incident_id}/reassign",
    response_model=IncidentRead,
    responses=CHANGES,
    summary="Page a user now, by their notification rules",
)
def reassign(
    uow: Uow, who: Responder, incident_id: IncidentId, body: RoleAssignment
) -> IncidentRead:
    paging.reassign(uow=uow, actor=who.user_id, incident_id=incident_id, user=body.user)
    return IncidentRead.of(incidents.get(uow=uow, incident_id=incident_id))
