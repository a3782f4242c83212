"""SLA clocks, measured from detection, stopped by each milestone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fireline.domain.priority import SlaTargets
from fireline.domain.sla import STOPPED_BY, SlaClock, sla_clocks

DETECTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
P1 = SlaTargets(
    acknowledge=timedelta(minutes=5), mitigate=timedelta(hours=1), resolve=timedelta(hours=4)
)


def after(**delta: float) -> datetime:
    return DETECTED + timedelta(**delta)


def clocks(
    targets: SlaTargets = P1, now: datetime = DETECTED, **stamps: datetime | None
) -> dict[str, SlaClock]:
    found = sla_clocks(targets, {"detected_at": DETECTED, **stamps}, now)
    return {clock.target: clock for clock in found}


def test_no_clocks_before_detection() -> None:
    assert sla_clocks(P1, {}, after(hours=1)) == []
    assert sla_clocks(P1, {"detected_at": None}, after(hours=1)) == []
    assert (
        sla_clocks(P1, {"detected_at": None, "acknowledged_at": after(minutes=1)}, DETECTED) == []
    )


def test_no_clocks_without_targets() -> None:
    assert sla_clocks(SlaTargets(), {"detected_at": DETECTED}, after(days=9)) == []


def test_one_clock_per_existing_target_in_milestone_order() -> None:
    found = sla_clocks(P1, {"detected_at": DETECTED}, DETECTED)
    assert [c.target for c in found] == ["acknowledge", "mitigate", "resolve"]
    only_resolve = sla_clocks(
        SlaTargets(resolve=timedelta(days=7)), {"detected_at": DETECTED}, DETECTED
    )
    assert [c.target for c in only_resolve] == ["resolve"]
    two = sla_clocks(
        SlaTargets(acknowledge=timedelta(hours=1), resolve=timedelta(days=1)),
        {"detected_at": DETECTED},
        DETECTED,
    )
    assert [c.target for c in two] == ["acknowledge", "resolve"]


def test_due_time_is_detection_plus_target() -> None:
    found = clocks(now=after(minutes=1))
    assert found["acknowledge"].due_at == after(minutes=5)
    assert found["mitigate"].due_at == after(hours=1)
    assert found["resolve"].due_at == after(hours=4)


def test_running_clock_counts_down() -> None:
    clock = clocks(now=after(minutes=2))["acknowledge"]
    assert clock.state == "running"
    assert clock.stopped_at is None
    assert clock.remaining_seconds == 180
    assert not clock.breached


def test_running_clock_at_its_due_time_is_not_yet_breached() -> None:
    clock = clocks(now=after(minutes=5))["acknowledge"]
    assert clock.state == "running"
    assert clock.remaining_seconds == 0


def test_overdue_clock_is_breached_with_negative_remaining() -> None:
    clock = clocks(now=after(minutes=7))["acknowledge"]
    assert clock.state == "breached"
    assert clock.breached
    assert clock.remaining_seconds == -120
    one_second_late = clocks(now=after(minutes=5, seconds=1))["acknowledge"]
    assert one_second_late.state == "breached"
    assert one_second_late.remaining_seconds == -1


def test_clock_stopped_in_time_is_met_and_frozen() -> None:
    for now in (after(minutes=4), after(days=3)):
        clock = clocks(now=now, acknowledged_at=after(minutes=3))["acknowledge"]
        assert clock.state == "met"
        assert not clock.breached
        assert clock.stopped_at == after(minutes=3)
        assert clock.remaining_seconds == 120


def test_clock_stopped_exactly_on_time_is_met() -> None:
    clock = clocks(now=after(hours=5), acknowledged_at=after(minutes=5))["acknowledge"]
    assert clock.state == "met"
    assert clock.remaining_seconds == 0


def test_clock_stopped_late_stays_breached_with_frozen_overrun() -> None:
    for now in (after(minutes=10), after(days=30)):
        clock = clocks(now=now, acknowledged_at=after(minutes=8))["acknowledge"]
        assert clock.state == "breached"
        assert clock.stopped_at == after(minutes=8)
        assert clock.remaining_seconds == -180


def test_each_clock_is_stopped_by_its_own_milestone() -> None:
    assert STOPPED_BY == {
        "acknowledge": "acknowledged_at",
        "mitigate": "mitigated_at",
        "resolve": "resolved_at",
    }
    found = clocks(
        now=after(hours=2),
        acknowledged_at=after(minutes=1),
        mitigated_at=None,
        resolved_at=None,
    )
    assert found["acknowledge"].state == "met"
    assert found["mitigate"].state == "breached"
    assert found["mitigate"].remaining_seconds == -3600
    assert found["resolve"].state == "running"
    assert found["resolve"].remaining_seconds == 2 * 3600

    found = clocks(now=after(hours=5), mitigated_at=after(minutes=30), resolved_at=after(hours=3))
    assert found["acknowledge"].state == "breached"
    assert found["acknowledge"].stopped_at == after(
        hours=3
    )  # never acknowledged: resolving stops it
    assert found["mitigate"].state == "met"
    assert found["mitigate"].remaining_seconds == 1800
    assert found["resolve"].state == "met"
    assert found["resolve"].stopped_at == after(hours=3)
    assert found["resolve"].remaining_seconds == 3600


def test_unrelated_timestamps_do_not_stop_clocks() -> None:
    found = clocks(now=after(minutes=10), reported_at=after(minutes=1), closed_at=after(minutes=2))
    assert found["acknowledge"].state == "breached"
    assert found["acknowledge"].stopped_at is None


def test_fractional_seconds_are_kept() -> None:
    clock = clocks(now=after(minutes=4, seconds=59, milliseconds=500))["acknowledge"]
    assert clock.remaining_seconds == pytest.approx(0.5)
    assert clock.state == "running"


def test_clock_across_spring_forward_is_absolute_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 01:30 in Paris, half an hour before clocks jump from 02:00 to 03:00 on 2026-03-29.
    detected = datetime(2026, 3, 29, 1, 30, tzinfo=paris).astimezone(UTC)
    assert detected == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    targets = SlaTargets(acknowledge=timedelta(hours=1))
    # 03:10 Paris summer time is 40 minutes after detection in absolute time.
    now = datetime(2026, 3, 29, 3, 10, tzinfo=paris).astimezone(UTC)
    [clock] = sla_clocks(targets, {"detected_at": detected}, now)
    assert (clock.due_at - detected).total_seconds() == 3600
    assert clock.due_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert clock.due_at.astimezone(paris).hour == 3  # 03:30 local, not 02:30
    assert clock.state == "running"
    assert clock.remaining_seconds == 20 * 60


def test_clock_across_spring_forward_with_local_datetimes() -> None:
    paris = ZoneInfo("Europe/Paris")
    detected = datetime(2026, 3, 29, 1, 30, tzinfo=paris)
    now = datetime(2026, 3, 29, 3, 10, tzinfo=paris)  # 40 minutes later in absolute time
    [clock] = sla_clocks(SlaTargets(acknowledge=timedelta(hours=1)), {"detected_at": detected}, now)
    assert clock.state == "running"
    assert clock.remaining_seconds == 20 * 60
