"""Where CLI commands send their work: a Fireline server over HTTP, or the database directly.

Both backends take the same actions, request models and parameters, and
return the JSON the API returns, so every command prints the same thing
either way.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.schemas import IncidentDetailRead, IncidentPage, IncidentRead
from fireline.services.admin import directory
from fireline.services.admin.configuration import apply_config
from fireline.services.alerting import integrations, silences
from fireline.services.alerting import views as alert_views
from fireline.services.incidents import commands as incidents
from fireline.services.incidents import drills
from fireline.services.oncall import schedules as oncall
from fireline.services.paging import delivery
from fireline.services.paging import escalation as paging
from fireline.services.review import follow_ups, postmortems, reports, similar
from fireline.storage.incidents import IncidentFilter

Json = Any

# action → (HTTP method, path under /api/v1); path fields come from the call's parameters.
ROUTES: dict[str, tuple[str, str]] = {
    "declare": ("POST", "/incidents"),
    "list": ("GET", "/incidents"),
    "show": ("GET", "/incidents/{id}"),
    "update": ("PATCH", "/incidents/{id}"),
    "transition": ("POST", "/incidents/{id}/transition"),
    "acknowledge": ("POST", "/incidents/{id}/acknowledge"),
    "mitigate": ("POST", "/incidents/{id}/mitigate"),
    "resolve": ("POST", "/incidents/{id}/resolve"),
    "close": ("POST", "/incidents/{id}/close"),
    "note": ("POST", "/incidents/{id}/notes"),
    "status_update": ("POST", "/incidents/{id}/status-updates"),
    "assign": ("PUT", "/incidents/{id}/roles/{role}"),
    "unassign": ("DELETE", "/incidents/{id}/roles/{role}"),
    "add_task": ("POST", "/incidents/{id}/tasks"),
    "update_task": ("PATCH", "/incidents/{id}/tasks/{task_id}"),
    "workflows": ("GET", "/workflows"),
    "workflow": ("GET", "/workflows/{workflow_id}"),
    "alerts": ("GET", "/alerts"),
    "alert": ("GET", "/alerts/{id}"),
    "silences": ("GET", "/silences"),
    "silence": ("POST", "/silences"),
    "expire_silence": ("POST", "/silences/{id}/expire"),
    "integrations": ("GET", "/integrations"),
    "create_integration": ("POST", "/integrations"),
    "rotate_integration": ("POST", "/integrations/{id}/rotate"),
    "revoke_integration": ("POST", "/integrations/{id}/revoke"),
    "escalate": ("POST", "/incidents/{id}/escalate"),
    "reassign": ("POST", "/incidents/{id}/reassign"),
    "oncall": ("GET", "/oncall"),
    "shifts": ("GET", "/schedules/{schedule}/shifts"),
    "overrides": ("GET", "/schedules/{schedule}/overrides"),
    "override": ("POST", "/schedules/{schedule}/overrides"),
    "delete_override": ("DELETE", "/schedules/{schedule}/overrides/{id}"),
    "deliveries": ("GET", "/deliveries"),
    "start_postmortem": ("POST", "/incidents/{id}/postmortem"),
    "postmortem": ("GET", "/incidents/{id}/postmortem"),
    "export_postmortem": ("GET", "/incidents/{id}/postmortem/export"),
    "edit_postmortem": ("PATCH", "/incidents/{id}/postmortem"),
    "postmortem_status": ("POST", "/incidents/{id}/postmortem/status"),
    "comment_postmortem": ("POST", "/incidents/{id}/postmortem/comments"),
    "add_follow_up": ("POST", "/incidents/{id}/follow-ups"),
    "update_follow_up": ("PATCH", "/incidents/{id}/follow-ups/{follow_up_id}"),
    "follow_ups": ("GET", "/follow-ups"),
    "drill_report": ("GET", "/incidents/{id}/drill-report"),
    "similar": ("GET", "/incidents/{id}/similar"),
    "exclude": ("POST", "/incidents/{id}/metrics-exclusion"),
    "metrics_report": ("GET", "/reports/metrics"),
    "oncall_load": ("GET", "/reports/oncall-load"),
}


class CliError(Exception):
    """A failure to report on one line, with a non-zero exit."""


class Backend(Protocol):
    def call(self, action: str, body: BaseModel | None = None, **params: Any) -> Json: ...

    def apply(self, text: str, source: str = "config") -> Json: ...

    def close(self) -> None: ...


class HttpBackend:
    """Talks to a running server with an API token."""

    def __init__(self, url: str, token: str | None, client: httpx.Client | None = None) -> None:
        if not token:
            raise CliError(
                "--token (or FIRELINE_TOKEN) is needed with --url; create one with `fireline token create`"
            )
        headers = {"Authorization": f"Bearer {token}"}
        self.client = client or httpx.Client(
            base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=30
        )

    def call(self, action: str, body: BaseModel | None = None, **params: Any) -> Json:
        method, template = ROUTES[action]
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        path = template.format(**{name: params.pop(name) for name in fields})
        payload = body.model_dump(mode="json", exclude_unset=True) if body else None
        query = {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in params.items()
            if v not in (None, [], ())
        }
        return self.request(method, path, json=payload, params=query or None)

    def apply(self, text: str, source: str = "config") -> Json:
        headers = {"Content-Type": "application/yaml"}
        return self.request(
            "POST",
            "/config/apply",
            params={"source": source},
            content=text.encode(),
            headers=headers,
        )

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Json:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise CliError(f"cannot reach the Fireline server: {error}") from None
        if response.status_code >= 400:
            raise CliError(_problem_text(response))
        if not response.content:
            return None
        is_json = "json" in response.headers.get("content-type", "")
        return response.json() if is_json else response.text


def _problem_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("detail") or body.get("title")
    except ValueError:
        detail = response.text[:200]
    return f"{detail} (HTTP {response.status_code})"


Handler = Callable[["LocalBackend", dict[str, Any], dict[str, Any]], Json]


class LocalBackend:
    """Opens the database directly; acts as ``actor`` (an operator with database access)."""

    def __init__(self, settings: Settings, actor: str) -> None:
        self.actor = actor
        try:
            self.core: Fireline = build(settings)
        except Exception as error:  # a bad URL, an unreachable server, a locked file
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise CliError(f"cannot open the database {settings.database_url}: {reason}") from None

    def call(self, action: str, body: BaseModel | None = None, **params: Any) -> Json:
        fields = body.model_dump(exclude_unset=True) if body else {}
        return _HANDLERS[action](self, fields, params)

    def apply(self, text: str, source: str = "config") -> Json:
        report = apply_config(uow=self.core.uow(), text=text, source=source)
        return {"changed": report.changed, "changes": report.changes}

    def close(self) -> None:
        self.core.close()

    def change(self, verb: str, params: dict[str, Any], **arguments: Any) -> Json:
        """Run an incident use case as the actor and return the incident as the API would."""
        view = getattr(incidents, verb)(
            uow=self.core.uow(), actor=self.actor, incident_id=params["id"], **arguments
        )
        return IncidentRead.of(view).model_dump(mode="json")


def _incident(b: LocalBackend, p: dict[str, Any]) -> Json:
    return IncidentRead.of(incidents.get(uow=b.core.uow(), incident_id=p["id"])).model_dump(
        mode="json"
    )


def _escalate(b: LocalBackend, p: dict[str, Any]) -> Json:
    paging.escalate_now(uow=b.core.uow(), actor=b.actor, incident_id=p["id"])
    return _incident(b, p)


def _reassign(b: LocalBackend, f: dict[str, Any], p: dict[str, Any]) -> Json:
    paging.reassign(uow=b.core.uow(), actor=b.actor, incident_id=p["id"], user=f["user"])
    return _incident(b, p)


def _dump(value: BaseModel | list[Any]) -> Json:
    if isinstance(value, list):
        return [v.model_dump(mode="json") for v in value]
    return value.model_dump(mode="json")


def _list(b: LocalBackend, f: dict[str, Any], p: dict[str, Any]) -> Json:
    filters = IncidentFilter(
        phases=p.get("phase") or (), service=p.get("service"), open_only=p.get("open", False)
    )
    page = incidents.list_incidents(
        uow=b.core.uow(), filters=filters, limit=p["limit"], offset=p["offset"]
    )
    return IncidentPage.of(page, limit=p["limit"], offset=p["offset"]).model_dump(mode="json")


def _declare(b: LocalBackend, f: dict[str, Any], p: dict[str, Any]) -> Json:
    return IncidentRead.of(incidents.declare(uow=b.core.uow(), actor=b.actor, **f)).model_dump(
        mode="json"
    )


def _show(b: LocalBackend, f: dict[str, Any], p: dict[str, Any]) -> Json:
    detail = incidents.get(uow=b.core.uow(), incident_id=p["id"])
    return IncidentDetailRead.of_detail(detail).model_dump(mode="json")


def _rotate(b: LocalBackend, f: dict[str, Any], p: dict[str, Any]) -> Json:
    grace = integrations.parse_grace(f.get("grace", "1h"))
    return _dump(integrations.rotate_key(uow=b.core.uow(), integration_id=p["id"], grace=grace))


def _follow_ups_of(view: incidents.IncidentView) -> Json:
    return [f.model_dump(mode="json") for f in view.incident.follow_ups]


_REVIEW: dict[str, Handler] = {
    "similar": lambda b, f, p: _dump(
        similar.similar_incidents(uow=b.core.uow(), incident_id=p["id"], limit=p.get("limit", 5))
    ),
    "drill_report": lambda b, f, p: _dump(
        drills.drill_report(uow=b.core.uow(), incident_id=p["id"])
    ),
    "start_postmortem": lambda b, f, p: _dump(
        postmortems.start_postmortem(uow=b.core.uow(), actor=b.actor, incident_id=p["id"])
    ),
    "postmortem": lambda b, f, p: _dump(
        postmortems.get_postmortem(uow=b.core.uow(), incident_id=p["id"])
    ),
    "export_postmortem": lambda b, f, p: postmortems.export(
        uow=b.core.uow(), incident_id=p["id"], fmt=p["format"], public=bool(p.get("public"))
    ),
    "edit_postmortem": lambda b, f, p: _dump(
        postmortems.edit_postmortem(uow=b.core.uow(), actor=b.actor, incident_id=p["id"], **f)
    ),
    "postmortem_status": lambda b, f, p: _dump(
        postmortems.set_status(uow=b.core.uow(), actor=b.actor, incident_id=p["id"], **f)
    ),
    "comment_postmortem": lambda b, f, p: _dump(
        postmortems.add_comment(uow=b.core.uow(), actor=b.actor, incident_id=p["id"], **f)
    ),
    "add_follow_up": lambda b, f, p: _follow_ups_of(
        follow_ups.add_follow_up(uow=b.core.uow(), actor=b.actor, incident_id=p["id"], **f)
    ),
    "update_follow_up": lambda b, f, p: _follow_ups_of(
        follow_ups.update_follow_up(
            uow=b.core.uow(),
            actor=b.actor,
            incident_id=p["id"],
            follow_up_id=p["follow_up_id"],
            changes=f,
        )
    ),
    "follow_ups": lambda b, f, p: _dump(
        follow_ups.list_follow_ups(
            uow=b.core.uow(),
            owner=p.get("owner"),
            open_only=bool(p.get("open")),
            overdue=bool(p.get("overdue")),
            limit=p.get("limit", 100),
        )
    ),
}


_HANDLERS: dict[str, Handler] = {
    **_REVIEW,
    "list": _list,
    "declare": _declare,
    "show": _show,
    "update": lambda b, f, p: b.change("update", p, changes=f),
    "transition": lambda b, f, p: b.change("transition", p, **f),
    "acknowledge": lambda b, f, p: b.change("acknowledge", p),
    "mitigate": lambda b, f, p: b.change("mitigate", p),
    "resolve": lambda b, f, p: b.change("resolve", p, **f),
    "close": lambda b, f, p: b.change("close", p, **f),
    "note": lambda b, f, p: b.change("add_note", p, **f),
    "status_update": lambda b, f, p: b.change("post_status_update", p, **f),
    "assign": lambda b, f, p: b.change("assign_role", p, role=p["role"], user=f["user"]),
    "unassign": lambda b, f, p: b.change("assign_role", p, role=p["role"], user=None),
    "add_task": lambda b, f, p: b.change("add_task", p, **f),
    "update_task": lambda b, f, p: b.change("update_task", p, task_id=p["task_id"], changes=f),
    "workflows": lambda b, f, p: _dump(directory.list_workflows(uow=b.core.uow())),
    "workflow": lambda b, f, p: _dump(
        directory.get_workflow(uow=b.core.uow(), workflow_id=p["workflow_id"])
    ),
    "alerts": lambda b, f, p: _dump(
        alert_views.list_alerts(
            uow=b.core.uow(),
            status=p.get("status") or (),
            service=p.get("service"),
            incident_id=p.get("incident"),
            limit=p.get("limit", 50),
            offset=p.get("offset", 0),
        )
    ),
    "alert": lambda b, f, p: _dump(alert_views.get_alert(uow=b.core.uow(), alert_id=p["id"])),
    "silences": lambda b, f, p: _dump(
        silences.list_silences(uow=b.core.uow(), include_expired=p.get("expired", False))
    ),
    "silence": lambda b, f, p: _dump(
        silences.create_silence(
            uow=b.core.uow(),
            actor=b.actor,
            kind=f.get("kind", "silence"),
            matchers=[silences.MatcherSpec(**m) for m in f.get("matchers", [])],
            service=f.get("service"),
            starts_at=f.get("starts_at"),
            ends_at=f["ends_at"],
            comment=f.get("comment", ""),
        )
    ),
    "expire_silence": lambda b, f, p: _dump(
        silences.expire_silence(uow=b.core.uow(), silence_id=p["id"])
    ),
    "deliveries": lambda b, f, p: _dump(
        delivery.list_deliveries(
            uow=b.core.uow(),
            incident_id=p.get("incident"),
            statuses=p.get("status") or (),
            limit=p.get("limit", 50),
            before_id=p.get("before"),
        )
    ),
    "integrations": lambda b, f, p: _dump(
        integrations.list_integrations(uow=b.core.uow(), show_keys=True)
    ),
    "create_integration": lambda b, f, p: _dump(
        integrations.create_integration(
            uow=b.core.uow(),
            integration_id=f["id"],
            service=f["service"],
            kind=f["type"],
            settings={k: f[k] for k in ("interval", "mapping") if f.get(k) is not None},
        )
    ),
    "rotate_integration": _rotate,
    "escalate": lambda b, f, p: _escalate(b, p),
    "reassign": lambda b, f, p: _reassign(b, f, p),
    "oncall": lambda b, f, p: _dump(
        oncall.who(uow=b.core.uow(), schedule_id=p.get("schedule"), at=p.get("at"))
    ),
    "shifts": lambda b, f, p: _dump(
        oncall.shifts(
            uow=b.core.uow(),
            schedule_id=p["schedule"],
            start=p.get("start"),
            end=p.get("end"),
            user=p.get("user"),
        )
    ),
    "overrides": lambda b, f, p: _dump(
        oncall.list_overrides(uow=b.core.uow(), schedule_id=p["schedule"])
    ),
    "override": lambda b, f, p: _dump(
        oncall.create_override(
            uow=b.core.uow(),
            actor=b.actor,
            schedule_id=p["schedule"],
            start=f["start"],
            end=f["end"],
            user=f.get("user"),
            replaces=f.get("replaces"),
            reason=f.get("reason", ""),
        )
    ),
    "delete_override": lambda b, f, p: oncall.delete_override(
        uow=b.core.uow(), schedule_id=p["schedule"], override_id=p["id"]
    ),
    "revoke_integration": lambda b, f, p: _dump(
        integrations.revoke(uow=b.core.uow(), integration_id=p["id"])
    ),
    "exclude": lambda b, f, p: b.change("exclude_from_metrics", p, **f),
    "metrics_report": lambda b, f, p: _dump(
        reports.metrics_report(
            uow=b.core.uow(), start=p.get("from"), end=p.get("to"), group_by=p.get("by")
        )
    ),
    "oncall_load": lambda b, f, p: _dump(
        reports.oncall_load(uow=b.core.uow(), start=p.get("from"), end=p.get("to"))
    ),
}
