"""`fireline apply` changes only what config owns; ids are never reused (#11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli
from tests.e2e.ingest_support import AM_URL, Ingest, am_alert, am_webhook, minutes_ago

EXTRA = "checkout-extra"


def _apply(app: Ingest, config: str, **params: Any) -> dict[str, Any]:
    response = app.client.post(
        "/api/v1/config/apply",
        content=config,
        params=params,
        headers={**app.headers, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _integration_made_through_the_api(app: Ingest) -> str:
    made = app.api(
        "POST",
        "/integrations",
        json={"id": EXTRA, "service": "checkout-api", "type": "alertmanager"},
    )
    return str(made["key"])


def _fire(app: Ingest, url: str, fingerprint: str) -> dict[str, Any]:
    started = minutes_ago(app.clock, 1)
    response = app.client.post(url, json=am_webhook(am_alert("DiskFull", fingerprint, started)))
    assert response.status_code == 200, response.text
    (alert,) = [a for a in app.alerts() if a["dedup_key"] == fingerprint]
    return alert


def test_apply_leaves_an_integration_made_through_the_api_and_its_alerts(
    ingest_app: Ingest,
) -> None:
    key = _integration_made_through_the_api(ingest_app)
    alert = _fire(ingest_app, f"/api/v1/integrations/alertmanager/{key}", "fp-extra")

    report = _apply(ingest_app, EXAMPLE.read_text())

    assert report["changed"] is False
    assert EXTRA in {i["id"] for i in ingest_app.api("GET", "/integrations")}
    assert alert["id"] in {a["id"] for a in ingest_app.alerts()}
    attached = [
        e
        for e in ingest_app.incident(alert["incident_id"])["timeline"]
        if e["kind"] == "alert_attached"
    ]
    assert attached[0]["data"]["alert_id"] == alert["id"]


def test_a_deleted_alert_or_incident_id_is_never_given_again(ingest_app: Ingest) -> None:
    first = _fire(ingest_app, AM_URL, "fp1")
    with ingest_app.core.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM alerts"))
        connection.execute(text("DELETE FROM incident_search"))
        connection.execute(text("DELETE FROM incidents"))

    second = _fire(ingest_app, AM_URL, "fp2")

    assert second["id"] > first["id"]
    assert second["incident_id"] > first["incident_id"]


def _tables(app: Ingest) -> dict[str, list[tuple[Any, ...]]]:
    from fireline.storage.models import Base

    with app.core.database.engine.connect() as connection:
        return {
            t.name: sorted(map(tuple, connection.execute(t.select()).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }


def _plan(app: Ingest, config: str, **params: Any) -> dict[str, Any]:
    return _apply(app, config, dry_run="true", **params)


def _planned(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["kind"], p["id"]): p for p in report["plan"]}


def test_prune_deletes_an_integration_made_through_the_api(ingest_app: Ingest) -> None:
    _integration_made_through_the_api(ingest_app)

    report = _apply(ingest_app, EXAMPLE.read_text(), prune="true")

    assert report["changed"] is True and report["prune"] is True
    assert _planned(report)[("integration", EXTRA)]["action"] == "delete"
    assert EXTRA not in {i["id"] for i in ingest_app.api("GET", "/integrations")}
    assert _apply(ingest_app, EXAMPLE.read_text(), prune="true")["plan"] == []


def test_an_integration_whose_alerts_are_in_incidents_is_never_deleted(
    ingest_app: Ingest,
) -> None:
    key = _integration_made_through_the_api(ingest_app)
    alert = _fire(ingest_app, f"/api/v1/integrations/alertmanager/{key}", "fp-extra")
    before = _tables(ingest_app)

    response = ingest_app.client.post(
        "/api/v1/config/apply",
        content=EXAMPLE.read_text(),
        params={"prune": "true"},
        headers={**ingest_app.headers, "Content-Type": "application/yaml"},
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert f"incidents #{alert['incident_id']} hold its alerts" in response.json()["detail"]
    assert _tables(ingest_app) == before


def test_a_named_object_made_through_the_api_is_adopted_then_owned(ingest_app: Ingest) -> None:
    _integration_made_through_the_api(ingest_app)
    named = EXAMPLE.read_text().replace(
        "      - id: checkout-events\n",
        f"      - id: {EXTRA}\n        type: alertmanager\n      - id: checkout-events\n",
    )

    adopted = _apply(ingest_app, named)
    dropped = _apply(ingest_app, EXAMPLE.read_text())

    assert _planned(adopted)[("integration", EXTRA)] == {
        "kind": "integration",
        "id": EXTRA,
        "action": "update",
        "fields": {"managed_by": {"old": "api", "new": "config"}},
    }
    assert _planned(dropped)[("integration", EXTRA)]["action"] == "delete"
    assert EXTRA not in {i["id"] for i in ingest_app.api("GET", "/integrations")}


def test_a_dry_run_prints_the_plan_and_changes_nothing(ingest_app: Ingest) -> None:
    _integration_made_through_the_api(ingest_app)
    edited = (
        EXAMPLE.read_text()
        .replace("name: Carol Ng", "name: Carol Ng-Lim")
        .replace("am0checkout0000000000000000000001", "am0checkout0000000000000000000009")
        .replace("  - id: security\n", "  - id: red-team\n    name: Red team\n  - id: security\n")
    )
    before = _tables(ingest_app)

    plan = _planned(_plan(ingest_app, edited, prune="true"))
    plain = _planned(_plan(ingest_app, edited))

    assert _tables(ingest_app) == before
    assert plan[("user", "carol")]["fields"] == {"name": {"old": "Carol Ng", "new": "Carol Ng-Lim"}}
    assert plan[("team", "red-team")]["action"] == "create"
    assert plan[("team", "red-team")]["fields"]["name"] == {"old": None, "new": "Red team"}
    assert plan[("integration", "checkout-alertmanager")]["fields"] == {
        "key": {"old": "(hidden)", "new": "(hidden)"}
    }
    assert plan[("integration", EXTRA)]["action"] == "delete"
    assert ("integration", EXTRA) not in plain
    assert "am0checkout" not in repr(plan)


def test_the_plan_route_is_for_admins_and_refuses_a_bad_file(ingest_app: Ingest) -> None:
    from fireline.services.admin import auth

    responder = auth.create_token(uow=ingest_app.core.uow(), user_id="bob")
    url = "/api/v1/config/plan"
    yaml = {"Content-Type": "application/yaml"}

    denied = ingest_app.client.post(
        url, content=EXAMPLE.read_text(), headers={**yaml, "Authorization": f"Bearer {responder}"}
    )
    bad = ingest_app.client.post(
        url, content="teams: [{id: x}]\n", headers={**ingest_app.headers, **yaml}
    )
    same = ingest_app.client.post(
        url, content=EXAMPLE.read_text(), headers={**ingest_app.headers, **yaml}
    )

    assert denied.status_code == 403
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert same.status_code == 200
    assert (same.json()["dry_run"], same.json()["changed"], same.json()["plan"]) == (
        True,
        False,
        [],
    )


def _dump(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    from sqlalchemy import create_engine

    from fireline.storage.db import normalise_url
    from fireline.storage.models import Base

    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        dump = {
            t.name: sorted(map(tuple, connection.execute(t.select()).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }
    engine.dispose()
    return dump


def test_apply_dry_run_and_prune_from_the_cli(cli: Cli, database_url: str, tmp_path: Path) -> None:
    assert cli("apply", str(EXAMPLE)).code == 0
    made = cli(
        "integration", "create", EXTRA, "--service", "checkout-api", "--type", "alertmanager"
    )
    assert made.code == 0, made.err
    edited = tmp_path / "edited.yaml"
    edited.write_text(EXAMPLE.read_text().replace("name: Carol Ng", "name: Carol Ng-Lim"))
    before = _dump(database_url)

    plan = cli("apply", str(edited), "--dry-run")
    pruning = cli("apply", str(edited), "--dry-run", "--prune", "--json")

    assert plan.code == 0 and pruning.code == 0
    assert _dump(database_url) == before
    assert plan.out.splitlines() == [
        "plan (dry run: nothing was changed):",
        "  update  user carol",
        '          name: "Carol Ng" → "Carol Ng-Lim"',
        "1 to update",
    ]
    document = pruning.json()
    assert (document["dry_run"], document["prune"]) == (True, True)
    assert {(p["action"], p["kind"], p["id"]) for p in document["plan"]} == {
        ("update", "user", "carol"),
        ("delete", "integration", EXTRA),
    }
    assert cli("apply", str(EXAMPLE)).out.strip() == "nothing to change"
    assert cli("apply", str(edited), "--prune").out.splitlines() == [
        "  updated  user carol",
        "  deleted  integration checkout-extra",
        "1 deleted, 1 updated",
    ]
