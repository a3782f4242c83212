"""/api/v1: postmortems (draft, edit, review, publish, export) and follow-up actions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import Field

from fireline.schemas import Due, FollowUpItemRead, Input, LongText, Ref, Title
from fireline.services.admin import list_filters
from fireline.services.incidents import drills
from fireline.services.review import follow_ups, postmortems, similar
from fireline.web.deps import Responder, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(tags=["review"], responses=document((401, 403, 429, 422)))
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The incident's number.")]
FollowUpId = Annotated[str, Path(pattern=r"^F[0-9]{1,6}$")]
SectionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s\x00]+$")]
Priority = Literal["high", "medium", "low"]
Kind = Literal["mitigate", "prevent", "detect", "process"]
CHANGES = document((404, 409))


class PostmortemUpdate(Input):
    version: int = Field(
        ge=1, le=2**31 - 2, description="The version you edited; a newer one is a 409."
    )
    sections: dict[SectionId, Annotated[str, Field(max_length=100_000)]] | None = Field(
        default=None, max_length=50, description="Section id → new Markdown text."
    )
    refill: list[SectionId] = Field(
        default=[], max_length=50, description="Sections to fill again from the incident's data."
    )
    reviewers: list[Ref] | None = Field(default=None, max_length=50)
    public: bool | None = Field(
        default=None, description="Show the public sections on the status page once published."
    )


class PostmortemStatusUpdate(Input):
    status: Literal["draft", "in_review", "published"]


class CommentCreate(Input):
    body: LongText
    section: SectionId | None = None


class FollowUpCreate(Input):
    title: Title
    owner: Ref | None = None
    due_at: Due | None = None
    priority: Priority = "medium"
    type: Kind = "prevent"
    url: Url | None = None


class FollowUpUpdate(Input):
    title: Title | None = None
    owner: Ref | None = None
    due_at: Due | None = None
    priority: Priority | None = None
    type: Kind | None = None
    url: Url | None = None
    done: bool | None = None


@router.post(
    "/incidents/{incident_id}/postmortem",
    status_code=201,
    response_model=postmortems.PostmortemView,
    responses=CHANGES,
    summary="Draft the postmortem now (the standard workflow drafts it on entering review)",
)
def start_postmortem(
    uow: Uow, who: Responder, incident_id: IncidentId
) -> postmortems.PostmortemView:
    return postmortems.start_postmortem(uow=uow, actor=who.user_id, incident_id=incident_id)


@router.get(
    "/incidents/{incident_id}/postmortem",
    response_model=postmortems.PostmortemView,
    responses=document((404,)),
    summary="The postmortem: sections, status, reviewers, comments, follow-ups",
)
def show_postmortem(uow: Uow, _: Viewer, incident_id: IncidentId) -> postmortems.PostmortemView:
    return postmortems.get_postmortem(uow=uow, incident_id=incident_id)


@router.get(
    "/incidents/{incident_id}/postmortem/export",
    response_class=Response,
    responses={
        **document((404,)),
        200: {
            "description": "The postmortem document",
            "content": {"text/markdown": {"schema": {"type": "string"}}, "text/html": {}},
        },
    },
    summary="The postmortem as Markdown or HTML (public: only the public sections)",
)
def export_postmortem(
    uow: Uow,
    _: Viewer,
    incident_id: IncidentId,
    format: Literal["markdown", "html"] = "markdown",  # noqa: A002 - the query parameter's name
    public: bool = False,
) -> Response:
    text = postmortems.export(uow=uow, incident_id=incident_id, fmt=format, public=public)
    if format == "html":
        return HTMLResponse(text)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.patch(
    "/incidents/{incident_id}/postmortem",
    response_model=postmortems.PostmortemView,
    responses=CHANGES,
    summary="Edit sections, re-fill them from the data, set reviewers or the public flag",
)
def edit_postmortem(
    uow: Uow, who: Responder, incident_id: IncidentId, body: PostmortemUpdate
) -> postmortems.PostmortemView:
    return postmortems.edit_postmortem(
        uow=uow,
        actor=who.user_id,
        incident_id=incident_id,
        version=body.version,
        sections=body.sections,
        refill=body.refill,
        reviewers=body.reviewers,
        public=body.public,
    )


@router.post(
    "/incidents/{incident_id}/postmortem/status",
    response_model=postmortems.PostmortemView,
    responses=CHANGES,
    summary="Send the postmortem for review, publish it, or take it back to draft",
)
def postmortem_status(
    uow: Uow, who: Responder, incident_id: IncidentId, body: PostmortemStatusUpdate
) -> postmortems.PostmortemView:
    return postmortems.set_status(
        uow=uow, actor=who.user_id, incident_id=incident_id, status=body.status
    )


@router.post(
    "/incidents/{incident_id}/postmortem/comments",
    status_code=201,
    response_model=postmortems.PostmortemView,
    responses=CHANGES,
    summary="Comment on the postmortem or one of its sections",
)
def comment(
    uow: Uow, who: Responder, incident_id: IncidentId, body: CommentCreate
) -> postmortems.PostmortemView:
    return postmortems.add_comment(
        uow=uow, actor=who.user_id, incident_id=incident_id, body=body.body, section=body.section
    )


@router.post(
    "/incidents/{incident_id}/follow-ups",
    status_code=201,
    response_model=list[FollowUpItemRead],
    responses=CHANGES,
    summary="Add a follow-up action; answers with the incident's follow-ups",
)
def add_follow_up(
    uow: Uow, who: Responder, incident_id: IncidentId, body: FollowUpCreate
) -> list[FollowUpItemRead]:
    view = follow_ups.add_follow_up(
        uow=uow, actor=who.user_id, incident_id=incident_id, **body.model_dump()
    )
    return [FollowUpItemRead.model_validate(f) for f in view.incident.follow_ups]


@router.patch(
    "/incidents/{incident_id}/follow-ups/{follow_up_id}",
    response_model=list[FollowUpItemRead],
    responses=CHANGES,
    summary="Change a follow-up or mark it done; answers with the incident's follow-ups",
)
def update_follow_up(
    uow: Uow,
    who: Responder,
    incident_id: IncidentId,
    follow_up_id: FollowUpId,
    body: FollowUpUpdate,
) -> list[FollowUpItemRead]:
    view = follow_ups.update_follow_up(
        uow=uow,
        actor=who.user_id,
        incident_id=incident_id,
        follow_up_id=follow_up_id,
        changes=body.changes(),
    )
    return [FollowUpItemRead.model_validate(f) for f in view.incident.follow_ups]


@router.get(
    "/follow-ups",
    response_model=list[follow_ups.FollowUpRead],
    summary="Follow-ups across incidents, soonest due first",
)
def list_follow_ups(
    uow: Uow,
    _: Viewer,
    owner: Annotated[str | None, Query(max_length=40)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[follow_ups.FollowUpRead]:
    list_filters.check_filters(uow=uow, owner=owner)
    return follow_ups.list_follow_ups(
        uow=uow, owner=owner, open_only=open_only, overdue=overdue, limit=limit
    )


@router.get(
    "/incidents/{incident_id}/similar",
    response_model=list[similar.SimilarRead],
    responses=document((404,)),
    summary="Past incidents on the same services with like words or shared alert labels",
)
def similar_incidents(
    uow: Uow,
    _: Viewer,
    incident_id: IncidentId,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[similar.SimilarRead]:
    return similar.similar_incidents(uow=uow, incident_id=incident_id, limit=limit)


@router.get(
    "/incidents/{incident_id}/drill-report",
    response_model=drills.DrillReport,
    responses=CHANGES,
    summary="A drill's own report: time to page, acknowledge, staff every role; 409 if not a drill",
)
def drill_report(uow: Uow, _: Viewer, incident_id: IncidentId) -> drills.DrillReport:
    return drills.drill_report(uow=uow, incident_id=incident_id)
