"""The CLI on the database directly: config, the whole incident lifecycle, tokens and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fireline.bootstrap import build
from fireline.config import Settings
from fireline.domain.state import TIMESTAMPS as EVENT_TIMESTAMPS
from fireline.services.admin import auth
from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli

INCIDENT_KEYS = {
    "id",
    "title",
    "phase",
    "workflow",
    "impact",
    "urgency",
    "priority",
    "severity",
    "services",
    "roles",
    "timestamps",
}
TIMESTAMPS = set(EVENT_TIMESTAMPS)


@pytest.fixture
def configured(cli: Cli) -> Cli:
    assert cli("apply", str(EXAMPLE)).code == 0
    return cli


def test_apply_is_idempotent(cli: Cli) -> None:
    first = cli("apply", str(EXAMPLE))
    second = cli("apply", str(EXAMPLE), "--json")

    assert first.code == 0 and first.out.strip().endswith("17 created")
    assert second.json()["changed"] is False
    assert {c["outcome"] for c in second.json()["changes"]} == {"unchanged"}


def test_an_invalid_config_is_one_clear_error_per_problem(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("teams:\n  - id: sre\n    name: SRE\n    colour: red\n")

    result = cli("apply", str(bad))

    assert result.code == 1
    assert (
        result.err == "error: bad.yaml:4: teams[0].colour: unknown key (check the spelling; "
        "docs/configuration.md lists every key)\n"
    )
    assert result.out == ""


def test_declare_prints_the_incident_contract_as_json(configured: Cli) -> None:
    result = configured(
        "incident",
        "declare",
        "--title",
        "Checkout down",
        "--service",
        "checkout-api",
        "--urgency",
        "high",
        "--severity",
        "SEV1",
        "--impact-started-at",
        "2026-01-05T08:00",
        "--json",
        "--as",
        "alice",
    )

    incident = result.json()
    assert INCIDENT_KEYS <= set(incident)
    assert set(incident["timestamps"]) == TIMESTAMPS
    assert (incident["phase"], incident["priority"], incident["severity"]) == (
        "reporting",
        "P1",
        "SEV1",
    )
    assert incident["timestamps"]["impact_started_at"] == "2026-01-05T08:00:00Z"


def test_an_incident_is_driven_to_closed_from_the_cli(configured: Cli) -> None:
    cli = configured
    incident_id = str(
        cli("incident", "declare", "--title", "Ledger lag", "--service", "ledger", "--json").json()[
            "id"
        ]
    )
    steps = [
        ("incident", "ack", incident_id),
        ("incident", "transition", incident_id, "assessment"),
        ("incident", "set", incident_id, "--impact", "high", "--urgency", "medium"),
        ("incident", "assign", incident_id, "commander", "alice"),
        ("incident", "transition", incident_id, "response"),
        ("incident", "note", incident_id, "Replica 2 is behind"),
        ("incident", "update", incident_id, "We are failing over", "--public"),
        ("incident", "task", incident_id, "Check backups", "--owner", "bob"),
        ("incident", "task-done", incident_id, "T6"),
        ("incident", "mitigate", incident_id),
        ("incident", "resolve", incident_id, "--summary", "Failed over to replica 1"),
        ("incident", "transition", incident_id, "review"),
        (
            "follow-up",
            "add",
            incident_id,
            "Alert on replica lag",
            "--owner",
            "bob",
            "--due",
            "2026-04-01",
        ),
        ("postmortem", "status", incident_id, "in_review"),
        ("postmortem", "status", incident_id, "published"),
        ("incident", "close", incident_id),
    ]
    for step in steps:
        result = cli(*step, "--as", "bob")
        assert result.code == 0, (step, result.err)

    shown = cli("incident", "show", incident_id, "--json").json()
    assert shown["phase"] == "closed"
    assert shown["priority"] == "P2"
    assert all(shown["timestamps"][k] for k in TIMESTAMPS - {"impact_started_at"})
    assert {e["actor"] for e in shown["timeline"][1:]} == {"bob"}
    assert {"at", "actor", "kind", "data"} <= set(shown["timeline"][0])
    assert next(t for t in shown["tasks"] if t["id"] == "T6")["done"] is True
    human = cli("incident", "show", incident_id)
    assert "Failed over to replica 1" in human.out and "phase closed" in human.out


def test_refusals_are_one_line_and_exit_1(configured: Cli) -> None:
    incident_id = str(configured("incident", "declare", "--title", "x", "--json").json()["id"])

    skip = configured("incident", "transition", incident_id, "response")
    missing = configured("incident", "show", "404")

    assert (skip.code, skip.err) == (
        1,
        "error: a reason is required to skip phases from reporting to response, and cannot enter response: "
        "impact must be set; urgency must be set; an incident commander must be assigned first\n",
    )
    assert (missing.code, missing.err) == (1, "error: there is no incident 404\n")


def test_bad_values_are_usage_errors(configured: Cli) -> None:
    result = configured("incident", "declare", "--title", "x", "--impact", "huge")
    assert result.code == 2
    assert result.err == "error: impact: Input should be 'high', 'medium' or 'low'\n"


def test_list_filters_and_json(configured: Cli) -> None:
    for title in ("one", "two"):
        configured("incident", "declare", "--title", title, "--service", "ledger")
    configured("incident", "transition", "1", "assessment")

    listed = configured("incident", "list", "--phase", "assessment", "--json").json()
    table = configured("incident", "list", "--service", "ledger")

    assert [i["title"] for i in listed["items"]] == ["one"]
    assert "(2 of 2)" in table.out and "two" in table.out


def test_token_create_and_password(cli: Cli, database_url: str) -> None:
    cli("apply", str(EXAMPLE))
    token = cli("token", "create", "--user", "bob").out.strip()
    password = cli("user", "password", "bob", "--password-stdin", stdin="correct horse battery\n")
    short = cli("user", "password", "bob", "--password-stdin", stdin="short\n")

    core = build(Settings(database_url=database_url), migrate=False)
    try:
        assert auth.authenticate(uow=core.uow(), token=token).user_id == "bob"
        assert (
            auth.check_password(
                uow=core.uow(), login="bob@example.com", password="correct horse battery"
            ).role
            == "responder"
        )
    finally:
        core.close()
    assert password.code == 0
    assert (short.code, short.err) == (1, "error: a password needs at least 8 characters\n")
    assert cli("token", "create", "--user", "nobody").err == "error: there is no user 'nobody'\n"


def test_workflow_commands(cli: Cli, tmp_path: Path) -> None:
    listed = cli("workflow", "list", "--json").json()
    shown = cli("workflow", "show", "security")
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "id: mine\nname: Mine\nphases:\n  - {id: open, name: Open}\n  - {id: shut, name: Shut}\n"
    )

    assert [w["id"] for w in listed["items"]] == ["security", "standard"]
    assert (
        "containment" in shown.out and "requires: impact, urgency, severity, commander" in shown.out
    )
    invalid = cli("workflow", "validate", str(bad), connection=False)
    assert invalid.code == 1
    assert invalid.err.startswith(
        "error: mine.yaml:1: (document): exactly one phase must have `marks: [resolved]`"
    )
    good = Path(__file__).parents[2] / "src" / "fireline" / "workflows" / "standard.yaml"
    assert cli("workflow", "validate", str(good), connection=False).code == 0


def test_a_public_update_sets_a_components_public_status(configured: Cli) -> None:
    cli = configured
    declared = cli(
        "incident", "declare", "--title", "Checkout errors", "--service", "checkout-api", "--json"
    )
    number = str(declared.json()["id"])
    update = ("incident", "update", number, "Card payments fail.", "--as", "bob")

    set_ = cli(*update, "--public", "--component-status", "checkout-api=partial_outage", "--json")
    internal = cli(*update, "--component-status", "checkout-api=degraded")
    malformed = cli(*update, "--public", "--component-status", "checkout-api")

    assert set_.code == 0, set_.err
    assert set_.json()["public_status"] == {"checkout-api": "partial_outage"}
    assert internal.code == 1 and "public status update" in internal.err
    assert malformed.code == 2 and "ID=STATE" in malformed.err


STAMP = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z"


def test_people_read_times_without_microseconds_and_json_keeps_iso(configured: Cli) -> None:
    import re

    cli = configured
    declared = cli("incident", "declare", "--title", "Slow ledger", "--service", "ledger", "--json")
    number = str(declared.json()["id"])
    assert cli("incident", "note", number, "Looking", "--as", "bob").code == 0
    shown = cli("incident", "show", number)
    as_json = cli("incident", "show", number, "--json").json()

    assert re.search(rf"^  detected {STAMP}$", shown.out, re.MULTILINE), shown.out
    timeline = shown.out[shown.out.index("Timeline:") :].splitlines()[1:]
    assert timeline and all(re.match(rf"  {STAMP}  ", line) for line in timeline), timeline
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+|\+00:00", shown.out), shown.out
    assert "T" in as_json["timeline"][0]["at"]  # --json keeps ISO 8601
