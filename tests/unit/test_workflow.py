"""Workflow definitions: the shipped ones, classification of moves, and validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from fireline.domain.workflow import FACTS, Phase, Transitions, Workflow
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
    assert standard.phase("review").on_enter == ({"postmortem": "default"},)
    assert len(standard.phase("assessment").checklist) == 3
    assert standard.phase("detection").checklist == ()
    assert standard.phase("reporting").on_enter == (
        {"page": "service_escalation_policy"},
        {"notify": "subscribers"},
    )
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
