"""On-call schedules: rotations, layers, restrictions, overrides, versions — across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fireline.domain.schedule import (
    Layer,
    Override,
    Schedule,
    Shift,
    Version,
    Window,
    gaps,
    on_call,
    shifts,
    user_shifts,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def schedule(
    *layers: Layer, zone: str = "Europe/Paris", overrides: tuple[Override, ...] = ()
) -> Schedule:
    return Schedule("s", zone, (Version(EPOCH, layers),), overrides)


def weekly(*users: str, handoff: datetime = datetime(2026, 1, 5, 9, 0)) -> Layer:
    return Layer("weekly", users, timedelta(weeks=1), handoff)


# The example configuration's payments-primary schedule.
PAYMENTS = schedule(
    weekly("alice", "bob"),
    Layer(
        "weekday daytime cover",
        ("carol",),
        timedelta(days=1),
        datetime(2026, 1, 5, 9, 0),
        (Window(WEEKDAYS, time(9), time(17)),),
    ),
)


def test_the_weekly_rotation_hands_off_at_nine_local() -> None:
    layer = schedule(weekly("alice", "bob"))
    assert on_call(layer, at(PARIS, 2026, 1, 5, 8, 59)) == ("bob",)
    assert on_call(layer, at(PARIS, 2026, 1, 5, 9, 0)) == ("alice",)
    assert on_call(layer, at(PARIS, 2026, 1, 12, 8, 59)) == ("alice",)
    assert on_call(layer, at(PARIS, 2026, 1, 12, 9, 0)) == ("bob",)
    assert on_call(layer, at(PARIS, 2025, 12, 29, 9, 0)) == (
        "bob",
    )  # before the handoff, backwards


def test_a_higher_layer_wins_where_it_applies() -> None:
    assert on_call(PAYMENTS, at(PARIS, 2026, 1, 6, 10, 0)) == ("carol",)  # Tuesday daytime
    assert on_call(PAYMENTS, at(PARIS, 2026, 1, 6, 17, 0)) == ("alice",)  # window closed at 17:00
    assert on_call(PAYMENTS, at(PARIS, 2026, 1, 10, 12, 0)) == ("alice",)  # Saturday
    assert on_call(PAYMENTS, at(PARIS, 2026, 1, 13, 12, 0)) == ("carol",)
    assert on_call(PAYMENTS, at(PARIS, 2026, 1, 13, 8, 0)) == (
        "bob",
    )  # before 9: bob's week since Monday 9:00


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    nights = schedule(
        Layer(
            "nights",
            ("nina",),
            timedelta(days=1),
            datetime(2026, 1, 1),
            (Window(("fri",), time(22), time(6)),),
        )
    )
    assert on_call(nights, at(PARIS, 2026, 1, 9, 23, 0)) == ("nina",)  # Friday 23:00
    assert on_call(nights, at(PARIS, 2026, 1, 10, 5, 59)) == ("nina",)  # Saturday 05:59
    assert on_call(nights, at(PARIS, 2026, 1, 10, 6, 0)) == ()
    assert on_call(nights, at(PARIS, 2026, 1, 8, 23, 0)) == ()  # Thursday night


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # spring forward: 02:00 → 03:00 local
        (PARIS, datetime(2026, 3, 29, 1, 59), datetime(2026, 3, 29, 3, 0)),
        (NEW_YORK, datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 3, 0)),
    ],
)
def test_daily_handoffs_stay_at_the_same_local_time_across_spring_forward(
    zone: ZoneInfo, before: datetime, after: datetime
) -> None:
    daily = Schedule(
        "s",
        str(zone),
        (Version(EPOCH, (Layer("d", ("a", "b"), timedelta(days=1), datetime(2026, 1, 1, 9, 0)),)),),
    )
    day = before.date()
    first = on_call(daily, datetime.combine(day, time(8, 59), zone))
    second = on_call(daily, datetime.combine(day, time(9, 0), zone))
    assert first != second  # the handoff happened at 09:00 local on the day of the change
    handoffs = [
        s.start
        for s in shifts(
            daily,
            datetime.combine(day, time(0), zone),
            datetime.combine(day + timedelta(days=1), time(12), zone),
        )
    ][1:]
    assert [h.astimezone(zone).time() for h in handoffs] == [time(9), time(9)]
    assert on_call(daily, before.replace(tzinfo=zone)) == on_call(daily, after.replace(tzinfo=zone))


def test_an_eight_hour_shift_across_fall_back_lasts_nine_hours() -> None:
    eights = schedule(Layer("8h", ("a", "b", "c"), timedelta(hours=8), datetime(2026, 1, 1, 0, 0)))
    found = shifts(eights, at(PARIS, 2026, 10, 24, 23, 0), at(PARIS, 2026, 10, 25, 17, 0))
    lengths = [(s.end - s.start) / timedelta(hours=1) for s in found]
    starts = [s.start.astimezone(PARIS).strftime("%H:%M") for s in found]
    assert starts == ["23:00", "00:00", "08:00", "16:00"]
    assert lengths == [1, 9, 8, 1]  # 00:00 → 08:00 local spans the extra hour


def test_an_eight_hour_shift_across_spring_forward_lasts_seven_hours() -> None:
    eights = schedule(
        Layer("8h", ("a", "b", "c"), timedelta(hours=8), datetime(2026, 1, 1, 0, 0)),
        zone="America/New_York",
    )
    found = shifts(eights, at(NEW_YORK, 2026, 3, 8, 0, 0), at(NEW_YORK, 2026, 3, 8, 16, 0))
    assert [(s.end - s.start) / timedelta(hours=1) for s in found] == [7, 8]


def test_a_weekly_handoff_in_the_week_of_fall_back() -> None:
    layer = schedule(weekly("alice", "bob"), zone="America/New_York")
    # 2026-11-01 is the fall-back Sunday in New York; the Monday handoff stays at 09:00 EST.
    change = at(NEW_YORK, 2026, 11, 2, 9, 0)
    assert on_call(layer, change - timedelta(minutes=1)) != on_call(layer, change)
    assert change.utcoffset() == timedelta(hours=-5)


def test_leap_day_is_an_ordinary_day() -> None:
    daily = schedule(Layer("d", ("a", "b"), timedelta(days=1), datetime(2028, 2, 27, 9, 0)))
    assert [on_call(daily, at(PARIS, 2028, 2, d, 12, 0)) for d in (27, 28, 29)] == [
        ("a",),
        ("b",),
        ("a",),
    ]
    assert on_call(daily, at(PARIS, 2028, 3, 1, 12, 0)) == ("b",)


def test_overrides_replace_add_and_remove() -> None:
    day = (at(PARIS, 2026, 1, 10, 10, 0), at(PARIS, 2026, 1, 10, 14, 0))  # Saturday: alice's week
    replace = schedule(
        weekly("alice", "bob"), overrides=(Override(*day, user="dave", replaces="alice"),)
    )
    add = schedule(weekly("alice", "bob"), overrides=(Override(*day, user="dave"),))
    remove = schedule(weekly("alice", "bob"), overrides=(Override(*day, replaces="alice"),))
    noon = at(PARIS, 2026, 1, 10, 12, 0)

    assert on_call(replace, noon) == ("dave",)
    assert on_call(add, noon) == ("alice", "dave")
    assert on_call(remove, noon) == ()
    assert on_call(replace, at(PARIS, 2026, 1, 10, 14, 0)) == ("alice",)  # the end is exclusive
    assert on_call(
        schedule(weekly("alice", "bob"), overrides=(Override(*day, user="dave", replaces="bob"),)),
        noon,
    ) == ("alice",)  # replacing someone not on call changes nothing


def test_the_merged_schedule_shows_gaps() -> None:
    daytime = schedule(
        Layer(
            "day",
            ("carol",),
            timedelta(days=1),
            datetime(2026, 1, 5, 9, 0),
            (Window(WEEKDAYS, time(9), time(17)),),
        )
    )
    friday = shifts(daytime, at(PARIS, 2026, 1, 9, 0, 0), at(PARIS, 2026, 1, 10, 0, 0))
    assert friday == [
        Shift(at(PARIS, 2026, 1, 9, 0, 0), at(PARIS, 2026, 1, 9, 9, 0), ()),
        Shift(at(PARIS, 2026, 1, 9, 9, 0), at(PARIS, 2026, 1, 9, 17, 0), ("carol",)),
        Shift(at(PARIS, 2026, 1, 9, 17, 0), at(PARIS, 2026, 1, 10, 0, 0), ()),
    ]
    weekend = gaps(daytime, at(PARIS, 2026, 1, 9, 17, 0), at(PARIS, 2026, 1, 12, 9, 0))
    assert [(g.start, g.end) for g in weekend] == [
        (at(PARIS, 2026, 1, 9, 17, 0), at(PARIS, 2026, 1, 12, 9, 0))
    ]
    assert gaps(PAYMENTS, at(PARIS, 2026, 1, 1), at(PARIS, 2026, 3, 1)) == []


def test_the_merged_schedule_of_the_example_over_a_week() -> None:
    week = shifts(PAYMENTS, at(PARIS, 2026, 1, 12, 0, 0), at(PARIS, 2026, 1, 19, 0, 0))
    people = [(s.start.astimezone(PARIS).strftime("%a %H:%M"), s.users) for s in week]
    assert people[:4] == [
        ("Mon 00:00", ("alice",)),
        ("Mon 09:00", ("carol",)),
        ("Mon 17:00", ("bob",)),
        ("Tue 09:00", ("carol",)),
    ]
    assert people[-1] == ("Fri 17:00", ("bob",))
    assert all(a.end == b.start for a, b in zip(week, week[1:], strict=False))
    assert [s.users for s in user_shifts(PAYMENTS, "carol", week[0].start, week[-1].end)] == [
        ("carol",)
    ] * 5


def test_changing_the_rotation_does_not_reshuffle_past_shifts() -> None:
    change = at(PARIS, 2026, 2, 1, 12, 0)
    edited = Schedule(
        "s",
        "Europe/Paris",
        (
            Version(EPOCH, (weekly("alice", "bob"),)),
            Version(change, (weekly("alice", "bob", "erin"),)),
        ),
    )
    original = schedule(weekly("alice", "bob"))
    for day in range(5, 31):
        moment = at(PARIS, 2026, 1, day, 12, 0)
        assert on_call(edited, moment) == on_call(original, moment)
    assert on_call(edited, at(PARIS, 2026, 2, 10, 12, 0)) == ("erin",)  # week 6 of the new rotation
