"""Presentation only: how incidents, clocks and timeline events read on a page.

No rule is decided here; the states and facts come from the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fireline.domain import sentences
from fireline.domain.durations import span
from fireline.domain.events import StatusUpdatePosted
from fireline.domain.sentences import label
from fireline.domain.sla import SlaClock
from fireline.storage.incidents import TimelineEntry

# Timeline filters: name → (label, event kinds). An empty tuple means every kind.
TIMELINE_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("Everything", ()),
    "notes": ("Notes", ("note_added",)),
    "updates": ("Status updates", ("status_update_posted",)),
    "alerts": ("Alerts", ("alert_attached", "alert_resolved")),
    "pages": (
        "Pages",
        (
            "escalation_step_fired",
            "page_sent",
            "page_failed",
            "escalated_now",
            "reassigned",
            "status_update_due",
            "page_throttled",
            "page_coalesced",
            "digest_sent",
            "acknowledgement_expired",
        ),
    ),
    "phases": ("Phase changes", ("declared", "phase_changed", "resolution_summary_set")),
}


@dataclass(frozen=True)
class ClockText:
    """One SLA clock in words, and how loudly to show it."""

    name: str
    text: str
    tone: str  # ok | running | urgent | breached


def clock_text(clock: SlaClock) -> ClockText:
    name = label(clock.target)
    if clock.state == "breached":
        verb = "missed by" if clock.stopped_at else "overdue by"
        return ClockText(name, f"BREACHED — {verb} {span(clock.remaining_seconds)}", "breached")
    if clock.state == "met":
        return ClockText(name, "met", "ok")
    tone = "urgent" if clock.remaining_seconds < 600 else "running"
    return ClockText(name, f"{span(clock.remaining_seconds)} left", tone)


def worst_clock(clocks: list[SlaClock]) -> ClockText | None:
    """What a board card shows: the first breached clock, else the running one due soonest."""
    breached = [c for c in clocks if c.state == "breached" and c.stopped_at is None]
    breached = breached or [c for c in clocks if c.state == "breached"]
    if breached:
        return clock_text(breached[0])
    running = sorted((c for c in clocks if c.state == "running"), key=lambda c: c.due_at)
    return clock_text(running[0]) if running else None


@dataclass(frozen=True)
class EventText:
    seq: int
    at: Any
    actor: str
    kind: str
    title: str
    body: str
    public: bool = False


def describe(entry: TimelineEntry) -> EventText:
    """One timeline event as its sentence and its free text (shown as plain text)."""
    event = entry.event
    sentence = sentences.describe(event)
    public = isinstance(event, StatusUpdatePosted) and event.visibility == "public"
    return EventText(
        entry.seq, event.at, event.actor, event.kind, sentence.text, sentence.detail, public
    )
