"""The audit trail: every administrative change is written with its actor in the change's own
transaction (a refused change leaves none), readable by admins only, from the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fireline.services.admin import auth
from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.ui_support import WebUser, set_passwords

WEBHOOK_SECRET = "whsec_" + "A" * 43 + "="


def _audit(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.admin.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def _actions(api: Api) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["subject"]) for e in reversed(_audit(api))]


def test_admin_changes_are_audited_with_who_did_them(api: Api) -> None:
    before = len(_audit(api))
    alice, bob = api.admin, api.responder

    token = bob.post("/api/v1/tokens", json={"name": "laptop"}).json()
    token_id = next(t["id"] for t in bob.get("/api/v1/tokens").json() if t["name"] == "laptop")
    bob.delete(f"/api/v1/tokens/{token_id}")
    alice.post(
        "/api/v1/integrations",
        json={"id": "probe", "service": "ledger", "type": "generic"},
    )
    alice.post("/api/v1/integrations/probe/rotate", json={"grace": "0s"})
    alice.post("/api/v1/integrations/probe/revoke")
    alice.post("/api/v1/secrets/ack-links/rotate")
    alice.post("/api/v1/contacts/bob/bob-hook/secret")
    silence = bob.post(
        "/api/v1/silences",
        json={
            "matchers": [{"name": "alertname", "value": "DiskFull"}],
            "ends_at": "2030-01-01T00:00:00Z",
            "comment": "disk swap",
        },
    ).json()
    bob.post(f"/api/v1/silences/{silence['id']}/expire")

    assert token["token"] not in str(_audit(api))  # no secret in the log
    assert _actions(api)[before:] == [
        ("bob", "token.created", "bob"),
        ("bob", "token.revoked", "bob"),
        ("alice", "integration.created", "probe"),
        ("alice", "integration.rotated", "probe"),
        ("alice", "integration.revoked", "probe"),
        ("alice", "secret.rotated", "ack-links"),
        ("alice", "webhook_secret.issued", "bob/bob-hook"),
        ("bob", "silence.created", f"silence {silence['id']}"),
        ("bob", "silence.expired", f"silence {silence['id']}"),
    ]


def test_config_applied_is_audited_with_its_plan_and_role_changes(api: Api) -> None:
    text = EXAMPLE.read_text().replace(
        "    role: viewer\n", "    role: responder\n", 1
    )  # dana becomes a responder
    yaml = {"Content-Type": "application/yaml"}

    api.admin.post("/api/v1/config/plan", content=text, headers=yaml)  # a dry run: not audited
    applied = api.admin.post("/api/v1/config/apply", content=text, headers=yaml)
    again = api.admin.post("/api/v1/config/apply", content=text, headers=yaml)  # no change

    assert applied.status_code == again.status_code == 200
    entries = _audit(api, action="config.applied")
    assert len(entries) == 2  # the fixture's first apply, and this one; not the dry run or no-op
    newest = entries[0]
    assert newest["actor"] == "alice" and newest["subject"] == "request"
    assert newest["details"]["plan"] == applied.json()["plan"]
    (role,) = _audit(api, action="role.changed")
    assert (role["subject"], role["details"]) == ("dana", {"old": "viewer", "new": "responder"})


def test_a_refused_change_leaves_no_entry(api: Api) -> None:
    api.admin.post("/api/v1/integrations/checkout-events/revoke")
    count = len(_audit(api))

    refused = api.admin.post("/api/v1/integrations/checkout-events/rotate")

    assert refused.status_code == 409
    assert len(_audit(api)) == count


def test_login_refusals_and_their_lifting_are_audited(api: Api) -> None:
    set_passwords(api.core, "bob")
    for _ in range(10):
        WebUser(api.app).log_in("bob", "wrong password")

    api.admin.delete("/api/v1/throttles/account/bob")

    assert _actions(api)[-2:] == [
        ("fireline", "login.throttled", "account bob"),
        ("alice", "throttle.cleared", "account bob"),
    ]


def test_only_admins_read_it_and_it_pages_back(api: Api) -> None:
    for n in range(3):
        auth.create_token(uow=api.core.uow(), user_id="bob", name=f"t{n}")

    newest = _audit(api, limit=2)
    older = _audit(api, limit=2, before=newest[-1]["id"])

    assert [e["details"]["name"] for e in newest] == ["t2", "t1"]
    assert older[0]["details"].get("name") == "t0"
    assert api.responder.get("/api/v1/audit").status_code == 403
    assert TestClient(api.app).get("/api/v1/audit").status_code == 401


def test_the_cli_lists_it(api: Api, cli: Cli) -> None:
    cli("secret", "rotate", "calendar-feeds")

    listed = cli("audit", "list", "--json", "--action", "secret.rotated")
    human = cli("audit", "list", "--limit", "1")

    assert listed.code == 0
    assert [(e["actor"], e["subject"]) for e in listed.json()["items"]] == [
        ("cli", "calendar-feeds")
    ]
    assert "secret.rotated" in human.out and "calendar-feeds" in human.out


def test_a_webhook_secret_from_config_signs_and_is_never_shown(api: Api) -> None:
    text = EXAMPLE.read_text().replace(
        'url: "http://127.0.0.1:9199/hooks/bob"}',
        f'url: "http://127.0.0.1:9199/hooks/bob", secret: "{WEBHOOK_SECRET}"}}',
    )
    yaml = {"Content-Type": "application/yaml"}

    applied = api.admin.post("/api/v1/config/apply", content=text, headers=yaml)
    again = api.admin.post("/api/v1/config/apply", content=text, headers=yaml)
    wrong = api.admin.post(
        "/api/v1/config/apply",
        content=text.replace(
            "type: email, address: bob@example.com}",
            f"type: email, address: bob@example.com, secret: {WEBHOOK_SECRET}}}",
        ),
        headers=yaml,
    )

    assert applied.status_code == 200, applied.text
    assert {"kind": "webhook secret", "id": "bob/bob-hook", "outcome": "updated"} in applied.json()[
        "changes"
    ]
    assert WEBHOOK_SECRET not in applied.text and WEBHOOK_SECRET not in str(_audit(api))
    assert not again.json()["changed"]
    assert wrong.status_code == 422 and "only a webhook contact method" in wrong.text
    bob = api.admin.get("/api/v1/users/bob").json()
    assert all("secret" not in c for c in bob["contact_methods"])
    with api.core.uow() as uow:
        assert uow.webhook_secrets.get("bob", "bob-hook") == WEBHOOK_SECRET
