"""Read the directory: users, teams, services, workflows and organisation settings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from fireline.services.admin import organisation
from fireline.services.admin.auth import Principal
from fireline.services.admin.base_url import DEFAULT as DEFAULT_BASE_URL
from fireline.services.alerting.integrations import IntegrationRead, read_integration
from fireline.storage.models import Service, Team, User
from fireline.storage.uow import UnitOfWork


class UserRead(BaseModel):
    id: str
    name: str
    email: str
    role: str
    time_zone: str
    teams: list[str]
    contact_methods: list[dict[str, Any]]
    notification_rules: list[dict[str, Any]]
    has_password: bool


class TeamRead(BaseModel):
    id: str
    name: str


class ServiceRead(BaseModel):
    id: str
    name: str
    team: str | None
    escalation_policy: str | None
    impact: str
    auto_resolve: bool
    alert_grouping: dict[str, Any] | None
    integrations: list[IntegrationRead]


class WorkflowRead(BaseModel):
    id: str
    version: int
    name: str
    definition: dict[str, Any]


ANYONE = Principal("", "viewer")  # a reader who sees only what every user may see


def get_user(*, uow: UnitOfWork, user_id: str, reader: Principal) -> UserRead:
    """One user with their teams, their contact methods whole only for them and admins."""
    with uow.read():
        return _user(uow, uow.directory.get(User, user_id), reader)


def list_users(*, uow: UnitOfWork, reader: Principal) -> list[UserRead]:
    with uow.read():
        return [_user(uow, u, reader) for u in uow.directory.list_all(User)]


def _user(uow: UnitOfWork, user: User, reader: Principal) -> UserRead:
    whole = reader.role == "admin" or reader.user_id == user.id
    numbers = set(uow.phones.verified(user.id).values()) if whole else set()
    contacts = (
        [_with_verified(c, numbers) for c in user.contact_methods]
        if whole  # addresses and chat webhook URLs are bearer secrets: others see the channel
        else [{"id": c["id"], "type": c["type"]} for c in user.contact_methods]
    )
    return UserRead(
        id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        time_zone=user.time_zone,
        teams=uow.directory.team_ids_of(user.id),
        contact_methods=contacts,
        notification_rules=user.notification_rules,
        has_password=user.password_hash is not None,
    )


def _with_verified(contact: dict[str, Any], numbers: set[str]) -> dict[str, Any]:
    """An sms or voice contact says whether its number is verified (to its owner and admins)."""
    if "number" not in contact:
        return contact
    return {**contact, "verified": contact["number"] in numbers}


def list_teams(*, uow: UnitOfWork) -> list[TeamRead]:
    with uow.read():
        return [TeamRead(id=t.id, name=t.name) for t in uow.directory.list_all(Team)]


def get_service(
    *,
    uow: UnitOfWork,
    service_id: str,
    show_keys: bool = False,
    base_url: str = DEFAULT_BASE_URL,
) -> ServiceRead:
    """One service with its integrations (keys only for those allowed to see them)."""
    with uow.read():
        return _service(uow, uow.directory.get(Service, service_id), show_keys, base_url)


def list_services(
    *, uow: UnitOfWork, show_keys: bool = False, base_url: str = DEFAULT_BASE_URL
) -> list[ServiceRead]:
    with uow.read():
        return [_service(uow, s, show_keys, base_url) for s in uow.directory.list_all(Service)]


def _service(uow: UnitOfWork, service: Service, show_keys: bool, base_url: str) -> ServiceRead:
    return ServiceRead(
        id=service.id,
        name=service.name,
        team=service.team_id,
        escalation_policy=service.escalation_policy_id,
        impact=service.impact,
        auto_resolve=service.auto_resolve,
        alert_grouping=service.alert_grouping,
        integrations=[
            read_integration(i, show_key=show_keys, now=uow.now(), base_url=base_url)
            for i in uow.directory.integrations_of(service.id)
        ],
    )


def list_workflows(*, uow: UnitOfWork) -> list[WorkflowRead]:
    """The newest version of every workflow."""
    with uow.read():
        found = uow.workflows.list_latest()
    return [
        WorkflowRead(id=w.id, version=v, name=w.name, definition=w.model_dump(mode="json"))
        for v, w in found
    ]


def get_workflow(*, uow: UnitOfWork, workflow_id: str, version: int | None = None) -> WorkflowRead:
    """A workflow's newest version, or the one asked for."""
    with uow.read():
        if version is None:
            version, workflow = uow.workflows.latest(workflow_id)
        else:
            workflow = uow.workflows.get(workflow_id, version)
    return WorkflowRead(
        id=workflow.id,
        version=version,
        name=workflow.name,
        definition=workflow.model_dump(mode="json"),
    )


def organisation_settings(*, uow: UnitOfWork) -> dict[str, Any]:
    """The settings in force, defaults included."""
    with uow.read():
        return {
            "priorities": organisation.priority_policy(uow).model_dump(mode="json"),
            "severities": list(organisation.severities(uow)),
            "workflows": organisation.workflow_choice(uow).model_dump(
                mode="json", exclude={"definitions"}
            ),
            "roles": (uow.settings.get("roles") or {"custom": []})["custom"],
            "status_page": uow.settings.get("status_page"),
        }
