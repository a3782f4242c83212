"""Workflow definitions: the shipped ones, classification of moves, and validation."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from fireline.domain.workflow import (
    ACTIONS,
    FACTS,
    PageAction,
    Phase,
    PostmortemAction,
    Transitions,
    Workflow,
)
from fireline.errors import ConfigInvalid
from fireline.services.admin.yamlfile import load_model
from fireline.workflows import SHIPPED, shipped_workflow

STANDARD_PHASES = [
    "detection",
    "reporting",
    "assessment",
    "response",
    "resolution",
    "review",
    "closed",
]
SECURITY_PHASES = [
    "detection_analysis",
    "containment",
    "eradication",
    "recovery",
    "post_incident",
    "closed",
]


def minimal() -> dict[str, Any]:
    """A small valid definition to break in one place at a time."""
    return {
        "id": "mini",
        "name": "Mini",
        "phases": [
            {"id": "open", "name": "Open"},
            {"id": "fixed", "name": "Fixed", "marks": ["resolved"]},
            {"id": "done", "name": "Done", "marks": ["closed"]},
        ],
    }


def rejected(definition: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Workflow.model_validate(definition)
    return str(caught.value)


def test_both_workflows_ship() -> None:
    assert SHIPPED == ("standard", "security")
    for workflow_id in SHIPPED:
        workflow = shipped_workflow(workflow_id)
        assert workflow.id == workflow_id
        assert Workflow.model_validate(workflow.model_dump()) == workflow


def test_standard_workflow() -> None:
    standard = shipped_workflow("standard")
    assert standard.phase_ids == STANDARD_PHASES
    assert standard.entry_phase("declared") == "reporting"
    assert standard.entry_phase("alert") == "detection"
    assert standard.marked("reported") == "reporting"
    assert standard.marked("resolved") == "resolution"
    assert standard.marked("closed") == "closed"
    assert standard.roles == ("commander", "operations", "communications", "scribe")
    assert standard.phase("response").requires == ("impact", "urgency", "commander")
    assert standard.phase("resolution").requires == ("resolution_summary",)
    assert standard.phase("closed").requires == (
        "resolution_summary",
        "postmortem_published",
        "follow_ups_have_owners",
    )
    assert standard.phase("review").on_enter == (PostmortemAction(postmortem="default"),)
    assert len(standard.phase("assessment").checklist) == 3
    assert standard.phase("detection").checklist == ()
    assert standard.phase("reporting").on_enter == (PageAction(page="service_escalation_policy"),)
    assert (standard.policy("forward"), standard.policy("back"), standard.policy("skip")) == (
        "allowed",
        "with_reason",
        "with_reason",
    )


def test_security_workflow_follows_nist_800_61() -> None:
    security = shipped_workflow("security")
    assert security.phase_ids == SECURITY_PHASES
    assert "NIST SP 800-61" in security.name
    assert security.entry_phase("declared") == "detection_analysis"
    assert security.entry_phase("alert") == "detection_analysis"
    assert security.marked("mitigated") == "eradication"
    assert security.marked("resolved") == "post_incident"
    assert security.marked("closed") == "closed"
    assert {"forensics", "legal", "commander"} <= set(security.roles)
    assert security.phase("containment").requires == ("impact", "urgency", "severity", "commander")
    assert len(security.phase("detection_analysis").checklist) == 4
    assert security.marked("reported") == "detection_analysis"


@pytest.mark.parametrize(
    ("source", "target", "move"),
    [
        ("detection", "reporting", "forward"),
        ("reporting", "assessment", "forward"),
        ("review", "closed", "forward"),
        ("detection", "assessment", "skip"),
        ("reporting", "resolution", "skip"),
        ("detection", "closed", "skip"),
        ("reporting", "detection", "back"),
        ("response", "reporting", "back"),
        ("closed", "detection", "back"),
        ("closed", "review", "back"),
    ],
)
def test_classify(source: str, target: str, move: str) -> None:
    assert shipped_workflow("standard").classify(source, target) == move


def test_classify_unknown_phase_raises() -> None:
    with pytest.raises(ValueError):
        shipped_workflow("standard").classify("detection", "nowhere")


@pytest.mark.parametrize(
    ("written", "policy"),
    [
        (True, "allowed"),
        (False, "forbidden"),
        ("allowed", "allowed"),
        ("forbidden", "forbidden"),
        ("with_reason", "with_reason"),
    ],
)
def test_policy_parsing(written: object, policy: str) -> None:
    transitions = Transitions.model_validate({"forward": written, "back": written, "skip": written})
    assert (transitions.forward, transitions.back, transitions.skip) == (policy, policy, policy)
    definition = minimal()
    definition["transitions"] = {"skip": written}
    workflow = Workflow.model_validate(definition)
    assert workflow.policy("skip") == policy
    assert workflow.policy("forward") == "allowed"
    assert workflow.policy("back") == "with_reason"


def test_policy_parsing_from_yaml_booleans() -> None:
    text = "forward: true\nback: false\nskip: with_reason\n"
    transitions = Transitions.model_validate(yaml.safe_load(text))
    assert transitions == Transitions(forward="allowed", back="forbidden", skip="with_reason")


@pytest.mark.parametrize("written", ["maybe", "yes", 1, 0, None, "True"])
def test_policy_rejects_other_values(written: object) -> None:
    with pytest.raises(ValidationError):
        Transitions.model_validate({"back": written})


def test_default_transitions() -> None:
    assert Transitions() == Transitions(forward="allowed", back="with_reason", skip="with_reason")


def test_minimal_workflow_defaults() -> None:
    workflow = Workflow.model_validate(minimal())
    assert workflow.entry_phase("declared") == "open"
    assert workflow.entry_phase("alert") == "open"
    assert workflow.roles == ("commander", "operations", "communications", "scribe")
    assert workflow.index("done") == 2
    assert workflow.phase("fixed").name == "Fixed"
    with pytest.raises(KeyError):
        workflow.phase("nowhere")


def test_duplicate_phase_ids_rejected() -> None:
    definition = minimal()
    definition["phases"].insert(1, {"id": "open", "name": "Open again"})
    definition["phases"].append({"id": "done", "name": "Done again"})
    assert "phase ids must be unique; repeated: done, open" in rejected(definition)


def test_unknown_requirement_rejected_with_the_known_facts() -> None:
    definition = minimal()
    definition["phases"][1]["requires"] = ["impact", "approval", "role:"]
    message = rejected(definition)
    assert "unknown requirement approval, role:; known: " in message
    for fact in FACTS:
        assert fact in message
    assert "role:<id>" in message


@pytest.mark.parametrize("fact", ["role:commander", "role:forensics", "role:legal-team", "role:a1"])
def test_role_facts_accepted(fact: str) -> None:
    phase = Phase(id="p", name="P", requires=(fact, "impact"))
    assert phase.requires == (fact, "impact")


@pytest.mark.parametrize(
    "fact",
    ["role:Commander", "role:1st", "role: commander", "roles:scribe", "role:scribe!", "role:a b"],
)
def test_malformed_role_facts_rejected(fact: str) -> None:
    with pytest.raises(ValidationError, match="unknown requirement"):
        Phase(id="p", name="P", requires=(fact,))


@pytest.mark.parametrize("fact", list(FACTS))
def test_every_known_fact_accepted(fact: str) -> None:
    assert Phase(id="p", name="P", requires=(fact,)).requires == (fact,)


@pytest.mark.parametrize("mark", ["resolved", "closed"])
def test_missing_mark_rejected(mark: str) -> None:
    definition = minimal()
    for phase in definition["phases"]:
        phase["marks"] = [m for m in phase.get("marks", []) if m != mark]
    assert f"exactly one phase must have `marks: [{mark}]`" in rejected(definition)


@pytest.mark.parametrize("mark", ["resolved", "closed"])
def test_duplicated_mark_rejected(mark: str) -> None:
    definition = minimal()
    definition["phases"][0]["marks"] = [mark]
    assert f"exactly one phase must have `marks: [{mark}]`" in rejected(definition)


def test_resolved_phase_must_come_before_closed() -> None:
    definition = minimal()
    definition["phases"][1]["marks"] = ["closed"]
    definition["phases"][2]["marks"] = ["resolved"]
    assert "the phase marked resolved must come before the phase marked closed" in rejected(
        definition
    )


def test_one_phase_may_mark_both_resolved_and_closed() -> None:
    definition = minimal()
    definition["phases"] = definition["phases"][:2]
    definition["phases"][1]["marks"] = ["resolved", "closed"]
    workflow = Workflow.model_validate(definition)
    assert workflow.marked("resolved") == workflow.marked("closed") == "fixed"


def test_unknown_mark_rejected() -> None:
    definition = minimal()
    definition["phases"][0]["marks"] = ["acknowledged"]
    assert "marks" in rejected(definition)


@pytest.mark.parametrize("origin", ["declared", "alert"])
def test_entry_phase_must_be_a_phase(origin: str) -> None:
    definition = minimal()
    definition["entry"] = {origin: "triage"}
    assert "entry phase 'triage' is not one of the phases: open, fixed, done" in rejected(
        definition
    )


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ((), "colour"),
        (("phases", 0), "gate"),
        (("transitions",), "sideways"),
        (("entry",), "manual"),
    ],
)
def test_unknown_keys_rejected(where: tuple[Any, ...], key: str) -> None:
    definition = minimal()
    definition["transitions"] = {}
    definition["entry"] = {}
    target: Any = definition
    for part in where:
        target = target[part]
    target[key] = "x"
    message = rejected(definition)
    assert key in message
    assert "Extra inputs are not permitted" in message


@pytest.mark.parametrize(
    "change",
    [
        {"id": "Mini"},
        {"id": "1mini"},
        {"id": "m" * 41},
        {"name": ""},
        {"phases": [{"id": "only", "name": "Only", "marks": ["resolved", "closed"]}]},
        {"roles": ["Commander"]},
    ],
)
def test_malformed_definitions_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Workflow.model_validate({**minimal(), **change})


def test_phase_checklist_items_must_not_be_empty() -> None:
    with pytest.raises(ValidationError):
        Phase(id="p", name="P", checklist=("",))


def test_workflow_is_frozen() -> None:
    workflow = shipped_workflow("standard")
    with pytest.raises(ValidationError):
        workflow.id = "other"  # type: ignore[misc]


def test_digest_is_stable() -> None:
    first = shipped_workflow("standard").digest()
    assert first == shipped_workflow("standard").digest()
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert first != shipped_workflow("security").digest()


def test_digest_ignores_key_order() -> None:
    definition = minimal()
    reordered = dict(reversed(list(definition.items())))
    reordered["phases"] = [dict(reversed(list(p.items()))) for p in definition["phases"]]
    assert (
        Workflow.model_validate(reordered).digest() == Workflow.model_validate(definition).digest()
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["phases"][0].update(name="Opened"),
        lambda d: d["phases"][0].update(description="New words"),
        lambda d: d["phases"][0].update(checklist=["Do it"]),
        lambda d: d["phases"][1].update(requires=["impact"]),
        lambda d: d.update(transitions={"back": False}),
        lambda d: (
            d["phases"].insert(1, {"id": "triage", "name": "Triage"})
            or d.update(entry={"alert": "triage"})
        ),
        lambda d: d.update(roles=["commander"]),
        lambda d: d["phases"].insert(1, {"id": "work", "name": "Work"}),
    ],
)
def test_digest_changes_with_content(edit: Any) -> None:
    definition = minimal()
    changed = copy.deepcopy(definition)
    edit(changed)
    assert Workflow.model_validate(changed).digest() != Workflow.model_validate(definition).digest()


def test_entry_phases_come_before_resolution_and_have_no_gate() -> None:
    born_closed = {**minimal(), "entry": {"declared": "done"}}
    gated = minimal()
    gated["phases"][0]["requires"] = ["impact"]
    assert "entry phase 'done' must come before the phase marked resolved" in rejected(born_closed)
    assert (
        "entry phase 'open' must come before the phase marked resolved and have no `requires`"
        in rejected(gated)
    )


def test_gates_may_only_name_roles_the_workflow_has() -> None:
    definition = minimal()
    definition["phases"][1]["requires"] = ["role:forensics"]
    assert "gates name roles this workflow does not have: forensics" in rejected(definition)
    assert (
        Workflow.model_validate({**definition, "roles": ["commander", "forensics"]}).roles[1]
        == "forensics"
    )


# --- on_enter: typed actions (#10) ---------------------------------------------------------

WORKFLOWS = Path(__file__).parents[2] / "src" / "fireline" / "workflows"
MINE = """\
id: mine
name: Mine
phases:
  - id: open
    name: Open
    on_enter:
      - {entry}
  - {{id: fixed, name: Fixed, marks: [resolved]}}
  - {{id: done, name: Done, marks: [closed]}}
"""


def problems(entry: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        load_model(Workflow, MINE.format(entry=entry), "mine.yaml")
    return caught.value.problems


@pytest.mark.parametrize("workflow_id", SHIPPED)
def test_every_shipped_workflow_file_validates_strictly(workflow_id: str) -> None:
    text = (WORKFLOWS / f"{workflow_id}.yaml").read_text()
    workflow, _ = load_model(Workflow, text, f"{workflow_id}.yaml")
    assert workflow == shipped_workflow(workflow_id)


@pytest.mark.parametrize("workflow_id", SHIPPED)
def test_every_action_in_shipped_workflows_is_one_the_code_reads(workflow_id: str) -> None:
    raw = yaml.safe_load((WORKFLOWS / f"{workflow_id}.yaml").read_text())
    keys = [key for phase in raw["phases"] for entry in phase.get("on_enter", []) for key in entry]
    assert set(keys) <= set(ACTIONS)
    written = [phase.get("on_enter", []) for phase in raw["phases"]]
    dumped = [
        p["on_enter"] for p in shipped_workflow(workflow_id).model_dump(mode="json")["phases"]
    ]
    assert dumped == written  # stored and served in the shape people write


def test_the_standard_workflow_no_longer_carries_notify_subscribers() -> None:
    text = (WORKFLOWS / "standard.yaml").read_text()
    assert "notify" not in text
    assert [p.id for p in shipped_workflow("standard").phases if p.pages] == [
        "detection",
        "reporting",
    ]


def test_phases_say_what_entering_them_does() -> None:
    standard, security = shipped_workflow("standard"), shipped_workflow("security")
    assert (standard.phase("reporting").pages, standard.phase("reporting").postmortem_template) == (
        True,
        None,
    )
    assert (standard.phase("review").pages, standard.phase("review").postmortem_template) == (
        False,
        "default",
    )
    assert security.phase("post_incident").postmortem_template == "default"
    assert not any(p.pages for p in security.phases)
    assert Phase(id="p", name="P", on_enter=({"postmortem": "blameless"},)).postmortem_template == (
        "blameless"
    )


@pytest.mark.parametrize("written", ["postmortem:", "postmortem: null", "{postmortem: default}"])
def test_postmortem_template_defaults_to_default(written: str) -> None:
    workflow, _ = load_model(Workflow, MINE.format(entry=written), "mine.yaml")
    assert workflow.phases[0].on_enter == (PostmortemAction(),)
    assert workflow.phases[0].postmortem_template == "default"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("pgae: service_escalation_policy", "phases[0].on_enter[0]: unknown action 'pgae'"),
        ("notify: subscribers", "phases[0].on_enter[0]: unknown action 'notify'"),
        (
            "{page: service_escalation_policy, postmortem: default}",
            "phases[0].on_enter[0]: an action has exactly one key; this one has 2: page, "
            "postmortem (write one entry per action)",
        ),
        (
            "page",
            "phases[0].on_enter[0]: an action is a mapping with one key, "
            "like `page: service_escalation_policy`",
        ),
        (
            "{}",
            "phases[0].on_enter[0]: an action is a mapping with one key, "
            "like `page: service_escalation_policy`",
        ),
        (
            "page: everyone",
            "phases[0].on_enter[0].page: Input should be 'service_escalation_policy'",
        ),
        ("postmortem: Lessons Learned", "phases[0].on_enter[0].postmortem: String should match"),
    ],
)
def test_a_bad_action_names_file_line_and_key(entry: str, problem: str) -> None:
    found = problems(entry)
    assert len(found) == 1
    assert found[0].startswith(f"mine.yaml:7: {problem}")
    if "unknown action" in problem:
        assert found[0].endswith("(known: page, postmortem)")


def test_an_action_given_twice_in_one_phase_is_refused() -> None:
    text = MINE.format(entry="postmortem: default\n      - postmortem: blameless")
    with pytest.raises(ConfigInvalid) as caught:
        load_model(Workflow, text, "mine.yaml")
    assert caught.value.problems == [
        "mine.yaml:4: phases[0]: each action may appear once in on_enter; repeated: postmortem"
    ]


def test_actions_are_frozen_and_forbid_extra_keys() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PageAction.model_validate({"page": "service_escalation_policy", "to": "everyone"})
    action = PostmortemAction(postmortem="default")
    with pytest.raises(ValidationError):
        action.postmortem = "other"  # type: ignore[misc]


def test_a_stored_version_keeps_what_it_did_when_it_was_stored() -> None:
    """Before typed actions, on_enter took any mappings; only page and postmortem were read."""
    definition = shipped_workflow("standard").model_dump(mode="json")
    reporting = definition["phases"][1]
    reporting["on_enter"] = [
        {"page": "service_escalation_policy"},
        {"notify": "subscribers"},
        {"slack": "#incidents", "page": "anyone"},
    ]
    definition["phases"][5]["on_enter"] = [{"postmortem": "Not a slug"}, {"postmortem": "x"}]
    with pytest.raises(ValidationError):
        Workflow.model_validate(definition)

    stored = Workflow.from_stored(definition)

    assert stored.phase("reporting").on_enter == (PageAction(page="service_escalation_policy"),)
    assert stored.phase("review").postmortem_template == "default"
    assert Workflow.from_stored(stored.model_dump(mode="json")) == stored
    assert Workflow.from_stored(shipped_workflow("security").model_dump()) == shipped_workflow(
        "security"
    )


def test_declaring_pages_as_the_workflow_says_else_as_its_entry_phase_does() -> None:
    standard = shipped_workflow("standard")
    assert standard.page_on_declare is None and standard.pages_on_declare()
    quiet = standard.model_copy(update={"page_on_declare": False})
    assert not quiet.pages_on_declare()
    # Versions stored before the key existed keep their fingerprint; setting it makes a new one.
    before = standard.model_dump(mode="json", exclude={"page_on_declare"})
    fingerprint = hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()
    assert Workflow.from_stored(before).digest() == standard.digest() == fingerprint
    assert quiet.digest() != standard.digest()
