"""Failed logins and API tokens are throttled per account and per address, with a growing
back-off, in the database every process shares; admins see and clear it (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fireline.services.admin import auth
from tests.conftest import FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.ui_support import PASSWORD, WebUser, set_passwords


@pytest.fixture
def people(api: Api) -> Api:
    set_passwords(api.core, "alice", "bob", "dana")
    return api


def _log_in(api: Api, login: str, password: str) -> Any:
    return WebUser(api.app).log_in(login, password)


def _fail(api: Api, login: str, times: int) -> None:
    for _ in range(times):
        assert _log_in(api, login, "wrong password").status_code == 401


def test_ten_failures_refuse_the_account_even_with_the_right_password(
    people: Api, clock: FakeClock
) -> None:
    _fail(people, "bob", 10)

    refused = _log_in(people, "bob", PASSWORD)
    by_email = _log_in(people, "bob@example.com", PASSWORD)  # the same account

    for response in (refused, by_email):
        assert response.status_code == 429
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        assert "too many failed logins for this account" in response.text
        assert "try again after" in response.text
    assert _log_in(people, "alice", PASSWORD).status_code == 303  # others are not affected
    clock.advance(minutes=15, seconds=1)
    assert _log_in(people, "bob", PASSWORD).status_code == 303


def test_the_back_off_grows_while_failures_go_on(people: Api, clock: FakeClock) -> None:
    _fail(people, "bob", 10)
    first = int(_log_in(people, "bob", PASSWORD).headers["retry-after"])
    clock.advance(minutes=15, seconds=1)
    _fail(people, "bob", 10)

    second = int(_log_in(people, "bob", PASSWORD).headers["retry-after"])

    assert first <= 15 * 60 < second <= 60 * 60


def test_an_unknown_account_is_throttled_alike(people: Api) -> None:
    _fail(people, "mallory", 10)

    assert _log_in(people, "mallory", "x").status_code == 429


def test_a_success_forgets_the_failures(people: Api) -> None:
    _fail(people, "bob", 9)
    assert _log_in(people, "bob", PASSWORD).status_code == 303

    _fail(people, "bob", 9)

    assert _log_in(people, "bob", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_refused(people: Api) -> None:
    for n in range(30):
        _fail(people, f"user{n}", 1)

    refused = _log_in(people, "alice", PASSWORD)

    assert refused.status_code == 429 and "from this address" in refused.text


def test_invalid_api_tokens_from_one_address_are_throttled(people: Api) -> None:
    client = TestClient(people.app)
    good = {"Authorization": f"Bearer {auth.create_token(uow=people.core.uow(), user_id='bob')}"}
    for n in range(30):
        bad = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer nope{n}"})
        assert bad.status_code == 401

    refused = client.get("/api/v1/incidents", headers=good)

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 0
    assert "invalid API token" in refused.json()["detail"]


def test_admins_see_and_clear_a_refusal(people: Api) -> None:
    _fail(people, "bob", 10)

    listed = people.admin.get("/api/v1/throttles").json()
    as_responder = people.responder.get("/api/v1/throttles")
    cleared = people.admin.delete("/api/v1/throttles/account/bob")

    assert [(t["kind"], t["subject"], t["failures"]) for t in listed] == [("account", "bob", 10)]
    assert as_responder.status_code == 403
    assert cleared.status_code == 204
    assert people.admin.get("/api/v1/throttles").json() == []
    assert _log_in(people, "bob", PASSWORD).status_code == 303
    assert people.admin.delete("/api/v1/throttles/nope/bob").status_code == 422


def test_the_cli_lists_and_clears(people: Api, cli: Cli, clock: FakeClock) -> None:
    clock.now = datetime.now(UTC)  # the CLI opens the database on the real clock
    _fail(people, "bob", 10)

    listed = cli("throttle", "list", "--json")
    cleared = cli("throttle", "clear", "account", "bob")

    assert listed.code == 0 and listed.json()["items"][0]["subject"] == "bob"
    assert cleared.code == 0 and "bob may try again now" in cleared.out
    assert cli("throttle", "list").out.strip() == "nobody is throttled"
