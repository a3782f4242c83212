"""Incident metrics: how long incidents took, where the time went, which SLAs broke.

Every number is a pure function of compact rows (:class:`IncidentFacts`) and
of ``now``, a parameter: nothing here reads the clock. A storage query can
fill those rows for 100,000 incidents without replaying a timeline;
:func:`facts_from` defines what each field means by deriving it from an
incident's state and events, and a storage layer must produce the same
values. docs/metrics.md gives every formula; who got paged is
:mod:`fireline.domain.oncall_load`.

Durations are in seconds. Each statistic is reported as a :class:`Summary`:
mean, median (the middle value, or the mean of the two middle values) and
p90 (nearest rank), with how many incidents had the value and how many were
counted out.

Follow-up actions are tallied per group (:class:`FollowUpTally`): how many,
how many done and overdue at ``now``, the completion rate, how long the open
ones have been open and how long the done ones took. :data:`NOT_COMPUTED`
names any measure a report cannot give yet, with the reason, so a report says
it is missing instead of printing nothing; none is missing now.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from fireline.domain.events import Acknowledged, Event, FollowUpAdded, FollowUpUpdated
from fireline.domain.priority import SLA_TARGETS, PriorityPolicy, SlaTargets
from fireline.domain.sla import STOPPED_BY, ClockState, clock_state
from fireline.domain.state import Incident
from fireline.errors import InvalidInput

GroupBy = Literal["service", "team", "priority", "severity", "workflow"]
GROUP_BY: tuple[GroupBy, ...] = ("service", "team", "priority", "severity", "workflow")
DURATIONS = ("time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve")
PERCENTILE = 90
NOT_COMPUTED: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One visit to a phase; ``left_at`` is None while the incident is still in it."""

    phase: str
    entered_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FollowUpFact:
    """One follow-up action of an incident: when it was added, when it was marked done (None
    while open; the first time since it was last reopened), when it is due."""

    id: str
    created_at: datetime
    done_at: datetime | None = None
    due_at: datetime | None = None


# Not frozen, on purpose: a report makes 100,000 of these, and a frozen dataclass takes
# seven times longer to build. Nothing changes them once built.
@dataclass(slots=True)
class IncidentFacts:
    """What the metrics need of one incident: one compact row, no timeline.

    ``first_acknowledged_at`` is the time of the first ``acknowledged`` event,
    which an expired acknowledgement does not change; ``teams`` are the teams
    owning the incident's services. ``time_in_phases`` and ``current_phase``
    are :func:`phase_times` of the incident's phase visits: computed when the
    incident changes, so a report over many incidents reads a few numbers
    instead of every visit.
    """

    id: int
    workflow: str
    detected_at: datetime
    priority: str | None = None
    severity: str | None = None
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    impact_started_at: datetime | None = None
    first_acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened: int = 0
    time_in_phases: dict[str, float] = field(default_factory=dict)
    current_phase: str | None = None
    drill: bool = False
    excluded: bool = False
    follow_ups: tuple[FollowUpFact, ...] = ()


@dataclass(frozen=True)
class Period:
    """The half-open time range [start, end) a report covers."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("a period's start and end need a time zone", field="period")
        if self.start >= self.end:
            raise InvalidInput("a period must end after it starts", field="period")

    def __contains__(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Summary:
    """One measure over a set of incidents, in seconds; None when no incident had it.

    ``count`` incidents had the measure; ``counted_out`` incidents of the set
    did not (a missing timestamp, or for a phase: still in it).
    """

    count: int
    counted_out: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class SlaTally:
    """How one SLA target fared: clocks met, breached, still running within their time.

    ``breach_rate`` is breached / (met + breached): running clocks are undecided.
    """

    met: int
    breached: int
    running: int
    breach_rate: float | None


@dataclass(slots=True)  # not frozen, like IncidentFacts: one per incident of a report
class IncidentMetrics:
    """One incident's numbers: durations and phase times in seconds, SLA clock states, and
    its follow-ups: how long each open one has been open, how long each done one took."""

    id: int
    durations: dict[str, float | None]
    phases: dict[str, float]
    current_phase: str | None
    sla: dict[str, ClockState]
    reopened: int
    resolved: bool
    follow_ups_open_for: tuple[float, ...] = ()
    follow_ups_done_after: tuple[float, ...] = ()
    follow_ups_overdue: int = 0


@dataclass(frozen=True)
class FollowUpTally:
    """The follow-up actions of a group's incidents at ``now``: ``overdue`` ones are open past
    their due time; ``completion_rate`` is done / total; ``open_for`` is how long the open ones
    have been open, ``done_after`` how long the done ones took from being added (seconds)."""

    total: int
    done: int
    overdue: int
    completion_rate: float | None
    open_for: Summary
    done_after: Summary


@dataclass(frozen=True)
class GroupMetrics:
    """The metrics of one group of incidents (``key`` None: no value, or all incidents)."""

    key: str | None
    incidents: int
    resolved: int
    reopened: int
    reopens: int
    reopen_rate: float | None
    durations: dict[str, Summary]
    phases: dict[str, Summary]
    sla: dict[str, SlaTally]
    follow_ups: FollowUpTally


@dataclass(frozen=True)
class Report:
    """Every incident metric over a period, overall and per group."""

    period: Period
    now: datetime
    group_by: GroupBy | None
    left_out: dict[str, int]
    overall: GroupMetrics
    groups: tuple[GroupMetrics, ...]
    not_computed: dict[str, str] = field(default_factory=lambda: dict(NOT_COMPUTED))


def facts_from(
    incident: Incident,
    events: Iterable[Event],
    *,
    teams: Sequence[str] = (),
    excluded: bool = False,
) -> IncidentFacts:
    """The metrics row of an incident, from its replayed state and its timeline.

    The first acknowledgement comes from the events, not the state: an
    acknowledgement that later expired still says when someone first answered.
    ``teams`` come from the directory (the incident knows only its services).
    ``excluded`` marks the incident excluded even if its own flag is not set.
    """
    stamps = incident.timestamps
    acks = (e.at for e in events if isinstance(e, Acknowledged))
    times, current = phase_times(phase_spans(incident))
    return IncidentFacts(
        id=incident.id,
        workflow=incident.workflow,
        detected_at=_required(stamps.detected_at, incident.id),
        priority=incident.priority,
        severity=incident.severity,
        services=incident.services,
        teams=tuple(dict.fromkeys(teams)),
        impact_started_at=stamps.impact_started_at,
        first_acknowledged_at=min(acks, default=None),
        mitigated_at=stamps.mitigated_at,
        resolved_at=stamps.resolved_at,
        reopened=incident.reopened,
        time_in_phases=times,
        current_phase=current,
        drill=incident.drill,
        excluded=excluded or incident.excluded,
        follow_ups=follow_up_facts(incident, events),
    )


def follow_up_facts(incident: Incident, events: Iterable[Event]) -> tuple[FollowUpFact, ...]:
    """The incident's follow-ups with when each was added and done, from its timeline."""
    added: dict[str, datetime] = {}
    done: dict[str, datetime | None] = {}
    for e in events:
        if isinstance(e, FollowUpAdded):
            added[e.follow_up_id] = e.at
        elif isinstance(e, FollowUpUpdated) and "done" in e.changes:
            key = e.follow_up_id
            done[key] = (done.get(key) or e.at) if e.changes["done"].after else None
    return tuple(
        FollowUpFact(f.id, added[f.id], done.get(f.id) if f.done else None, f.due_at)
        for f in incident.follow_ups
    )


def phase_spans(incident: Incident) -> tuple[PhaseSpan, ...]:
    """The incident's visits to phases, in order; the last one is the phase it is in now."""
    return tuple(PhaseSpan(v.phase, v.entered_at, v.left_at) for v in incident.phase_history)


def _required(detected_at: datetime | None, incident_id: int) -> datetime:
    if detected_at is None:  # every declaration sets it; a state without it is corrupt
        raise ValueError(f"incident {incident_id} has no detected_at")
    return detected_at


def incident_metrics(
    facts: IncidentFacts, *, targets: SlaTargets, now: datetime
) -> IncidentMetrics:
    """One incident's durations, time per phase, and SLA clock states at ``now`` against the
    targets of its priority (``PriorityPolicy.targets_for``)."""
    return _measure(facts, _clock_plan(targets), now)


ClockPlan = tuple[tuple[str, str, timedelta], ...]  # (target, field that stops it, allowed)
# The timestamp that stops each clock (domain.sla.STOPPED_BY), as a field of IncidentFacts:
# the acknowledge clock stops at the first acknowledgement.
STOPPED_BY_FACT = {**STOPPED_BY, "acknowledge": "first_acknowledged_at"}


def _clock_plan(targets: SlaTargets) -> ClockPlan:
    found = ((name, STOPPED_BY_FACT[name], targets.target(name)) for name in SLA_TARGETS)
    return tuple((name, stamp, allowed) for name, stamp, allowed in found if allowed is not None)


def _measure(facts: IncidentFacts, plan: ClockPlan, now: datetime) -> IncidentMetrics:
    # Positional arguments: this runs once per incident of a report.
    measured = IncidentMetrics(
        facts.id,
        durations(facts),
        facts.time_in_phases,
        facts.current_phase,
        _sla_states(facts, plan, now) if plan else {},
        facts.reopened,
        facts.resolved_at is not None,
    )
    if facts.follow_ups:
        _measure_follow_ups(measured, facts.follow_ups, now)
    return measured


def _measure_follow_ups(
    measured: IncidentMetrics, follow_ups: Sequence[FollowUpFact], now: datetime
) -> None:
    open_ones = [f for f in follow_ups if f.done_at is None]
    measured.follow_ups_open_for = tuple((now - f.created_at).total_seconds() for f in open_ones)
    measured.follow_ups_done_after = tuple(
        (f.done_at - f.created_at).total_seconds() for f in follow_ups if f.done_at is not None
    )
    measured.follow_ups_overdue = sum(1 for f in open_ones if f.due_at and f.due_at < now)


def durations(facts: IncidentFacts) -> dict[str, float | None]:
    """Seconds from impact start to detection, and from detection to the first acknowledgement,
    to mitigation and to resolution; None when either end is missing."""
    detected = facts.detected_at
    started, acknowledged = facts.impact_started_at, facts.first_acknowledged_at
    mitigated, resolved = facts.mitigated_at, facts.resolved_at
    return {
        "time_to_detect": None if started is None else (detected - started).total_seconds(),
        "time_to_acknowledge": _since(detected, acknowledged),
        "time_to_mitigate": _since(detected, mitigated),
        "time_to_resolve": _since(detected, resolved),
    }


def _since(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def phase_times(visits: Sequence[PhaseSpan]) -> tuple[dict[str, float], str | None]:
    """Seconds spent in each phase the incident has left (all its visits summed), and the
    phase it is in now, which is left out: its time is not known yet."""
    totals: dict[str, float] = {}
    current = None
    for visit in visits:
        if visit.left_at is None:
            current = visit.phase
        else:
            spent = (visit.left_at - visit.entered_at).total_seconds()
            totals[visit.phase] = totals.get(visit.phase, 0.0) + spent
    if current is not None:
        totals.pop(current, None)
    return totals, current


def _sla_states(facts: IncidentFacts, plan: ClockPlan, now: datetime) -> dict[str, ClockState]:
    """The clocks of ``domain.sla``, stopped by the first acknowledgement (see
    :func:`fireline.domain.sla.sla_clocks`, which stops at the current one)."""
    resolved, detected = facts.resolved_at, facts.detected_at
    return {
        target: clock_state(detected + allowed, getattr(facts, stamp) or resolved, now)
        for target, stamp, allowed in plan
    }


def report(
    incidents: Iterable[IncidentFacts],
    *,
    period: Period,
    now: datetime,
    policy: PriorityPolicy,
    group_by: GroupBy | None = None,
) -> Report:
    """Every metric over the incidents detected in the period, overall and per group.

    Drills and excluded incidents are left out (and counted in ``left_out``).
    An incident with several services (or teams) counts in each of their groups.
    One pass over the rows; nothing is kept per incident.
    """
    if group_by is not None and group_by not in GROUP_BY:
        raise InvalidInput(
            f"group by one of {', '.join(GROUP_BY)}, not {group_by!r}", field="group_by"
        )
    left_out = {"drill": 0, "excluded": 0}
    plans: dict[str | None, ClockPlan] = {}
    # One tally per combination of groups (say, services api and db), merged at the end into
    # the overall numbers and each group's: each incident is tallied once, however grouped.
    tallies = defaultdict[tuple[str | None, ...], _Tally](_Tally)
    start, end = period.start, period.end
    for facts in incidents:
        if not start <= facts.detected_at < end:
            continue
        if facts.drill or facts.excluded:
            left_out["drill" if facts.drill else "excluded"] += 1
            continue
        plan = plans.get(facts.priority)
        if plan is None:
            plan = plans[facts.priority] = _clock_plan(policy.targets_for(facts.priority))
        tallies[group_keys(facts, group_by) if group_by else ()].add(_measure(facts, plan, now))
    groups = defaultdict[str | None, list[_Tally]](list)
    for keys, tally in tallies.items():
        for key in keys:
            groups[key].append(tally)
    order = sorted(groups, key=lambda key: (key is None, key or ""))
    found = tuple(_Tally.merged(groups[key]).metrics(key) for key in order)
    overall = _Tally.merged(tallies.values()).metrics(None)
    return Report(period, now, group_by, left_out, overall, found)


def group_keys(facts: IncidentFacts, group_by: GroupBy) -> tuple[str | None, ...]:
    """The groups an incident counts in: each of its services or teams, or its one value."""
    if group_by in ("service", "team"):
        keys = facts.services if group_by == "service" else facts.teams
        return tuple(dict.fromkeys(keys)) or (None,)
    value: str | None = getattr(facts, group_by)
    return (value,)


def group_metrics(key: str | None, items: Iterable[IncidentMetrics]) -> GroupMetrics:
    """Aggregate per-incident metrics into summaries, SLA tallies, counts and the reopen rate."""
    tally = _Tally()
    for metrics in items:
        tally.add(metrics)
    return tally.metrics(key)


class _Tally:
    """Collects incident metrics in one pass, then summarises them."""

    def __init__(self) -> None:
        self.incidents = self.resolved = self.reopened = self.reopens = self.ever_resolved = 0
        self.durations: dict[str, list[float]] = {name: [] for name in DURATIONS}
        self.missing = dict.fromkeys(DURATIONS, 0)
        self.phases: dict[str, list[float]] = defaultdict(list)
        self.in_phase: Counter[str] = Counter()
        self.clocks: dict[str, Counter[str]] = {
            target: Counter(dict.fromkeys(("met", "breached", "running"), 0))
            for target in SLA_TARGETS
        }
        self.open_for: list[float] = []
        self.done_after: list[float] = []
        self.overdue = 0

    @classmethod
    def merged(cls, parts: Iterable[_Tally]) -> _Tally:
        """One tally of the incidents of all the parts (which share none)."""
        whole = cls()
        for part in parts:
            part.sort()  # sorted runs: the whole's values then sort in about one pass
            whole.incidents += part.incidents
            whole.resolved += part.resolved
            whole.reopened += part.reopened
            whole.reopens += part.reopens
            whole.ever_resolved += part.ever_resolved
            for name, values in part.durations.items():
                whole.durations[name] += values
                whole.missing[name] += part.missing[name]
            for phase, seconds in part.phases.items():
                whole.phases[phase] += seconds
            whole.in_phase.update(part.in_phase)
            for target, clocks in part.clocks.items():
                whole.clocks[target].update(clocks)
            whole.open_for += part.open_for
            whole.done_after += part.done_after
            whole.overdue += part.overdue
        return whole

    def sort(self) -> None:
        for values in (*self.durations.values(), *self.phases.values()):
            values.sort()
        self.open_for.sort()
        self.done_after.sort()

    def add(self, m: IncidentMetrics) -> None:
        self.incidents += 1
        if m.resolved or m.reopened:
            self.ever_resolved += 1
            self.resolved += m.resolved
            if m.reopened:
                self.reopened += 1
                self.reopens += m.reopened
        durations, missing = self.durations, self.missing
        for name, value in m.durations.items():
            if value is None:
                missing[name] += 1
            else:
                durations[name].append(value)
        phases = self.phases
        for phase, seconds in m.phases.items():
            phases[phase].append(seconds)
        if m.current_phase is not None:
            self.in_phase[m.current_phase] += 1
        clocks = self.clocks
        for target, state in m.sla.items():
            clocks[target][state] += 1
        if m.follow_ups_open_for or m.follow_ups_done_after:
            self.open_for += m.follow_ups_open_for
            self.done_after += m.follow_ups_done_after
            self.overdue += m.follow_ups_overdue

    def metrics(self, key: str | None) -> GroupMetrics:
        """The reopen rate is the share of incidents ever resolved (resolved now, or reopened
        at least once) that were reopened at least once."""
        phases = dict.fromkeys([*self.phases, *self.in_phase])
        return GroupMetrics(
            key=key,
            incidents=self.incidents,
            resolved=self.resolved,
            reopened=self.reopened,
            reopens=self.reopens,
            reopen_rate=self.reopened / self.ever_resolved if self.ever_resolved else None,
            durations={n: summarize(v, self.missing[n]) for n, v in self.durations.items()},
            phases={p: summarize(self.phases.get(p, []), self.in_phase[p]) for p in phases},
            sla={target: _sla_tally(clocks) for target, clocks in self.clocks.items()},
            follow_ups=self._follow_ups(),
        )

    def _follow_ups(self) -> FollowUpTally:
        """Every follow-up counts once in ``total``: in ``open_for`` if open, else in
        ``done_after`` (each summary counts the others out)."""
        done, still_open = len(self.done_after), len(self.open_for)
        total = done + still_open
        return FollowUpTally(
            total=total,
            done=done,
            overdue=self.overdue,
            completion_rate=done / total if total else None,
            open_for=summarize(self.open_for, done),
            done_after=summarize(self.done_after, still_open),
        )


def _sla_tally(clocks: Counter[str]) -> SlaTally:
    met, breached = clocks["met"], clocks["breached"]
    rate = breached / (met + breached) if met + breached else None
    return SlaTally(met, breached, clocks["running"], rate)


def summarize(values: Sequence[float], counted_out: int = 0) -> Summary:
    """Mean, median and p90 (nearest rank) of the values; None for each when there are none."""
    if not values:
        return Summary(0, counted_out, None, None, None)
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Summary(
        count=len(ordered),
        counted_out=counted_out,
        mean=statistics.fmean(ordered),
        median=median,
        p90=nearest_rank(ordered, PERCENTILE),
    )


def nearest_rank(ordered: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile of sorted values: the value at rank ⌈percent × n / 100⌉,
    counting from 1. It is always one of the values, never an interpolation."""
    if not ordered:
        raise ValueError("no values to take a percentile of")
    if not 0 < percent <= 100:
        raise ValueError(f"a percentile is between 1 and 100, not {percent}")
    rank = -(-percent * len(ordered) // 100)  # integer ceiling: no float rounding at the edges
    return ordered[rank - 1]
