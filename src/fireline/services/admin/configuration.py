"""Config as code: make the database match a config file, in one transaction, or change nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from fireline.domain.configuration import (
    ConfigDocument,
    Known,
    ScheduleSpec,
    ServiceSpec,
    UserSpec,
    dangling_references,
)
from fireline.errors import ConfigInvalid
from fireline.services.admin.yamlfile import Path, load_model, where
from fireline.storage.directory import Outcome
from fireline.storage.models import EscalationPolicy, Integration, Schedule, Service, Team, User
from fireline.storage.uow import UnitOfWork


@dataclass
class ApplyReport:
    """What applying a file did, object by object."""

    changes: list[dict[str, str]] = field(default_factory=list)

    def add(self, kind: str, object_id: str, outcome: str) -> None:
        self.changes.append({"kind": kind, "id": object_id, "outcome": outcome})

    def count(self, outcome: str) -> int:
        return sum(c["outcome"] == outcome for c in self.changes)

    @property
    def changed(self) -> bool:
        return any(c["outcome"] != "unchanged" for c in self.changes)


def apply_config(*, uow: UnitOfWork, text: str, source: str = "config") -> ApplyReport:
    """Validate the whole file first, then create or update every object it names.

    Objects are matched by id; applying the same file twice changes nothing.
    Objects the file does not name are left alone. A service's integrations
    and a user's teams are made to match the file exactly.
    """
    doc, lines = load_model(ConfigDocument, text, source)
    report = ApplyReport()
    with uow:
        uow.lock("configuration")  # two applies at once: one waits for the other
        _check_references(uow, doc, lines, source)
        _apply_sections(uow, doc, report)
        for section in ("teams", "users", "schedules", "escalation_policies", "services"):
            for item in getattr(doc, section):
                _apply_item(uow, section, item, report)
        uow.commit()
    return report


def _check_references(
    uow: UnitOfWork, doc: ConfigDocument, lines: dict[Path, int], source: str
) -> None:
    d = uow.directory
    known = Known(
        teams=d.ids(Team),
        users=d.ids(User),
        schedules=d.ids(Schedule),
        escalation_policies=d.ids(EscalationPolicy),
        services=d.ids(Service),
        workflows=uow.workflows.ids(),
    )
    problems = [_locate(p, lines, source) for p in dangling_references(doc, known)]
    for service in doc.services:
        for integration in service.integrations:
            owner = d.integration_by_key(integration.key) if integration.key else None
            if owner is not None and owner.id != integration.id:
                problems.append(
                    f"{source}: integration {integration.id}: key already used by {owner.id}"
                )
    for user in doc.users:
        holder = d.user_by_login(user.email)
        if holder is not None and holder.id != user.id:
            problems.append(
                f"{source}: user {user.id}: email {user.email} already belongs to {holder.id}"
            )
    if problems:
        raise ConfigInvalid(problems)


def _locate(problem: str, lines: dict[Path, int], source: str) -> str:
    dotted_path, _, _ = problem.partition(":")
    parts: list[str | int] = []
    for chunk in dotted_path.replace("]", "").split("."):
        name, *indexes = chunk.split("[")
        parts += [name, *(int(i) for i in indexes)]
    return f"{where(lines, tuple(parts), source)}: {problem}"


def _apply_sections(uow: UnitOfWork, doc: ConfigDocument, report: ApplyReport) -> None:
    now = uow.now()
    if doc.workflows:
        for workflow in doc.workflows.definitions:
            _, created = uow.workflows.register(workflow, now)
            report.add("workflow", workflow.id, "created" if created else "unchanged")
    sections: dict[str, Any] = {
        "priorities": doc.priorities.model_dump(mode="json") if doc.priorities else None,
        "severities": {"values": list(doc.severities)} if doc.severities is not None else None,
        "roles": {"custom": [r.model_dump() for r in doc.roles]} if doc.roles is not None else None,
        "workflows": doc.workflows.model_dump(mode="json", exclude={"definitions"})
        if doc.workflows
        else None,
        "status_page": doc.status_page.model_dump(mode="json") if doc.status_page else None,
        "postmortems": doc.postmortems.model_dump(mode="json") if doc.postmortems else None,
    }
    for key, value in sections.items():
        if value is not None:
            report.add("setting", key, uow.settings.put(key, value))


def _apply_item(uow: UnitOfWork, section: str, item: Any, report: ApplyReport) -> None:
    d = uow.directory
    if section == "teams":
        values = {"name": item.name, "announcements": _dump(item.announce)}
        report.add("team", item.id, d.upsert(Team, item.id, values))
    elif section == "users":
        report.add("user", item.id, _apply_user(uow, item))
    elif section == "schedules":
        report.add("schedule", item.id, _apply_schedule(uow, item))
    elif section == "escalation_policies":
        values = {"name": item.name, "definition": item.model_dump(mode="json")}
        report.add("escalation policy", item.id, d.upsert(EscalationPolicy, item.id, values))
    else:
        _apply_service(uow, item, report)


def _apply_schedule(uow: UnitOfWork, schedule: ScheduleSpec) -> Outcome:
    """Store the schedule; a changed one keeps its earlier definition in ``history``, so that
    on-call questions about the past get the answer that was true then."""
    definition = schedule.model_dump(mode="json", by_alias=True)
    values: dict[str, Any] = {
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "definition": definition,
    }
    existing = uow.directory.find(Schedule, schedule.id)
    if existing is not None and existing.definition != definition:
        until = uow.now().isoformat()
        values["history"] = [*existing.history, {"until": until, "definition": existing.definition}]
    return uow.directory.upsert(Schedule, schedule.id, values)


def _apply_user(uow: UnitOfWork, user: UserSpec) -> Outcome:
    values: dict[str, Any] = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "contact_methods": [
            c.model_dump(mode="json", exclude_none=True) for c in user.contact_methods
        ],
        "notification_rules": [r.model_dump(mode="json") for r in user.notification_rules],
    }
    existing = uow.directory.find(User, user.id)
    if existing is None:
        values["created_at"] = uow.now()
    outcome = uow.directory.upsert(User, user.id, values)
    teams_changed = uow.directory.set_teams(user.id, user.teams)
    return "updated" if outcome == "unchanged" and teams_changed else outcome


def _dump(specs: tuple[BaseModel, ...]) -> list[dict[str, Any]]:
    return [spec.model_dump(mode="json", exclude_none=True) for spec in specs]


def _apply_service(uow: UnitOfWork, service: ServiceSpec, report: ApplyReport) -> None:
    d = uow.directory
    service_values: dict[str, Any] = {
        "name": service.name,
        "team_id": service.team,
        "escalation_policy_id": service.escalation_policy,
        "impact": service.impact,
        "auto_resolve": service.auto_resolve,
        "alert_grouping": service.alert_grouping.model_dump(mode="json")
        if service.alert_grouping
        else None,
        "acknowledge_timeout_seconds": int(service.acknowledge_timeout.total_seconds())
        if service.acknowledge_timeout
        else None,
        "announcements": _dump(service.announce),
        "status_page": service.status_page.model_dump(mode="json") if service.status_page else None,
    }
    report.add("service", service.id, d.upsert(Service, service.id, service_values))
    for gone in d.remove_integrations(service.id, [i.id for i in service.integrations]):
        report.add("integration", gone, "deleted")
    for integration in service.integrations:
        current = d.find(Integration, integration.id)
        key = integration.key or (current.key if current else secrets.token_hex(16))
        settings = integration.model_dump(
            mode="json", exclude={"id", "type", "key"}, exclude_none=True
        )
        values: dict[str, Any] = {
            "service_id": service.id,
            "type": integration.type,
            "key": key,
            "settings": settings,
        }
        if current is None:
            values["created_at"] = uow.now()
        report.add("integration", integration.id, d.upsert(Integration, integration.id, values))
