"""Helpers for ingestion tests: an app with its ingest writer running, and real-looking payloads."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from tests.conftest import FakeClock

AM_KEY = "am0checkout0000000000000000000001"
EV_KEY = "ev0checkout0000000000000000000001"
HB_KEY = "hb0ledger000000000000000000000001"
AM_URL = f"/api/v1/integrations/alertmanager/{AM_KEY}"


class Ingest:
    """The running app (lifespan entered), an admin client, and what is stored."""

    def __init__(self, core: Fireline, client: TestClient, clock: FakeClock) -> None:
        self.core, self.client, self.clock = core, client, clock
        self.headers = {
            "Authorization": f"Bearer {auth.create_token(uow=core.uow(), user_id='alice')}"
        }

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, f"/api/v1{path}", headers=self.headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.api("GET", "/alerts", params={"limit": 200, **params})["items"])

    def incident(self, incident_id: int) -> dict[str, Any]:
        return dict(self.api("GET", f"/incidents/{incident_id}"))

    def incident_count(self) -> int:
        return incidents.list_incidents(uow=self.core.uow(), filters=_all()).total


def _all() -> Any:
    from fireline.storage.incidents import IncidentFilter

    return IncidentFilter()


def am_alert(
    name: str,
    fingerprint: str,
    starts: datetime,
    *,
    status: str = "firing",
    cluster: str = "eu1",
    severity: str = "critical",
    ends: datetime | None = None,
    **labels: str,
) -> dict[str, Any]:
    """One alert as Alertmanager 0.25+ writes it in a webhook."""
    return {
        "status": status,
        "labels": {
            "alertname": name,
            "cluster": cluster,
            "severity": severity,
            "instance": "10.0.0.1:9100",
            **labels,
        },
        "annotations": {"summary": f"{name} on {cluster}", "runbook_url": "https://runbooks/x"},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "endsAt": ends.isoformat().replace("+00:00", "Z") if ends else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_webhook(*alerts: dict[str, Any], group: str = "HighErrorRate") -> dict[str, Any]:
    """A version 4 webhook body, as Alertmanager sends it."""
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": f'{{}}/{{severity="critical"}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "fireline",
        "groupLabels": {"alertname": group},
        "commonLabels": {"alertname": group},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [copy.deepcopy(a) for a in alerts],
    }


def resolved(alert: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {**alert, "status": "resolved", "endsAt": at.isoformat().replace("+00:00", "Z")}


def minutes_ago(clock: FakeClock, minutes: float) -> datetime:
    return clock.now - timedelta(minutes=minutes)


def with_generic_integration(ingest: Ingest, key: str, service: str = "billing") -> Ingest:
    """A service with a generic JSON integration on ``key``, mapped as the docs' example."""
    apply_config(
        uow=ingest.core.uow(),
        source="generic.yaml",
        text=f"""
services:
  - id: {service}
    name: {service.title()}
    integrations:
      - id: {service}-generic
        type: generic
        key: {key}
        mapping: {{dedup_key: check.id, summary: check.name, severity: level, status: state}}
""",
    )
    return ingest
