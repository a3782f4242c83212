"""A small installation with a bit of everything, made and read back through the HTTP API.

`populate` applies the example config (users, teams, services, schedules, escalation policies,
integrations), takes in Alertmanager alerts (an incident opens for them, one alert resolves),
and works a declared incident through to review (its postmortem drafted, one section written).
`read_back` is what the application shows of all that: incidents with their timelines, alerts,
schedules with their shifts and overrides, postmortems. Backups, restores and upgrades must keep
`read_back` as it was.

Run as a script at a release's commit to make that release's test database (see
tests/data/releases/README.md):

    PYTHONPATH=src python -m tests.integration.sample_data OUT_DIR [POSTGRES_URL]
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.web.app import create_app

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "fireline.yaml"
CHECKOUT = "/api/v1/integrations/alertmanager/am0checkout0000000000000000000001"
SHIFTS = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z"}


class Session:
    """The app over the core, as alice (admin)."""

    def __init__(self, core: Fireline, client: TestClient) -> None:
        token = auth.create_token(uow=core.uow(), user_id="alice", name="sample")
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", f"/api/v1{path}", params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", f"/api/v1{path}", json=body)


def populate(core: Fireline) -> None:
    """Config, alerts, incidents, an override, a postmortem: through the API, on ``core``'s clock."""
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    with TestClient(create_app(fireline=core)) as client:
        api = Session(core, client)
        now = core.clock()
        firing = [alert("HighErrorRate", f"fp{n}", now - timedelta(minutes=n)) for n in (1, 2)]
        api.call("POST", CHECKOUT, json=webhook(firing))
        api.call("POST", CHECKOUT, json=webhook([{**firing[0], "status": "resolved"}]))
        api.post(
            "/schedules/payments-primary/overrides",
            {"user": "carol", "start": "2026-03-03T09:00:00Z", "end": "2026-03-03T17:00:00Z"},
        )
        incident = api.post("/incidents", {"title": "Ledger drift", "services": ["ledger"]})
        path = f"/incidents/{incident['id']}"
        api.post(f"{path}/acknowledge")
        api.post(f"{path}/notes", {"text": "Replica lag 40s", "pinned": True})
        api.post(f"{path}/resolve", {"summary": "Re-synced the replica"})
        api.post(f"{path}/transition", {"phase": "review"})
        version = api.get(f"{path}/postmortem")["version"]
        edit = {"version": version, "sections": {"impact": "Totals were off for two hours."}}
        api.call("PATCH", f"/api/v1{path}/postmortem", json=edit)


def read_back(core: Fireline) -> dict[str, Any]:
    """Everything `populate` made, as the API shows it."""
    with TestClient(create_app(fireline=core)) as client:
        api = Session(core, client)
        listed = api.get("/incidents", limit=100)["items"]
        incidents = {i["id"]: api.get(f"/incidents/{i['id']}") for i in listed}
        schedules = api.get("/schedules")
        return {
            "incidents": incidents,
            "postmortems": {
                i["id"]: api.get(f"/incidents/{i['id']}/postmortem")
                for i in listed
                if i["phase"] == "review"
            },
            "alerts": api.get("/alerts", limit=200)["items"],
            "schedules": schedules,
            "shifts": {
                s["id"]: api.get(f"/schedules/{s['id']}/shifts", **SHIFTS) for s in schedules
            },
            "overrides": api.get("/schedules/payments-primary/overrides"),
        }


def alert(name: str, fingerprint: str, starts: datetime) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": name, "service": "checkout", "severity": "critical"},
        "annotations": {"summary": f"{name} on checkout"},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }


def webhook(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "fireline",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


MADE_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_release_data(out: Path, postgres_url: str | None) -> None:
    """This release's test databases in ``out``: fireline.db, and fireline.pgdump from PostgreSQL."""
    out.mkdir(parents=True, exist_ok=True)
    core = build(Settings(database_url=f"sqlite:///{out / 'fireline.db'}"), clock=lambda: MADE_AT)
    populate(core)
    core.close()
    if postgres_url:  # an empty database of its own, for example createdb fireline_release
        core = build(Settings(database_url=postgres_url), clock=lambda: MADE_AT)
        populate(core)
        core.close()
        url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        dump = ["pg_dump", "--format=custom", "--no-owner", f"--file={out / 'fireline.pgdump'}"]
        subprocess.run([*dump, "--schema=public", url], check=True)


if __name__ == "__main__":
    make_release_data(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
