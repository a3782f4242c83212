"""Metrics through the real services and storage, on SQLite and PostgreSQL.

The data set (tests/integration/report_data.py) is the hand-computed one of
tests/unit/test_metrics.py, declared and worked with the incident use cases;
the expected numbers below are the ones computed by hand there.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text

from fireline.bootstrap import Fireline
from fireline.domain.metrics import IncidentFacts, facts_from
from fireline.domain.oncall_load import PageSent, pages_from
from fireline.domain.state import replay
from fireline.errors import InvalidInput
from fireline.services.incidents import commands as incidents
from fireline.services.review import reports
from fireline.services.review.reports import GroupMetricsRead, SlaTallyRead, SummaryRead
from fireline.storage import migrate
from fireline.storage.models import IncidentFactsRow, Service
from tests.conftest import FakeClock
from tests.integration.report_data import MARCH, NOW, build, march


@pytest.fixture
def data(core: Fireline, clock: FakeClock) -> Fireline:
    build(core, clock)
    return core


def _overall(core: Fireline) -> GroupMetricsRead:
    return reports.metrics_report(uow=core.uow(), start=MARCH[0], end=MARCH[1]).overall


def _groups(core: Fireline, by: str) -> dict[str | None, GroupMetricsRead]:
    found = reports.metrics_report(uow=core.uow(), start=MARCH[0], end=MARCH[1], group_by=by)
    return {g.key: g for g in found.groups}


def _replayed(core: Fireline) -> tuple[dict[int, IncidentFacts], list[PageSent]]:
    """The rows the domain derives from each incident's replayed timeline."""
    facts, pages = {}, []
    with core.uow() as uow:
        for incident_id in range(1, 14):
            events = [entry.event for entry in uow.incidents.timeline(incident_id)]
            incident = replay(events)
            owners = [uow.directory.get(Service, s, field="s").team_id for s in incident.services]
            facts[incident_id] = facts_from(incident, events, teams=[t for t in owners if t])
            pages += pages_from(incident, events)
    return facts, pages


def test_storage_rows_are_what_the_timeline_says(data: Fireline) -> None:
    """The compact rows equal those derived from each replayed timeline."""
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    with data.uow() as uow:
        stored = {f.id: f for f in uow.reports.list_facts(start, end)}
        pages = sorted(uow.reports.list_pages(start, end), key=lambda p: (p.incident_id, p.at))
    assert (stored, pages) == _replayed(data)


def test_the_first_acknowledgement_survives_its_expiry(data: Fireline) -> None:
    with data.uow() as uow:
        [two] = list(uow.reports.list_facts(march(3, 0), march(4, 0)))
        state = uow.incidents.get(2)
    assert two.first_acknowledged_at == march(3, 10, 6)
    assert state.timestamps.acknowledged_at == march(3, 12, 30)  # acknowledged again at +150


def test_durations_match_the_hand_computed_numbers(data: Fireline) -> None:
    durations = _overall(data).durations
    assert durations["time_to_detect"] == SummaryRead(
        count=8, counted_out=2, mean=1087.5, median=750.0, p90=3600.0
    )
    # Taking the commander role acknowledges (#11): #1 at +3 min (not +4), #7 at +2 (not +8).
    assert durations["time_to_acknowledge"] == SummaryRead(
        count=9, counted_out=1, mean=4980 / 9, median=300.0, p90=1920.0
    )
    assert durations["time_to_mitigate"] == SummaryRead(
        count=9, counted_out=1, mean=10900.0, median=3600.0, p90=60000.0
    )
    assert durations["time_to_resolve"] == SummaryRead(
        count=7, counted_out=3, mean=21300.0, median=12000.0, p90=60000.0
    )


def test_phases_sla_and_counts_match(data: Fireline) -> None:
    found = _overall(data)
    assert found.phases["reporting"] == SummaryRead(
        count=10, counted_out=0, mean=12894.0, median=5400.0, p90=24000.0
    )
    assert found.phases["resolution"] == SummaryRead(
        count=3, counted_out=5, mean=30600.0, median=12000.0, p90=79200.0
    )
    # #1 stops in review here (the unit data set closes it): #1 and #4 are both still there.
    assert found.phases["review"] == SummaryRead(
        count=0, counted_out=2, mean=None, median=None, p90=None
    )
    assert found.sla["acknowledge"] == SlaTallyRead(met=4, breached=2, running=0, breach_rate=2 / 6)
    assert found.sla["resolve"] == SlaTallyRead(met=5, breached=3, running=1, breach_rate=3 / 8)
    assert (found.incidents, found.resolved, found.reopened, found.reopens) == (10, 7, 2, 2)
    assert found.reopen_rate == 0.25


def test_drills_and_excluded_incidents_are_left_out(data: Fireline) -> None:
    found = reports.metrics_report(uow=data.uow(), start=MARCH[0], end=MARCH[1])
    assert found.left_out == {"drill": 1, "excluded": 1}
    assert found.now == NOW


def test_counting_an_excluded_incident_again(data: Fireline, clock: FakeClock) -> None:
    incidents.exclude_from_metrics(uow=data.uow(), actor="alice", incident_id=12, excluded=False)
    found = reports.metrics_report(uow=data.uow(), start=MARCH[0], end=MARCH[1])
    assert found.left_out == {"drill": 1, "excluded": 0}
    assert found.overall.incidents == 11


def test_grouped_reports(data: Fireline) -> None:
    by_service = _groups(data, "service")
    assert {k: g.incidents for k, g in by_service.items()} == {
        "api": 4, "db": 4, "web": 2, None: 1,
    }  # fmt: skip
    assert by_service["db"].durations["time_to_resolve"] == SummaryRead(
        count=3, counted_out=1, mean=19300.0, median=12000.0, p90=42000.0
    )
    by_team = _groups(data, "team")
    assert {k: g.incidents for k, g in by_team.items()} == {"data": 4, "platform": 6, None: 1}
    by_priority = _groups(data, "priority")
    assert by_priority["P1"].durations["time_to_acknowledge"] == SummaryRead(
        count=3,
        counted_out=0,
        mean=240.0,
        median=180.0,
        p90=360.0,  # #1: 180 (commander), #2, #8
    )
    assert {k: g.incidents for k, g in _groups(data, "severity").items()} == {
        "SEV1": 3, "SEV2": 2, None: 5,
    }  # fmt: skip
    assert list(_groups(data, "workflow")) == ["standard"]


def test_oncall_load_in_each_persons_time_zone(data: Fireline) -> None:
    found = reports.oncall_load(uow=data.uow(), start=MARCH[0], end=MARCH[1])
    assert [
        (x.user, x.time_zone, x.pages, x.outside_working_hours, x.incidents) for x in found.items
    ] == [
        ("bob", "America/New_York", 4, 3, 4),
        ("alice", "Europe/Berlin", 3, 1, 2),
        ("carol", "UTC", 3, 2, 3),
    ]


def test_the_period_defaults_to_the_last_30_days(data: Fireline, clock: FakeClock) -> None:
    clock.now = march(
        31, 21
    )  # #7 (03-31 20:00) and #5 (03-27) and #8 (03-30) … back to 03-01 21:00
    found = reports.metrics_report(uow=data.uow())
    assert (found.period.start, found.period.end) == (march(1, 21), march(31, 21))
    assert found.overall.incidents == 10


def test_bad_periods_and_groupings_are_refused(data: Fireline) -> None:
    with pytest.raises(InvalidInput, match="must end after it starts"):
        reports.metrics_report(uow=data.uow(), start=MARCH[1], end=MARCH[0])
    with pytest.raises(InvalidInput, match="group by one of service, team"):
        reports.metrics_report(uow=data.uow(), group_by="phase")
    with pytest.raises(InvalidInput, match="at most ten years"):
        reports.oncall_load(uow=data.uow(), start=MARCH[0] - timedelta(days=4000), end=MARCH[1])


def test_the_migration_fills_in_existing_incidents(data: Fireline) -> None:
    """Empty incident_facts, as before 0008, and run its backfill again."""
    migration = _load_migration("0008_metrics")
    with data.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM incident_facts"))
        migration.backfill(connection, IncidentFactsRow.__table__)
    with data.uow() as uow:
        stored = {f.id: f for f in uow.reports.list_facts(march(1, 0) - timedelta(days=5), NOW)}
    assert stored == _replayed(data)[0]


def _load_migration(name: str) -> ModuleType:
    path = Path(migrate.__file__).with_name("migrations") / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_follow_ups(data: Fireline) -> None:
    # #1: F1 added 03-03 10:10, done 03-04 10:00: 1430 min = 85800 s.
    #     F2 added 03-03 10:20, due 03-10, open at 04-01 00:00: 28 d 13 h 40 min = 2468400 s.
    # #4: F1 added 03-05 23:30, open: 26 d 30 min = 2248200 s.
    # open for: 2248200, 2468400 → mean = median = 2358300; p90 rank 2 → 2468400.
    tally = _overall(data).follow_ups
    assert (tally.total, tally.done, tally.overdue, tally.completion_rate) == (3, 1, 1, 1 / 3)
    assert tally.open_for == SummaryRead(
        count=2, counted_out=1, mean=2358300.0, median=2358300.0, p90=2468400.0
    )
    assert tally.done_after == SummaryRead(
        count=1, counted_out=2, mean=85800.0, median=85800.0, p90=85800.0
    )
    by_team = _groups(data, "team")
    assert (by_team["platform"].follow_ups.total, by_team["data"].follow_ups.total) == (2, 1)
