"""Presentation only: how incidents, clocks and timeline events read on a page.

No rule is decided here; the states and facts come from the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fireline.domain import events
from fireline.domain.events import BaseEvent, StatusUpdatePosted
from fireline.domain.sla import SlaClock
from fireline.domain.workflow import TASK_FACTS
from fireline.storage.incidents import TimelineEntry
from fireline.web.ui.templating import label, span

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
    """One timeline event as a headline and an optional body (shown as plain text)."""
    event, data = entry.event, entry.event.data
    title, body = _DESCRIBE.get(type(event), _generic)(data)
    public = isinstance(event, StatusUpdatePosted) and event.visibility == "public"
    return EventText(entry.seq, event.at, event.actor, event.kind, title, body, public)


def _generic(data: dict[str, Any]) -> tuple[str, str]:
    return "", ", ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, [], {}))


def _changes(changes: dict[str, Any]) -> str:
    return "; ".join(
        f"{label(field)}: {c.get('before') or '—'} → {c.get('after') or '—'}"
        for field, c in changes.items()
    )


def _role(data: dict[str, Any]) -> tuple[str, str]:
    role = label(data["role"])
    if data.get("after") is None:
        return f"{role} role freed (was {data.get('before')})", ""
    was = f" (was {data['before']})" if data.get("before") else ""
    return f"{role}: {data['after']}{was}", ""


def _moved(data: dict[str, Any]) -> tuple[str, str]:
    title = f"Phase: {label(data.get('from'))} → {label(data.get('to'))}"
    if data.get("move") != "forward":
        title += f" ({data.get('move')})"
    return title, data.get("reason") or ""


def _task_updated(data: dict[str, Any]) -> tuple[str, str]:
    done = data["changes"].get("done")
    if data.get("fact"):
        return (
            f"Task {data['task_id']} done",
            f"ticked itself: {TASK_FACTS.get(data['fact'], data['fact'])}",
        )
    if done and len(data["changes"]) == 1:
        return f"Task {data['task_id']} {'done' if done['after'] else 'reopened'}", ""
    return f"Task {data['task_id']} changed", _changes(data["changes"])


_DESCRIBE: dict[type[BaseEvent], Any] = {
    events.Declared: lambda d: (f"Declared in {label(d.get('phase'))}", d.get("summary") or ""),
    events.PhaseChanged: _moved,
    events.TaskAdded: lambda d: (f"Task {d['task_id']} added", d["title"]),
    events.TaskUpdated: _task_updated,
    events.FieldsChanged: lambda d: ("Changed", _changes(d["changes"])),
    events.Acknowledged: lambda d: ("Acknowledged", ""),
    events.Mitigated: lambda d: ("Mitigated: the impact has stopped", ""),
    events.ResolutionSummarySet: lambda d: ("Resolution summary", d["summary"]),
    events.RoleAssigned: _role,
    events.NoteAdded: lambda d: ("Note", d["text"]),
    events.StatusUpdatePosted: lambda d: (
        f"{label(d.get('visibility', 'internal'))} status update",
        d["message"],
    ),
    events.AlertAttached: lambda d: (
        f"Alert {d.get('alert_id')} attached ({d.get('severity')})",
        d.get("summary") or "",
    ),
    events.AlertResolved: lambda d: (f"Alert {d.get('alert_id')} resolved", ""),
    events.EscalationStepFired: lambda d: (
        f"Escalation step {d.get('step')} paged {', '.join(d.get('users') or []) or 'nobody'}",
        "",
    ),
    events.PageSent: lambda d: (f"Page sent to {d.get('user')} by {d.get('channel')}", ""),
    events.PageFailed: lambda d: (
        f"Page to {d.get('user')} by {d.get('channel')} FAILED",
        d.get("reason") or "",
    ),
    events.EscalatedNow: lambda d: (f"Escalated now to step {d.get('step')}", ""),
    events.Reassigned: lambda d: (f"Paged {d.get('user')} now", ""),
    events.PostmortemStatusChanged: lambda d: (
        f"Postmortem: {label(d.get('after'))}".replace("In review", "in review"),
        "",
    ),
    events.FollowUpAdded: lambda d: (f"Follow-up added: {d.get('title') or ''}".strip(), ""),
    events.SlaBreached: lambda d: (f"SLA {d.get('target')} BREACHED", f"due {d.get('due_at')}"),
    events.JobFailed: lambda d: (
        "A background job failed",
        d.get("reason") or d.get("error") or "",
    ),
    events.StatusUpdateDue: lambda d: (
        "Status update overdue",
        f"paged the communications lead {d.get('lead') or ''}".strip(),
    ),
}
