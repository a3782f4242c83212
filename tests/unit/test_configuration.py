"""The config-as-code document: schema, cross-references, and problems with their lines."""

from __future__ import annotations

import copy
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from fireline.domain.configuration import (
    ConfigDocument,
    ContactMethod,
    IntegrationSpec,
    Known,
    Target,
    UserSpec,
    dangling_references,
)
from fireline.errors import ConfigInvalid, InvalidInput
from fireline.services.admin.yamlfile import dotted, load_model, load_with_lines, where

EXAMPLE = Path(__file__).parents[2] / "examples" / "fireline.yaml"
SHIPPED_WORKFLOWS = Known(workflows={"standard", "security"})
UNKNOWN_KEY = "unknown key (check the spelling; docs/configuration.md lists every key)"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def user(**extra: Any) -> dict[str, Any]:
    return {"id": "zoe", "name": "Zoe", "email": "zoe@example.com", **extra}


def problems(text: str, source: str = "fireline.yaml") -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        load_model(ConfigDocument, text, source)
    assert caught.value.message == "; ".join(caught.value.problems)
    return caught.value.problems


# --- the example ---------------------------------------------------------------------------


def test_example_config_validates() -> None:
    doc = ConfigDocument.model_validate(example())
    assert [t.id for t in doc.teams] == ["payments", "security"]
    assert [u.id for u in doc.users] == ["alice", "bob", "carol", "dana"]
    alice = doc.users[0]
    assert alice.role == "admin"
    assert alice.time_zone == "Europe/Paris"
    assert [c.type for c in alice.contact_methods] == ["email", "webhook"]
    assert doc.users[1].notification_rules[1].after == timedelta(minutes=2)
    [schedule] = doc.schedules
    assert schedule.layers[0].rotation.every == timedelta(weeks=1)
    restriction = schedule.layers[1].restrictions[0]
    assert (restriction.from_, restriction.to) == (time(9), time(17))
    assert restriction.days == ("mon", "tue", "wed", "thu", "fri")
    [policy] = doc.escalation_policies
    assert policy.repeat == 2
    assert policy.steps[0].targets[0].schedule == "payments-primary"
    assert policy.steps[1].escalate_after == timedelta(minutes=10)
    checkout, ledger = doc.services
    assert checkout.alert_grouping is not None
    assert checkout.alert_grouping.window == timedelta(hours=1)
    assert [i.type for i in checkout.integrations] == ["alertmanager", "events_v2"]
    assert ledger.integrations[0].interval == timedelta(minutes=2)
    assert doc.priorities is not None
    assert doc.priorities.priority_for("high", "high") == "P1"
    assert doc.severities == ("SEV1", "SEV2", "SEV3", "SEV4")
    assert doc.workflows is not None
    assert doc.workflows.default == "standard"
    assert doc.workflows.by_team == {"security": "security"}
    assert doc.status_page is not None
    assert [c.services for c in doc.status_page.components] == [("checkout-api",), ("ledger",)]


def test_example_config_has_no_dangling_references() -> None:
    doc = ConfigDocument.model_validate(example())
    assert dangling_references(doc, SHIPPED_WORKFLOWS) == []


def test_example_loads_through_the_yaml_loader_with_lines() -> None:
    doc, lines = load_model(ConfigDocument, EXAMPLE.read_text(), str(EXAMPLE))
    assert doc == ConfigDocument.model_validate(example())
    text = EXAMPLE.read_text().splitlines()
    assert text[lines["teams",] - 1] == "teams:"
    assert text[lines["users", 1, "id"] - 1].strip() == "- id: bob"
    assert text[lines["priorities", "sla", "P3"] - 1].strip().startswith("P3:")


def test_empty_document_is_valid() -> None:
    doc, _ = load_model(ConfigDocument, "", "empty.yaml")
    assert doc == ConfigDocument()
    doc, _ = load_model(ConfigDocument, "# only a comment\n", "empty.yaml")
    assert doc.priorities is None
    assert doc.workflows is None


# --- dangling references -------------------------------------------------------------------


def dangling_doc() -> ConfigDocument:
    return ConfigDocument.model_validate(
        {
            "teams": [{"id": "payments", "name": "Payments"}],
            "users": [user(teams=["payments", "ghosts"])],
            "schedules": [
                {
                    "id": "primary",
                    "name": "Primary",
                    "layers": [
                        {
                            "name": "weekly",
                            "rotation": {"every": "1w", "handoff": "2026-01-05T09:00"},
                            "users": ["zoe", "yann"],
                        }
                    ],
                }
            ],
            "escalation_policies": [
                {
                    "id": "default",
                    "name": "Default",
                    "steps": [
                        {"targets": [{"schedule": "primary"}], "escalate_after": "5m"},
                        {
                            "targets": [{"user": "xavier"}, {"schedule": "night"}, {"team": "sre"}],
                            "escalate_after": "10m",
                        },
                    ],
                }
            ],
            "services": [
                {"id": "api", "name": "API", "team": "payments", "escalation_policy": "default"},
                {"id": "db", "name": "DB", "team": "dba", "escalation_policy": "paging"},
            ],
            "workflows": {"default": "custom", "by_team": {"payments": "standard", "red": "sec"}},
            "status_page": {
                "components": [{"id": "web", "name": "Web", "services": ["api", "cdn"]}]
            },
        }
    )


def test_dangling_references_are_listed_with_their_path() -> None:
    assert dangling_references(dangling_doc(), SHIPPED_WORKFLOWS) == [
        "users[0].teams[1]: unknown team 'ghosts'",
        "schedules[0].layers[0].users[1]: unknown user 'yann'",
        "escalation_policies[0].steps[1].targets[0].user: unknown user 'xavier'",
        "escalation_policies[0].steps[1].targets[1].schedule: unknown schedule 'night'",
        "escalation_policies[0].steps[1].targets[2].team: unknown team 'sre'",
        "services[1].team: unknown team 'dba'",
        "services[1].escalation_policy: unknown escalation policy 'paging'",
        "workflows.default: unknown workflow 'custom'",
        "workflows.by_team.red: unknown team 'red'",
        "workflows.by_team.red: unknown workflow 'sec'",
        "status_page.components[0].services[1]: unknown service 'cdn'",
    ]


def test_references_to_what_the_database_knows_are_fine() -> None:
    known = Known(
        teams={"ghosts", "sre", "dba", "red"},
        users={"yann", "xavier"},
        schedules={"night"},
        escalation_policies={"paging"},
        services={"cdn"},
        workflows={"standard", "custom", "sec"},
    )
    assert dangling_references(dangling_doc(), known) == []


def test_workflows_defined_in_the_document_are_known() -> None:
    definition = {
        "id": "custom",
        "name": "Custom",
        "phases": [
            {"id": "open", "name": "Open"},
            {"id": "fixed", "name": "Fixed", "marks": ["resolved"]},
            {"id": "done", "name": "Done", "marks": ["closed"]},
        ],
    }
    doc = ConfigDocument.model_validate(
        {"workflows": {"default": "custom", "definitions": [definition]}}
    )
    assert dangling_references(doc, Known()) == []


def test_default_workflow_must_exist_somewhere() -> None:
    doc = ConfigDocument.model_validate({"workflows": {}})
    assert dangling_references(doc, Known()) == ["workflows.default: unknown workflow 'standard'"]
    assert dangling_references(ConfigDocument(), Known()) == []


# --- schema rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "items", "repeated"),
    [
        ("teams", [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "a"),
        ("users", [user(), user(name="Other Zoe")], "zoe"),
        (
            "services",
            [{"id": "api", "name": "A"}, {"id": "db", "name": "D"}, {"id": "api", "name": "B"}],
            "api",
        ),
        (
            "escalation_policies",
            [
                {
                    "id": "p",
                    "name": "P",
                    "steps": [{"targets": [{"user": "zoe"}], "escalate_after": "1m"}],
                },
                {
                    "id": "p",
                    "name": "Q",
                    "steps": [{"targets": [{"user": "zoe"}], "escalate_after": "1m"}],
                },
            ],
            "p",
        ),
    ],
)
def test_duplicate_ids_rejected(section: str, items: list[dict[str, Any]], repeated: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ConfigDocument.model_validate({section: items})
    assert f"{section}: ids must be unique; repeated: {repeated}" in str(caught.value)


def test_duplicate_schedule_ids_rejected() -> None:
    schedule = example()["schedules"][0]
    with pytest.raises(
        ValidationError, match="schedules: ids must be unique; repeated: payments-primary"
    ):
        ConfigDocument.model_validate({"schedules": [schedule, copy.deepcopy(schedule)]})


def test_workflow_definition_ids_are_unique() -> None:
    definition = {
        "id": "custom",
        "name": "Custom",
        "phases": [
            {"id": "open", "name": "Open"},
            {"id": "fixed", "name": "Fixed", "marks": ["resolved"]},
            {"id": "done", "name": "Done", "marks": ["closed"]},
        ],
    }
    with pytest.raises(
        ValidationError, match="workflows.definitions: ids must be unique; repeated: custom"
    ):
        ConfigDocument.model_validate({"workflows": {"definitions": [definition, definition]}})


def test_user_emails_are_unique_ignoring_case() -> None:
    users = [user(), user(id="zed", email="Zoe@Example.com")]
    with pytest.raises(
        ValidationError, match="users: emails must be unique; repeated: zoe@example.com"
    ):
        ConfigDocument.model_validate({"users": users})


def test_integration_keys_are_unique() -> None:
    key = "k" * 20
    data = {
        "services": [
            {
                "id": "api",
                "name": "API",
                "integrations": [{"id": "a", "type": "generic", "key": key}],
            },
            {
                "id": "db",
                "name": "DB",
                "integrations": [{"id": "b", "type": "generic", "key": key}],
            },
        ]
    }
    with pytest.raises(
        ValidationError, match=f"integrations: keys must be unique; repeated: {key}"
    ):
        ConfigDocument.model_validate(data)


def test_integrations_without_keys_do_not_clash() -> None:
    data = {
        "services": [
            {"id": "api", "name": "API", "integrations": [{"id": "a", "type": "generic"}]},
            {"id": "db", "name": "DB", "integrations": [{"id": "b", "type": "generic"}]},
        ]
    }
    assert len(ConfigDocument.model_validate(data).services) == 2


def test_integration_ids_are_unique_across_services() -> None:
    data = {
        "services": [
            {"id": "api", "name": "API", "integrations": [{"id": "am", "type": "alertmanager"}]},
            {"id": "db", "name": "DB", "integrations": [{"id": "am", "type": "generic"}]},
        ]
    }
    with pytest.raises(ValidationError, match="integrations: ids must be unique; repeated: am"):
        ConfigDocument.model_validate(data)


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ({"id": "m", "type": "email"}, "an email contact method needs an `address`"),
        (
            {"id": "m", "type": "email", "url": "https://example.com/x"},
            "an email contact method needs an `address`",
        ),
        ({"id": "h", "type": "webhook"}, "a webhook contact method needs a `url`"),
        (
            {"id": "s", "type": "slack", "address": "a@example.com"},
            "a slack contact method needs a `url`",
        ),
        ({"id": "t", "type": "teams"}, "a teams contact method needs a `url`"),
        ({"id": "s", "type": "sms"}, "a sms contact method needs a `number` in E.164 form"),
        ({"id": "v", "type": "voice", "number": "5550001002"}, "should match pattern"),
        (
            {"id": "v", "type": "voice", "number": "+15550001002", "url": "https://x.example"},
            "a voice contact method takes no `url`",
        ),
        ({"id": "p", "type": "push", "url": "https://x.example"}, "takes no `url`"),
        (
            {"id": "h", "type": "webhook", "url": "tgram://bot/chat"},
            "a webhook contact method needs an http\\(s\\) `url`",
        ),
        ({"id": "a", "type": "apprise"}, "an apprise contact method needs a `url`"),
        ({"id": "s", "type": "slack"}, "needs a `url` \\(an incoming webhook\\), or a `channel`"),
        (
            {"id": "s", "type": "slack", "channel": "C0123", "url": "https://hooks.slack.com/x"},
            "a slack contact method takes no `url`",
        ),
        ({"id": "m", "type": "mattermost", "channel": "C0123"}, "only a slack contact method"),
        ({"id": "s", "type": "slack", "channel": "#general"}, "should match pattern"),
    ],
)
def test_contact_method_needs_its_target(method: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ContactMethod.model_validate(method)


@pytest.mark.parametrize(
    "method",
    [
        {"id": "m", "type": "email", "address": "zoe@example.com"},
        {"id": "h", "type": "webhook", "url": "http://127.0.0.1:9199/hook"},
        {"id": "s", "type": "slack", "url": "https://hooks.slack.com/services/x"},
        {"id": "ops-slack", "type": "slack", "channel": "C0123ABCD"},
        {"id": "bob-dm", "type": "slack", "channel": "U0123BOB"},
        {"id": "mm", "type": "mattermost", "url": "https://chat.example.com/hooks/x"},
        {"id": "bob-sms", "type": "sms", "number": "+15550001002"},
        {"id": "bob-call", "type": "voice", "number": "+442071838750"},
        {"id": "bob-phone", "type": "push"},
        {"id": "alice-tg", "type": "apprise", "url": "tgram://123456:ABCdef/-1001234"},
        {"id": "alice-ntfy", "type": "apprise", "url": "ntfys://ntfy.example.com/oncall"},
    ],
)
def test_valid_contact_methods(method: dict[str, Any]) -> None:
    assert ContactMethod.model_validate(method).id == method["id"]


@pytest.mark.parametrize(
    "method",
    [
        {"id": "m", "type": "email", "address": "not-an-address"},
        {"id": "h", "type": "webhook", "url": "ftp://example.com"},
        {"id": "p", "type": "pager", "url": "https://example.com"},
    ],
)
def test_malformed_contact_methods(method: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ContactMethod.model_validate(method)


def test_notification_rules_must_use_the_users_contacts() -> None:
    methods = [{"id": "zoe-mail", "type": "email", "address": "zoe@example.com"}]
    ok = UserSpec.model_validate(
        user(contact_methods=methods, notification_rules=[{"contact": "zoe-mail", "after": "1m"}])
    )
    assert ok.notification_rules[0].after == timedelta(minutes=1)
    with pytest.raises(ValidationError) as caught:
        UserSpec.model_validate(
            user(
                contact_methods=methods, notification_rules=[{"contact": "zoe-sms", "after": "0s"}]
            )
        )
    assert "notification rule names contact 'zoe-sms', which zoe does not have" in str(caught.value)


def test_notification_rule_after_is_a_duration() -> None:
    methods = [{"id": "m", "type": "email", "address": "zoe@example.com"}]
    with pytest.raises(ValidationError, match="is not a duration"):
        UserSpec.model_validate(
            user(contact_methods=methods, notification_rules=[{"contact": "m", "after": "soon"}])
        )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CEST", "Europe/paris", "", "+02:00"])
def test_bad_time_zone_rejected(zone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        UserSpec.model_validate(user(time_zone=zone))
    assert f"{zone!r} is not an IANA time zone (like Europe/Paris or UTC)" in str(caught.value)
    schedule = copy.deepcopy(example()["schedules"][0])
    schedule["time_zone"] = zone
    with pytest.raises(ValidationError, match="is not an IANA time zone"):
        ConfigDocument.model_validate({"schedules": [schedule]})


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Singapore"])
def test_good_time_zones_accepted(zone: str) -> None:
    assert UserSpec.model_validate(user(time_zone=zone)).time_zone == zone


def test_user_defaults() -> None:
    spec = UserSpec.model_validate(user())
    assert (spec.role, spec.time_zone, spec.teams) == ("responder", "UTC", ())


@pytest.mark.parametrize(
    "target", [{}, {"user": "a", "team": "b"}, {"user": "a", "schedule": "b", "team": "c"}]
)
def test_target_names_exactly_one_thing(target: dict[str, str]) -> None:
    with pytest.raises(
        ValidationError, match="a target names exactly one of user, schedule or team"
    ):
        Target.model_validate(target)


@pytest.mark.parametrize(
    "spec",
    [
        {"id": "hb", "type": "heartbeat"},
        {"id": "am", "type": "alertmanager", "interval": "1m"},
    ],
)
def test_interval_only_and_always_for_heartbeats(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="`interval` is required for heartbeat"):
        IntegrationSpec.model_validate(spec)


@pytest.mark.parametrize("key", ["short", "has spaces in it!!!!", "x" * 65])
def test_integration_key_format(key: str) -> None:
    with pytest.raises(ValidationError):
        IntegrationSpec.model_validate({"id": "am", "type": "alertmanager", "key": key})


@pytest.mark.parametrize(
    "data",
    [
        {"pagers": []},
        {"teams": [{"id": "a", "name": "A", "lead": "zoe"}]},
        {"teams": [{"id": "A", "name": "A"}]},
        {"users": [user(role="owner")]},
        {"escalation_policies": [{"id": "p", "name": "P", "steps": []}]},
        {
            "escalation_policies": [
                {
                    "id": "p",
                    "name": "P",
                    "repeat": 11,
                    "steps": [{"targets": [{"user": "a"}], "escalate_after": "1m"}],
                }
            ]
        },
        {"schedules": [{"id": "s", "name": "S", "layers": []}]},
        {"services": [{"id": "api", "name": "API", "impact": "critical"}]},
        {"severities": [""]},
        {"severities": []},
        {"workflows": {"default": "Standard"}},
    ],
)
def test_shape_errors_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ConfigDocument.model_validate(data)


# --- problems with their lines -------------------------------------------------------------

USERS_YAML = """\
# people
teams:
  - id: payments
    name: Payments
users:
  - id: alice
    name: Alice
    email: alice@example.com
    time_zone: Mars/Olympus
    colour: blue
  - id: bob
    name: Bob
    contact_methods:
      - {id: bob-mail, type: email}
"""


def test_problems_name_source_line_and_dotted_path() -> None:
    assert problems(USERS_YAML, "conf/team.yaml") == [
        "conf/team.yaml:9: users[0].time_zone: 'Mars/Olympus' is not an IANA time zone "
        "(like Europe/Paris or UTC)",
        f"conf/team.yaml:10: users[0].colour: {UNKNOWN_KEY}",
        "conf/team.yaml:11: users[1].email: required key is missing",
        "conf/team.yaml:14: users[1].contact_methods[0]: an email contact method needs an `address`",
    ]


def test_problem_in_a_nested_value_points_at_its_line() -> None:
    text = """\
escalation_policies:
  - id: default
    name: Default
    steps:
      - targets:
          - user: alice
        escalate_after: "5m"
      - targets:
          - schedule: primary
          - user: bob
            team: payments
        escalate_after: "later"
"""
    assert problems(text) == [
        "fireline.yaml:10: escalation_policies[0].steps[1].targets[1]: "
        "a target names exactly one of user, schedule or team",
        "fireline.yaml:12: escalation_policies[0].steps[1].escalate_after: "
        "'later' is not a duration; write a number and a unit, like 30s, 5m, 2h, 1d or 1w",
    ]


def test_rule_error_points_at_the_users_line() -> None:
    text = """\
users:
  - id: zoe
    name: Zoe
    email: zoe@example.com
  - id: yann
    name: Yann
    email: yann@example.com
    notification_rules:
      - {contact: sms, after: 0s}
"""
    assert problems(text) == [
        "fireline.yaml:5: users[1]: notification rule names contact 'sms', which yann does not have"
    ]


def test_document_level_problem_points_at_the_start() -> None:
    text = "\n# teams\nteams:\n  - {id: a, name: A}\n  - {id: a, name: B}\n"
    assert problems(text) == ["fireline.yaml:3: (document): teams: ids must be unique; repeated: a"]


def test_unknown_top_level_section() -> None:
    text = "teams: []\nmaintainers:\n  - zoe\n"
    assert problems(text) == [f"fireline.yaml:2: maintainers: {UNKNOWN_KEY}"]


def test_incomplete_priority_matrix_reported_on_the_priorities_key() -> None:
    text = """\
severities: [SEV1]
priorities:
  matrix:
    high: {high: P1, medium: P2}
    medium: {high: P2, medium: P3, low: P4}
    low: {high: P3, medium: P4, low: P5}
"""
    assert problems(text) == [
        "fireline.yaml:2: priorities: matrix.high must give a priority for every urgency; "
        "missing: low"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = "teams:\n  - id: Bad Id\n    name: X\n  - name: Y\n"
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("fireline.yaml:2: teams[0].id: String should match pattern")
    assert found[1] == "fireline.yaml:4: teams[1].id: required key is missing"


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("teams:\n  - id: a\n    name: A: B\n", 3, "mapping values are not allowed here"),
        ("teams: []\nusers: []\n\tseverities: []\n", 3, "found character '\\t'"),
        ("teams:\n  - id: a\n    name: [x\nusers: []\n", 4, "expected ',' or ']'"),
        ("teams: []\n---\nusers: []\n", 2, "but found another document"),
        ('teams: []\nusers: "unclosed\n', 3, "found unexpected end of stream"),
    ],
)
def test_invalid_yaml_reported_with_its_line(text: str, line: int, why: str) -> None:
    [problem] = problems(text, "bad.yaml")
    assert problem.startswith(f"bad.yaml:{line}: not valid YAML: ")
    assert why in problem


@pytest.mark.parametrize("text", ["- teams\n- users\n", "just words\n", "42\n", "[]\n"])
def test_document_must_be_a_mapping(text: str) -> None:
    assert problems(text, "list.yaml") == [
        "list.yaml:1: the document must be a mapping of sections"
    ]


def test_config_invalid_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_model(ConfigDocument, "- a\n", "x.yaml")
    assert isinstance(caught.value, ConfigInvalid)
    assert caught.value.status == 422
    assert caught.value.title == "Invalid configuration"


def test_times_of_day_stay_strings_not_base_60_integers() -> None:
    data, _ = load_with_lines("a: 17:00\nb: 1:30:00\nc: 42\nd: -7\ne: 0x1F\nf: 1_000\n", "t.yaml")
    assert data == {"a": "17:00", "b": "1:30:00", "c": 42, "d": -7, "e": 31, "f": 1000}


def test_unquoted_restriction_times_load() -> None:
    text = """\
schedules:
  - id: day
    name: Day
    layers:
      - name: office hours
        rotation: {every: 1d, handoff: "2026-01-05T09:00"}
        users: [zoe]
        restrictions:
          - {days: [mon], from: 09:00, to: 17:30}
"""
    doc, _ = load_model(ConfigDocument, text, "t.yaml")
    restriction = doc.schedules[0].layers[0].restrictions[0]
    assert (restriction.from_, restriction.to) == (time(9), time(17, 30))


def test_numbers_for_durations_are_reported_with_their_line() -> None:
    text = "priorities:\n  status_updates:\n    P1: 300\n"
    assert problems(text) == [
        "fireline.yaml:3: priorities.status_updates.P1: 300 is not a duration; "
        'write a number and a unit, like "5m"'
    ]


def test_load_with_lines_indexes_keys_and_items() -> None:
    text = "a:\n  b:\n    - x\n    -\n      c: 1\nd: 2\n"
    data, lines = load_with_lines(text, "t.yaml")
    assert data == {"a": {"b": ["x", {"c": 1}]}, "d": 2}
    assert lines[()] == 1
    assert lines["a",] == 1
    assert lines["a", "b"] == 2
    assert lines["a", "b", 0] == 3
    assert lines["a", "b", 1] == 5
    assert lines["a", "b", 1, "c"] == 5
    assert lines["d",] == 6


def test_where_uses_the_deepest_known_prefix() -> None:
    lines = {(): 1, ("a",): 2, ("a", 0): 3}
    assert where(lines, ("a", 0, "b", "c"), "s.yaml") == "s.yaml:3"
    assert where(lines, ("a",), "s.yaml") == "s.yaml:2"
    assert where(lines, ("z",), "s.yaml") == "s.yaml:1"
    assert where({}, ("z",), "s.yaml") == "s.yaml"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "(document)"),
        (("users",), "users"),
        (("users", 0, "teams", 2), "users[0].teams[2]"),
        (("priorities", "sla", "P1", "acknowledge"), "priorities.sla.P1.acknowledge"),
    ],
)
def test_dotted(path: tuple[str | int, ...], text: str) -> None:
    assert dotted(path) == text


def test_absurd_duration_is_a_config_problem() -> None:
    text = 'priorities:\n  sla:\n    P1: {acknowledge: "99999999999w"}\n'
    [problem] = problems(text)
    assert problem.startswith("fireline.yaml:3: priorities.sla.P1.acknowledge: ")


def test_a_key_given_twice_is_refused_with_its_line() -> None:
    from fireline.errors import ConfigInvalid
    from fireline.services.admin.yamlfile import load_with_lines

    with pytest.raises(ConfigInvalid) as raised:
        load_with_lines("teams:\n  - id: a\n    name: A\n    name: B\n", "dup.yaml")
    assert raised.value.problems == ["dup.yaml:4: teams[0].name: key given twice"]


def test_base_60_numbers_are_not_numbers() -> None:
    from fireline.services.admin.yamlfile import load_with_lines

    data, _ = load_with_lines("a: 17:00\nb: 1:30.5\nc: 12\nd: 1.5\ne: 0x1f\n", "n.yaml")
    assert data == {"a": "17:00", "b": "1:30.5", "c": 12, "d": 1.5, "e": 31}


def test_an_inbox_contact_needs_nothing_outside() -> None:
    user = {"id": "alice", "name": "Alice", "email": "alice@example.com"}
    inbox = {"id": "alice-inbox", "type": "inbox"}
    rules = [{"contact": "alice-inbox", "after": "0s"}]
    doc = ConfigDocument.model_validate(
        {"users": [{**user, "contact_methods": [inbox], "notification_rules": rules}]}
    )
    assert doc.users[0].contact_methods[0].type == "inbox"
    with pytest.raises(ValidationError, match="an inbox contact method takes no"):
        ConfigDocument.model_validate(
            {"users": [{**user, "contact_methods": [{**inbox, "url": "http://x.example"}]}]}
        )
    team = {"id": "ops", "name": "Ops", "announce": [{"id": "ops-inbox", "type": "inbox"}]}
    with pytest.raises(ValidationError, match="an inbox belongs to a person"):
        ConfigDocument.model_validate({"teams": [team]})
    team["announce"] = [{"id": "ops-phone", "type": "push"}]
    with pytest.raises(ValidationError, match="a push belongs to a person"):
        ConfigDocument.model_validate({"teams": [team]})


def test_the_tour_file_validates_on_top_of_the_example() -> None:
    tour = yaml.safe_load((EXAMPLE.with_name("tour.yaml")).read_text())
    doc = ConfigDocument.model_validate(tour)
    example = ConfigDocument.model_validate(yaml.safe_load(EXAMPLE.read_text()))
    known = Known(teams={t.id for t in example.teams}, users={u.id for u in example.users})
    assert dangling_references(doc, known) == []


def test_a_service_chooses_incident_channels_and_a_user_their_chat_ids() -> None:
    doc = ConfigDocument.model_validate(
        {
            "users": [
                {
                    "id": "bob",
                    "name": "Bob",
                    "email": "bob@example.com",
                    "slack_user_id": "U0123BOB",
                    "mattermost_user_id": "bob.okafor",
                }
            ],
            "services": [
                {
                    "id": "api",
                    "name": "API",
                    "slack": {"incident_channels": True, "priorities": ["P1"]},
                }
            ],
        }
    )
    assert doc.users[0].slack_user_id == "U0123BOB"
    assert doc.services[0].slack is not None and doc.services[0].slack.priorities == ("P1",)
    with pytest.raises(ValidationError, match="extra"):
        ConfigDocument.model_validate(
            {"services": [{"id": "api", "name": "API", "slack": {"channels": True}}]}
        )
    with pytest.raises(ValidationError, match="slack_user_id"):
        ConfigDocument.model_validate(
            {"users": [{"id": "b", "name": "B", "email": "b@example.com", "slack_user_id": "bob"}]}
        )
