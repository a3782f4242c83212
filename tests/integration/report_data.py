"""The hand-computed metrics data set of tests/unit/test_metrics.py, built through the services.

Each incident is declared, acknowledged, mitigated, resolved and moved with
the real use cases on a real database, the clock set to each minute by hand.
Pages and an expired acknowledgement, which the worker records in real life,
are recorded with the same domain rules inside a unit of work.

Differences from the unit data set: #1 stops in review (closing needs a
published postmortem), and #2's acknowledgement expires at +100 before the
second one at +150, as the acknowledgement timeout does (before the mitigation:
an acknowledgement of a mitigated incident does not expire).

    #  detected (UTC)     services  prio sev   impact  ack  mitigate  resolve        pages
    1  Mon 03-02 10:00    api       P1   SEV1  -10     +4   +30       +120, review   bob +0
       (follow-ups: F1 added +1450, done +2880; F2 added +1460, due 03-10, open)
    2  Tue 03-03 10:00    api       P1   SEV1  -20     +6   +90       +300           carol +0
       (the acknowledgement expires at +60; acknowledged again at +150)
    3  Wed 03-04 13:30    db        P2   SEV2  —       +10  +60       +200           bob +0
    4  Thu 03-05 10:00    db        P2   SEV2  -5      +20  +240      +400, reopened +500, +700
       (follow-up F1 added +810, open)
    5  Fri 03-27 07:30    web       P3   —     -30     —    (+1000)   +1000          alice, bob +0
    6  Sat 03-21 10:00    web       P3   —     —       +2   —         —  (in response) carol +0
    7  Tue 03-31 20:00    api       P2   —     -15     +8   +45       —  (in response)
    8  Mon 03-30 07:30    api, db   P1   SEV1  0       +3   +20       +65            alice +0, +1
    9  Wed 03-11 17:00    —         —    —     -60     +32  (+100)    +100           carol +0
    10 Tue 03-10 13:30    db        P3   —     -5      +5   +50       +80, reopened +90 bob +0
    11 Thu 03-12 10:00    api       P1   drill                                       alice +0
    12 Fri 03-13 10:00    api       P1   excluded (ack +100, resolve +1000)
    13 Fri 02-27 10:00    api       P1   before the period                           carol +0
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fireline.bootstrap import Fireline
from fireline.domain import incident as rules
from fireline.domain.events import PageSent
from fireline.domain.incident import Act
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.review import follow_ups
from tests.conftest import FakeClock

MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
NOW = datetime(2026, 4, 1, tzinfo=UTC)
PRIORITY = {"P1": ("high", "high"), "P2": ("high", "medium"), "P3": ("high", "low")}
CONFIG = """
teams:
  - {id: platform, name: Platform}
  - {id: data, name: Data}
users:
  - {id: alice, name: Alice, email: alice@example.com, role: admin, time_zone: Europe/Berlin}
  - {id: bob, name: Bob, email: bob@example.com, role: responder, time_zone: America/New_York}
  - {id: carol, name: Carol, email: carol@example.com, role: responder, time_zone: UTC}
services:
  - {id: api, name: API, team: platform, impact: high}
  - {id: web, name: Web, team: platform, impact: high}
  - {id: db, name: DB, team: data, impact: high}
priorities:
  matrix:
    high:   {high: P1, medium: P2, low: P3}
    medium: {high: P2, medium: P3, low: P4}
    low:    {high: P3, medium: P4, low: P5}
  sla:
    P1: {acknowledge: "5m", mitigate: "1h", resolve: "4h"}
    P2: {acknowledge: "15m", mitigate: "4h", resolve: "1d"}
    P3: {resolve: "3d"}
severities: [SEV1, SEV2, SEV3]
"""


def march(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


class Story:
    """One incident, worked through the services at explicit minutes after its detection."""

    def __init__(self, core: Fireline, clock: FakeClock, detected: datetime, **fields: Any):
        self.core, self.clock, self.detected = core, clock, detected
        priority = fields.pop("priority", None)
        if priority is not None:
            fields["impact"], fields["urgency"] = PRIORITY[priority]
        before = fields.pop("impact_before", None)
        if before is not None:
            fields["impact_started_at"] = detected - timedelta(minutes=before)
        clock.now = detected
        view = incidents.declare(uow=core.uow(), actor="alice", title="incident", **fields)
        self.id = view.incident.id

    def at(self, minutes: float) -> Story:
        self.clock.now = self.detected + timedelta(minutes=minutes)
        return self

    def do(self, minutes: float, verb: str, **arguments: Any) -> Story:
        """Run an incident use case (``services.incidents``) at that minute."""
        return self.use(minutes, getattr(incidents, verb), **arguments)

    def use(self, minutes: float, use_case: Any, **arguments: Any) -> Story:
        self.at(minutes)
        use_case(uow=self.core.uow(), actor="alice", incident_id=self.id, **arguments)
        return self

    def to(self, minutes: float, phase: str, reason: str | None = None) -> Story:
        return self.do(minutes, "transition", phase=phase, reason=reason)

    def resolve(self, minutes: float) -> Story:
        return self.do(minutes, "resolve", summary="fixed")

    def page(self, minutes: float, user: str) -> Story:
        key = f"page:{self.id}:{user}:{minutes}"
        return self._record(
            minutes,
            lambda act, state: rules.record_news(
                state, PageSent(at=act.now, actor=act.actor, user=user, contact=f"{user}-sms",
                                channel="sms", attempts=1, idempotency_key=key),
            ),
        )  # fmt: skip

    def expire_acknowledgement(self, minutes: float) -> Story:
        return self._record(
            minutes,
            lambda act, state: rules.expire_acknowledgement(act, state, timedelta(minutes=5)),
        )

    def _record(self, minutes: float, decide: Any) -> Story:
        """What the worker records (a page sent, an acknowledgement expired), in one unit."""
        self.at(minutes)
        with self.core.uow() as uow:
            state = uow.incidents.get(self.id, for_update=True)
            state, events = decide(Act("fireline:pager", uow.now()), state)
            uow.incidents.save(state, events)
            uow.commit()
        return self


def build(core: Fireline, clock: FakeClock) -> dict[int, Story]:
    """Apply the configuration and build the thirteen incidents; the clock ends at NOW."""
    apply_config(uow=core.uow(), text=CONFIG, source="report-data.yaml")
    s: dict[int, Story] = {}

    def story(number: int, detected: datetime, **fields: Any) -> Story:
        s[number] = Story(core, clock, detected, **fields)
        assert s[number].id == number, "the tests expect incidents numbered from 1"
        return s[number]

    p1 = {"priority": "P1", "severity": "SEV1"}
    (
        story(1, march(2, 10), **p1, services=["api"], impact_before=10)
        .page(0, "bob")
        .to(2, "assessment")
        .do(
            3, "assign_role", role="commander", user="alice"
        )  # acknowledges: the commander is on it
        .do(4, "acknowledge")
        .to(10, "response")
        .do(30, "mitigate")
        .resolve(120)
        .to(1440, "review")
        .use(1450, follow_ups.add_follow_up, title="Alert on queue depth")
        .use(1460, follow_ups.add_follow_up, title="Fix the retry loop", due_at=march(10, 0))
        .use(2880, follow_ups.update_follow_up, follow_up_id="F1", changes={"done": True})
    )
    (
        story(2, march(3, 10), **p1, services=["api"], impact_before=20)
        .page(0, "carol")
        .do(6, "acknowledge")
        .expire_acknowledgement(60)
        .do(90, "mitigate")
        .do(150, "acknowledge")
        .resolve(300)
    )
    (
        story(3, march(4, 13, 30), priority="P2", severity="SEV2", services=["db"])
        .page(0, "bob")
        .do(10, "acknowledge")
        .do(60, "mitigate")
        .resolve(200)
    )
    (
        story(4, march(5, 10), priority="P2", severity="SEV2", services=["db"], impact_before=5)
        .do(20, "acknowledge")
        .do(240, "mitigate")
        .resolve(400)
        .to(500, "response", "it came back")
        .resolve(700)
        .to(800, "review")
        .use(810, follow_ups.add_follow_up, title="Capacity review")
    )
    (
        story(5, march(27, 7, 30), priority="P3", services=["web"], impact_before=30)
        .page(0, "alice")
        .page(0, "bob")
        .resolve(1000)
    )
    (
        story(6, march(21, 10), priority="P3", services=["web"])
        .page(0, "carol")
        .to(1, "assessment")
        .do(2, "acknowledge")
        .do(3, "assign_role", role="commander", user="alice")
        .to(5, "response")
    )
    (
        story(7, march(31, 20), priority="P2", services=["api"], impact_before=15)
        .to(1, "assessment")
        .do(2, "assign_role", role="commander", user="alice")
        .to(3, "response")
        .do(8, "acknowledge")
        .do(45, "mitigate")
    )
    (
        story(8, march(30, 7, 30), **p1, services=["api", "db"], impact_before=0)
        .page(0, "alice")
        .page(1, "alice")
        .do(3, "acknowledge")
        .do(20, "mitigate")
        .resolve(65)
    )
    story(9, march(11, 17), impact_before=60).page(0, "carol").do(32, "acknowledge").resolve(100)
    (
        story(10, march(10, 13, 30), priority="P3", services=["db"], impact_before=5)
        .page(0, "bob")
        .do(5, "acknowledge")
        .do(50, "mitigate")
        .resolve(80)
        .to(90, "response", "not fixed after all")
    )
    story(11, march(12, 10), priority="P1", services=["api"], drill=True).page(0, "alice")
    s[11].do(1, "acknowledge").resolve(10)
    story(12, march(13, 10), priority="P1", services=["api"]).do(100, "acknowledge")
    s[12].resolve(1000).do(1001, "exclude_from_metrics", excluded=True, reason="a duplicate")
    (
        story(13, datetime(2026, 2, 27, 10, tzinfo=UTC), priority="P1", services=["api"])
        .page(0, "carol")
        .do(1, "acknowledge")
        .resolve(2)
    )
    clock.now = NOW
    return s
