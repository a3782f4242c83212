"""The incident's own record (#11): tasks that tick themselves, gates that need the required
ones, and a closed incident that stays as it was closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from fireline.domain.events import TaskUpdated
from fireline.domain.incident import (
    SYSTEM,
    Outcome,
    acknowledge,
    add_note,
    add_task,
    assign_role,
    change,
    complete_tasks,
    missing_facts,
    mitigate,
    options,
    post_status_update,
    resolve,
    transition,
    update_task,
)
from fireline.domain.postmortem import DEFAULT_TEMPLATE, Evidence, draft
from fireline.domain.state import Incident
from fireline.domain.workflow import TASK_FACTS, Phase, Workflow
from fireline.errors import ConfigInvalid, Conflict, TransitionRefused
from fireline.services.admin.yamlfile import load_model
from tests.unit.test_incident import ITIL, STANDARD, Story, at_phase, custom, start

# --- workflow: a task names its fact and whether it is required -------------------------------


def test_a_checklist_entry_is_a_title_or_a_task_with_its_fact() -> None:
    phase = Phase(
        id="p",
        name="P",
        checklist=("Look", {"title": "Lead", "done_when": "commander_assigned", "required": True}),
    )
    assert [(i.title, i.done_when, i.required) for i in phase.checklist] == [
        ("Look", None, False),
        ("Lead", "commander_assigned", True),
    ]


def test_an_unknown_fact_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        Phase(id="p", name="P", checklist=({"title": "Lead", "done_when": "boss_found"},))
    assert "unknown fact 'boss_found'; known: " + ", ".join(TASK_FACTS) in str(caught.value)


def test_a_bad_fact_in_a_file_points_at_its_line_and_key() -> None:
    text = """\
id: w
name: W
phases:
  - id: a
    name: A
    checklist:
      - Look around
      - title: Find a lead
        done_when: boss_found
  - {id: b, name: B, marks: [resolved]}
  - {id: c, name: C, marks: [closed]}
"""
    with pytest.raises(ConfigInvalid) as caught:
        load_model(Workflow, text, "w.yaml")
    assert caught.value.problems[0].startswith(
        "w.yaml:9: phases[0].checklist[1].done_when: unknown fact 'boss_found'; known: "
    )


def test_stored_checklists_of_plain_titles_still_read() -> None:
    stored = STANDARD.model_dump(mode="json")
    for phase in stored["phases"]:
        phase["checklist"] = [i if isinstance(i, str) else i["title"] for i in phase["checklist"]]
    old = Workflow.from_stored(stored)
    assert [i.title for i in old.phase("assessment").checklist] == [
        i.title for i in STANDARD.phase("assessment").checklist
    ]
    assert not any(i.required or i.done_when for p in old.phases for i in p.checklist)


def test_the_standard_workflow_names_the_facts_of_its_tasks() -> None:
    tasks = {i.title: (i.done_when, i.required) for p in STANDARD.phases for i in p.checklist}
    assert tasks["Set impact and urgency"] == ("impact_and_urgency_set", True)
    assert tasks["Assign an incident commander"] == ("commander_assigned", True)
    assert tasks["Post the first status update"] == ("status_update_posted", False)
    assert "required_tasks_done" in STANDARD.phase("response").requires


# --- tasks tick themselves -----------------------------------------------------------------------


def _ticks(story: Story) -> list[TaskUpdated]:
    new = story.then(complete_tasks(story.act().now, story.state))
    assert all(isinstance(e, TaskUpdated) for e in new)
    return [e for e in new if isinstance(e, TaskUpdated)]


def test_tasks_tick_themselves_by_fireline_naming_the_fact() -> None:
    story = start()
    story.move("assessment", minutes=1)
    assert _ticks(story) == []
    story.then(change(story.act(2), story.state, ITIL, {"impact": "high", "urgency": "low"}))
    (ticked,) = _ticks(story)
    assert (ticked.actor, ticked.task_id, ticked.fact) == (SYSTEM, "T2", "impact_and_urgency_set")
    assert ticked.data == {
        "task_id": "T2",
        "changes": {"done": {"before": False, "after": True}},
        "fact": "impact_and_urgency_set",
    }
    story.then(assign_role(story.act(3), story.state, "commander", "bob"))
    assert [t.task_id for t in _ticks(story)] == ["T3"]
    assert _ticks(story) == []  # nothing twice
    assert [t.done for t in story.state.tasks] == [False, True, True]


def test_a_task_whose_fact_holds_when_added_ticks_at_once() -> None:
    story = start(impact="high", urgency="high")
    story.move("assessment", minutes=1)
    assert [t.task_id for t in _ticks(story)] == ["T2"]


def test_the_status_update_task_ticks_after_the_first_update() -> None:
    story = start()
    story.move("assessment", minutes=1)
    story.ready_for_response()
    _ticks(story)
    story.move("response", minutes=2)
    story.then(post_status_update(story.act(3), story.state, "We are on it", "internal"))
    assert [t.fact for t in _ticks(story)] == ["status_update_posted"]


def test_adhoc_and_plain_tasks_never_tick_or_block() -> None:
    workflow = custom(
        {"id": "a", "checklist": ["Look"]},
        {"id": "b", "requires": ["required_tasks_done"]},
    )
    story = start(workflow)
    story.then(add_task(story.act(), story.state, "Call the vendor", None, None))
    story.then(change(story.act(), story.state, ITIL, {"impact": "high", "urgency": "low"}))
    assert _ticks(story) == []
    assert missing_facts(story.state, ["required_tasks_done"]) == []
    story.move("b")


def test_a_gate_waits_for_the_required_tasks_of_the_phase_and_names_them() -> None:
    workflow = custom(
        {"id": "a", "checklist": [{"title": "Check the backups", "required": True}, "Look"]},
        {"id": "b", "requires": ["required_tasks_done"]},
    )
    story = start(workflow)
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(1), story.state, workflow, "b")
    assert caught.value.missing == ["finish the required tasks: Check the backups"]
    story.then(update_task(story.act(2), story.state, "T1", {"done": True}))
    story.move("b", minutes=3)


# --- a closed incident is read-only ----------------------------------------------------------------

Edit = Callable[[Story], Outcome]
REFUSED: dict[str, Edit] = {
    "note": lambda s: add_note(s.act(), s.state, "late thought"),
    "status update": lambda s: post_status_update(s.act(), s.state, "all good", "public"),
    "role": lambda s: assign_role(s.act(), s.state, "scribe", "bob"),
    "impact": lambda s: change(s.act(), s.state, ITIL, {"impact": "low"}),
    "task": lambda s: add_task(s.act(), s.state, "one more", None, None),
    "task done": lambda s: update_task(s.act(), s.state, "T1", {"done": True}),
    "acknowledge": lambda s: acknowledge(s.act(), s.state),
    "mitigate": lambda s: mitigate(s.act(), s.state),
    "resolve": lambda s: resolve(s.act(), s.state, STANDARD, "other words"),
}


@pytest.mark.parametrize("edit", REFUSED.values(), ids=REFUSED.keys())
def test_a_closed_incident_refuses_changes_and_says_how_to_reopen(edit: Edit) -> None:
    story = at_phase("closed")
    before = story.state
    with pytest.raises(Conflict) as caught:
        edit(story)
    assert caught.value.status == 409
    assert "incident 7 is closed" in caught.value.message
    assert "reopen it first" in caught.value.message
    assert story.state == before


def test_reopening_a_closed_incident_needs_a_reason_even_where_going_back_is_free() -> None:
    workflow = custom(transitions={"back": True})
    story = start(workflow)
    story.then(resolve(story.act(1), story.state, workflow, "fixed"))
    story.move("d", minutes=2)
    assert {o.phase: o.needs_reason for o in options(story.state, workflow)} == {
        "a": True,
        "b": True,
        "c": True,
    }
    with pytest.raises(TransitionRefused) as caught:
        transition(story.act(3), story.state, workflow, "c")
    assert caught.value.missing == ["reason"]
    story.move("c", reason="the fix did not hold", minutes=3)
    assert not story.state.closed
    story.then(add_note(story.act(4), story.state, "looking again"))


def test_only_moves_back_are_offered_on_a_closed_incident() -> None:
    story = at_phase("closed")
    moves = options(story.state, STANDARD)
    assert {m.move for m in moves} == {"back"}
    assert all(m.needs_reason for m in moves)


def _closed_state() -> Incident:
    return at_phase("closed").state


def test_closed_follows_the_closed_timestamp() -> None:
    state: Any = _closed_state()
    assert state.closed
    assert not state.model_copy(
        update={"timestamps": state.timestamps.model_copy(update={"closed_at": None})}
    ).closed


# --- the postmortem's drafted text ----------------------------------------------------------------


def test_the_resolution_summary_ends_its_sentence_before_the_durations() -> None:
    story = at_phase("review")
    story.then(resolve(story.act(), story.state, STANDARD, "Rolled back release 42"))
    evidence = Evidence(timeline=story.events, alerts=[], names={})
    sections = {s.id: s.body for s in draft(DEFAULT_TEMPLATE, story.state, evidence)}
    assert "Rolled back release 42. Time to mitigate: " in sections["resolution"]
    done = story.state.model_copy(update={"resolution_summary": "Rolled back!"})
    assert (
        "Rolled back! Time to mitigate"
        in {s.id: s.body for s in draft(DEFAULT_TEMPLATE, done, evidence)}["resolution"]
    )
