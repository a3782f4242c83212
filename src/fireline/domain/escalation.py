"""Escalation policies: which step is due, and who a step pages. Pure; the caller gives the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fireline.domain.durations import parse_duration


@dataclass(frozen=True)
class Step:
    users: tuple[str, ...]
    schedules: tuple[str, ...]
    teams: tuple[str, ...]
    escalate_after: timedelta


@dataclass(frozen=True)
class Policy:
    """A snapshot of an escalation policy: editing the policy later does not change it."""

    id: str
    steps: tuple[Step, ...]
    repeat: int

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> Policy:
        steps = tuple(
            Step(
                users=tuple(t["user"] for t in s["targets"] if t.get("user")),
                schedules=tuple(t["schedule"] for t in s["targets"] if t.get("schedule")),
                teams=tuple(t["team"] for t in s["targets"] if t.get("team")),
                escalate_after=parse_duration(s["escalate_after"]),
            )
            for s in definition["steps"]
        )
        return cls(definition["id"], steps, int(definition.get("repeat", 0)))

    def step(self, position: int) -> tuple[Step, int] | None:
        """The step fired at ``position`` (0, 1, 2, … across rounds) and its round; None when done."""
        index, round_ = position % len(self.steps), position // len(self.steps)
        return (self.steps[index], round_) if round_ <= self.repeat else None

    def next_due(self, position: int, fired_at: datetime) -> datetime | None:
        """When the step after ``position`` is due, or None if the policy is exhausted."""
        current = self.step(position)
        if current is None or self.step(position + 1) is None:
            return None
        return fired_at + current[0].escalate_after


@dataclass(frozen=True)
class Notification:
    contact: dict[str, Any]
    at: datetime


def notifications(
    contacts: list[dict[str, Any]], rules: list[dict[str, Any]], paged_at: datetime
) -> list[Notification]:
    """When to use each of a user's contact methods after being paged (their notification rules)."""
    by_id = {c["id"]: c for c in contacts}
    return [
        Notification(by_id[rule["contact"]], paged_at + parse_duration(rule["after"]))
        for rule in rules
        if rule["contact"] in by_id
    ]
