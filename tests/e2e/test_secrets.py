"""One key per purpose: acknowledge links and calendar feeds are signed apart, never with the key
webhook receivers could learn, each rotatable; an acknowledge link acts only for who it was made
for, while they may acknowledge, and only while the incident is not resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from fireline.bootstrap import Fireline
from fireline.services.admin import auth, secrets
from fireline.services.incidents import commands as incidents
from fireline.services.paging.ack_links import make_token
from fireline.services.paging.escalation import reassign
from fireline.web.app import create_app
from tests.conftest import FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, work


@pytest.fixture
def client(core: Fireline, paging: Receiver) -> TestClient:
    return TestClient(create_app(fireline=core))


def _page_link(core: Fireline, paging: Receiver) -> tuple[int, str]:
    incident = incidents.declare(uow=core.uow(), actor="dana", title="x", services=["ledger"])
    work(core)
    link = paging.pages[0]["body"]["ack_url"].removeprefix("http://127.0.0.1:8080")
    return incident.incident.id, link


def _token(core: Fireline, key: bytes | str, incident: int, user: str, days: int = 3650) -> str:
    with core.uow() as uow:
        expires = uow.now() + timedelta(days=days)
    return make_token(key if isinstance(key, bytes) else key.encode(), incident, user, expires)


def _acknowledged_by(core: Fireline, incident_id: int) -> list[str]:
    view = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["acknowledged"])
    return [e.event.actor for e in view.timeline]


def _ical(client: TestClient, user: str) -> str:
    token = auth.create_token(uow=client.app.state.fireline.uow(), user_id=user)  # type: ignore[attr-defined]
    urls = client.get("/api/v1/me/calendar", headers={"Authorization": f"Bearer {token}"}).json()
    return str(urls["mine"]).removeprefix("http://127.0.0.1:8080")


def test_what_a_webhook_receiver_holds_cannot_mint_an_acknowledge_link(
    core: Fireline, client: TestClient, paging: Receiver
) -> None:
    incident_id, _ = _page_link(core, paging)
    with core.uow() as uow:
        receivers = uow.webhook_secrets.get("carol", "carol-hook")
    assert receivers is not None

    for leaked in (receivers, receivers.removeprefix("whsec_")):
        minted = client.post(f"/ack/{_token(core, leaked, incident_id, 'carol', days=1)}")
        assert minted.status_code == 401
    assert _acknowledged_by(core, incident_id) == []


def test_each_webhook_contact_has_its_own_secret_and_an_admin_gets_a_new_one_once(
    core: Fireline, client: TestClient, paging: Receiver, cli: Cli, clock: FakeClock
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="dana", title="x", services=["checkout-api"]
    ).incident
    incidents.declare(uow=core.uow(), actor="dana", title="y", services=["ledger"])
    reassign(uow=core.uow(), actor="alice", incident_id=incident.id, user="bob")
    work(core)
    paged = {p["path"].rsplit("/", 1)[-1] for p in paging.pages}
    with core.uow() as uow:
        made = {u: uow.webhook_secrets.get(u, f"{u}-hook") for u in ("bob", "carol")}
    assert paged == {"bob", "carol"} and None not in made.values()
    assert made["bob"] != made["carol"]  # one secret per contact

    issued = cli("contact", "secret", "bob", "bob-hook", "--json")
    again = cli("contact", "secret", "bob", "bob-hook")
    not_a_webhook = cli("contact", "secret", "bob", "bob-mail")
    nobody = cli("contact", "secret", "zed", "zed-hook")

    assert issued.code == 0 and issued.json()["secret"].startswith("whsec_")
    assert again.code == 0 and "whsec_" in again.out and issued.json()["secret"] not in again.out
    assert not_a_webhook.code == 1 and "only webhook contacts are signed" in not_a_webhook.err
    assert nobody.code == 1
    paging.pages.clear()
    clock.advance(minutes=1)  # a second page to bob, signed with the new secret

    reassign(uow=core.uow(), actor="alice", incident_id=incident.id, user="bob")
    work(core)
    sent = [p for p in paging.pages if p["path"].endswith("/bob")]
    secret = again.out.split()[-1]
    assert sent and all(Webhook(secret).verify(p["raw"], p["headers"]) for p in sent)


def test_only_admins_issue_webhook_secrets(core: Fireline, client: TestClient) -> None:
    def bearer(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {auth.create_token(uow=core.uow(), user_id=user)}"}

    path = "/api/v1/contacts/bob/bob-hook/secret"
    assert client.post(path, headers=bearer("bob")).status_code == 403
    issued = client.post(path, headers=bearer("alice"))
    assert issued.status_code == 200 and issued.json()["secret"].startswith("whsec_")
    assert (
        client.post(
            "/api/v1/contacts/team:payments/nope/secret", headers=bearer("alice")
        ).status_code
        == 404
    )


def test_the_calendar_key_cannot_mint_an_acknowledge_link(
    core: Fireline, client: TestClient, paging: Receiver
) -> None:
    incident_id, _ = _page_link(core, paging)
    with core.uow() as uow:
        calendar_key = secrets.key(uow, "calendar-feeds")
        uow.commit()

    assert (
        client.post(f"/ack/{_token(core, calendar_key, incident_id, 'carol')}").status_code == 401
    )


def test_rotating_one_purpose_invalidates_its_links_and_no_other(
    core: Fireline, client: TestClient, paging: Receiver
) -> None:
    incident_id, link = _page_link(core, paging)
    feed = _ical(client, "carol")
    assert client.get(feed).status_code == 200

    secrets.rotate(uow=core.uow(), actor="alice", purpose="ack-links")

    assert client.post(link).status_code == 401
    assert client.get(feed).status_code == 200
    secrets.rotate(uow=core.uow(), actor="alice", purpose="calendar-feeds")
    assert client.get(feed).status_code == 404
    assert client.get(_ical(client, "carol")).status_code == 200  # the new URL works
    assert _acknowledged_by(core, incident_id) == []


def test_a_link_for_someone_who_may_not_acknowledge_changes_nothing(
    core: Fireline, client: TestClient, paging: Receiver
) -> None:
    incident_id, _ = _page_link(core, paging)
    with core.uow() as uow:
        key = secrets.key(uow, "ack-links")
        uow.commit()

    viewer = client.post(f"/ack/{_token(core, key, incident_id, 'dana', days=1)}")
    ghost = client.post(f"/ack/{_token(core, key, incident_id, 'ghost', days=1)}")
    asked = client.get(f"/ack/{_token(core, key, incident_id, 'dana', days=1)}")

    assert viewer.status_code == 403 and "may not acknowledge" in viewer.text
    assert ghost.status_code == 401
    assert asked.status_code == 403
    assert _acknowledged_by(core, incident_id) == []


def test_a_link_lives_a_day_whatever_its_expiry_says(
    core: Fireline, client: TestClient, clock: FakeClock, paging: Receiver
) -> None:
    incident_id, _ = _page_link(core, paging)
    with core.uow() as uow:
        key = secrets.key(uow, "ack-links")
        uow.commit()

    far = client.post(f"/ack/{_token(core, key, incident_id, 'carol', days=3650)}")

    assert far.status_code == 401 and "not valid" in far.text
    assert _acknowledged_by(core, incident_id) == []


def test_after_resolution_a_link_says_so_and_changes_nothing(
    core: Fireline, client: TestClient, paging: Receiver
) -> None:
    incident_id, link = _page_link(core, paging)
    incidents.resolve(uow=core.uow(), actor="bob", incident_id=incident_id, summary="fixed")

    asked = client.get(link)
    acted = client.post(link)

    assert asked.status_code == acted.status_code == 409
    assert "already resolved" in acted.text
    assert _acknowledged_by(core, incident_id) == []


def test_admins_rotate_from_the_api_and_see_no_values(core: Fireline, client: TestClient) -> None:
    def bearer(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {auth.create_token(uow=core.uow(), user_id=user)}"}

    listed = client.get("/api/v1/secrets", headers=bearer("alice"))
    rotated = client.post("/api/v1/secrets/ack-links/rotate", headers=bearer("alice"))
    unknown = client.post("/api/v1/secrets/webhooks/rotate", headers=bearer("alice"))
    responder = client.post("/api/v1/secrets/ack-links/rotate", headers=bearer("bob"))

    assert listed.status_code == 200
    assert {s["purpose"] for s in listed.json()} == {
        "ack-links",
        "calendar-feeds",
        "web-push",
        "push-actions",
        "mattermost-actions",
        "phone-codes",
    }
    assert all(set(s) == {"purpose", "description", "created_at"} for s in listed.json())
    assert rotated.status_code == 200 and rotated.json()["purpose"] == "ack-links"
    assert unknown.status_code == 422 and "ack-links" in unknown.json()["detail"]
    assert responder.status_code == 403


def test_the_cli_rotates_a_secret(core: Fireline, cli: Cli, paging: Receiver) -> None:
    _, link = _page_link(core, paging)
    client = TestClient(create_app(fireline=core))

    rotated = cli("secret", "rotate", "ack-links")
    unknown = cli("secret", "rotate", "nope")

    assert rotated.code == 0 and "ack-links" in rotated.out
    assert unknown.code == 1 and "the purposes are ack-links, calendar-feeds, " in unknown.err
    assert client.post(link).status_code == 401


def test_contact_methods_are_shown_whole_to_their_owner_and_admins_only(api: Api) -> None:
    mine = api.responder.get("/api/v1/me").json()["contact_methods"]
    as_admin = api.admin.get("/api/v1/users/bob").json()["contact_methods"]
    as_viewer = api.viewer.get("/api/v1/users/bob").json()["contact_methods"]
    in_list = {u["id"]: u for u in api.viewer.get("/api/v1/users").json()}["bob"]
    as_colleague = api.client_for("carol").get("/api/v1/users/bob").json()["contact_methods"]

    assert mine == as_admin and any(c.get("url", "").endswith("/hooks/bob") for c in mine)
    for shown in (as_viewer, in_list["contact_methods"], as_colleague):
        assert shown == [{"id": "bob-mail", "type": "email"}, {"id": "bob-hook", "type": "webhook"}]
