"""Incident metrics, checked against a data set computed by hand.

Thirteen incidents are built with the real incident commands (declare,
acknowledge, mitigate, resolve, transition, record_news), each minute given
explicitly. All use the standard workflow and are declared (they start in
`reporting`, and ``detected_at`` is the declaration time, "+0"). Times below
are minutes after each incident's detection.

    #  detected (UTC)     services  prio sev   impact  ack  mitigate  resolve        pages
    1  Mon 03-02 10:00    api       P1   SEV1  -10     +4   +30       +120 (full path) bob +0
    2  Tue 03-03 10:00    api       P1   SEV1  -20     +6   +90       +300           carol +0
       (re-acknowledged at +150, as after an expired acknowledgement)
    3  Wed 03-04 13:30    db        P2   SEV2  —       +10  +60       +200           bob +0
    4  Thu 03-05 10:00    db        P2   SEV2  -5      +20  +240      +400, reopened +500, +700
    5  Fri 03-27 07:30    web       P3   —     -30     —    (+1000)   +1000          alice, bob +0
    6  Sat 03-21 10:00    web       P3   —     —       +2   —         —  (in response) carol +0
    7  Tue 03-31 20:00    api       P2   —     -15     +8   +45       —  (in response)
    8  Mon 03-30 07:30    api, db   P1   SEV1  0       +3   +20       +65            alice +0, +1
    9  Wed 03-11 17:00    —         —    —     -60     +32  (+100)    +100           carol +0
    10 Tue 03-10 13:30    db        P3   —     -5      +5   +50       +80, reopened +90 bob +0
    11 Thu 03-12 10:00    api       P1   drill                                       alice +0
    12 Fri 03-13 10:00    api       P1   excluded (ack +100, resolve +1000)
    13 Fri 02-27 10:00    api       P1   before the period                           carol +0

Period: March 2026, [03-01 00:00, 04-01 00:00) UTC; now = 04-01 00:00 UTC.
Resolving sets mitigated_at when it was never set: (+1000) and (+100) above.
Teams: api and web belong to platform, db to data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fireline.domain import events
from fireline.domain.events import Event
from fireline.domain.incident import (
    Act,
    Outcome,
    acknowledge,
    assign_role,
    declare,
    mitigate,
    record_news,
    resolve,
    transition,
)
from fireline.domain.metrics import (
    NOT_COMPUTED,
    FollowUpFact,
    GroupMetrics,
    IncidentFacts,
    Period,
    PhaseSpan,
    SlaTally,
    Summary,
    facts_from,
    follow_up_facts,
    group_keys,
    incident_metrics,
    nearest_rank,
    phase_spans,
    phase_times,
    report,
    summarize,
)
from fireline.domain.oncall_load import PageSent, oncall_load, pages_from
from fireline.domain.priority import PriorityPolicy, SlaTargets
from fireline.domain.review import (
    add_follow_up,
    change_postmortem_status,
    start_postmortem,
    update_follow_up,
)
from fireline.domain.state import Incident, apply
from fireline.errors import InvalidInput
from fireline.workflows import shipped_workflow

STANDARD = shipped_workflow("standard")
MIN = 60.0  # seconds in a minute: every expected duration is written as minutes × MIN
POLICY = PriorityPolicy(
    sla={
        "P1": SlaTargets(
            acknowledge=timedelta(minutes=5),
            mitigate=timedelta(hours=1),
            resolve=timedelta(hours=4),
        ),
        "P2": SlaTargets(
            acknowledge=timedelta(minutes=15),
            mitigate=timedelta(hours=4),
            resolve=timedelta(days=1),
        ),
        "P3": SlaTargets(resolve=timedelta(days=3)),
    }
)
P1, P2, P3 = (POLICY.targets_for(p) for p in ("P1", "P2", "P3"))
MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
NOW = datetime(2026, 4, 1, tzinfo=UTC)
TEAMS = {"api": "platform", "web": "platform", "db": "data"}
TIME_ZONES = {"alice": "Europe/Berlin", "bob": "America/New_York"}  # carol: unknown, so UTC
PRIORITY = {"P1": ("high", "high"), "P2": ("high", "medium"), "P3": ("high", "low")}


@dataclass
class Story:
    """One incident's timeline, built command by command at explicit minutes after detection."""

    detected: datetime
    state: Incident
    events: list[Event] = field(default_factory=list)
    excluded: bool = False

    def act(self, minutes: float) -> Act:
        return Act("alice", self.detected + timedelta(minutes=minutes))

    def then(self, minutes: float, command: Callable[..., Outcome], *args: Any) -> Story:
        self.state, new = command(self.act(minutes), self.state, *args)
        self.events += new
        return self

    def to(self, minutes: float, phase: str, reason: str | None = None) -> Story:
        return self.then(minutes, transition, STANDARD, phase, reason)

    def resolve(self, minutes: float) -> Story:
        return self.then(minutes, resolve, STANDARD, "fixed")

    def page(self, minutes: float, user: str) -> Story:
        act = self.act(minutes)
        sent = events.PageSent(
            at=act.now,
            actor=act.actor,
            user=user,
            contact=f"{user}-sms",
            channel="sms",
            attempts=1,
            idempotency_key=f"page:{self.state.id}:{user}:{minutes}",
        )
        self.state, new = record_news(self.state, sent)
        self.events += new
        return self

    def facts(self) -> IncidentFacts:
        teams = [TEAMS[s] for s in self.state.services]
        return facts_from(self.state, self.events, teams=teams, excluded=self.excluded)


def story(
    incident_id: int,
    detected: datetime,
    *,
    priority: str | None = None,
    services: tuple[str, ...] = (),
    impact_before: float | None = None,
    **fields: Any,
) -> Story:
    if priority is not None:
        fields["impact"], fields["urgency"] = PRIORITY[priority]
    if impact_before is not None:
        fields["impact_started_at"] = detected - timedelta(minutes=impact_before)
    state, events = declare(
        Act("alice", detected),
        incident_id=incident_id,
        workflow=STANDARD,
        workflow_version=1,
        policy=POLICY,
        title=f"incident {incident_id}",
        services=list(services),
        **fields,
    )
    return Story(detected, state, events)


def acknowledged_again(act: Act, state: Incident) -> Outcome:
    """What an acknowledgement after an expired one records (the ack timeout is not built yet)."""
    event = events.Acknowledged(at=act.now, actor=act.actor)
    return apply(state, event), [event]


def march(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def build_stories() -> dict[int, Story]:
    s: dict[int, Story] = {}
    s[1] = (
        story(
            1,
            march(2, 10),
            priority="P1",
            severity="SEV1",
            services=("api",),
            impact_before=10,
        )
        .page(0, "bob")
        .to(2, "assessment")
        .then(3, assign_role, "commander", "alice")
        .then(4, acknowledge)
        .to(10, "response")
        .then(30, mitigate)
        .resolve(120)
        .to(1440, "review")
        .then(1440, start_postmortem, "default")
        .then(2000, change_postmortem_status, "in_review")
        .then(2800, change_postmortem_status, "published")
        .to(2880, "closed")
    )
    s[2] = (
        story(
            2,
            march(3, 10),
            priority="P1",
            severity="SEV1",
            services=("api",),
            impact_before=20,
        )
        .page(0, "carol")
        .then(6, acknowledge)
        .then(90, mitigate)
    )
    s[2].then(150, acknowledged_again).resolve(300)  # the state now says +150
    s[3] = (
        story(3, march(4, 13, 30), priority="P2", severity="SEV2", services=("db",))
        .page(0, "bob")
        .then(10, acknowledge)
        .then(60, mitigate)
        .resolve(200)
    )
    s[4] = (
        story(
            4,
            march(5, 10),
            priority="P2",
            severity="SEV2",
            services=("db",),
            impact_before=5,
        )
        .then(20, acknowledge)
        .then(240, mitigate)
        .resolve(400)
        .to(500, "response", "it came back")
        .resolve(700)
        .to(800, "review")
    )
    s[5] = (
        story(5, march(27, 7, 30), priority="P3", services=("web",), impact_before=30)
        .page(0, "alice")
        .page(0, "bob")
        .resolve(1000)
    )
    s[6] = (
        story(6, march(21, 10), priority="P3", services=("web",))
        .page(0, "carol")
        .to(1, "assessment")
        .then(2, acknowledge)
        .then(3, assign_role, "commander", "alice")
        .to(5, "response")
    )
    s[7] = (
        story(7, march(31, 20), priority="P2", services=("api",), impact_before=15)
        .to(1, "assessment")
        .then(2, assign_role, "commander", "alice")
        .to(3, "response")
        .then(8, acknowledge)
        .then(45, mitigate)
    )
    s[8] = (
        story(
            8,
            march(30, 7, 30),
            priority="P1",
            severity="SEV1",
            services=("api", "db"),
            impact_before=0,
        )
        .page(0, "alice")
        .page(1, "alice")
        .then(3, acknowledge)
        .then(20, mitigate)
        .resolve(65)
    )
    s[9] = (
        story(9, march(11, 17), impact_before=60)
        .page(0, "carol")
        .then(32, acknowledge)
        .resolve(100)
    )
    s[10] = (
        story(10, march(10, 13, 30), priority="P3", services=("db",), impact_before=5)
        .page(0, "bob")
        .then(5, acknowledge)
        .then(50, mitigate)
        .resolve(80)
        .to(90, "response", "not fixed after all")
    )
    s[11] = story(11, march(12, 10), priority="P1", services=("api",), drill=True).page(0, "alice")
    s[11].then(1, acknowledge).resolve(10)
    s[12] = (
        story(12, march(13, 10), priority="P1", services=("api",))
        .then(100, acknowledge)
        .resolve(1000)
    )
    s[12].excluded = True
    s[13] = (
        story(13, datetime(2026, 2, 27, 10, tzinfo=UTC), priority="P1", services=("api",))
        .page(0, "carol")
        .then(1, acknowledge)
        .resolve(2)
    )
    return s


STORIES = build_stories()
FACTS = [s.facts() for s in STORIES.values()]
PAGES = [
    page for s in STORIES.values() for page in pages_from(s.state, s.events, excluded=s.excluded)
]
KEPT = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


def overall() -> GroupMetrics:
    return report(FACTS, period=MARCH, now=NOW, policy=POLICY).overall


def groups(group_by: Any) -> dict[str | None, GroupMetrics]:
    found = report(FACTS, period=MARCH, now=NOW, policy=POLICY, group_by=group_by).groups
    return {g.key: g for g in found}


# --- the data set is what the table says ------------------------------------------------------


def test_the_stories_have_the_timestamps_the_table_says() -> None:
    assert [STORIES[i].state.priority for i in KEPT] == [
        "P1", "P1", "P2", "P2", "P3", "P3", "P2", "P1", None, "P3",
    ]  # fmt: skip
    assert STORIES[4].state.reopened == 1 and STORIES[10].state.reopened == 1
    assert STORIES[10].state.timestamps.resolved_at is None  # the reopen cleared it
    assert STORIES[5].state.timestamps.mitigated_at == march(27, 7, 30) + timedelta(minutes=1000)
    assert STORIES[11].state.drill


def test_first_acknowledgement_comes_from_the_timeline_not_the_state() -> None:
    two = STORIES[2]
    assert two.state.timestamps.acknowledged_at == march(3, 12, 30)  # the re-acknowledgement, +150
    assert two.facts().first_acknowledged_at == march(3, 10, 6)  # the first one, +6


def test_first_acknowledgement_survives_an_expiry_that_cleared_the_state() -> None:
    three = STORIES[3]
    expired = three.state.model_copy(
        update={"timestamps": three.state.timestamps.model_copy(update={"acknowledged_at": None})}
    )
    assert facts_from(expired, three.events).first_acknowledged_at == march(4, 13, 40)


def test_facts_carry_the_time_in_each_phase_left() -> None:
    four = STORIES[4].facts()
    assert [v.phase for v in phase_spans(STORIES[4].state)] == [
        "reporting", "resolution", "response", "resolution", "review",
    ]  # fmt: skip
    assert phase_spans(STORIES[4].state)[-1].left_at is None
    assert four.time_in_phases == {
        "reporting": 400 * MIN, "resolution": 200 * MIN, "response": 200 * MIN,
    }  # fmt: skip
    assert four.current_phase == "review"
    assert four.teams == ("data",)
    assert STORIES[8].facts().teams == ("platform", "data")


# --- durations --------------------------------------------------------------------------------


def test_time_to_detect() -> None:
    # present: #1 10, #2 20, #4 5, #5 30, #7 15, #8 0, #9 60, #10 5 minutes; #3 and #6 have
    # no impact start. Sorted: 0 5 5 10 15 20 30 60, sum 145 min = 8700 s, n = 8 (even).
    # mean 8700 / 8 = 1087.5 s; median (10 + 15) / 2 = 12.5 min = 750 s;
    # p90: rank ⌈0.9 × 8⌉ = ⌈7.2⌉ = 8 → 60 min = 3600 s.
    assert overall().durations["time_to_detect"] == Summary(8, 2, 1087.5, 750.0, 3600.0)


def test_time_to_acknowledge_uses_the_first_acknowledgement() -> None:
    # present: #1 4, #2 6 (not 150), #3 10, #4 20, #6 2, #7 8, #8 3, #9 32, #10 5; #5 never.
    # Sorted: 2 3 4 5 6 8 10 20 32, sum 90 min, n = 9 (odd).
    # mean 90 / 9 = 10 min = 600 s; median: the 5th, 6 min = 360 s;
    # p90: rank ⌈0.9 × 9⌉ = ⌈8.1⌉ = 9 → 32 min = 1920 s.
    assert overall().durations["time_to_acknowledge"] == Summary(9, 1, 600.0, 360.0, 1920.0)


def test_time_to_mitigate() -> None:
    # present: #1 30, #2 90, #3 60, #4 240, #5 1000 (set by resolving), #7 45, #8 20,
    # #9 100 (set by resolving), #10 50; #6 never mitigated.
    # Sorted: 20 30 45 50 60 90 100 240 1000, sum 1635 min = 98100 s, n = 9.
    # mean 98100 / 9 = 10900 s; median: the 5th, 60 min = 3600 s; p90: rank 9 → 60000 s.
    assert overall().durations["time_to_mitigate"] == Summary(9, 1, 10900.0, 3600.0, 60000.0)


def test_time_to_resolve_counts_out_open_and_reopened_incidents() -> None:
    # present: #1 120, #2 300, #3 200, #4 700 (its last resolution), #5 1000, #8 65, #9 100.
    # Counted out: #6, #7 (never resolved), #10 (reopened and open again).
    # Sorted: 65 100 120 200 300 700 1000, sum 2485 min, n = 7.
    # mean 2485 / 7 = 355 min = 21300 s; median: the 4th, 200 min = 12000 s;
    # p90: rank ⌈0.9 × 7⌉ = ⌈6.3⌉ = 7 → 1000 min = 60000 s.
    assert overall().durations["time_to_resolve"] == Summary(7, 3, 21300.0, 12000.0, 60000.0)


def test_per_incident_durations() -> None:
    two = incident_metrics(STORIES[2].facts(), targets=P1, now=NOW)
    assert two.durations == {
        "time_to_detect": 20 * MIN,
        "time_to_acknowledge": 6 * MIN,
        "time_to_mitigate": 90 * MIN,
        "time_to_resolve": 300 * MIN,
    }
    six = incident_metrics(STORIES[6].facts(), targets=P3, now=NOW)
    assert six.durations == {
        "time_to_detect": None,
        "time_to_acknowledge": 2 * MIN,
        "time_to_mitigate": None,
        "time_to_resolve": None,
    }


# --- what is left out -------------------------------------------------------------------------


def test_drills_excluded_incidents_and_other_periods_stay_out() -> None:
    found = report(FACTS, period=MARCH, now=NOW, policy=POLICY)
    assert found.left_out == {"drill": 1, "excluded": 1}  # #11 and #12; #13 is in February
    assert found.overall.incidents == 10
    assert found.not_computed == NOT_COMPUTED


def test_a_drill_would_change_the_numbers_if_it_counted() -> None:
    # #11 (ack +1) counted in: acks 1 2 3 4 5 6 8 10 20 32, sum 91 min over 10.
    counted = [replace(f, drill=False) if f.id == 11 else f for f in FACTS]
    tta = report(counted, period=MARCH, now=NOW, policy=POLICY).overall.durations
    assert tta["time_to_acknowledge"].mean == 91 * MIN / 10
    assert overall().durations["time_to_acknowledge"].mean == 600.0


def test_the_period_takes_incidents_by_detection_time() -> None:
    february = Period(datetime(2026, 2, 1, tzinfo=UTC), march(1, 0))
    found = report(FACTS, period=february, now=NOW, policy=POLICY).overall
    assert found.incidents == 1  # #13
    assert found.durations["time_to_resolve"] == Summary(1, 0, 120.0, 120.0, 120.0)


def test_a_period_that_starts_on_a_detection_includes_it_and_one_that_ends_there_does_not() -> None:
    starting = Period(march(2, 10), march(3, 10))  # #1 in, #2 (03-03 10:00) out
    assert report(FACTS, period=starting, now=NOW, policy=POLICY).overall.incidents == 1


def test_an_empty_report_has_no_numbers() -> None:
    found = report([], period=MARCH, now=NOW, policy=POLICY).overall
    assert found.incidents == 0
    assert found.durations["time_to_resolve"] == Summary(0, 0, None, None, None)
    assert found.reopen_rate is None
    assert found.sla["resolve"] == SlaTally(0, 0, 0, None)


# --- time per phase ---------------------------------------------------------------------------


def test_time_in_reporting() -> None:
    # Every incident starts in reporting and has left it:
    # #1 2, #2 300, #3 200, #4 400, #5 1000, #6 1, #7 1, #8 65, #9 100, #10 80 minutes
    # = 120 18000 12000 24000 60000 60 60 3900 6000 4800 s.
    # Sorted: 60 60 120 3900 4800 6000 12000 18000 24000 60000, sum 128940, n = 10.
    # mean 12894 s; median (4800 + 6000) / 2 = 5400 s; p90: rank 9 → 24000 s.
    assert overall().phases["reporting"] == Summary(10, 0, 12894.0, 5400.0, 24000.0)


def test_time_in_a_phase_sums_the_visits_of_incidents_that_left_it() -> None:
    # resolution: #1 120→1440 = 1320 min = 79200 s; #4 (400→500) + (700→800) = 200 min
    # = 12000 s; #10 80→90 = 600 s. Counted out (still there): #2 #3 #5 #8 #9.
    # mean (600 + 12000 + 79200) / 3 = 91800 / 3 = 30600 s; median 12000; p90 rank 3 → 79200.
    assert overall().phases["resolution"] == Summary(3, 5, 30600.0, 12000.0, 79200.0)
    # response: #1 10→120 = 6600 s; #4 500→700 = 12000 s. Counted out: #6 #7 #10.
    # mean = median = 9300 s; p90: rank ⌈0.9 × 2⌉ = 2 → 12000.
    assert overall().phases["response"] == Summary(2, 3, 9300.0, 9300.0, 12000.0)
    # assessment: #1 2→10 = 480 s, #6 1→5 = 240 s, #7 1→3 = 120 s.
    assert overall().phases["assessment"] == Summary(3, 0, 280.0, 240.0, 480.0)


def test_the_phase_an_incident_is_in_is_counted_out() -> None:
    # review: #1 1440→2880 = 86400 s; #4 is still in review. closed: only #1, still there.
    assert overall().phases["review"] == Summary(1, 1, 86400.0, 86400.0, 86400.0)
    assert overall().phases["closed"] == Summary(0, 1, None, None, None)


def test_phase_times_of_one_incident() -> None:
    times, current = phase_times(phase_spans(STORIES[4].state))
    assert times == {"reporting": 400 * MIN, "resolution": 200 * MIN, "response": 200 * MIN}
    assert current == "review"


def test_an_open_visit_leaves_out_the_earlier_visits_of_the_same_phase() -> None:
    t = march(2, 0)
    visits = [
        PhaseSpan("response", t, t + timedelta(minutes=10)),
        PhaseSpan("resolution", t + timedelta(minutes=10), t + timedelta(minutes=15)),
        PhaseSpan("response", t + timedelta(minutes=15)),
    ]
    assert phase_times(visits) == ({"resolution": 300.0}, "response")


# --- SLA breaches -----------------------------------------------------------------------------


def test_sla_breaches_per_target() -> None:
    # P1 5m / 1h / 4h, P2 15m / 4h / 1d, P3 resolve 3d; #9 has no priority, no clocks.
    # acknowledge: met #1 (4) #3 (10) #7 (8) #8 (3); breached #2 (6 > 5) #4 (20 > 15).
    # mitigate: met #1 #3 #4 (240 = 4h exactly is on time) #7 #8; breached #2 (90 > 60).
    # resolve: met #1 #3 #4 (700 < 1440) #5 (1000 < 4320) #8; breached #2 (300 > 240),
    # #6 and #10 (open, past 3 days at now); running #7 (4h of 1d at now).
    sla = overall().sla
    assert sla["acknowledge"] == SlaTally(met=4, breached=2, running=0, breach_rate=2 / 6)
    assert sla["mitigate"] == SlaTally(met=5, breached=1, running=0, breach_rate=1 / 6)
    assert sla["resolve"] == SlaTally(met=5, breached=3, running=1, breach_rate=3 / 8)


def test_sla_states_of_one_incident_follow_now() -> None:
    seven = STORIES[7].facts()
    assert incident_metrics(seven, targets=P2, now=NOW).sla == {
        "acknowledge": "met",
        "mitigate": "met",
        "resolve": "running",
    }
    day_later = NOW + timedelta(days=1)  # 28h after detection, past the 1d target
    assert incident_metrics(seven, targets=P2, now=day_later).sla["resolve"] == "breached"


# --- counts and reopens -----------------------------------------------------------------------


def test_counts_and_reopen_rate() -> None:
    # resolved now: #1 #2 #3 #4 #5 #8 #9 = 7. Reopened: #4 and #10, once each.
    # Ever resolved: those 7 and #10 = 8; reopen rate 2 / 8.
    found = overall()
    assert (found.incidents, found.resolved, found.reopened, found.reopens) == (10, 7, 2, 2)
    assert found.reopen_rate == 0.25


# --- grouping ---------------------------------------------------------------------------------


def test_by_service_an_incident_counts_in_each_of_its_services() -> None:
    by = groups("service")
    assert list(by) == ["api", "db", "web", None]
    assert {k: g.incidents for k, g in by.items()} == {"api": 4, "db": 4, "web": 2, None: 1}
    # api: #1 #2 #7 #8. resolve 120, 300, 65 min; #7 open. mean 485 / 3 min = 9700 s;
    # median 120 min = 7200 s; p90 rank 3 → 300 min = 18000 s.
    assert by["api"].durations["time_to_resolve"] == Summary(3, 1, 9700.0, 7200.0, 18000.0)
    # db: #3 #4 #8 #10. resolve 200, 700, 65 min; #10 reopened. 965 / 3 min = 19300 s.
    assert by["db"].durations["time_to_resolve"] == Summary(3, 1, 19300.0, 12000.0, 42000.0)
    # db reopens: #4 and #10 of the 4 ever resolved (#3 #4 #8 #10).
    assert by["db"].reopen_rate == 0.5


def test_by_team() -> None:
    by = groups("team")
    # platform: api #1 #2 #7 #8 and web #5 #6; data: db #3 #4 #8 #10; #9 has no service.
    assert {k: g.incidents for k, g in by.items()} == {"data": 4, "platform": 6, None: 1}


def test_by_priority() -> None:
    by = groups("priority")
    assert {k: g.incidents for k, g in by.items()} == {"P1": 3, "P2": 3, "P3": 3, None: 1}
    # P1: #1 4, #2 6, #8 3 min. mean 13 / 3 min = 260 s; median 4 min; p90 rank 3 → 6 min.
    assert by["P1"].durations["time_to_acknowledge"] == Summary(3, 0, 260.0, 240.0, 360.0)
    assert by[None].sla["acknowledge"] == SlaTally(0, 0, 0, None)  # #9: no priority, no clock


def test_by_severity_and_workflow() -> None:
    by_severity = groups("severity")
    assert {k: g.incidents for k, g in by_severity.items()} == {"SEV1": 3, "SEV2": 2, None: 5}
    by_workflow = groups("workflow")
    assert list(by_workflow) == ["standard"]
    assert by_workflow["standard"] == replace(overall(), key="standard")


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(InvalidInput, match="group by one of service, team, priority"):
        report(FACTS, period=MARCH, now=NOW, policy=POLICY, group_by="phase")  # type: ignore[arg-type]


def test_group_keys() -> None:
    eight = STORIES[8].facts()
    assert group_keys(eight, "service") == ("api", "db")
    assert group_keys(eight, "priority") == ("P1",)
    assert group_keys(STORIES[9].facts(), "team") == (None,)


# --- statistics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([7.0], 90, 7.0),  # one value is every percentile
        ([1.0, 2.0], 90, 2.0),  # ⌈1.8⌉ = 2
        ([1.0, 2.0], 50, 1.0),  # ⌈1.0⌉ = 1: nearest rank never interpolates
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90, 9.0),  # exactly 9
        ([float(v) for v in range(1, 12)], 90, 10.0),  # ⌈9.9⌉ = 10
        ([float(v) for v in range(1, 21)], 90, 18.0),
        # ⌈7⌉ = 7: in floats 0.07 × 100 is 7.000000000000001, whose ceiling would be 8
        ([float(v) for v in range(1, 101)], 7, 7.0),
        ([float(v) for v in range(1, 101)], 90, 90.0),
        ([float(v) for v in range(1, 101)], 100, 100.0),
        ([float(v) for v in range(1, 101)], 1, 1.0),
    ],
)
def test_nearest_rank(values: list[float], percent: int, expected: float) -> None:
    assert nearest_rank(values, percent) == expected


def test_nearest_rank_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 90)
    with pytest.raises(ValueError, match="between 1 and 100"):
        nearest_rank([1.0], 0)


def test_summarize_even_and_odd_counts() -> None:
    # odd: 3 1 2 → sorted 1 2 3, median 2, p90 rank ⌈2.7⌉ = 3 → 3.
    assert summarize([3.0, 1.0, 2.0]) == Summary(3, 0, 2.0, 2.0, 3.0)
    # even: 1 2 3 10, median (2 + 3) / 2 = 2.5, mean 4, p90 rank ⌈3.6⌉ = 4 → 10.
    assert summarize([10.0, 1.0, 3.0, 2.0], counted_out=2) == Summary(4, 2, 4.0, 2.5, 10.0)


def test_period_must_be_aware_and_forward() -> None:
    with pytest.raises(InvalidInput, match="end after it starts"):
        Period(march(2, 0), march(1, 0))
    with pytest.raises(InvalidInput, match="time zone"):
        Period(datetime(2026, 3, 1), datetime(2026, 4, 1))


# --- on-call load -----------------------------------------------------------------------------


def test_pages_come_from_page_sent_events_only() -> None:
    story_ = STORIES[3]
    act = story_.act(1)
    failed = events.PageFailed(
        at=act.now,
        actor=act.actor,
        user="bob",
        contact="x",
        channel="sms",
        attempts=1,
        idempotency_key="k",
        reason="",
    )
    assert pages_from(story_.state, [*story_.events, failed]) == [
        PageSent(3, "bob", march(4, 13, 30))
    ]
    assert pages_from(STORIES[11].state, STORIES[11].events)[0].drill


def test_oncall_load_in_each_persons_time_zone_across_dst() -> None:
    # alice, Europe/Berlin (CET UTC+1 until Sun 03-29 01:00 UTC, then CEST UTC+2):
    #   #5 Fri 03-27 07:30Z = 08:30 CET  → outside (a fixed +2 would say 09:30, inside)
    #   #8 Mon 03-30 07:30Z = 09:30 CEST → inside; 07:31Z again (a second page) → inside
    #   #11 is a drill → not counted.             pages 3, outside 1, incidents 2
    # bob, America/New_York (EST UTC-5 until Sun 03-08 07:00 UTC, then EDT UTC-4):
    #   #1 Mon 03-02 10:00Z = 05:00 EST → outside
    #   #3 Wed 03-04 13:30Z = 08:30 EST → outside
    #   #10 Tue 03-10 13:30Z = 09:30 EDT → inside (same UTC time of day as #3)
    #   #5 Fri 03-27 07:30Z = 03:30 EDT → outside   pages 4, outside 3, incidents 4
    # carol, no known zone → UTC:
    #   #2 Tue 03-03 10:00 → inside; #6 Sat 03-21 10:00 → outside (weekend);
    #   #9 Wed 03-11 17:00 → outside (17:00 is the end, not inside);
    #   #13 is in February → not counted.          pages 3, outside 2, incidents 3
    loads = oncall_load(PAGES, period=MARCH, time_zones=TIME_ZONES)
    assert [
        (x.user, x.time_zone, x.pages, x.outside_working_hours, x.incidents) for x in loads
    ] == [
        ("bob", "America/New_York", 4, 3, 4),
        ("alice", "Europe/Berlin", 3, 1, 2),
        ("carol", "UTC", 3, 2, 3),
    ]


def test_oncall_load_across_the_autumn_change() -> None:
    # Europe/Berlin leaves CEST on Sun 10-25 01:00 UTC.
    # Fri 10-23 15:30Z = 17:30 CEST → outside; Mon 10-26 15:30Z = 16:30 CET → inside.
    # Mon 10-26 08:00Z = 09:00 CET → inside (09:00 is the start).
    pages = [
        PageSent(1, "alice", datetime(2026, 10, 23, 15, 30, tzinfo=UTC)),
        PageSent(2, "alice", datetime(2026, 10, 26, 15, 30, tzinfo=UTC)),
        PageSent(2, "alice", datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        PageSent(3, "alice", datetime(2026, 10, 26, 9, 0, tzinfo=UTC), excluded=True),
    ]
    october = Period(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    [load] = oncall_load(pages, period=october, time_zones=TIME_ZONES)
    assert (load.pages, load.outside_working_hours, load.incidents) == (3, 1, 2)


# --- follow-ups -------------------------------------------------------------------------------


def test_follow_up_facts_come_from_the_timeline() -> None:
    # F1 added at +300 and done at +400; F2 added at +310 (due 03-06), done at +500 and
    # reopened at +600 (so open); F3 added at +320, done at +700.
    s = story(14, march(4, 13, 30), priority="P2", services=("db",))
    due = march(6, 0)

    def add(title: str, due_at: datetime | None = None) -> Callable[[Act, Incident], Outcome]:
        return lambda act, state: add_follow_up(act, state, title=title, due_at=due_at)

    def done(key: str, value: bool) -> Callable[[Act, Incident], Outcome]:
        return lambda act, state: update_follow_up(act, state, key, {"done": value})

    s.then(300, add("Add an alert")).then(310, add("Fix", due)).then(320, add("Runbook"))
    s.then(400, done("F1", True)).then(500, done("F2", True)).then(600, done("F2", False))
    s.then(700, done("F3", True))
    assert follow_up_facts(s.state, s.events) == (
        FollowUpFact("F1", s.act(300).now, s.act(400).now),
        FollowUpFact("F2", s.act(310).now, None, due),
        FollowUpFact("F3", s.act(320).now, s.act(700).now),
    )


def test_follow_up_tally() -> None:
    # Three incidents of March, now = 04-01 00:00:
    #   A: F1 added 03-10 00:00, done 03-12 00:00 (2 days = 172800 s);
    #      F2 added 03-10 00:00, open, due 03-20 → overdue; open for 22 days = 1900800 s.
    #   B: F1 added 03-30 00:00, open, due 04-02 → not overdue; open for 2 days = 172800 s.
    #   C: none.
    # total 3, done 1, overdue 1, completion 1/3.
    # open for: 172800, 1900800 → mean 1036800, median (172800 + 1900800) / 2 = 1036800,
    # p90 rank ⌈1.8⌉ = 2 → 1900800; 1 counted out (the done one).
    # done after: 172800 (n = 1), 2 counted out (the open ones).
    a = IncidentFacts(
        1, "standard", march(9, 0),
        follow_ups=(
            FollowUpFact("F1", march(10, 0), march(12, 0)),
            FollowUpFact("F2", march(10, 0), None, march(20, 0)),
        ),
    )  # fmt: skip
    b = IncidentFacts(
        2,
        "standard",
        march(29, 0),
        follow_ups=(FollowUpFact("F1", march(30, 0), None, NOW + timedelta(days=1)),),
    )
    c = IncidentFacts(3, "standard", march(15, 0))
    tally = report([a, b, c], period=MARCH, now=NOW, policy=POLICY).overall.follow_ups
    assert (tally.total, tally.done, tally.overdue, tally.completion_rate) == (3, 1, 1, 1 / 3)
    assert tally.open_for == Summary(2, 1, 1036800.0, 1036800.0, 1900800.0)
    assert tally.done_after == Summary(1, 2, 172800.0, 172800.0, 172800.0)


def test_no_follow_ups_no_rate() -> None:
    tally = overall().follow_ups
    assert (tally.total, tally.completion_rate) == (0, None)
    assert tally.open_for == Summary(0, 0, None, None, None)
