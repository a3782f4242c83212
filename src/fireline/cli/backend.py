"""Where CLI commands send their work: a Fireline server over HTTP, or the database directly.

Both backends take the same request models and return the same JSON the API
returns, so every command prints the same thing either way.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.errors import FirelineError
from fireline.schemas import IncidentDetailRead, IncidentPage, IncidentRead
from fireline.services import directory, incidents
from fireline.services.configuration import apply_config
from fireline.services.incidents import IncidentView
from fireline.storage.incidents import IncidentFilter

Json = dict[str, Any]


class CliError(Exception):
    """A failure to report on one line, with a non-zero exit."""


class Backend(Protocol):
    def call(
        self,
        action: str,
        incident_id: int | None = None,
        body: BaseModel | None = None,
        **params: Any,
    ) -> Json: ...

    def apply(self, text: str, source: str = "config") -> Json: ...

    def close(self) -> None: ...


class HttpBackend:
    """Talks to a running server with an API token."""

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
    }

    def __init__(self, url: str, token: str | None, client: httpx.Client | None = None) -> None:
        if not token:
            raise CliError(
                "--token (or FIRELINE_TOKEN) is needed with --url; create one with `fireline token create`"
            )
        headers = {"Authorization": f"Bearer {token}"}
        self.client = client or httpx.Client(
            base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=30
        )

    def call(
        self,
        action: str,
        incident_id: int | None = None,
        body: BaseModel | None = None,
        **params: Any,
    ) -> Json:
        method, template = self.ROUTES[action]
        path = template.format(
            id=incident_id,
            **{k: params.pop(k) for k in ("role", "task_id", "workflow_id") if k in params},
        )
        payload = body.model_dump(mode="json", exclude_unset=True) if body else None
        return self.request(method, path, json=payload, params=params or None)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Json:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise CliError(f"cannot reach the Fireline server: {error}") from None
        if response.status_code >= 400:
            raise CliError(_problem_text(response))
        result: Json = response.json()
        return result

    def apply(self, text: str, source: str = "config") -> Json:
        return self.request(
            "POST",
            "/config/apply",
            params={"source": source},
            content=text.encode(),
            headers={"Content-Type": "application/yaml"},
        )


def _problem_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        detail = body.get("detail") or body.get("title")
    except ValueError:
        detail = response.text[:200]
    return f"{detail} (HTTP {response.status_code})"


class LocalBackend:
    """Opens the database directly; acts as ``actor`` (an operator with database access)."""

    def __init__(self, settings: Settings, actor: str) -> None:
        self.actor = actor
        try:
            self.core: Fireline = build(settings)
        except Exception as error:  # a bad URL, an unreachable server, a locked file
            raise CliError(f"cannot open the database {settings.database_url}: {error}") from None

    def call(
        self,
        action: str,
        incident_id: int | None = None,
        body: BaseModel | None = None,
        **params: Any,
    ) -> Json:
        fields = body.model_dump(exclude_unset=True) if body else {}
        uow = self.core.uow()
        if action == "list":
            filters = IncidentFilter(
                phases=params.get("phase") or (),
                service=params.get("service"),
                open_only=params.get("open", False),
            )
            page = incidents.list_incidents(
                uow=uow, filters=filters, limit=params["limit"], offset=params["offset"]
            )
            return IncidentPage.of(page, limit=params["limit"], offset=params["offset"]).model_dump(
                mode="json"
            )
        if action == "show":
            detail = incidents.get(uow=uow, incident_id=_id(incident_id))
            return IncidentDetailRead.of_detail(detail).model_dump(mode="json")
        if action == "workflows":
            return {"items": [w.model_dump(mode="json") for w in directory.list_workflows(uow=uow)]}
        if action == "workflow":
            return directory.get_workflow(uow=uow, workflow_id=params["workflow_id"]).model_dump(
                mode="json"
            )
        view = self._change(action, incident_id, fields, params)
        return IncidentRead.of(view).model_dump(mode="json")

    def _change(
        self, action: str, incident_id: int | None, fields: Json, params: Json
    ) -> IncidentView:
        common: Json = {"uow": self.core.uow(), "actor": self.actor}
        if action == "declare":
            return incidents.declare(**common, **fields)
        common["incident_id"] = _id(incident_id)
        if action == "update":
            return incidents.update(**common, changes=fields)
        if action == "assign":
            return incidents.assign_role(**common, role=params["role"], user=fields["user"])
        if action == "unassign":
            return incidents.assign_role(**common, role=params["role"], user=None)
        if action == "update_task":
            return incidents.update_task(**common, task_id=params["task_id"], changes=fields)
        verb = {"note": "add_note", "status_update": "post_status_update"}.get(action, action)
        result: IncidentView = getattr(incidents, verb)(**common, **fields)
        return result

    def close(self) -> None:
        self.core.close()

    def apply(self, text: str, source: str = "config") -> Json:
        report = apply_config(uow=self.core.uow(), text=text, source=source)
        return {"changed": report.changed, "changes": report.changes}


def _id(incident_id: int | None) -> int:
    if incident_id is None:
        raise FirelineError("an incident id is needed")
    return incident_id
