"""Organisation-wide settings as domain values: priority policy, severities, roles, workflow choice."""

from __future__ import annotations

import secrets
from datetime import datetime

from fireline.domain.configuration import WorkflowChoice
from fireline.domain.priority import PriorityPolicy
from fireline.domain.workflow import Workflow
from fireline.errors import InvalidInput, NotFound
from fireline.storage.models import Service
from fireline.storage.uow import UnitOfWork
from fireline.workflows import SHIPPED, shipped_workflow

DEFAULT_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


def priority_policy(uow: UnitOfWork) -> PriorityPolicy:
    """The configured priority matrix and SLA targets (ITIL defaults until configured)."""
    stored = uow.settings.get("priorities")
    return PriorityPolicy.model_validate(stored) if stored else PriorityPolicy()


def severities(uow: UnitOfWork) -> tuple[str, ...]:
    stored = uow.settings.get("severities")
    return tuple(stored["values"]) if stored else DEFAULT_SEVERITIES


def check_severity(uow: UnitOfWork, severity: str | None) -> None:
    allowed = severities(uow)
    if severity is not None and severity not in allowed:
        raise InvalidInput(
            f"unknown severity {severity!r}; configured: {', '.join(allowed)}", field="severity"
        )


def allowed_roles(uow: UnitOfWork, workflow: Workflow) -> list[str]:
    """The workflow's roles plus the organisation's custom roles."""
    stored = uow.settings.get("roles")
    custom = [r["id"] for r in stored["custom"]] if stored else []
    return list(dict.fromkeys([*workflow.roles, *custom]))


def workflow_choice(uow: UnitOfWork) -> WorkflowChoice:
    stored = uow.settings.get("workflows")
    return WorkflowChoice.model_validate(stored) if stored else WorkflowChoice()


def choose_workflow(
    uow: UnitOfWork, requested: str | None, services: list[Service]
) -> tuple[int, Workflow]:
    """The workflow a new incident runs: as asked, else its first service's team's, else the default."""
    choice = workflow_choice(uow)
    workflow_id = requested
    if workflow_id is None:
        teams = [s.team_id for s in services if s.team_id in choice.by_team]
        workflow_id = choice.by_team[teams[0]] if teams else choice.default
    try:
        return uow.workflows.latest(workflow_id)
    except NotFound:
        raise InvalidInput(f"there is no workflow {workflow_id!r}", field="workflow") from None


def install_id(uow: UnitOfWork) -> str:
    """A random name for this installation (this database), made once: it keeps the
    Message-IDs of its mail apart from every other install's."""
    stored = uow.settings.get("install")
    if stored:
        return str(stored["id"])
    value = secrets.token_hex(8)
    uow.settings.put("install", {"id": value})
    return value


def register_shipped_workflows(uow: UnitOfWork, now: datetime) -> None:
    """Store the shipped workflows; a new version only when Fireline's own copy changed.

    A team that redefined a shipped workflow in its config keeps its version
    until Fireline ships a different one.
    """
    uow.lock("configuration")
    recorded = uow.settings.get("shipped_workflows") or {}
    current = {}
    for workflow_id in SHIPPED:
        workflow = shipped_workflow(workflow_id)
        current[workflow_id] = workflow.digest()
        if recorded.get(workflow_id) != current[workflow_id]:
            uow.workflows.register(workflow, now)
    uow.settings.put("shipped_workflows", current)
