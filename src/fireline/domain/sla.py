"""SLA clocks: how long an incident has left to reach each milestone, measured from detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from fireline.domain.priority import SLA_TARGETS, SlaTarget, SlaTargets

ClockState = Literal["running", "met", "breached"]

# Which incident timestamp stops each clock.
STOPPED_BY: dict[SlaTarget, str] = {
    "acknowledge": "acknowledged_at",
    "mitigate": "mitigated_at",
    "resolve": "resolved_at",
}


@dataclass(frozen=True)
class SlaClock:
    """One SLA target of one incident at one instant."""

    target: SlaTarget
    due_at: datetime
    stopped_at: datetime | None
    state: ClockState
    remaining_seconds: float  # negative once overdue; frozen once the clock stopped

    @property
    def breached(self) -> bool:
        return self.state == "breached"


def sla_clocks(
    targets: SlaTargets, timestamps: dict[str, datetime | None], now: datetime
) -> list[SlaClock]:
    """The clocks for every milestone that has a target; none before detection.

    A clock starts at ``detected_at`` and stops at the milestone's timestamp,
    or at ``resolved_at`` if the incident was resolved without reaching it. It
    is *met* if it stopped on or before its due time, *breached* if it stopped
    late or is still running past due, and *running* otherwise.
    """
    detected_at = timestamps.get("detected_at")
    if detected_at is None:
        return []
    # Absolute time: arithmetic on local wall-clock times would be off across DST changes.
    detected_at, now = detected_at.astimezone(UTC), now.astimezone(UTC)
    clocks = []
    for name in SLA_TARGETS:
        allowed = targets.target(name)
        if allowed is not None:
            stopped_at = timestamps.get(STOPPED_BY[name]) or timestamps.get("resolved_at")
            stopped_at = stopped_at.astimezone(UTC) if stopped_at else None
            clocks.append(_clock(name, detected_at + allowed, stopped_at, now))
    return clocks


def _clock(
    name: SlaTarget, due_at: datetime, stopped_at: datetime | None, now: datetime
) -> SlaClock:
    remaining = (due_at - (stopped_at or now)).total_seconds()
    return SlaClock(name, due_at, stopped_at, clock_state(due_at, stopped_at, now), remaining)


def clock_state(due_at: datetime, stopped_at: datetime | None, now: datetime) -> ClockState:
    """Breached if it stopped after its due time, or is still running past it; else met
    (stopped) or running. A clock exactly at its due time is not breached."""
    if (stopped_at or now) > due_at:
        return "breached"
    return "met" if stopped_at else "running"
