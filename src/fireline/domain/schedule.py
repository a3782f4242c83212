"""Who is on call: layered rotations with restrictions, overrides, and the merged shifts.

Shift boundaries are wall-clock times in the schedule's time zone: a daily
rotation hands off at 09:00 local on both sides of a DST change, and an 8h
rotation at 00:00, 08:00 and 16:00 local (so the shift that spans the change
lasts 7 or 9 hours). Every function takes the instant(s) it is about; none
reads the clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Window:
    """A weekly time-of-day window, local time; ``start > end`` wraps past midnight."""

    days: tuple[str, ...]
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        moment = local.time()
        if self.start < self.end:
            return DAYS[local.weekday()] in self.days and self.start <= moment < self.end
        if self.start == self.end:  # the whole day
            return DAYS[local.weekday()] in self.days
        if moment >= self.start:
            return DAYS[local.weekday()] in self.days
        return moment < self.end and DAYS[(local.weekday() - 1) % 7] in self.days

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

    def index_at(self, local: datetime) -> int:
        """Which shift (counted from the handoff, negative before it) holds this local time."""
        return math.floor((local - self.handoff) / self.every)

    def user_at(self, local: datetime) -> str | None:
        if self.windows and not any(w.covers(local) for w in self.windows):
            return None
        return self.users[self.index_at(local) % len(self.users)]


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
    """The layers in force from ``since`` (UTC) on: editing a rotation never rewrites the past."""

    since: datetime
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class Schedule:
    id: str
    time_zone: str
    versions: tuple[Version, ...]  # oldest first; the first applies to all earlier times too
    overrides: tuple[Override, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def layers_at(self, at: datetime) -> tuple[Layer, ...]:
        current = self.versions[0].layers
        for version in self.versions:
            if version.since <= at:
                current = version.layers
        return current


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
    local = at.astimezone(schedule.zone).replace(tzinfo=None)
    people: list[str] = []
    for layer in reversed(schedule.layers_at(at)):
        user = layer.user_at(local)
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
    zone = schedule.zone
    yield from (v.since for v in schedule.versions)
    for override in schedule.overrides:
        yield from (override.start, override.end)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    local_end = end.astimezone(zone).replace(tzinfo=None)
    for layer in {layer for v in schedule.versions for layer in v.layers}:
        for k in range(layer.index_at(local_start), layer.index_at(local_end) + 2):
            yield _utc(layer.handoff + k * layer.every, zone)
        for day in _days(
            local_start.date() - timedelta(days=1), local_end.date() + timedelta(days=1)
        ):
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


def covering(schedules: Sequence[Schedule], at: datetime) -> dict[str, tuple[str, ...]]:
    """Who is on call in each schedule at one instant."""
    return {s.id: on_call(s, at) for s in schedules}
