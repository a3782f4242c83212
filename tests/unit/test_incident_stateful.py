"""Random command sequences on the shipped workflows: the incident's invariants always hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fireline.domain.events import Event
from fireline.domain.incident import (
    Act,
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
    resolve,
    transition,
    update_task,
)
from fireline.domain.priority import PriorityPolicy
from fireline.domain.state import Incident, replay
from fireline.domain.workflow import Workflow
from fireline.errors import Conflict, FirelineError, InvalidInput, NotFound, TransitionRefused
from fireline.workflows import SHIPPED, shipped_workflow
from tests.unit.stored import stored_form

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = PriorityPolicy()
WORKFLOWS = {workflow_id: shipped_workflow(workflow_id) for workflow_id in SHIPPED}
USERS = ("alice", "bob", "carol")
LEVELS = st.sampled_from([None, "high", "medium", "low"])
REASONS = st.one_of(st.just("because"), st.sampled_from([None, "", "   "]))
WAIT = st.integers(min_value=0, max_value=3600)
Command = Callable[[Act], Outcome]


class IncidentMachine(RuleBasedStateMachine):
    """Declares one incident, then throws random commands at it."""

    def __init__(self) -> None:
        super().__init__()
        self.workflow: Workflow = WORKFLOWS["standard"]
        self.state: Incident | None = None
        self.events: list[Event] = []
        self.now = T0
        self.summary_was_set = False

    # --- helpers -----------------------------------------------------------------------------

    @property
    def incident(self) -> Incident:
        assert self.state is not None
        return self.state

    def refused_as_closed(self, was_closed: bool, error: Exception | None) -> bool:
        """A closed incident refuses every change but reopening (#11): True when it did."""
        if not was_closed:
            return False
        assert isinstance(error, Conflict) and "is closed" in error.message
        return True

    def attempt(self, command: Command, wait: int) -> tuple[list[Event] | None, Exception | None]:
        """Run a command; refused ones must leave the state exactly as it was."""
        before = self.incident
        snapshot = before.model_dump()
        self.now += timedelta(seconds=wait)
        try:
            state, events = command(Act("alice", self.now))
        except FirelineError as error:
            assert self.incident is before
            assert before.model_dump() == snapshot
            return None, error
        assert before.model_dump() == snapshot  # commands never mutate their input
        if not events:
            assert state == before
        self.state = state
        self.events.extend(events)
        return events, None

    def index(self, phase: str) -> int:
        return self.workflow.index(phase)

    # --- start -------------------------------------------------------------------------------

    @initialize(
        workflow_id=st.sampled_from(SHIPPED),
        origin=st.sampled_from(["declared", "alert"]),
        impact=LEVELS,
        urgency=LEVELS,
        detected_before=st.none() | st.integers(min_value=0, max_value=7200),
    )
    def declare_incident(
        self,
        workflow_id: str,
        origin: str,
        impact: str | None,
        urgency: str | None,
        detected_before: int | None,
    ) -> None:
        self.workflow = WORKFLOWS[workflow_id]
        detected_at = None if detected_before is None else T0 - timedelta(seconds=detected_before)
        self.state, self.events = declare(
            Act("alice", T0),
            incident_id=1,
            workflow=self.workflow,
            workflow_version=1,
            policy=POLICY,
            title="Something broke",
            origin=origin,  # type: ignore[arg-type]
            detected_at=detected_at,
            impact=impact,
            urgency=urgency,
        )
        assert self.incident.phase == self.workflow.entry_phase(origin)  # type: ignore[arg-type]
        assert self.incident.timestamps.detected_at == (detected_at or T0)

    # --- commands ----------------------------------------------------------------------------

    @rule(target_index=st.integers(min_value=0, max_value=7), reason=REASONS, wait=WAIT)
    def move_rule(self, target_index: int, reason: str | None, wait: int) -> None:
        ids = self.workflow.phase_ids
        target = ids[target_index] if target_index < len(ids) else "nowhere"
        before = self.incident
        option = {o.phase: o for o in options(before, self.workflow)}.get(target)
        has_reason = bool(reason and reason.strip())
        events, error = self.attempt(
            lambda act: transition(act, before, self.workflow, target, reason), wait
        )
        if isinstance(error, InvalidInput):
            assert target not in ids
            return
        if isinstance(error, TransitionRefused):
            assert option is None or not option.allowed or (option.needs_reason and not has_reason)
            if option is not None and option.needs_reason and not has_reason:
                assert error.missing == ["reason", *option.missing]
            elif option is not None:
                assert error.missing == option.missing
            return
        assert error is None and events is not None
        assert option is not None and option.allowed
        assert has_reason or not option.needs_reason
        assert self.incident.phase == target
        assert events[0].data["move"] == option.move
        if option.move != "back":
            assert missing_facts(before, gate(self.workflow, before.phase, target)) == []

    @rule(reason=REASONS, wait=WAIT)
    def advance(self, reason: str | None, wait: int) -> None:
        """Try the next phase: the common case, so that deep phases are reached often."""
        here = self.index(self.incident.phase)
        if here + 1 < len(self.workflow.phases):
            self.move_rule(here + 1, reason, wait)

    @rule(commander=st.sampled_from(USERS), wait=WAIT)
    def prepare(self, commander: str, wait: int) -> None:
        """Satisfy every gate of the shipped workflows but the resolution summary."""
        fields = {"impact": "high", "urgency": "low", "severity": "SEV2"}
        closed = self.incident.closed
        events, error = self.attempt(lambda act: change(act, self.incident, POLICY, fields), wait)
        if self.refused_as_closed(closed, error):
            return
        assert error is None and events is not None
        events, error = self.attempt(
            lambda act: assign_role(act, self.incident, "commander", commander), 0
        )
        assert error is None and events is not None
        assert self.incident.priority == "P3"
        assert self.incident.roles["commander"] == commander

    @rule(wait=WAIT)
    def acknowledge_rule(self, wait: int) -> None:
        was = self.incident.timestamps.acknowledged_at
        resolved = self.incident.timestamps.resolved_at is not None
        closed = self.incident.closed
        events, error = self.attempt(lambda act: acknowledge(act, self.incident), wait)
        if self.refused_as_closed(closed, error):
            return
        if resolved and not was:
            assert isinstance(error, Conflict)  # nothing to take on once resolved
            return
        assert error is None and events is not None
        assert len(events) == (0 if was else 1)
        assert self.incident.timestamps.acknowledged_at == (was or self.now)

    @rule(wait=WAIT)
    def mitigate_rule(self, wait: int) -> None:
        was = self.incident.timestamps.mitigated_at
        closed = self.incident.closed
        events, error = self.attempt(lambda act: mitigate(act, self.incident), wait)
        if self.refused_as_closed(closed, error):
            return
        assert error is None and events is not None
        assert len(events) == (0 if was else 1)
        assert self.incident.timestamps.mitigated_at == (was or self.now)

    @rule(summary=st.sampled_from(["", "  ", "rolled back", "fixed the config"]), wait=WAIT)
    def resolve_rule(self, summary: str, wait: int) -> None:
        before = self.incident
        events, error = self.attempt(lambda act: resolve(act, before, self.workflow, summary), wait)
        if self.refused_as_closed(before.closed, error):
            return
        if error is not None:
            assert isinstance(error, InvalidInput)
            assert not summary.strip()
            return
        assert events is not None
        self.summary_was_set = True
        state = self.incident
        resolved_phase = self.workflow.marked("resolved")
        assert state.resolution_summary == summary
        assert self.index(state.phase) >= self.index(resolved_phase)
        assert state.timestamps.resolved_at is not None
        kinds = [e.kind for e in events]
        assert ("resolution_summary_set" in kinds) == (summary != before.resolution_summary)
        if self.index(before.phase) >= self.index(resolved_phase):
            assert state.phase == before.phase
            assert state.timestamps == before.timestamps
            assert "phase_changed" not in kinds
        else:
            assert state.phase == resolved_phase
            assert state.timestamps.resolved_at == self.now

    @rule(
        changes=st.fixed_dictionaries(
            {},
            optional={
                "impact": LEVELS,
                "urgency": LEVELS,
                "severity": st.sampled_from([None, "SEV1", "SEV2"]),
                "title": st.sampled_from(["Something broke", "Checkout down"]),
            },
        ),
        wait=WAIT,
    )
    def change_fields(self, changes: dict[str, Any], wait: int) -> None:
        before = self.incident
        events, error = self.attempt(lambda act: change(act, before, POLICY, changes), wait)
        if self.refused_as_closed(before.closed, error):
            return
        assert error is None and events is not None
        differs = {k for k, v in changes.items() if getattr(before, k) != v}
        assert bool(events) == bool(differs)
        for name, value in changes.items():
            assert getattr(self.incident, name) == value
        if events:
            recorded = events[0].data["changes"]
            assert set(recorded) - {"priority"} == differs
            assert ("priority" in recorded) == (self.incident.priority != before.priority)
            for name in differs:
                assert recorded[name] == {"before": getattr(before, name), "after": changes[name]}

    @rule(
        role_index=st.integers(min_value=0, max_value=5),
        user=st.sampled_from([*USERS, None]),
        wait=WAIT,
    )
    def assign(self, role_index: int, user: str | None, wait: int) -> None:
        role = self.workflow.roles[role_index % len(self.workflow.roles)]
        before = self.incident
        events, error = self.attempt(lambda act: assign_role(act, before, role, user), wait)
        if self.refused_as_closed(before.closed, error):
            return
        if error is not None:
            assert isinstance(error, NotFound)
            assert user is None and role not in before.roles
            return
        assert events is not None
        assert self.incident.roles.get(role) == user
        assert len(events) == (0 if before.roles.get(role) == user else 1)

    @rule(title=st.sampled_from(["Call the bank", "Roll back"]), wait=WAIT)
    def add_task_rule(self, title: str, wait: int) -> None:
        before = self.incident
        events, error = self.attempt(lambda act: add_task(act, before, title, None, None), wait)
        if self.refused_as_closed(before.closed, error):
            return
        assert error is None and events is not None
        assert self.incident.tasks[-1].title == title
        assert self.incident.tasks[-1].phase == before.phase
        assert len(self.incident.tasks) == len(before.tasks) + 1

    @rule(number=st.integers(min_value=1, max_value=16), done=st.booleans(), wait=WAIT)
    def complete_task(self, number: int, done: bool, wait: int) -> None:
        task_id = f"T{number}"
        before = self.incident
        events, error = self.attempt(
            lambda act: update_task(act, before, task_id, {"done": done}), wait
        )
        if self.refused_as_closed(before.closed, error):
            return
        if error is not None:
            assert isinstance(error, NotFound)
            assert before.task(task_id) is None
            return
        task = self.incident.task(task_id)
        assert task is not None and task.done is done

    @rule(text=st.text(max_size=20), wait=WAIT)
    def note(self, text: str, wait: int) -> None:
        before = self.incident
        events, error = self.attempt(lambda act: add_note(act, before, text), wait)
        if self.refused_as_closed(before.closed, error):
            return
        assert error is None and events is not None
        assert self.incident == before.model_copy(update={"seq": before.seq + 1})

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def phase_is_a_workflow_phase(self) -> None:
        if self.state is not None:
            assert self.state.phase in self.workflow.phase_ids
            assert self.state.workflow == self.workflow.id

    @invariant()
    def priority_follows_the_matrix(self) -> None:
        if self.state is not None:
            state = self.state
            assert state.priority == POLICY.priority_for(state.impact, state.urgency)  # type: ignore[arg-type]

    @invariant()
    def state_is_the_replayed_timeline(self) -> None:
        if self.state is not None:
            assert replay(self.events) == self.state
            assert self.state.seq == len(self.events)
            stored = [stored_form(e) for e in self.events]
            assert replay(stored) == self.state

    @invariant()
    def timestamps_match_the_phase(self) -> None:
        if self.state is None:
            return
        state, stamps = self.state, self.state.timestamps
        here = self.index(state.phase)
        resolved = self.index(self.workflow.marked("resolved"))
        assert (stamps.resolved_at is not None) == (here >= resolved)
        assert (stamps.closed_at is not None) == (state.phase == self.workflow.marked("closed"))
        if stamps.resolved_at is not None:
            assert stamps.mitigated_at is not None
            assert stamps.mitigated_at <= stamps.resolved_at
        if stamps.closed_at is not None:
            assert stamps.resolved_at is not None and stamps.resolved_at <= stamps.closed_at
        visited = {self.index(v.phase) for v in state.phase_history}
        reported = [p.id for p in self.workflow.phases if "reported" in p.marks]
        expect_reported = state.origin == "declared" or any(
            i >= self.index(reported[0]) for i in visited if reported
        )
        assert (stamps.reported_at is not None) == expect_reported
        assert (stamps.acknowledged_at is not None) == any(
            e.kind == "acknowledged" for e in self.events
        )
        assert stamps.detected_at is not None
        for name, value in stamps:
            if value is not None and name != "impact_started_at":
                assert stamps.detected_at <= value <= self.now, name

    @invariant()
    def resolution_summary_is_kept(self) -> None:
        if self.state is not None:
            summary = self.state.resolution_summary
            assert (summary is not None) == self.summary_was_set
            assert summary is None or summary.strip()
            # Every way into or past the phase marked resolved needs the summary first.
            resolved = self.index(self.workflow.marked("resolved"))
            if any(self.index(v.phase) >= resolved for v in self.state.phase_history):
                assert summary is not None
            if self.state.timestamps.resolved_at is not None:
                assert summary is not None

    @invariant()
    def phase_history_is_consistent(self) -> None:
        if self.state is None:
            return
        history = self.state.phase_history
        assert history[-1].phase == self.state.phase
        assert history[-1].left_at is None
        moves = [e for e in self.events if e.kind == "phase_changed"]
        assert len(history) == len(moves) + 1
        for visit, following, move in zip(history, history[1:], moves, strict=False):
            assert visit.left_at == following.entered_at == move.at
            assert visit.phase == move.data["from"] != following.phase == move.data["to"]

    @invariant()
    def reopen_count_matches_the_timeline(self) -> None:
        if self.state is None:
            return
        resolved = self.index(self.workflow.marked("resolved"))
        indexes = [self.index(v.phase) for v in self.state.phase_history]
        reopens = sum(a >= resolved > b for a, b in zip(indexes, indexes[1:], strict=False))
        assert self.state.reopened == reopens

    @invariant()
    def checklists_come_once_per_visited_phase(self) -> None:
        if self.state is None:
            return
        tasks = self.state.tasks
        assert [t.id for t in tasks] == [f"T{i}" for i in range(1, len(tasks) + 1)]
        visited = {v.phase for v in self.state.phase_history}
        for phase in self.workflow.phases:
            titles = [t.title for t in tasks if t.source == "checklist" and t.phase == phase.id]
            assert titles == ([i.title for i in phase.checklist] if phase.id in visited else [])

    @invariant()
    def roles_belong_to_the_workflow(self) -> None:
        if self.state is not None:
            assert set(self.state.roles) <= set(self.workflow.roles)
            assert set(self.state.roles.values()) <= set(USERS)


IncidentMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)
TestIncidentMachine = IncidentMachine.TestCase
