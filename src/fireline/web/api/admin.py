"""/api/v1: configuration as code, the directory (users, teams, services), workflows, tokens."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from fireline.errors import InvalidInput
from fireline.services.admin import audit, auth, directory, secrets, throttling
from fireline.services.admin.configuration import apply_config
from fireline.services.admin.throttling import ThrottleRead
from fireline.web.deps import Admin, Core, Uow, Viewer
from fireline.web.problems import document

router = APIRouter(responses=document((401, 403, 429)))
Id = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class FieldChange(BaseModel):
    old: Any
    new: Any


class Planned(BaseModel):
    kind: str
    id: str
    action: Literal["create", "update", "delete"]
    fields: dict[str, FieldChange] = Field(
        description="What changes, old → new (null: none); keys and webhook URLs hidden."
    )


class ApplyResult(BaseModel):
    changed: bool
    dry_run: bool = Field(description="True: the plan only; nothing was changed.")
    prune: bool
    changes: list[dict[str, str]] = Field(description="Every object named, with its outcome.")
    plan: list[Planned] = Field(description="The objects that change (empty: nothing to change).")


class TokenCreated(BaseModel):
    token: str


class TokenCreate(BaseModel):
    name: Annotated[str, Body(min_length=1, max_length=120, pattern=r"^[^\x00]*$")] = "api"


async def _raw_body(request: Request) -> bytes:
    return await request.body()


_CONFIG_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
Source = Annotated[
    str, Query(max_length=200, pattern=r"^[^\x00]*$", description="Named in errors.")
]
Prune = Annotated[
    bool,
    Query(description="Also delete integrations made through the API that the file omits."),
]


@router.post(
    "/config/apply",
    response_model=ApplyResult,
    tags=["config"],
    responses=document((409, 422)),
    openapi_extra=_CONFIG_BODY,
    summary="Apply a config file (YAML or JSON body); idempotent, all or nothing",
)
def apply(
    uow: Uow,
    who: Admin,
    body: Annotated[bytes, Depends(_raw_body)],
    source: Source = "request",
    prune: Prune = False,
    dry_run: Annotated[bool, Query(description="Only say what would change.")] = False,
) -> ApplyResult:
    return _applied(uow, body, source, prune=prune, dry_run=dry_run, actor=who.user_id)


@router.post(
    "/config/plan",
    response_model=ApplyResult,
    tags=["config"],
    responses=document((409, 422)),
    openapi_extra=_CONFIG_BODY,
    summary="What applying a config file would change (a dry run: nothing is changed)",
)
def plan(
    uow: Uow,
    who: Admin,
    body: Annotated[bytes, Depends(_raw_body)],
    source: Source = "request",
    prune: Prune = False,
) -> ApplyResult:
    return _applied(uow, body, source, prune=prune, dry_run=True, actor=who.user_id)


def _applied(
    uow: Uow, body: bytes, source: str, *, prune: bool, dry_run: bool, actor: str
) -> ApplyResult:
    text = _decode(body)
    report = apply_config(
        uow=uow, text=text, source=source, prune=prune, dry_run=dry_run, actor=actor
    )
    return ApplyResult.model_validate(
        {
            "changed": report.changed,
            "dry_run": dry_run,
            "prune": prune,
            "changes": report.changes,
            "plan": report.plan,
        }
    )


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the config must be UTF-8 text", field="body") from None


@router.get("/me", tags=["directory"], response_model=directory.UserRead)
def me(uow: Uow, who: Viewer) -> directory.UserRead:
    return directory.get_user(uow=uow, user_id=who.user_id, reader=who)


@router.get("/users", tags=["directory"], response_model=list[directory.UserRead])
def users(uow: Uow, who: Viewer) -> list[directory.UserRead]:
    return directory.list_users(uow=uow, reader=who)


@router.get(
    "/users/{user_id}",
    tags=["directory"],
    response_model=directory.UserRead,
    responses=document((404,)),
)
def user(uow: Uow, who: Viewer, user_id: Id) -> directory.UserRead:
    return directory.get_user(uow=uow, user_id=user_id, reader=who)


@router.get("/teams", tags=["directory"], response_model=list[directory.TeamRead])
def teams(uow: Uow, _: Viewer) -> list[directory.TeamRead]:
    return directory.list_teams(uow=uow)


@router.get("/services", tags=["directory"], response_model=list[directory.ServiceRead])
def services(uow: Uow, who: Viewer, core: Core) -> list[directory.ServiceRead]:
    return directory.list_services(uow=uow, show_keys=who.role == "admin", base_url=core.base_url())


@router.get(
    "/services/{service_id}",
    tags=["directory"],
    response_model=directory.ServiceRead,
    responses=document((404,)),
)
def service(uow: Uow, who: Viewer, core: Core, service_id: Id) -> directory.ServiceRead:
    return directory.get_service(
        uow=uow, service_id=service_id, show_keys=who.role == "admin", base_url=core.base_url()
    )


@router.get("/workflows", tags=["workflows"], response_model=list[directory.WorkflowRead])
def workflows(uow: Uow, _: Viewer) -> list[directory.WorkflowRead]:
    return directory.list_workflows(uow=uow)


@router.get(
    "/workflows/{workflow_id}",
    tags=["workflows"],
    response_model=directory.WorkflowRead,
    responses=document((404,)),
)
def workflow(
    uow: Uow,
    _: Viewer,
    workflow_id: Id,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Default: the newest.")
    ] = None,
) -> directory.WorkflowRead:
    return directory.get_workflow(uow=uow, workflow_id=workflow_id, version=version)


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


@router.get(
    "/tokens", tags=["tokens"], response_model=list[auth.TokenRead], summary="Your API tokens"
)
def list_tokens(uow: Uow, who: Viewer) -> list[auth.TokenRead]:
    return auth.list_tokens(uow=uow, user_id=who.user_id)


@router.delete(
    "/tokens/{token_id}",
    tags=["tokens"],
    status_code=204,
    responses=document((404,)),
    summary="Revoke a token (yours, or anyone's as an admin)",
)
def revoke_token(uow: Uow, who: Viewer, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> None:
    auth.revoke_token(uow=uow, principal=who, token_id=token_id)


@router.get("/secrets", tags=["secrets"], response_model=list[secrets.SecretRead])
def list_secrets(uow: Uow, _: Admin) -> list[secrets.SecretRead]:
    """Fireline's signing keys: what each is for and when it was made (never the value)."""
    return secrets.list_secrets(uow=uow)


@router.post(
    "/secrets/{purpose}/rotate",
    tags=["secrets"],
    response_model=secrets.SecretRead,
    responses=document((422,)),
)
def rotate_secret(
    uow: Uow, who: Admin, purpose: Annotated[str, Path(max_length=40, pattern=r"^[a-z-]+$")]
) -> secrets.SecretRead:
    """Replace a signing key: every link signed with the old one stops working at once."""
    return secrets.rotate(uow=uow, actor=who.user_id, purpose=purpose)


@router.get("/throttles", tags=["security"], response_model=list[ThrottleRead])
def throttles(core: Core, _: Admin) -> list[ThrottleRead]:
    """Accounts and addresses refused now for too many failed logins or invalid tokens."""
    return core.attempts().throttled()


@router.delete(
    "/throttles/{kind}/{subject}",
    tags=["security"],
    status_code=204,
    responses=document((422,)),
)
def clear_throttle(
    core: Core,
    who: Admin,
    kind: Annotated[str, Path(max_length=20)],
    subject: Annotated[str, Path(max_length=254, pattern=r"^[^\x00]+$")],
) -> None:
    """Lift a refusal: the account or address may try again at once."""
    throttling.lift(
        uow=core.uow(), attempts=core.attempts(), actor=who.user_id, kind=kind, subject=subject
    )


@router.get("/audit", tags=["security"], response_model=list[audit.AuditRead])
def audit_log(
    uow: Uow,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Older than this id.")] = None,
    action: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_.]+$")] = None,
) -> list[audit.AuditRead]:
    """Who changed what, newest first: config, tokens, passwords, integration keys, secrets,
    silences, login refusals."""
    return audit.list_audit(uow=uow, limit=limit, before=before, action=action)
