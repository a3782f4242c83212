"""Config as code: the example applies cleanly and idempotently; a bad file changes nothing."""

from __future__ import annotations

import pytest

from fireline.bootstrap import Fireline
from fireline.errors import ConfigInvalid
from fireline.services.admin import directory
from fireline.services.admin.configuration import apply_config
from fireline.storage.models import Integration, Team, User
from tests.conftest import EXAMPLE


def _apply(core: Fireline, text: str) -> list[dict[str, str]]:
    return apply_config(uow=core.uow(), text=text, source="fireline.yaml").changes


def test_the_example_applies_then_changes_nothing(core: Fireline) -> None:
    first = _apply(core, EXAMPLE.read_text())
    second = _apply(core, EXAMPLE.read_text())

    assert {c["outcome"] for c in first} == {"created"}
    assert {(c["kind"], c["id"]) for c in first} >= {
        ("team", "payments"),
        ("user", "alice"),
        ("schedule", "payments-primary"),
        ("escalation policy", "payments-default"),
        ("service", "checkout-api"),
        ("integration", "checkout-alertmanager"),
        ("setting", "priorities"),
        ("setting", "status_page"),
    }
    assert {c["outcome"] for c in second} == {"unchanged"}
    assert len(second) == len(first)


def test_everything_in_the_example_is_stored(core: Fireline) -> None:
    _apply(core, EXAMPLE.read_text())

    carol = directory.get_user(uow=core.uow(), user_id="carol", reader=directory.ANYONE)
    checkout = directory.get_service(uow=core.uow(), service_id="checkout-api", show_keys=True)
    settings = directory.organisation_settings(uow=core.uow())

    assert carol.teams == ["payments", "security"]
    assert carol.time_zone == "Asia/Singapore"
    assert {i.key for i in checkout.integrations} == {
        "am0checkout0000000000000000000001",
        "ev0checkout0000000000000000000001",
    }
    assert checkout.alert_grouping == {"by": ["alertname", "cluster"], "window": "1h"}
    assert settings["priorities"]["sla"]["P1"] == {
        "acknowledge": "5m",
        "mitigate": "1h",
        "resolve": "4h",
    }
    assert settings["severities"] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert settings["workflows"] == {"default": "standard", "by_team": {"security": "security"}}


def test_a_generated_integration_key_is_kept_on_the_next_apply(core: Fireline) -> None:
    text = EXAMPLE.read_text().replace("        key: hb0ledger000000000000000000000001\n", "")
    _apply(core, text)
    with core.uow() as uow:
        key = uow.directory.get(Integration, "ledger-heartbeat").key
    _apply(core, text)
    with core.uow() as uow:
        assert uow.directory.get(Integration, "ledger-heartbeat").key == key
    assert len(key) == 32


def test_changes_are_reported_and_memberships_follow_the_file(core: Fireline) -> None:
    _apply(core, EXAMPLE.read_text())
    edited = EXAMPLE.read_text().replace("teams: [payments, security]", "teams: [security]")
    edited = edited.replace("name: Carol Ng", "name: Carol Ng-Lim")

    changes = _apply(core, edited)

    assert [c for c in changes if c["outcome"] != "unchanged"] == [
        {"kind": "user", "id": "carol", "outcome": "updated"}
    ]
    assert directory.get_user(uow=core.uow(), user_id="carol", reader=directory.ANYONE).teams == [
        "security"
    ]


def test_an_integration_removed_from_the_file_is_deleted(core: Fireline) -> None:
    _apply(core, EXAMPLE.read_text())
    start = EXAMPLE.read_text().index("      - id: checkout-events")
    end = EXAMPLE.read_text().index("  - id: ledger")
    edited = EXAMPLE.read_text()[:start] + EXAMPLE.read_text()[end:]

    changes = _apply(core, edited)

    assert {"kind": "integration", "id": "checkout-events", "outcome": "deleted"} in changes
    with core.uow() as uow:
        assert uow.directory.find(Integration, "checkout-events") is None


def test_an_invalid_file_changes_nothing_and_names_the_line(core: Fireline) -> None:
    text = """teams:
  - id: sre
    name: SRE
users:
  - id: erin
    name: Erin
    email: not-an-email
    teams: [sre]
"""
    with pytest.raises(ConfigInvalid) as raised:
        _apply(core, text)

    assert raised.value.problems[0].startswith("fireline.yaml:7: users[0].email:")
    with core.uow() as uow:
        assert uow.directory.find(Team, "sre") is None


def test_a_dangling_reference_changes_nothing_and_names_the_line(core: Fireline) -> None:
    text = """teams:
  - id: sre
    name: SRE
services:
  - id: api
    name: API
    team: platform
"""
    with pytest.raises(ConfigInvalid) as raised:
        _apply(core, text)

    assert raised.value.problems == ["fireline.yaml:7: services[0].team: unknown team 'platform'"]
    with core.uow() as uow:
        assert uow.directory.find(Team, "sre") is None


def test_references_may_point_at_objects_already_stored(core: Fireline) -> None:
    _apply(core, "teams:\n  - id: sre\n    name: SRE\n")
    _apply(core, "users:\n  - {id: erin, name: Erin, email: erin@example.com, teams: [sre]}\n")
    with core.uow() as uow:
        assert uow.directory.get(User, "erin").role == "responder"


def test_a_key_used_by_another_integration_is_refused(core: Fireline) -> None:
    _apply(core, EXAMPLE.read_text())
    text = """services:
  - id: other
    name: Other
    integrations:
      - {id: other-am, type: alertmanager, key: am0checkout0000000000000000000001}
"""
    with pytest.raises(ConfigInvalid, match="key already used by checkout-alertmanager"):
        _apply(core, text)


def test_a_custom_workflow_can_be_defined_and_chosen_by_team(core: Fireline) -> None:
    text = """teams:
  - {id: data, name: Data}
workflows:
  default: standard
  by_team: {data: lean}
  definitions:
    - id: lean
      name: Lean
      phases:
        - {id: open, name: Open}
        - {id: fixed, name: Fixed, marks: [resolved], requires: [resolution_summary]}
        - {id: done, name: Done, marks: [closed]}
services:
  - {id: warehouse, name: Warehouse, team: data}
"""
    _apply(core, text)
    from fireline.services.incidents import commands as incidents

    view = incidents.declare(
        uow=core.uow(), actor="cli", title="Nightly load failed", services=["warehouse"]
    )
    assert (view.incident.workflow, view.incident.phase) == ("lean", "open")
    assert {"kind": "workflow", "id": "lean", "outcome": "unchanged"} in _apply(core, text)


def test_unquoted_times_and_repeated_emails_are_read_as_written(core: Fireline) -> None:
    text = EXAMPLE.read_text().replace('from: "09:00", to: "17:00"', "from: 09:00, to: 17:00")
    _apply(core, text)
    with core.uow() as uow:
        from fireline.storage.models import Schedule

        layer = uow.directory.get(Schedule, "payments-primary").definition["layers"][1]
    assert layer["restrictions"][0] == {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "from": "09:00:00",
        "to": "17:00:00",
    }


def test_repeated_emails_are_refused_before_anything_is_written(core: Fireline) -> None:
    text = """users:
  - {id: erin, name: Erin, email: same@example.com}
  - {id: finn, name: Finn, email: same@example.com}
"""
    with pytest.raises(ConfigInvalid, match="emails must be unique; repeated: same@example.com"):
        _apply(core, text)
    _apply(core, "users:\n  - {id: erin, name: Erin, email: same@example.com}\n")
    with pytest.raises(ConfigInvalid, match="email same@example.com already belongs to erin"):
        _apply(core, "users:\n  - {id: finn, name: Finn, email: same@example.com}\n")


def test_durations_must_be_written_with_a_unit(core: Fireline) -> None:
    text = "priorities:\n  sla:\n    P1: {acknowledge: 300}\n"
    with pytest.raises(
        ConfigInvalid,
        match=r"fireline.yaml:3: priorities.sla.P1.acknowledge: 300 is not a duration",
    ):
        _apply(core, text)


def test_a_misspelt_workflow_action_changes_nothing_and_names_the_line(core: Fireline) -> None:
    text = """teams:
  - {id: data, name: Data}
workflows:
  definitions:
    - id: lean
      name: Lean
      phases:
        - id: open
          name: Open
          on_enter:
            - pgae: service_escalation_policy
        - {id: fixed, name: Fixed, marks: [resolved]}
        - {id: done, name: Done, marks: [closed]}
"""
    with pytest.raises(ConfigInvalid) as raised:
        _apply(core, text)

    assert raised.value.problems == [
        "fireline.yaml:11: workflows.definitions[0].phases[0].on_enter[0]: "
        "unknown action 'pgae' (known: page, postmortem)"
    ]
    with core.uow() as uow:
        assert uow.directory.find(Team, "data") is None
        assert "lean" not in uow.workflows.ids()
