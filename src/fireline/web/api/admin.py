"""/api/v1: configuration as code, the directory (users, teams, services), workflows, tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel

from fireline.errors import InvalidInput
from fireline.services import auth, directory
from fireline.services.configuration import apply_config
from fireline.web.deps import Admin, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(responses=document((401, 403)))
Id = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class ApplyResult(BaseModel):
    changed: bool
    changes: list[dict[str, str]]


class TokenCreated(BaseModel):
    token: str


class TokenCreate(BaseModel):
    name: Annotated[str, Body(min_length=1, max_length=120, pattern=r"^[^\x00]*$")] = "api"


@router.post(
    "/config/apply",
    response_model=ApplyResult,
    tags=["config"],
    responses=document((422,)),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
    summary="Apply a config file (YAML or JSON body); idempotent, all or nothing",
)
def apply(
    uow: Uow, _: Admin, body: Annotated[bytes, Body(media_type="application/yaml")]
) -> ApplyResult:
    report = apply_config(uow=uow, text=_decode(body), source="request")
    return ApplyResult(changed=report.changed, changes=report.changes)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the config must be UTF-8 text", field="body") from None


@router.get("/me", tags=["directory"], response_model=directory.UserRead)
def me(uow: Uow, who: Viewer) -> directory.UserRead:
    return directory.get_user(uow=uow, user_id=who.user_id)


@router.get("/users", tags=["directory"], response_model=list[directory.UserRead])
def users(uow: Uow, _: Viewer) -> list[directory.UserRead]:
    return directory.list_users(uow=uow)


@router.get(
    "/users/{user_id}",
    tags=["directory"],
    response_model=directory.UserRead,
    responses=document((404,)),
)
def user(uow: Uow, _: Viewer, user_id: Id) -> directory.UserRead:
    return directory.get_user(uow=uow, user_id=user_id)


@router.get("/teams", tags=["directory"], response_model=list[directory.TeamRead])
def teams(uow: Uow, _: Viewer) -> list[directory.TeamRead]:
    return directory.list_teams(uow=uow)


@router.get("/services", tags=["directory"], response_model=list[directory.ServiceRead])
def services(uow: Uow, who: Viewer) -> list[directory.ServiceRead]:
    return directory.list_services(uow=uow, show_keys=who.role == "admin")


@router.get(
    "/services/{service_id}",
    tags=["directory"],
    response_model=directory.ServiceRead,
    responses=document((404,)),
)
def service(uow: Uow, who: Viewer, service_id: Id) -> directory.ServiceRead:
    return directory.get_service(uow=uow, service_id=service_id, show_keys=who.role == "admin")


@router.get("/workflows", tags=["workflows"], response_model=list[directory.WorkflowRead])
def workflows(uow: Uow, _: Viewer) -> list[directory.WorkflowRead]:
    return directory.list_workflows(uow=uow)


@router.get(
    "/workflows/{workflow_id}",
    tags=["workflows"],
    response_model=directory.WorkflowRead,
    responses=document((404,)),
)
def workflow(uow: Uow, _: Viewer, workflow_id: Id) -> directory.WorkflowRead:
    return directory.get_workflow(uow=uow, workflow_id=workflow_id)


@router.get(
    "/settings",
    tags=["config"],
    response_model=dict[str, Any],
    summary="Priorities, SLA targets, severities, roles and workflow choice in force",
)
def settings(uow: Uow, _: Viewer) -> dict[str, Any]:
    return directory.organisation_settings(uow=uow)


@router.post(
    "/tokens",
    tags=["tokens"],
    status_code=201,
    response_model=TokenCreated,
    responses=document((422,)),
    summary="Create a personal API token (shown once)",
)
def create_token(uow: Uow, who: Viewer, body: TokenCreate) -> TokenCreated:
    return TokenCreated(token=auth.create_token(uow=uow, user_id=who.user_id, name=body.name))
