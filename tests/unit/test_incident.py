"""The incident commands: what each one allows, refuses, and records on the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fireline.domain.events import Acknowledged, Event
from fireline.domain.incident import (
    Act,
    MoveOption,
    Outcome,
    acknowledge,
    add_note,
    add_task,
    assign_role,
    change,
    declare,
    gate,
    missing_facts,
    mitigate,
    options,
    post_status_update,
    resolve,
    transition,
    update_task,
)
from fireline.domain.priority import PriorityPolicy
from fireline.domain.review import change_postmortem_status, start_postmortem
from fireline.domain.state import Incident, apply, replay
from fireline.domain.workflow import Workflow
from fireline.errors import Conflict, InvalidInput, NotFound, TransitionRefused
from fireline.workflows import shipped_workflow
from tests.unit.stored import stored_form

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STANDARD = shipped_workflow("standard")
SECURITY = shipped_workflow("security")
ITIL = PriorityPolicy()
RESPONSE_NEEDS = [
    "impact must be set",
    "urgency must be set",
    "an incident commander must be assigned",
]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def custom(
    *phases: dict[str, Any], transitions: dict[str, Any] | None = None, **extra: Any
) -> Workflow:
    """a → b → c (resolved) → d (closed), with the given phases' fields merged in."""
    base: list[dict[str, Any]] = [
        {"id": "a", "name": "A"},
        {"id": "b", "name": "B"},
        {"id": "c", "name": "C", "marks": ["resolved"]},
        {"id": "d", "name": "D", "marks": ["closed"]},
    ]
    for change_ in phases:
        for phase in base:
            if phase["id"] == change_["id"]:
                phase.update(change_)
    definition = {"id": "custom", "name": "Custom", "phases": base, **extra}
    if transitions is not None:
        definition["transitions"] = transitions
    return Workflow.model_validate(definition)


@dataclass
class Story:
    """An incident and its whole timeline; every step checks that replay agrees."""

    workflow: Workflow
    state: Incident
    events: list[Event] = field(default_factory=list)
    minutes: float = 0
    actor: str = "alice"

    def act(self, minutes: float | None = None) -> Act:
        if minutes is not None:
            self.minutes = minutes
        return Act(self.actor, at(self.minutes))

    def then(self, outcome: Outcome) -> list[Event]:
        self.state, new = outcome
        self.events.extend(new)
        assert replay(self.events) == self.state
        assert self.state.seq == len(self.events)
        return new

    def move(self, target: str, reason: str | None = None, minutes: float | None = None) -> Event:
        new = self.then(transition(self.act(minutes), self.state, self.workflow, target, reason))
        assert new[0].kind == "phase_changed"
        return new[0]

    def ready_for_response(self) -> None:
        self.then(change(self.act(), self.state, ITIL, {"impact": "high", "urgency": "medium"}))
        self.then(assign_role(self.act(), self.state, "commander", "alice"))


def start(
    workflow: Workflow = STANDARD, origin: str = "declared", minutes: float = 0, **fields: Any
) -> Story:
    act = Act("alice", at(minutes))
    state, events = declare(
        act,
        incident_id=7,
        workflow=workflow,
        workflow_version=1,
        policy=ITIL,
        title="Checkout is down",
        origin=origin,  # type: ignore[arg-type]
        **fields,
    )
    story = Story(workflow, state, list(events), minutes)
    assert replay(story.events) == story.state
    return story


def at_response() -> Story:
    story = start()
    story.move("assessment", minutes=1)
    story.ready_for_response()
    story.move("response", minutes=2)
    return story


def publish_postmortem(story: Story) -> None:
    """What the review gate to Closed needs (the service drafts it on entering review)."""
    story.then(start_postmortem(story.act(story.minutes), story.state, "default"))
    for status in ("in_review", "published"):
        story.then(change_postmortem_status(story.act(story.minutes), story.state, status))


def at_phase(target: str) -> Story:
    story = at_response()
    order = STANDARD.phase_ids
    for phase in order[order.index("response") + 1 : order.index(target) + 1]:
        if phase == "resolution":
            story.then(resolve(story.act(story.minutes + 10), story.state, STANDARD, "fixed it"))
        else:
            if phase == "closed":
                publish_postmortem(story)
            story.move(phase, minutes=story.minutes + 10)
    assert story.state.phase == target
    return story


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


# --- declare -------------------------------------------------------------------------------


def test_declared_incident_starts_in_reporting_and_is_reported_at_declaration() -> None:
    story = start(minutes=5)
    state = story.state
    assert state.phase == "reporting"
    assert state.origin == "declared"
    assert state.id == 7
    assert state.title == "Checkout is down"
    assert state.workflow == "standard"
    assert state.workflow_version == 1
    assert state.timestamps.reported_at == at(5)
    assert state.timestamps.detected_at == at(5)
    assert state.timestamps.acknowledged_at is None
    assert state.timestamps.resolved_at is None
    assert state.priority is None
    assert state.tasks == ()
    assert state.reopened == 0
    assert [(v.phase, v.entered_at, v.left_at) for v in state.phase_history] == [
        ("reporting", at(5), None)
    ]
    assert kinds(story.events) == ["declared"]
    assert story.events[0].data["sets"] == []
    assert story.events[0].actor == "alice"
    assert story.events[0].at == at(5)
    assert state.seq == 1


def test_declared_incident_keeps_the_given_detection_time() -> None:
    story = start(minutes=30, detected_at=at(10))
    assert story.state.timestamps.detected_at == at(10)
    assert story.state.timestamps.reported_at == at(30)
    assert story.events[0].data["detected_at"] == at(10).isoformat()


def test_declare_with_fields_computes_priority() -> None:
    story = start(
        impact="high",
        urgency="low",
        severity="SEV2",
        services=("checkout-api", "ledger"),
        summary="Card payments fail",
        impact_started_at=at(-20),
        drill=True,
    )
    state = story.state
    assert (state.impact, state.urgency, state.priority) == ("high", "low", "P3")
    assert state.severity == "SEV2"
    assert state.services == ("checkout-api", "ledger")
    assert state.summary == "Card payments fail"
    assert state.drill is True
    assert state.timestamps.impact_started_at == at(-20)
    assert story.events[0].data["impact_started_at"] == at(-20).isoformat()


def test_declare_with_only_impact_has_no_priority() -> None:
    assert start(impact="high").state.priority is None


def test_declare_priority_follows_the_configured_matrix() -> None:
    matrix = {i: dict.fromkeys(("high", "medium", "low"), "P9") for i in ("high", "medium", "low")}
    policy = PriorityPolicy.model_validate({"matrix": matrix})
    state, _ = declare(
        Act("bob", T0),
        incident_id=1,
        workflow=STANDARD,
        workflow_version=1,
        policy=policy,
        title="t",
        impact="low",
        urgency="low",
    )
    assert state.priority == "P9"


def test_alert_incident_starts_in_detection_unreported() -> None:
    story = start(origin="alert", minutes=3)
    state = story.state
    assert state.phase == "detection"
    assert state.origin == "alert"
    assert state.timestamps.reported_at is None
    assert state.timestamps.detected_at == at(3)
    event = story.move("reporting", minutes=4)
    assert event.data["sets"] == ["reported"]
    assert story.state.timestamps.reported_at == at(4)


def test_alert_incident_skipping_reporting_is_still_reported() -> None:
    story = start(origin="alert")
    story.move("assessment", reason="obvious", minutes=2)
    assert story.state.timestamps.reported_at == at(2)


def test_alert_incident_entering_a_reported_phase_is_reported_at_once() -> None:
    workflow = custom({"id": "a", "marks": ["reported"]})
    story = start(workflow, origin="alert", minutes=1)
    assert story.state.timestamps.reported_at == at(1)
    assert story.events[0].data["sets"] == ["reported"]


def test_declaring_in_a_phase_with_a_checklist_creates_its_tasks() -> None:
    story = start(SECURITY)
    state = story.state
    assert state.phase == "detection_analysis"
    assert kinds(story.events) == ["declared"] + ["task_added"] * 4
    assert [t.id for t in state.tasks] == ["T1", "T2", "T3", "T4"]
    assert [t.title for t in state.tasks] == list(SECURITY.phase("detection_analysis").checklist)
    assert all(t.source == "checklist" and t.phase == "detection_analysis" for t in state.tasks)
    assert not any(t.done for t in state.tasks)
    assert state.timestamps.reported_at == T0
    assert state.seq == 5


def test_alert_origin_security_incident_is_reported_when_opened() -> None:
    story = start(SECURITY, origin="alert")
    assert story.state.timestamps.reported_at == story.state.phase_history[0].entered_at


def test_timeline_survives_a_json_round_trip() -> None:
    story = at_phase("closed")
    stored = [stored_form(e) for e in story.events]
    assert replay(stored) == story.state


def test_replay_needs_a_declaration_first() -> None:
    with pytest.raises(ValueError, match="starts with its declaration"):
        replay([])
    with pytest.raises(ValueError, match="acknowledged before the incident was declared"):
        apply(None, Acknowledged(at=T0, actor="a"))


# --- forward moves and checklists ----------------------------------------------------------


def test_forward_move_enters_the_next_phase_with_its_checklist() -> None:
    story = start()
    event = story.move("assessment", minutes=2)
    state = story.state
    assert state.phase == "assessment"
    assert event.data == {
        "from": "reporting",
        "to": "assessment",
        "move": "forward",
        "reason": None,
        "sets": [],
        "clears": [],
    }
    assert event.at == at(2)
    assert [(v.phase, v.entered_at, v.left_at) for v in state.phase_history] == [
        ("reporting", T0, at(2)),
        ("assessment", at(2), None),
    ]
    assert [t.title for t in state.tasks] == list(STANDARD.phase("assessment").checklist)
    assert [t.id for t in state.tasks] == ["T1", "T2", "T3"]
    assert kinds(story.events) == ["declared", "phase_changed"] + ["task_added"] * 3


def test_checklist_is_added_only_on_the_first_visit() -> None:
    story = start()
    story.move("assessment", minutes=1)
    story.move("reporting", reason="wrong team", minutes=2)
    story.move("assessment", minutes=3)
    assert len(story.state.tasks) == 3
    assert kinds(story.events)[-1] == "phase_changed"
    assert [v.phase for v in story.state.phase_history] == [
        "reporting",
        "assessment",
        "reporting",
        "assessment",
    ]


def test_checklists_of_skipped_phases_are_not_added() -> None:
    story = start()
    story.then(resolve(story.act(1), story.state, STANDARD, "false alarm"))
    assert story.state.tasks == ()
    story.move("review", minutes=2)
    assert [t.phase for t in story.state.tasks] == ["review", "review"]


def test_checklist_task_ids_follow_existing_tasks() -> None:
    story = start()
    story.then(add_task(story.act(), story.state, "Call the bank", None, None))
    story.move("assessment", minutes=1)
    assert [t.id for t in story.state.tasks] == ["T1", "T2", "T3", "T4"]
    assert [t.source for t in story.state.tasks] == ["adhoc"] + ["checklist"] * 3


# --- gates -----------------------------------------------------------------------------------


def test_entering_response_needs_impact_urgency_and_commander() -> None:
    story = start()
    story.move("assessment")
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "response")
    assert caught.value.missing == RESPONSE_NEEDS
    assert caught.value.message == "cannot enter response: " + "; ".join(RESPONSE_NEEDS) + " first"
    assert caught.value.status == 409
    assert isinstance(caught.value, Conflict)


def test_gate_lists_only_what_is_still_missing() -> None:
    story = start()
    story.move("assessment")
    story.then(change(story.act(), story.state, ITIL, {"impact": "low"}))
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "response")
    assert caught.value.missing == RESPONSE_NEEDS[1:]
    story.then(change(story.act(), story.state, ITIL, {"urgency": "low"}))
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "response")
    assert caught.value.missing == RESPONSE_NEEDS[2:]
    story.then(assign_role(story.act(), story.state, "operations", "bob"))
    with pytest.raises(TransitionRefused):
        transition(story.act(1), story.state, STANDARD, "response")
    story.then(assign_role(story.act(), story.state, "commander", "bob"))
    story.move("response", minutes=2)
    assert story.state.phase == "response"
    assert [t.phase for t in story.state.tasks].count("response") == 2


def test_entering_resolution_by_transition_needs_a_summary() -> None:
    story = at_response()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(), story.state, STANDARD, "resolution")
    assert caught.value.missing == ["a resolution summary must be written"]


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ("impact", "impact must be set"),
        ("urgency", "urgency must be set"),
        ("priority", "a priority must be set (impact and urgency)"),
        ("severity", "severity must be set"),
        ("commander", "an incident commander must be assigned"),
        ("acknowledged", "the incident must be acknowledged"),
        ("mitigated", "the incident must be mitigated"),
        ("resolution_summary", "a resolution summary must be written"),
        ("checklist_done", "every checklist task of the current phase must be done"),
        ("role:scribe", "assign the scribe role"),
        ("role:forensics", "assign the forensics role"),
    ],
)
def test_each_fact_refuses_with_words_a_person_can_act_on(fact: str, message: str) -> None:
    workflow = custom(
        {"id": "a", "checklist": ["Look"]},
        {"id": "b", "requires": [fact]},
        roles=["commander", "scribe", "forensics"],
    )
    story = start(workflow)
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, workflow, "b")
    assert caught.value.missing == [message]
    assert missing_facts(story.state, [fact]) == [message]


@pytest.mark.parametrize(
    ("fact", "satisfy"),
    [
        ("severity", lambda s: change(s.act(), s.state, ITIL, {"severity": "SEV1"})),
        ("priority", lambda s: change(s.act(), s.state, ITIL, {"impact": "low", "urgency": "low"})),
        ("acknowledged", lambda s: acknowledge(s.act(), s.state)),
        ("mitigated", lambda s: mitigate(s.act(), s.state)),
        ("resolution_summary", lambda s: resolve(s.act(), s.state, s.workflow, "done")),
        ("role:scribe", lambda s: assign_role(s.act(), s.state, "scribe", "carol")),
        ("checklist_done", lambda s: update_task(s.act(), s.state, "T1", {"done": True})),
    ],
)
def test_each_fact_once_true_opens_the_gate(fact: str, satisfy: Any) -> None:
    workflow = custom(
        {"id": "a", "checklist": ["Look"]},
        {"id": "b", "requires": [fact]},
    )
    story = start(workflow)
    story.then(satisfy(story))
    if story.state.phase != "a":  # resolve() moved on; go back to test the gate itself
        story.move("a", reason="test the gate", minutes=1)
    assert missing_facts(story.state, [fact]) == []
    story.move("b", minutes=2)
    assert story.state.phase == "b"


def test_checklist_done_looks_at_the_current_phase_only() -> None:
    workflow = custom(
        {"id": "a", "checklist": ["Look"]},
        {"id": "b", "checklist": ["Fix"], "requires": []},
        {"id": "c", "marks": ["resolved"], "requires": ["checklist_done"]},
    )
    story = start(workflow)
    story.move("b")
    assert [t.phase for t in story.state.tasks] == ["a", "b"]
    assert missing_facts(story.state, ["checklist_done"]) != []
    story.then(update_task(story.act(), story.state, "T2", {"done": True}))
    assert missing_facts(story.state, ["checklist_done"]) == []
    story.move("c", minutes=1)
    assert story.state.phase == "c"


def test_back_moves_do_not_check_gates() -> None:
    workflow = custom({"id": "b", "requires": ["severity"]})
    story = start(workflow)
    story.move("c", reason="nothing to do")
    story.move("b", reason="not fixed after all", minutes=1)
    assert story.state.phase == "b"
    assert story.state.severity is None


def test_skip_ignores_gates_of_skipped_phases_without_marks() -> None:
    workflow = custom({"id": "b", "requires": ["severity"]}, {"id": "c", "requires": ["impact"]})
    story = start(workflow, impact="low")
    story.move("c", reason="b does not apply")
    assert story.state.phase == "c"
    assert story.state.severity is None


# --- skip, back, forbidden ---------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   ", "\n"])
def test_skip_needs_a_reason_under_standard(reason: str | None) -> None:
    story = start()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "review", reason)
    assert caught.value.missing == ["reason", "a resolution summary must be written"]
    assert caught.value.message.startswith(
        "a reason is required to skip phases from reporting to review, and"
    )


def test_skip_with_a_reason_is_recorded() -> None:
    story = start(origin="alert")
    event = story.move("assessment", reason="obvious outage", minutes=3)
    assert event.data["move"] == "skip"
    assert event.data["reason"] == "obvious outage"
    assert event.data["sets"] == ["reported"]
    assert [v.phase for v in story.state.phase_history] == ["detection", "assessment"]


def test_skip_with_a_reason_still_checks_the_gate() -> None:
    story = start()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "response", "urgent")
    assert caught.value.missing == RESPONSE_NEEDS


def test_a_refusal_names_the_reason_and_the_gate_at_once() -> None:
    story = start()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "response")
    assert caught.value.missing == [
        "reason",
        "impact must be set",
        "urgency must be set",
        "an incident commander must be assigned",
    ]
    assert caught.value.message.startswith(
        "a reason is required to skip phases from reporting to response, and"
    )


@pytest.mark.parametrize("reason", [None, " "])
def test_back_needs_a_reason_under_standard(reason: str | None) -> None:
    story = start()
    story.move("assessment")
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "reporting", reason)
    assert caught.value.missing == ["reason"]
    assert caught.value.message == "a reason is required to go back from assessment to reporting"


def test_back_with_a_reason_is_recorded() -> None:
    story = start()
    story.move("assessment")
    event = story.move("detection", reason="not confirmed yet", minutes=1)
    assert event.data["move"] == "back"
    assert event.data["reason"] == "not confirmed yet"
    assert event.data["clears"] == []
    assert story.state.phase == "detection"
    assert story.state.reopened == 0


def test_allowed_moves_need_no_reason_but_keep_one_given() -> None:
    workflow = custom(transitions={"skip": True, "back": True})
    story = start(workflow)
    assert story.move("c").data["move"] == "skip"
    assert story.move("a").data["move"] == "back"
    assert story.move("b", reason="why not").data["reason"] == "why not"


@pytest.mark.parametrize(
    ("setup", "target", "verb"),
    [
        ([], "b", "move forward (a → b)"),
        ([], "c", "skip phases (a → c)"),
        (["b"], "a", "go back (b → a)"),
    ],
)
def test_forbidden_moves_are_refused(setup: list[str], target: str, verb: str) -> None:
    workflow = custom(transitions={"forward": False, "skip": False, "back": False})
    open_workflow = custom()
    story = start(workflow)
    for phase in setup:
        story.then(transition(story.act(), story.state, open_workflow, phase))
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, workflow, target, "a very good reason")
    assert caught.value.message == f"workflow custom does not allow you to {verb}"
    assert caught.value.missing == []


def test_unknown_phase_is_invalid_input() -> None:
    story = start()
    with pytest.raises(InvalidInput) as caught:
        transition(story.act(), story.state, STANDARD, "triage")
    assert caught.value.field == "phase"
    assert caught.value.status == 422
    assert "'triage' is not a phase of workflow standard" in caught.value.message


def test_moving_to_the_current_phase_is_refused() -> None:
    story = start()
    with pytest.raises(TransitionRefused, match="incident 7 is already in reporting"):
        transition(story.act(), story.state, STANDARD, "reporting", "again")


# --- marks -----------------------------------------------------------------------------------


def test_resolution_sets_resolved_and_mitigated() -> None:
    story = at_response()
    story.then(resolve(story.act(30), story.state, STANDARD, "rolled back"))
    stamps = story.state.timestamps
    assert stamps.resolved_at == at(30)
    assert stamps.mitigated_at == at(30)
    assert stamps.closed_at is None
    assert story.events[-1].data["sets"] == ["resolved", "mitigated"]


def test_resolution_keeps_an_earlier_mitigation() -> None:
    story = at_response()
    story.then(mitigate(story.act(20), story.state))
    story.then(resolve(story.act(30), story.state, STANDARD, "rolled back"))
    assert story.state.timestamps.mitigated_at == at(20)
    assert story.state.timestamps.resolved_at == at(30)
    assert story.events[-1].data["sets"] == ["resolved"]


def test_closing_sets_closed() -> None:
    story = at_phase("closed")
    stamps = story.state.timestamps
    assert stamps.closed_at == at(story.minutes)
    assert stamps.resolved_at is not None
    assert stamps.resolved_at < stamps.closed_at


def test_skipping_to_closed_sets_every_mark_passed() -> None:
    story = at_response()
    story.then(resolve(story.act(5), story.state, STANDARD, "fixed"))
    story.move("response", reason="again", minutes=6)
    publish_postmortem(story)
    event = story.move("closed", reason="done anyway", minutes=7)
    assert event.data["sets"] == ["resolved", "closed"]
    assert story.state.timestamps.resolved_at == at(7)
    assert story.state.timestamps.closed_at == at(7)
    assert story.state.timestamps.mitigated_at == at(5)


def test_skipping_past_resolution_marks_resolved_closed_and_mitigated() -> None:
    workflow = custom()
    story = start(workflow)
    event = story.move("d", reason="duplicate of incident 6", minutes=2)
    assert event.data["sets"] == ["resolved", "closed", "mitigated"]
    stamps = story.state.timestamps
    assert (stamps.mitigated_at, stamps.resolved_at, stamps.closed_at) == (at(2), at(2), at(2))


def test_skipping_past_the_resolution_phase_needs_its_gate() -> None:
    story = start()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "review", "handled elsewhere")
    assert caught.value.missing == ["a resolution summary must be written"]
    assert story.state.timestamps.resolved_at is None


def test_skipping_to_closed_asks_for_the_summary_once() -> None:
    story = at_response()
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, STANDARD, "closed", "nothing to review")
    assert caught.value.missing == [
        "a resolution summary must be written",
        "the postmortem must be published",
    ]


def test_skipped_phases_that_set_a_mark_bring_their_gates() -> None:
    workflow = custom(
        {"id": "b", "marks": ["mitigated"], "requires": ["severity", "commander"]},
        {"id": "c", "requires": ["impact", "commander"]},
    )
    story = start(workflow)
    assert gate(workflow, "a", "c") == ["severity", "commander", "impact"]
    assert gate(workflow, "a", "b") == ["severity", "commander"]
    assert gate(workflow, "b", "d") == ["impact", "commander"]
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, workflow, "c", "straight to the fix")
    assert caught.value.missing == [
        "severity must be set",
        "an incident commander must be assigned",
        "impact must be set",
    ]
    story.then(change(story.act(2), story.state, ITIL, {"severity": "SEV1", "impact": "low"}))
    story.then(assign_role(story.act(2), story.state, "commander", "bob"))
    event = story.move("c", reason="straight to the fix", minutes=3)
    assert event.data["sets"] == ["mitigated", "resolved"]


def test_shipped_gates() -> None:
    assert gate(STANDARD, "reporting", "response") == ["impact", "urgency", "commander"]
    assert gate(STANDARD, "detection", "assessment") == []
    assert gate(STANDARD, "assessment", "review") == ["resolution_summary"]
    assert gate(STANDARD, "response", "closed") == [
        "resolution_summary",
        "postmortem_published",
        "follow_ups_have_owners",
    ]
    assert gate(SECURITY, "detection_analysis", "recovery") == []
    assert gate(SECURITY, "detection_analysis", "containment") == [
        "impact",
        "urgency",
        "severity",
        "commander",
    ]


def test_security_eradication_marks_mitigated() -> None:
    story = start(SECURITY, impact="high", urgency="high", severity="SEV1")
    story.then(assign_role(story.act(), story.state, "commander", "carol"))
    story.move("containment", minutes=5)
    assert story.state.timestamps.mitigated_at is None
    event = story.move("eradication", minutes=9)
    assert event.data["sets"] == ["mitigated"]
    assert story.state.timestamps.mitigated_at == at(9)


def test_back_to_review_from_closed_clears_closed_only() -> None:
    story = at_phase("closed")
    resolved_at = story.state.timestamps.resolved_at
    event = story.move("review", reason="one more follow-up", minutes=500)
    assert event.data["clears"] == ["closed"]
    assert story.state.timestamps.closed_at is None
    assert story.state.timestamps.resolved_at == resolved_at
    assert story.state.reopened == 0


def test_going_back_before_resolution_reopens() -> None:
    story = at_phase("review")
    mitigated_at = story.state.timestamps.mitigated_at
    event = story.move("response", reason="it came back", minutes=500)
    assert event.data["clears"] == ["resolved"]
    assert story.state.timestamps.resolved_at is None
    assert story.state.timestamps.mitigated_at == mitigated_at
    assert story.state.reopened == 1
    story.then(resolve(story.act(600), story.state, STANDARD, "really fixed"))
    assert story.state.timestamps.resolved_at == at(600)
    assert story.state.resolution_summary == "really fixed"
    story.move("assessment", reason="and again", minutes=700)
    assert story.state.reopened == 2


def test_going_back_from_closed_before_resolution_clears_both() -> None:
    story = at_phase("closed")
    event = story.move("assessment", reason="wrong root cause", minutes=900)
    assert event.data["clears"] == ["resolved", "closed"]
    stamps = story.state.timestamps
    assert (stamps.resolved_at, stamps.closed_at) == (None, None)
    assert stamps.reported_at == T0
    assert story.state.reopened == 1


def test_going_back_from_resolution_itself_reopens() -> None:
    story = at_phase("resolution")
    event = story.move("response", reason="not fixed", minutes=100)
    assert event.data["clears"] == ["resolved"]
    assert story.state.reopened == 1


# --- resolve ---------------------------------------------------------------------------------


def test_resolve_moves_forward_to_resolution_with_the_summary() -> None:
    story = at_response()
    new = story.then(resolve(story.act(30), story.state, STANDARD, "rolled back v42"))
    assert kinds(new) == ["resolution_summary_set", "phase_changed"]
    assert new[0].data == {"summary": "rolled back v42"}
    assert new[1].data["move"] == "forward"
    assert new[1].data["reason"] == "resolved: rolled back v42"
    assert story.state.phase == "resolution"
    assert story.state.resolution_summary == "rolled back v42"


def test_resolve_skips_phases_without_their_gates() -> None:
    story = start()
    new = story.then(resolve(story.act(4), story.state, STANDARD, "false alarm"))
    assert new[1].data["move"] == "skip"
    assert new[1].data["from"] == "reporting"
    assert story.state.phase == "resolution"
    assert story.state.timestamps.resolved_at == at(4)


def test_resolve_on_security_goes_to_post_incident() -> None:
    story = start(SECURITY)
    story.then(resolve(story.act(8), story.state, SECURITY, "contained and cleaned"))
    assert story.state.phase == "post_incident"
    assert story.state.timestamps.resolved_at == at(8)
    assert story.state.timestamps.mitigated_at == at(8)
    assert [t.phase for t in story.state.tasks].count("post_incident") == 2


@pytest.mark.parametrize("phase", ["resolution", "review", "closed"])
def test_resolve_at_or_past_resolution_only_updates_the_summary(phase: str) -> None:
    story = at_phase(phase)
    before = story.state
    new = story.then(resolve(story.act(999), story.state, STANDARD, "better words"))
    assert kinds(new) == ["resolution_summary_set"]
    assert story.state.resolution_summary == "better words"
    assert story.state.phase == phase
    assert story.state.timestamps == before.timestamps
    assert story.state.phase_history == before.phase_history


@pytest.mark.parametrize("summary", ["", " ", "\n\t"])
def test_resolve_needs_a_summary(summary: str) -> None:
    story = at_response()
    with pytest.raises(InvalidInput) as caught:
        resolve(story.act(), story.state, STANDARD, summary)
    assert caught.value.field == "summary"
    assert caught.value.message == "a resolution summary must say what was done"


def test_resolve_respects_the_resolution_gate() -> None:
    workflow = custom(
        {"id": "c", "marks": ["resolved"], "requires": ["resolution_summary", "commander"]}
    )
    story = start(workflow)
    story.move("b")
    with pytest.raises(TransitionRefused) as caught:
        resolve(story.act(1), story.state, workflow, "fixed")
    assert caught.value.missing == ["an incident commander must be assigned"]
    story.then(assign_role(story.act(2), story.state, "commander", "bob"))
    story.then(resolve(story.act(3), story.state, workflow, "fixed"))
    assert story.state.phase == "c"


@pytest.mark.parametrize(
    ("transitions", "start_at", "verb"),
    [
        ({"skip": False}, "a", "skip phases (a → c)"),
        ({"forward": False}, "b", "move forward (b → c)"),
    ],
)
def test_resolve_follows_the_workflow_policy(
    transitions: dict[str, Any], start_at: str, verb: str
) -> None:
    workflow = custom(transitions=transitions, entry={"declared": start_at})
    story = start(workflow)
    with pytest.raises(TransitionRefused) as caught:
        resolve(story.act(1), story.state, workflow, "fixed")
    assert caught.value.message == f"workflow custom does not allow you to {verb}"


def test_resolve_gives_its_summary_as_the_reason() -> None:
    workflow = custom(transitions={"skip": "with_reason"})
    story = start(workflow)
    new = story.then(resolve(story.act(1), story.state, workflow, "restarted"))
    assert new[1].data["move"] == "skip"
    assert new[1].data["reason"] == "resolved: restarted"


def test_resolve_with_the_same_summary_records_no_summary_event() -> None:
    story = at_phase("review")
    state, events = resolve(story.act(999), story.state, STANDARD, "fixed it")
    assert events == []
    assert state == story.state
    story.move("response", reason="it came back", minutes=1000)
    new = story.then(resolve(story.act(1010), story.state, STANDARD, "fixed it"))
    assert kinds(new) == ["phase_changed"]
    assert story.state.phase == "resolution"
    assert story.state.timestamps.resolved_at == at(1010)


# --- change ----------------------------------------------------------------------------------


def test_change_recomputes_priority_and_records_before_and_after() -> None:
    story = start()
    new = story.then(change(story.act(1), story.state, ITIL, {"impact": "high", "urgency": "high"}))
    assert kinds(new) == ["fields_changed"]
    assert new[0].data == {
        "changes": {
            "impact": {"before": None, "after": "high"},
            "urgency": {"before": None, "after": "high"},
            "priority": {"before": None, "after": "P1"},
        }
    }
    assert story.state.priority == "P1"
    new = story.then(change(story.act(2), story.state, ITIL, {"urgency": "low"}))
    assert new[0].data["changes"] == {
        "urgency": {"before": "high", "after": "low"},
        "priority": {"before": "P1", "after": "P3"},
    }
    new = story.then(change(story.act(3), story.state, ITIL, {"impact": None}))
    assert new[0].data["changes"]["priority"] == {"before": "P3", "after": None}
    assert story.state.priority is None


def test_change_uses_the_configured_matrix() -> None:
    matrix = {
        "high": {"high": "P1", "medium": "P1", "low": "P2"},
        "medium": {"high": "P2", "medium": "P2", "low": "P3"},
        "low": {"high": "P3", "medium": "P3", "low": "P3"},
    }
    policy = PriorityPolicy.model_validate({"matrix": matrix})
    story = start()
    story.then(change(story.act(), story.state, policy, {"impact": "high", "urgency": "medium"}))
    assert story.state.priority == "P1"


def test_change_ignores_unchanged_fields() -> None:
    story = start(impact="high", urgency="low", services=["ledger"])
    same = {"title": "Checkout is down", "impact": "high", "services": ("ledger",)}
    state, events = change(story.act(), story.state, ITIL, same)
    assert events == []
    assert state == story.state
    new = story.then(
        change(story.act(), story.state, ITIL, {"title": "Checkout slow", "impact": "high"})
    )
    assert new[0].data["changes"] == {
        "title": {"before": "Checkout is down", "after": "Checkout slow"}
    }
    assert story.state.title == "Checkout slow"


def test_change_services_and_impact_start() -> None:
    story = start()
    new = story.then(
        change(
            story.act(),
            story.state,
            ITIL,
            {"services": ["ledger", "checkout-api"], "impact_started_at": at(-15)},
        )
    )
    assert new[0].data["changes"] == {
        "services": {"before": [], "after": ["ledger", "checkout-api"]},
        "impact_started_at": {"before": None, "after": at(-15).isoformat()},
    }
    assert story.state.services == ("ledger", "checkout-api")
    assert story.state.timestamps.impact_started_at == at(-15)
    new = story.then(change(story.act(), story.state, ITIL, {"impact_started_at": at(-30)}))
    assert new[0].data["changes"]["impact_started_at"] == {
        "before": at(-15).isoformat(),
        "after": at(-30).isoformat(),
    }


def test_change_severity_and_summary() -> None:
    story = start()
    story.then(change(story.act(), story.state, ITIL, {"severity": "SEV1", "summary": "bad"}))
    assert (story.state.severity, story.state.summary) == ("SEV1", "bad")
    assert "priority" not in story.events[-1].data["changes"]


@pytest.mark.parametrize("name", ["priority", "phase", "roles", "reopened", "resolution_summary"])
def test_change_refuses_other_fields(name: str) -> None:
    story = start()
    with pytest.raises(InvalidInput) as caught:
        change(story.act(), story.state, ITIL, {"title": "new", name: "x"})
    assert caught.value.field == name
    assert caught.value.message == f"{name} cannot be changed this way"


# --- roles -----------------------------------------------------------------------------------


def test_assign_handover_and_unassign_keep_history_in_events() -> None:
    story = start()
    first = story.then(assign_role(story.act(1), story.state, "commander", "alice"))
    assert first[0].data == {"role": "commander", "before": None, "after": "alice"}
    assert story.state.roles == {"commander": "alice"}
    handover = story.then(assign_role(story.act(2), story.state, "commander", "bob"))
    assert handover[0].data == {"role": "commander", "before": "alice", "after": "bob"}
    assert story.state.roles == {"commander": "bob"}
    story.then(assign_role(story.act(3), story.state, "scribe", "carol"))
    freed = story.then(assign_role(story.act(4), story.state, "commander", None))
    assert freed[0].data == {"role": "commander", "before": "bob", "after": None}
    assert story.state.roles == {"scribe": "carol"}
    history = [
        (e.data["before"], e.data["after"])
        for e in story.events
        if e.kind == "role_assigned" and e.data["role"] == "commander"
    ]
    assert history == [(None, "alice"), ("alice", "bob"), ("bob", None)]


def test_assigning_the_holder_again_changes_nothing() -> None:
    story = start()
    story.then(assign_role(story.act(), story.state, "commander", "alice"))
    state, events = assign_role(story.act(5), story.state, "commander", "alice")
    assert events == []
    assert state == story.state


def test_unassigning_a_free_role_is_not_found() -> None:
    story = start()
    with pytest.raises(NotFound, match="nobody holds the scribe role on incident 7"):
        assign_role(story.act(), story.state, "scribe", None)


# --- tasks -----------------------------------------------------------------------------------


def test_add_task() -> None:
    story = start()
    new = story.then(add_task(story.act(2), story.state, "Call the bank", "bob", at(60)))
    assert new[0].data == {
        "task_id": "T1",
        "title": "Call the bank",
        "owner": "bob",
        "due_at": at(60).isoformat(),
        "phase": "reporting",
        "source": "adhoc",
    }
    task = story.state.task("T1")
    assert task is not None
    assert (task.title, task.owner, task.due_at, task.done) == (
        "Call the bank",
        "bob",
        at(60),
        False,
    )
    story.then(add_task(story.act(3), story.state, "Second", None, None))
    assert [t.id for t in story.state.tasks] == ["T1", "T2"]


def test_security_adhoc_task_ids_follow_the_checklist() -> None:
    story = start(SECURITY)
    story.then(add_task(story.act(), story.state, "Image the laptop", None, None))
    assert story.state.tasks[-1].id == "T5"
    assert story.state.tasks[-1].phase == "detection_analysis"


def test_update_task() -> None:
    story = start()
    story.then(add_task(story.act(), story.state, "Call the bank", None, None))
    new = story.then(
        update_task(
            story.act(1), story.state, "T1", {"done": True, "owner": "bob", "due_at": at(9)}
        )
    )
    assert new[0].data == {
        "task_id": "T1",
        "changes": {
            "done": {"before": False, "after": True},
            "owner": {"before": None, "after": "bob"},
            "due_at": {"before": None, "after": at(9).isoformat()},
        },
    }
    task = story.state.task("T1")
    assert task is not None
    assert (task.done, task.owner, task.due_at) == (True, "bob", at(9))
    state, events = update_task(story.act(2), story.state, "T1", {"done": True, "owner": "bob"})
    assert events == []
    assert state == story.state
    story.then(update_task(story.act(3), story.state, "T1", {"title": "Call the other bank"}))
    assert story.state.tasks[0].title == "Call the other bank"


def test_update_unknown_task_is_not_found() -> None:
    story = start()
    with pytest.raises(NotFound, match="incident 7 has no task T1"):
        update_task(story.act(), story.state, "T1", {"done": True})
    assert story.state.task("T1") is None


# --- acknowledge, mitigate, notes ----------------------------------------------------------


def test_acknowledge_is_idempotent() -> None:
    story = start()
    new = story.then(acknowledge(story.act(2), story.state))
    assert kinds(new) == ["acknowledged"]
    assert story.state.timestamps.acknowledged_at == at(2)
    state, events = acknowledge(story.act(5), story.state)
    assert events == []
    assert state.timestamps.acknowledged_at == at(2)


def test_mitigate_is_idempotent() -> None:
    story = start()
    new = story.then(mitigate(story.act(3), story.state))
    assert kinds(new) == ["mitigated"]
    assert story.state.timestamps.mitigated_at == at(3)
    state, events = mitigate(story.act(6), story.state)
    assert events == []
    assert state.timestamps.mitigated_at == at(3)
    assert state.phase == "reporting"


def test_notes_and_status_updates_only_extend_the_timeline() -> None:
    story = start()
    before = story.state
    new = story.then(add_note(story.act(1), story.state, "looking at the logs"))
    assert new[0].data == {"text": "looking at the logs"}
    new = story.then(post_status_update(story.act(2), story.state, "We are on it", "public"))
    assert new[0].data == {"message": "We are on it", "visibility": "public"}
    assert story.state == before.model_copy(update={"seq": 3})


def test_a_public_update_sets_public_states_and_the_newest_one_is_kept() -> None:
    story = start()
    update = post_status_update(
        story.act(1), story.state, "Payments fail", "public", {"checkout-api": "major_outage"}
    )
    new = story.then(update)
    story.then(
        post_status_update(
            story.act(2), story.state, "Better", "public", {"checkout": "recovering"}
        )
    )
    assert new[0].data["component_status"] == {"checkout-api": "major_outage"}
    assert {k: (v.state, v.seq) for k, v in story.state.public_status.items()} == {
        "checkout-api": ("major_outage", 2),
        "checkout": ("recovering", 3),
    }
    with pytest.raises(InvalidInput, match="only a public status update"):
        post_status_update(story.act(3), story.state, "x", "internal", {"checkout": "degraded"})


# --- options ---------------------------------------------------------------------------------


def test_options_from_reporting() -> None:
    story = start()
    found = {o.phase: o for o in options(story.state, STANDARD)}
    assert list(found) == [p for p in STANDARD.phase_ids if p != "reporting"]
    assert found["detection"] == MoveOption("detection", "back", True, True, [])
    assert found["assessment"] == MoveOption("assessment", "forward", True, False, [])
    assert found["response"] == MoveOption("response", "skip", False, True, RESPONSE_NEEDS)
    summary = ["a resolution summary must be written"]
    assert found["resolution"] == MoveOption("resolution", "skip", False, True, summary)
    assert found["review"] == MoveOption("review", "skip", False, True, summary)
    published = [*summary, "the postmortem must be published"]
    assert found["closed"] == MoveOption("closed", "skip", False, True, published)


def test_options_follow_the_state() -> None:
    story = at_phase("review")
    found = {o.phase: o for o in options(story.state, STANDARD)}
    refused = ["the postmortem must be published"]
    assert found["closed"] == MoveOption("closed", "forward", False, False, refused)
    publish_postmortem(story)
    found = {o.phase: o for o in options(story.state, STANDARD)}
    assert found["closed"] == MoveOption("closed", "forward", True, False, [])
    assert found["response"] == MoveOption("response", "back", True, True, [])
    assert "review" not in found


def test_options_under_a_forbidding_workflow() -> None:
    workflow = custom(transitions={"forward": False, "skip": True, "back": "with_reason"})
    story = start(workflow)
    found = {o.phase: o for o in options(story.state, workflow)}
    assert found["b"] == MoveOption("b", "forward", False, False, [])
    assert found["c"] == MoveOption("c", "skip", True, False, [])


def test_options_agree_with_transition() -> None:
    story = start()
    story.move("assessment")
    for option in options(story.state, STANDARD):
        reason = "because" if option.needs_reason else None
        if option.allowed:
            state, _ = transition(story.act(1), story.state, STANDARD, option.phase, reason)
            assert state.phase == option.phase
        else:
            with pytest.raises(TransitionRefused) as caught:
                transition(story.act(1), story.state, STANDARD, option.phase, reason)
            assert caught.value.missing == option.missing


# --- a whole life, replayed ------------------------------------------------------------------


def test_a_whole_life_replays_to_the_final_state() -> None:
    story = start(origin="alert", services=["checkout-api"])
    story.actor = "bot"
    story.move("reporting", minutes=1)
    story.actor = "alice"
    story.then(acknowledge(story.act(2), story.state))
    story.move("assessment", minutes=3)
    story.then(change(story.act(4), story.state, ITIL, {"impact": "high", "urgency": "high"}))
    story.then(assign_role(story.act(5), story.state, "commander", "alice"))
    story.then(update_task(story.act(5), story.state, "T1", {"done": True}))
    story.move("response", minutes=6)
    story.then(add_task(story.act(7), story.state, "Roll back", "bob", at(30)))
    story.then(mitigate(story.act(20), story.state))
    story.then(resolve(story.act(40), story.state, STANDARD, "rolled back"))
    story.move("review", minutes=60)
    story.move("response", reason="errors again", minutes=70)
    story.then(resolve(story.act(90), story.state, STANDARD, "fixed the config"))
    publish_postmortem(story)
    story.move("closed", reason="reviewed in the weekly", minutes=100)
    state = story.state
    assert state.phase == "closed"
    assert state.reopened == 1
    assert state.priority == "P1"
    stamps = state.timestamps
    assert (stamps.detected_at, stamps.reported_at, stamps.acknowledged_at) == (T0, at(1), at(2))
    assert (stamps.mitigated_at, stamps.resolved_at, stamps.closed_at) == (at(20), at(90), at(100))
    assert [v.phase for v in state.phase_history] == [
        "detection",
        "reporting",
        "assessment",
        "response",
        "resolution",
        "review",
        "response",
        "resolution",
        "closed",
    ]
    assert {e.actor for e in story.events} == {"alice", "bot"}
    assert replay(story.events) == state
    assert state.seq == len(story.events)
