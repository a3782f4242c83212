"""What every command shares: --version, errors as problem+json, list shapes, exit codes, filters.

Direct mode drives the API in-process, so these hold in both modes by construction; the
server-mode checks below make sure of it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli, server_mode
from tests.e2e.conftest import Api
from tests.e2e.ingest_support import AM_URL, Ingest, am_alert, am_webhook

PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture
def configured(cli: Cli) -> Cli:
    assert cli("apply", str(EXAMPLE)).code == 0
    return cli


@pytest.fixture
def server(api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI in server mode as a responder."""
    token = api.responder.headers["Authorization"].removeprefix("Bearer ")
    return server_mode(api.app, token, capsys, monkeypatch)


def test_version(cli: Cli) -> None:
    result = cli("--version", connection=False)

    assert (result.code, result.out) == (0, f"fireline {version('fireline')}\n")


# --- errors under --json ------------------------------------------------------------------------


def test_a_refusal_under_json_is_one_problem_document(configured: Cli) -> None:
    result = configured("incident", "show", "404", "--json")

    assert result.code == 1
    assert result.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "there is no incident 404",
    }
    assert result.err == "error: there is no incident 404\n"


def test_a_refused_move_under_json_says_what_is_missing(configured: Cli) -> None:
    configured("incident", "declare", "--title", "x")

    result = configured("incident", "transition", "1", "response", "--reason", "go", "--json")

    problem = result.json()
    assert result.code == 1
    assert PROBLEM_KEYS <= set(problem) and problem["status"] == 409
    assert problem["missing"] == [
        "impact must be set",
        "urgency must be set",
        "an incident commander must be assigned",
    ]


def test_a_value_the_schema_rejects_under_json_lists_the_errors(configured: Cli) -> None:
    result = configured("incident", "declare", "--title", "x", "--impact", "huge", "--json")

    problem = result.json()
    assert result.code == 2
    assert (problem["status"], problem["field"]) == (422, "impact")
    assert problem["errors"] == [
        {"field": "impact", "message": "Input should be 'high', 'medium' or 'low'"}
    ]


def test_an_invalid_config_under_json_lists_every_problem(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("teams:\n  - id: sre\n    name: SRE\n    colour: red\n")

    result = cli("apply", str(bad), "--json")

    assert result.code == 1
    assert result.json()["errors"] == [
        {
            "field": "config",
            "message": "bad.yaml:4: teams[0].colour: unknown key (check the spelling; "
            "docs/configuration.md lists every key)",
        }
    ]


def test_a_usage_error_under_json_is_a_problem_document_too(cli: Cli) -> None:
    result = cli("report", "--since", "banana", "--json")

    problem = result.json()
    assert result.code == 2
    assert PROBLEM_KEYS <= set(problem) and problem["status"] == 400
    assert "'--from' / '--since': 'banana' is neither an ISO 8601 time" in problem["detail"]


def test_an_error_of_a_command_on_the_database_under_json(cli: Cli) -> None:
    result = cli("token", "create", "--user", "nobody", "--json")

    assert result.code == 1
    assert result.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "there is no user 'nobody'",
    }


def test_both_modes_give_the_same_problem(configured: Cli, server: Cli) -> None:
    direct = configured("incident", "show", "404", "--json")
    remote = server("incident", "show", "404", "--json")

    assert (remote.code, remote.json()) == (direct.code, direct.json())
    assert remote.err == "error: there is no incident 404 (HTTP 404)\n"


def test_the_role_of_the_token_applies_in_server_mode_only(configured: Cli, server: Cli) -> None:
    args = ("integration", "create", "probe", "--service", "ledger", "--type", "generic")

    refused = server(*args, "--json")
    made = configured(*args, "--as", "dana", "--json")  # a viewer, but direct mode is the operator

    assert (refused.code, refused.json()["status"]) == (1, 403)
    assert (made.code, made.json()["id"]) == (0, "probe")


# --- exit codes --------------------------------------------------------------------------------


def test_a_bad_time_is_a_usage_error(cli: Cli) -> None:
    result = cli("report", "--since", "banana")

    assert result.code == 2
    assert "'--from' / '--since': 'banana' is neither an ISO 8601 time" in result.err
    assert result.out == ""


# --- list shapes -------------------------------------------------------------------------------

LISTS = [
    ("incident", "list"),
    ("alert", "list"),
    ("silence", "list"),
    ("integration", "list"),
    ("workflow", "list"),
    ("oncall", "who"),
    ("oncall", "overrides", "payments-primary"),
    ("delivery", "list"),
    ("follow-up", "list"),
    ("token", "list", "--user", "alice"),
]


@pytest.mark.parametrize("command", LISTS, ids=" ".join)
def test_every_list_is_items_and_total(configured: Cli, command: tuple[str, ...]) -> None:
    result = configured(*command, "--json")

    assert result.code == 0, result.err
    document = result.json()
    assert set(document) >= {"items", "total"}
    assert isinstance(document["items"], list) and document["total"] >= len(document["items"])


def test_a_list_has_the_same_shape_in_server_mode(configured: Cli, server: Cli) -> None:
    assert server("silence", "list", "--json").json() == {"items": [], "total": 0}
    assert (
        server("workflow", "list", "--json").json()
        == configured("workflow", "list", "--json").json()
    )


def test_similar_incidents_and_follow_ups_of_an_incident_are_lists_too(configured: Cli) -> None:
    configured("incident", "declare", "--title", "x")

    similar = configured("incident", "similar", "1", "--json").json()
    added = configured("follow-up", "add", "1", "Fix it", "--json").json()

    assert similar == {"items": [], "total": 0}
    assert (added["total"], added["items"][0]["title"]) == (1, "Fix it")


# --- unknown filters ---------------------------------------------------------------------------


def test_an_unknown_phase_is_an_error_not_an_empty_list(configured: Cli) -> None:
    result = configured("incident", "list", "--phase", "nosuch")

    assert result.code == 1
    assert result.err.startswith("error: there is no phase 'nosuch'; the phases are: ")
    assert "assessment" in result.err and "containment" in result.err


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (("incident", "list", "--service", "nosuch"), "there is no service 'nosuch'"),
        (("incident", "list", "--priority", "P9"), "there is no priority 'P9'"),
        (("alert", "list", "--service", "nosuch"), "there is no service 'nosuch'"),
        (("alert", "list", "--incident", "99"), "there is no incident 99"),
        (("follow-up", "list", "--owner", "nosuch"), "there is no user 'nosuch'"),
        (("delivery", "list", "--incident", "99"), "there is no incident 99"),
    ],
)
def test_an_unknown_filter_value_is_an_error(
    configured: Cli, command: tuple[str, ...], message: str
) -> None:
    result = configured(*command)

    assert result.code == 1
    assert result.err.startswith(f"error: {message}")


# --- alert show --------------------------------------------------------------------------------


def test_alert_show_is_for_people_unless_json(
    ingest_app: Ingest, clock: FakeClock, cli: Cli
) -> None:
    alert = am_alert("HighErrorRate", "f1", clock.now - timedelta(minutes=5))
    assert ingest_app.client.post(AM_URL, json=am_webhook(alert)).status_code == 200
    (stored,) = ingest_app.alerts()

    human = cli("alert", "show", str(stored["id"]))
    document = cli("alert", "show", str(stored["id"]), "--json").json()

    assert human.code == 0, human.err
    assert human.out.startswith(f"Alert #{stored['id']} firing: HighErrorRate on eu1\n")
    assert "  alertname: HighErrorRate" in human.out
    with pytest.raises(json.JSONDecodeError):
        json.loads(human.out)
    assert document["payload"]["fingerprint"] == "f1"


# --- direct mode --------------------------------------------------------------------------------


def test_direct_mode_works_where_an_event_loop_runs(configured: Cli) -> None:
    codes: list[int] = []

    async def from_a_coroutine() -> None:
        codes.append(configured("incident", "list", "--json").code)

    # A thread of its own: this one may run a loop already (Playwright's, in the whole suite).
    thread = threading.Thread(target=asyncio.run, args=(from_a_coroutine(),))
    thread.start()
    thread.join()

    assert codes == [0]


# --- start-up ----------------------------------------------------------------------------------


def test_the_command_tree_imports_no_web_app_nor_database() -> None:
    heavy = ("fastapi", "sqlalchemy", "alembic", "uvicorn", "fireline.web", "fireline.storage")
    code = (
        "import sys; import fireline.cli; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} "
        f"or m.startswith({heavy!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert found.strip() == "[]"
