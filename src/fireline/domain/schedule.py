"""Who is on call: layered rotations with restrictions, overrides, and the merged shifts.

Shift boundaries are wall-clock times in the schedule's time zone: a daily
rotation hands off at 09:00 local on both sides of a DST change, and an 8h
rotation at 00:00, 08:00 and 16:00 local (so the shift that spans the change
lasts 7 or 9 hours). Every function takes the instant(s) it is about; none
reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Window:
    """A weekly time-of-day window, local time; ``start > end`` wraps past midnight and belongs to
    the day it starts; ``start == end`` is the whole day."""

    days: tuple[str, ...]
    start: time
    end: time

    def covers(self, at: datetime, zone: ZoneInfo) -> bool:
        """Whether the instant falls in this window (decided on instants, so DST cannot fool it)."""
        return any(start <= at < end for start, end in self.spans(at.astimezone(zone).date(), zone))

    def spans(self, today: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The instants [start, end) of this window that an instant of local date ``today`` can
        fall in: today's, and yesterday's when it runs past midnight."""
        found = []
        for day in (today, today - timedelta(days=1)):
            if DAYS[day.weekday()] not in self.days:
                continue
            end_day = day if self.start < self.end else day + timedelta(days=1)
            found.append(
                (
                    _utc(datetime.combine(day, self.start), zone),
                    _utc(datetime.combine(end_day, self.end), zone),
                )
            )
        return found

    def edges(self, day: date) -> list[datetime]:
        """The local instants on ``day`` where this window may open or close."""
        return [datetime.combine(day, self.start), datetime.combine(day, self.end)]


@dataclass(frozen=True)
class Layer:
    """A rotation: ``users`` take turns, ``every`` long each, from ``handoff`` (local, naive)."""

    name: str
    users: tuple[str, ...]
    every: timedelta
    handoff: datetime
    windows: tuple[Window, ...] = ()

    def boundary(self, k: int, zone: ZoneInfo) -> datetime:
        """The instant shift ``k`` (counted from the handoff) starts."""
        return _utc(self.handoff + k * self.every, zone)

    def index_at(self, at: datetime, zone: ZoneInfo) -> int:
        """Which shift holds the instant: estimated on the wall clock, settled on instants."""
        k = (at.astimezone(zone).replace(tzinfo=None) - self.handoff) // self.every
        while self.boundary(k, zone) > at:
            k -= 1
        while self.boundary(k + 1, zone) <= at:
            k += 1
        return k

    def user_at(self, at: datetime, zone: ZoneInfo) -> str | None:
        """Who this layer puts on call at the instant (None outside its windows)."""
        if self.windows and not any(w.covers(at, zone) for w in self.windows):
            return None
        return self.users[self.index_at(at, zone) % len(self.users)]


@dataclass(frozen=True)
class Override:
    """From ``start`` to ``end``: ``user`` takes over from ``replaces`` (either may be None:
    only ``user`` adds someone, only ``replaces`` removes someone)."""

    start: datetime
    end: datetime
    user: str | None = None
    replaces: str | None = None
    id: int | None = None

    def apply(self, on_call: list[str], at: datetime) -> list[str]:
        if not self.start <= at < self.end:
            return on_call
        result = [u for u in on_call if u != self.replaces] if self.replaces else list(on_call)
        if (
            self.user
            and self.user not in result
            and (self.replaces is None or self.replaces in on_call)
        ):
            result.append(self.user)
        return result


@dataclass(frozen=True)
class Version:
    """The layers in force from ``since`` (UTC) on: editing a rotation never rewrites the past.
    ``time_zone`` is the zone they were written for (None: the schedule's)."""

    since: datetime
    layers: tuple[Layer, ...]
    time_zone: str | None = None


@dataclass(frozen=True)
class Schedule:
    id: str
    time_zone: str
    versions: tuple[Version, ...]  # oldest first; the first applies to all earlier times too
    overrides: tuple[Override, ...] = ()

    def version_at(self, at: datetime) -> Version:
        """The definition in force at an instant."""
        current = self.versions[0]
        for version in self.versions:
            if version.since <= at:
                current = version
        return current

    def zone_of(self, version: Version) -> ZoneInfo:
        return ZoneInfo(version.time_zone or self.time_zone)


@dataclass(frozen=True)
class Shift:
    """A stretch of time with the same people on call (none: a gap)."""

    start: datetime
    end: datetime
    users: tuple[str, ...] = field(default=())

    @property
    def gap(self) -> bool:
        return not self.users


def on_call(schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """Who is on call at an instant: the highest layer that has someone, then the overrides."""
    version = schedule.version_at(at)
    zone = schedule.zone_of(version)
    people: list[str] = []
    for layer in reversed(version.layers):
        user = layer.user_at(at, zone)
        if user is not None:
            people = [user]
            break
    for override in schedule.overrides:
        people = override.apply(people, at)
    return tuple(people)


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final merged schedule between two instants: consecutive shifts, gaps included."""
    cuts = sorted({start, end, *(c for c in _boundaries(schedule, start, end) if start < c < end)})
    result: list[Shift] = []
    for begin, finish in zip(cuts, cuts[1:], strict=False):
        users = on_call(schedule, begin)
        if result and result[-1].users == users:
            result[-1] = Shift(result[-1].start, finish, users)
        else:
            result.append(Shift(begin, finish, users))
    return result


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The stretches between two instants when nobody is on call."""
    return [s for s in shifts(schedule, start, end) if s.gap]


def _boundaries(schedule: Schedule, start: datetime, end: datetime) -> Iterable[datetime]:
    yield from (v.since for v in schedule.versions)
    for override in schedule.overrides:
        yield from (override.start, override.end)
    for version in schedule.versions:
        zone = schedule.zone_of(version)
        first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        for layer in version.layers:
            for k in range(layer.index_at(start, zone), layer.index_at(end, zone) + 2):
                yield layer.boundary(k, zone)
            for day in _days(first - timedelta(days=1), last + timedelta(days=1)):
                for window in layer.windows:
                    yield from (_utc(edge, zone) for edge in window.edges(day))


def _days(first: date, last: date) -> Iterable[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time as an instant (a time skipped by DST maps to the hour after)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def user_shifts(schedule: Schedule, user: str, start: datetime, end: datetime) -> list[Shift]:
    """The shifts in which ``user`` is on call."""
    return [s for s in shifts(schedule, start, end) if user in s.users]
