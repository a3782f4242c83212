"""What each command does to an incident: checks the rules, returns the events it causes.

Every function takes who acts and when (:class:`Act`) and the current state,
and returns the new state with the events to append; it raises a
``FirelineError`` and changes nothing when the command is not allowed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    Change,
    Channel,
    Declared,
    Event,
    FieldsChanged,
    MetricsExclusionSet,
    Mitigated,
    NewsEvent,
    NoteAdded,
    Origin,
    PhaseChanged,
    PublicState,
    ResolutionSummarySet,
    RoleAssigned,
    SlaBreached,
    StatusUpdatePosted,
    TaskAdded,
    TaskUpdated,
)
from fireline.domain.priority import LEVELS, PriorityPolicy
from fireline.domain.state import Incident, Task, apply, iso
from fireline.domain.workflow import FACTS, ROLE_FACT, TASK_FACTS, Mark, Move, Workflow
from fireline.errors import Conflict, InvalidInput, NotFound, TransitionRefused

Outcome = tuple[Incident, list[Event]]
REOPEN_CLEARS: tuple[Mark, ...] = ("resolved", "closed")
TASK_FIELDS = ("title", "owner", "due_at", "done")
SYSTEM = "fireline"  # the actor of what Fireline records by itself, like a task ticking
EDITABLE = ("title", "summary", "impact", "urgency", "severity", "services", "impact_started_at")


@dataclass(frozen=True)
class Act:
    """Who acts, and when: every command records both."""

    actor: str
    now: datetime


def record(state: Incident | None, events: list[Event]) -> Outcome:
    """Apply events in order; return the result and the events to append."""
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("no events to record")
    return state, events


def declare(
    act: Act,
    *,
    incident_id: int,
    workflow: Workflow,
    workflow_version: int,
    policy: PriorityPolicy,
    title: str,
    origin: Origin = "declared",
    detected_at: datetime | None = None,
    **fields: Any,
) -> Outcome:
    """Open an incident in the workflow's entry phase, with that phase's checklist.

    A declared incident is reported at declaration; one opened by an alert is
    reported when it enters the phase marked ``reported``.
    """
    phase = workflow.entry_phase(origin)
    sets = [m for m in workflow.phase(phase).marks if m != "reported" or origin != "declared"]
    declared = Declared(
        at=act.now,
        actor=act.actor,
        incident_id=incident_id,
        title=title,
        workflow=workflow.id,
        workflow_version=workflow_version,
        phase=phase,
        origin=origin,
        detected_at=detected_at or act.now,
        priority=policy.priority_for(fields.get("impact"), fields.get("urgency")),
        sets=sets,
        **fields,
    )
    state, events = record(None, [declared])
    state, tasks = record_checklist(act, state, workflow, phase)
    return state, events + tasks


def transition(
    act: Act, state: Incident, workflow: Workflow, target: str, reason: str | None = None
) -> Outcome:
    """Move to another phase if the workflow allows that kind of move and the gate holds.

    Moving forward checks the target's ``requires``; skipping also checks the
    gates of skipped phases that set a timestamp (their marks are set by the
    move). Going back (a reopen) clears the resolved/closed timestamps set
    after the target.
    """
    if target not in workflow.phase_ids:
        raise InvalidInput(
            f"{target!r} is not a phase of workflow {workflow.id}; phases: "
            + ", ".join(workflow.phase_ids),
            field="phase",
        )
    if target == state.phase:
        raise TransitionRefused(f"incident {state.id} is already in {target}")
    move = workflow.classify(state.phase, target)
    if move != "back":
        ensure_open(state)
    _check_policy(workflow, move, state.phase, target)
    facts = [] if move == "back" else missing_facts(state, gate(workflow, state.phase, target))
    needs_reason = workflow.policy(move) == "with_reason" or state.closed  # reopening says why
    reasonless = needs_reason and not (reason and reason.strip())
    if reasonless or facts:
        raise _refusal(move, state.phase, target, reasonless, facts)
    return _enter(act, state, workflow, target, move, reason)


def ensure_open(state: Incident) -> None:
    """Refuse a change to a closed incident: only reopening, the postmortem and follow-ups remain."""
    if state.closed:
        raise Conflict(
            f"incident {state.id} is closed and read-only (its postmortem and follow-ups stay "
            "editable); to change anything else, reopen it first: move it back to an earlier "
            "phase with a reason"
        )


def _refusal(
    move: Move, source: str, target: str, reasonless: bool, facts: list[str]
) -> TransitionRefused:
    """One refusal that says everything missing: the reason and the gate's facts."""
    verb = {"forward": "move forward", "back": "go back", "skip": "skip phases"}[move]
    parts = [f"a reason is required to {verb} from {source} to {target}"] if reasonless else []
    if facts:
        parts.append(f"cannot enter {target}: " + "; ".join(facts) + " first")
    return TransitionRefused(
        ", and ".join(parts), missing=(["reason"] if reasonless else []) + facts
    )


@dataclass(frozen=True)
class MoveOption:
    """A phase the incident could move to now, and what stands in the way."""

    phase: str
    move: Move
    allowed: bool
    needs_reason: bool
    missing: list[str]


def options(state: Incident, workflow: Workflow) -> list[MoveOption]:
    """Every other phase, with whether the workflow and the gates allow moving there."""
    found = []
    for phase in workflow.phases:
        if phase.id == state.phase:
            continue
        move = workflow.classify(state.phase, phase.id)
        if state.closed and move != "back":
            continue  # a closed incident can only be reopened
        policy = workflow.policy(move)
        missing = (
            [] if move == "back" else missing_facts(state, gate(workflow, state.phase, phase.id))
        )
        allowed = policy != "forbidden" and not missing
        needs_reason = policy == "with_reason" or state.closed
        found.append(MoveOption(phase.id, move, allowed, needs_reason, missing))
    return found


def gate(workflow: Workflow, source: str, target: str) -> list[str]:
    """What must hold to move forward from source to target: the target's requirements,
    and those of every skipped phase whose entry would set a timestamp."""
    skipped = workflow.phases[workflow.index(source) + 1 : workflow.index(target)]
    needed = [fact for phase in skipped if phase.marks for fact in phase.requires]
    return list(dict.fromkeys([*needed, *workflow.phase(target).requires]))


def _check_policy(workflow: Workflow, move: Move, source: str, target: str) -> None:
    if workflow.policy(move) == "forbidden":
        verb = {"forward": "move forward", "back": "go back", "skip": "skip phases"}[move]
        raise TransitionRefused(
            f"workflow {workflow.id} does not allow you to {verb} ({source} → {target})"
        )


def _enter(
    act: Act, state: Incident, workflow: Workflow, target: str, move: Move, reason: str | None
) -> Outcome:
    source, to = workflow.index(state.phase), workflow.index(target)
    if move == "back":
        passed = workflow.phases[to + 1 : source + 1]
        sets: list[str] = []
        clears = [m for p in passed for m in p.marks if m in REOPEN_CLEARS and _is_set(state, m)]
    else:
        passed = workflow.phases[source + 1 : to + 1]
        sets = [m for p in passed for m in p.marks if not _is_set(state, m)]
        if "resolved" in sets and not _is_set(state, "mitigated") and "mitigated" not in sets:
            sets.append("mitigated")  # a resolved incident is mitigated at the latest then
        clears = []
    event = PhaseChanged(
        at=act.now,
        actor=act.actor,
        from_=state.phase,
        to=target,
        move=move,
        reason=reason,
        sets=sets,
        clears=clears,
    )
    first_visit = not state.visited(target)
    state, events = record(state, [event])
    if not first_visit:
        return state, events
    state, tasks = record_checklist(act, state, workflow, target)
    return state, events + tasks


def _is_set(state: Incident, mark: str) -> bool:
    return getattr(state.timestamps, f"{mark}_at") is not None


def record_checklist(act: Act, state: Incident, workflow: Workflow, phase: str) -> Outcome:
    """Add the phase's checklist as tasks (on the first entry into the phase only)."""
    events: list[Event] = []
    for offset, item in enumerate(workflow.phase(phase).checklist, start=1):
        # Only what a task has is stored: plain tasks keep the shape they always had.
        extra: dict[str, Any] = {
            key: value
            for key, value in (("done_when", item.done_when), ("required", item.required))
            if value
        }
        events.append(
            TaskAdded(
                at=act.now,
                actor=act.actor,
                task_id=f"T{len(state.tasks) + offset}",
                title=item.title,
                owner=None,
                due_at=None,
                phase=phase,
                source="checklist",
                **extra,
            )
        )
    return (state, []) if not events else record(state, events)


def missing_facts(state: Incident, requires: Collection[str]) -> list[str]:
    """What a gate needs that the incident lacks, in words a person can act on."""
    missing = []
    for fact in requires:
        role = ROLE_FACT.match(fact)
        if role and role.group(1) not in state.roles:
            missing.append(f"assign the {role.group(1)} role")
        elif fact == "required_tasks_done" and (open_tasks := _open_required(state)):
            missing.append("finish the required tasks: " + "; ".join(t.title for t in open_tasks))
        elif not role and fact != "required_tasks_done" and not _holds(state, fact):
            missing.append(
                FACTS[fact].replace(" is ", " must be ", 1)
                if " is " in FACTS[fact]
                else FACTS[fact]
            )
    return missing


def _holds(state: Incident, fact: str) -> bool:
    stamps = state.timestamps
    checks = {
        "impact": state.impact is not None,
        "urgency": state.urgency is not None,
        "priority": state.priority is not None,
        "severity": state.severity is not None,
        "commander": "commander" in state.roles,
        "acknowledged": stamps.acknowledged_at is not None,
        "mitigated": stamps.mitigated_at is not None,
        "resolution_summary": bool(state.resolution_summary),
        "checklist_done": all(
            t.done for t in state.tasks if t.source == "checklist" and t.phase == state.phase
        ),
        "required_tasks_done": not _open_required(state),
        "postmortem_published": state.postmortem == "published",
        "follow_ups_have_owners": all(f.owner and f.due_at for f in state.follow_ups),
    }
    return checks[fact]


def _open_required(state: Incident) -> list[Task]:
    """The current phase's required tasks not done yet (ad-hoc tasks are never required).

    A task whose ``done_when`` fact holds counts as done even before it ticks itself.
    """
    return [
        t
        for t in state.tasks
        if t.required
        and t.phase == state.phase
        and not t.done
        and not (t.done_when and task_fact_holds(state, t.done_when))
    ]


def task_fact_holds(state: Incident, fact: str) -> bool:
    """Whether a task's ``done_when`` fact (workflow.TASK_FACTS) holds for the incident."""
    stamps = state.timestamps
    holds = {
        "impact_and_urgency_set": state.impact is not None and state.urgency is not None,
        "commander_assigned": "commander" in state.roles,
        "status_update_posted": state.status_updates > 0,
        "acknowledged": stamps.acknowledged_at is not None,
        "mitigated": stamps.mitigated_at is not None,
        "resolution_summary_written": bool(state.resolution_summary),
        "postmortem_published": state.postmortem == "published",
    }
    return holds[fact] if fact in TASK_FACTS else False


def complete_tasks(now: datetime, state: Incident) -> Outcome:
    """Tick every open task whose ``done_when`` fact holds, as Fireline, naming the fact.

    Called when something the facts depend on happened; a task a person un-ticked ticks
    again only if its fact still holds at the next such moment.
    """
    events: list[Event] = [
        TaskUpdated(
            at=now,
            actor=SYSTEM,
            task_id=task.id,
            changes={"done": Change(before=False, after=True)},
            fact=task.done_when,
        )
        for task in state.tasks
        if task.done_when and not task.done and task_fact_holds(state, task.done_when)
    ]
    return (state, []) if not events else record(state, events)


def acknowledge(act: Act, state: Incident, via: Channel | None = None) -> Outcome:
    """Record the first acknowledgement (from channel ``via``); acknowledging again changes
    nothing.

    A resolved incident cannot be acknowledged any more: there is nothing left to take on.
    """
    ensure_open(state)
    if state.timestamps.acknowledged_at is not None:
        return state, []
    if state.timestamps.resolved_at is not None:
        raise Conflict(f"incident {state.id} is resolved; reopen it before acknowledging")
    return record(state, [Acknowledged(at=act.now, actor=act.actor, via=via)])


def acknowledge_by_role(act: Act, state: Incident, role: str) -> Outcome:
    """Taking a role that runs the incident acknowledges it for that person (``act.actor``),
    unless it is acknowledged or resolved already: nobody needs paging for it any more."""
    stamps = state.timestamps
    if stamps.acknowledged_at is not None or stamps.resolved_at is not None:
        return state, []
    return record(state, [Acknowledged(at=act.now, actor=act.actor, role=role)])


def expire_acknowledgement(act: Act, state: Incident, timeout: timedelta) -> Outcome:
    """Nobody resolved or mitigated within the acknowledgement timeout: back to unacknowledged.

    The first acknowledgement stays on the timeline (metrics measure time to it);
    paging starts again and the next acknowledgement counts for the escalation.
    """
    stamps = state.timestamps
    if stamps.acknowledged_at is None or stamps.resolved_at or stamps.mitigated_at:
        return state, []
    return record(
        state,
        [
            AcknowledgementExpired(
                at=act.now,
                actor=act.actor,
                acknowledged_at=stamps.acknowledged_at,
                timeout=str(timeout),
            )
        ],
    )


def record_sla_breach(act: Act, state: Incident, target: str, due_at: datetime) -> Outcome:
    """An SLA target passed with its milestone unreached; recorded once per target."""
    if target in state.sla_breaches:
        return state, []
    event = SlaBreached(
        at=act.now, actor=act.actor, target=target, due_at=due_at, priority=state.priority
    )
    return record(state, [event])


def set_metrics_exclusion(act: Act, state: Incident, excluded: bool, reason: str | None) -> Outcome:
    """Leave the incident out of metrics (a duplicate, a false alarm, a test), or count it again.

    Excluding needs a reason, kept on the timeline and in the state; setting
    what is already set changes nothing.
    """
    reason = reason.strip() if reason else None
    if excluded and not reason:
        raise InvalidInput("say why the incident is left out of metrics", field="reason")
    if (excluded, reason) == (state.excluded, state.exclusion_reason):
        return state, []
    event = MetricsExclusionSet(at=act.now, actor=act.actor, excluded=excluded, reason=reason)
    return record(state, [event])


def mitigate(act: Act, state: Incident) -> Outcome:
    """Record that the impact has stopped; mitigating again changes nothing."""
    ensure_open(state)
    if state.timestamps.mitigated_at is not None:
        return state, []
    return record(state, [Mitigated(at=act.now, actor=act.actor)])


def resolve(act: Act, state: Incident, workflow: Workflow, summary: str) -> Outcome:
    """Write the resolution summary and move to the phase marked ``resolved``.

    The move follows the workflow's rules like any transition, with the summary
    as its recorded reason. An incident already at or past that phase only
    gets its summary updated.
    """
    ensure_open(state)
    if not summary.strip():
        raise InvalidInput("a resolution summary must say what was done", field="summary")
    events: list[Event] = []
    if summary != state.resolution_summary:
        summarised = ResolutionSummarySet(at=act.now, actor=act.actor, summary=summary)
        state, events = record(state, [summarised])
    target = workflow.marked("resolved")
    if workflow.index(state.phase) >= workflow.index(target):
        return state, events
    state, moved = transition(act, state, workflow, target, f"resolved: {summary}")
    return state, events + moved


def change(
    act: Act,
    state: Incident,
    policy: PriorityPolicy,
    changes: dict[str, Any],
) -> Outcome:
    """Change fields (title, summary, impact, urgency, severity, services, impact_started_at).

    The priority follows impact and urgency through the configured matrix.
    Fields given with their current value are not recorded.
    """
    ensure_open(state)
    for field, value in changes.items():
        if field not in EDITABLE:
            raise InvalidInput(f"{field} cannot be changed this way", field=field)
        if field in ("impact", "urgency") and value not in (*LEVELS, None):
            raise InvalidInput(f"{field} must be one of {', '.join(LEVELS)}", field=field)
    current = {
        **state.model_dump(include=set(EDITABLE)),
        **state.timestamps.model_dump(include={"impact_started_at"}),
    }
    current["services"] = list(state.services)
    diff = changed_fields(
        current, {k: list(v) if k == "services" else v for k, v in changes.items()}
    )
    impact = diff.get("impact", {}).get("after", state.impact)
    urgency = diff.get("urgency", {}).get("after", state.urgency)
    priority = policy.priority_for(impact, urgency)
    if diff and priority != state.priority:
        diff["priority"] = {"before": state.priority, "after": priority}
    if not diff:
        return state, []
    return record(state, [FieldsChanged(at=act.now, actor=act.actor, changes=diff)])


def assign_role(act: Act, state: Incident, role: str, user: str | None) -> Outcome:
    """Give a role to a user (a handover when someone held it), or free it with None."""
    ensure_open(state)
    before = state.roles.get(role)
    if user is None and before is None:
        raise NotFound(f"nobody holds the {role} role on incident {state.id}")
    if before == user:
        return state, []
    event = RoleAssigned(at=act.now, actor=act.actor, role=role, before=before, after=user)
    return record(state, [event])


def record_news(state: Incident, news: NewsEvent) -> Outcome:
    """Put news that changes no field on the timeline: alerts attached or resolved, escalation
    steps fired, pages sent or failed."""
    return record(state, [news])


def add_note(act: Act, state: Incident, text: str, pinned: bool = False) -> Outcome:
    """Append a note to the timeline; a pinned one is a key event for the postmortem."""
    ensure_open(state)
    extra = {"pinned": True} if pinned else {}
    return record(state, [NoteAdded(at=act.now, actor=act.actor, text=text, **extra)])


def post_status_update(
    act: Act,
    state: Incident,
    message: str,
    visibility: str,
    component_status: Mapping[str, PublicState] | None = None,
) -> Outcome:
    """Post a status update, internal or public (public ones reach the status page).

    A public update may set the public state of components (by service or component id):
    the status page shows what responders decided, nothing more.
    """
    ensure_open(state)
    if component_status and visibility != "public":
        raise InvalidInput(
            "only a public status update can set a component's public status",
            field="component_status",
        )
    extra = {"component_status": dict(component_status)} if component_status else {}
    event = StatusUpdatePosted(
        at=act.now, actor=act.actor, message=message, visibility=visibility, **extra
    )
    return record(state, [event])


def add_task(
    act: Act, state: Incident, title: str, owner: str | None, due_at: datetime | None
) -> Outcome:
    """Add an ad-hoc task to the incident."""
    ensure_open(state)
    event = TaskAdded(
        at=act.now,
        actor=act.actor,
        task_id=f"T{len(state.tasks) + 1}",
        title=title,
        owner=owner,
        due_at=due_at,
        phase=state.phase,
        source="adhoc",
    )
    return record(state, [event])


def update_task(act: Act, state: Incident, task_id: str, changes: dict[str, Any]) -> Outcome:
    """Change a task's title, owner, due date or done flag."""
    ensure_open(state)
    task = state.task(task_id)
    if task is None:
        raise NotFound(f"incident {state.id} has no task {task_id}")
    unknown = [f for f in changes if f not in TASK_FIELDS]
    if unknown:
        raise InvalidInput(f"a task's {unknown[0]} cannot be changed", field=unknown[0])
    diff = changed_fields(task.model_dump(), changes)
    if not diff:
        return state, []
    event = TaskUpdated(at=act.now, actor=act.actor, task_id=task_id, changes=diff)
    return record(state, [event])


def changed_fields(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {before, after}}`` for the fields whose value changes, times as ISO text."""

    def plain(value: Any) -> Any:
        return iso(value) if isinstance(value, datetime) else value

    return {
        field: {"before": plain(current[field]), "after": plain(value)}
        for field, value in changes.items()
        if value != current[field]
    }
