"""Config as code: make the database match a config file, in one transaction, or change nothing."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel

from fireline.domain.configuration import (
    ConfigDocument,
    ContactMethod,
    Known,
    ScheduleSpec,
    ServiceSpec,
    UserSpec,
    dangling_references,
)
from fireline.errors import ConfigInvalid, Conflict
from fireline.services.admin import audit
from fireline.services.admin.plan import ApplyReport
from fireline.services.admin.yamlfile import Path, load_model, where
from fireline.services.paging import signing
from fireline.storage.directory import IntegrationRecord, Written
from fireline.storage.models import (
    CONFIG,
    EscalationPolicy,
    Integration,
    Schedule,
    Service,
    Team,
    User,
)
from fireline.storage.uow import UnitOfWork


def apply_config(
    *,
    uow: UnitOfWork,
    text: str,
    source: str = "config",
    dry_run: bool = False,
    prune: bool = False,
    actor: str = "config",
) -> ApplyReport:
    """Validate the whole file first, then create or update every object it names.

    Objects are matched by id; applying the same file twice changes nothing. What the file
    names becomes config-owned (an object made through the API is adopted). Objects the file
    does not name are left alone, except a named service's integrations: those config owns
    are deleted, and those made through the API too with ``prune``. An integration whose
    alerts are in incidents is never deleted (Conflict). A dry run does all of it, reports
    it, and commits nothing.
    """
    doc, lines = load_model(ConfigDocument, text, source)
    report = ApplyReport(dry_run=dry_run, prune=prune)
    with uow:
        uow.lock("configuration")  # two applies at once: one waits for the other
        _check_references(uow, doc, lines, source)
        _apply_sections(uow, doc, report)
        for section in ("teams", "users", "schedules", "escalation_policies", "services"):
            for item in getattr(doc, section):
                _apply_item(uow, section, item, report)
        if not dry_run:
            _audit(uow, actor, source, report)
            uow.commit()
    return report


def _audit(uow: UnitOfWork, actor: str, source: str, report: ApplyReport) -> None:
    """The applied plan in the audit log, and each role changed on its own line."""
    if not report.changed:
        return
    audit.record(uow, actor, "config.applied", source, prune=report.prune, plan=report.plan)
    for change in report.plan:
        role = change["fields"].get("role")
        if change["kind"] == "user" and change["action"] == "update" and role is not None:
            audit.record(uow, actor, "role.changed", change["id"], **role)


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
            version, created = uow.workflows.register(workflow, now)
            fields = {"version": (version - 1 or None, version)} if created else {}
            report.add("workflow", workflow.id, "created" if created else "unchanged", fields)
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
            _report(report, "setting", key, uow.settings.put(key, value))


def _apply_item(uow: UnitOfWork, section: str, item: Any, report: ApplyReport) -> None:
    d = uow.directory
    if section == "teams":
        values = {"name": item.name, "announcements": _dump(item.announce)}
        _report(report, "team", item.id, d.upsert(Team, item.id, _owned(values)))
        _webhook_secrets(uow, f"team:{item.id}", item.announce, report)
    elif section == "users":
        _report(report, "user", item.id, _apply_user(uow, item))
        _webhook_secrets(uow, item.id, item.contact_methods, report)
    elif section == "schedules":
        _report(report, "schedule", item.id, _apply_schedule(uow, item))
    elif section == "escalation_policies":
        values = {"name": item.name, "definition": item.model_dump(mode="json")}
        written = d.upsert(EscalationPolicy, item.id, _owned(values))
        _report(report, "escalation policy", item.id, written)
    else:
        _apply_service(uow, item, report)


def _report(report: ApplyReport, kind: str, object_id: str, written: Written) -> None:
    report.add(kind, object_id, written.outcome, written.fields)


def _owned(values: dict[str, Any]) -> dict[str, Any]:
    """The values with config as the owner: a named object made through the API is adopted."""
    return {**values, "managed_by": CONFIG}


def _apply_schedule(uow: UnitOfWork, schedule: ScheduleSpec) -> Written:
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
    return uow.directory.upsert(Schedule, schedule.id, _owned(values))


def _apply_user(uow: UnitOfWork, user: UserSpec) -> Written:
    values: dict[str, Any] = {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "contact_methods": _dump(user.contact_methods),
        "notification_rules": [r.model_dump(mode="json") for r in user.notification_rules],
        "slack_user_id": user.slack_user_id,
        "mattermost_user_id": user.mattermost_user_id.lower() if user.mattermost_user_id else None,
    }
    existing = uow.directory.find(User, user.id)
    if existing is None:
        values["created_at"] = uow.now()
    teams_before = uow.directory.team_ids_of(user.id)
    written = uow.directory.upsert(User, user.id, _owned(values))
    if not uow.directory.set_teams(user.id, user.teams):
        return written
    fields = {**written.fields, "teams": (teams_before or None, sorted(user.teams))}
    return Written("updated" if written.outcome == "unchanged" else written.outcome, fields)


def _dump(specs: tuple[BaseModel, ...]) -> list[dict[str, Any]]:
    """Specs as stored; a webhook's ``secret`` is kept apart (see _webhook_secrets)."""
    return [spec.model_dump(mode="json", exclude_none=True, exclude={"secret"}) for spec in specs]


def _webhook_secrets(
    uow: UnitOfWork, owner: str, contacts: tuple[ContactMethod, ...], report: ApplyReport
) -> None:
    """The signing secrets config gives webhook contacts, stored apart from the contacts (so
    never shown with them, nor copied into jobs); the plan says one changed, never its value."""
    for contact in contacts:
        if contact.secret is not None and signing.configure(uow, owner, contact.id, contact.secret):
            report.add("webhook secret", f"{owner}/{contact.id}", "updated")


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
        "slack": service.slack.model_dump(mode="json") if service.slack else None,
    }
    _report(report, "service", service.id, d.upsert(Service, service.id, _owned(service_values)))
    named = {i.id for i in service.integrations}
    for current in d.integrations_of(service.id):
        if current.id not in named and (report.prune or current.managed_by == CONFIG):
            _delete_integration(uow, current, report)
    for integration in service.integrations:
        current_row = d.find(Integration, integration.id)
        key = integration.key or (current_row.key if current_row else secrets.token_hex(16))
        settings = integration.model_dump(
            mode="json", exclude={"id", "type", "key"}, exclude_none=True
        )
        values: dict[str, Any] = {
            "service_id": service.id,
            "type": integration.type,
            "key": key,
            "settings": settings,
        }
        if current_row is None:
            values["created_at"] = uow.now()
        written = d.upsert(Integration, integration.id, _owned(values))
        _report(report, "integration", integration.id, written)


def _delete_integration(
    uow: UnitOfWork, integration: IntegrationRecord, report: ApplyReport
) -> None:
    """Delete an integration the file no longer lists, unless incidents hold its alerts: their
    timelines name those alerts, so they stay (revoking the integration stops its keys)."""
    incidents = uow.directory.incidents_fed_by(integration.id)
    if incidents:
        numbers = ", ".join(f"#{i}" for i in incidents[:10])
        raise Conflict(
            f"integration {integration.id} cannot be deleted: incidents {numbers} hold its "
            f"alerts. Keep it in the file (to stop its keys: fireline integration revoke "
            f"{integration.id})"
        )
    uow.directory.delete_integration(integration.id)
    fields = {"type": (integration.type, None), "managed_by": (integration.managed_by, None)}
    report.add("integration", integration.id, "deleted", fields)
