"""Every timeline event as a sentence a person reads at a glance, for the web UI and the CLI.

:func:`describe` is the one place that words an event: the UI's timeline shows its
``text`` (and the ``detail`` under it), and the API gives both with each timeline event, so
the CLI prints the same words. It is a ``match`` over the event union: mypy refuses a kind
nobody words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import assert_never

from fireline.domain import events as e
from fireline.domain.durations import span
from fireline.domain.workflow import TASK_FACTS

_POSTMORTEM = {"draft": "drafted", "in_review": "sent for review", "published": "published"}


@dataclass(frozen=True)
class Sentence:
    """An event in words: one sentence, and the free text it carries (a note, an update…)."""

    text: str
    detail: str = ""


def label(slug: str | None) -> str:
    """``partial_outage`` → ``Partial outage``."""
    if not slug:
        return "—"
    text = slug.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def clock(at: datetime) -> str:
    """A time within the day, as pages and digests are planned: ``07:23:24 UTC``."""
    return at.astimezone(UTC).strftime("%H:%M:%S UTC")


def day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def describe(event: e.Event) -> Sentence:  # noqa: C901 - one case per kind
    """The event as a sentence (and its free text)."""
    match event:
        case e.Declared():
            how = "Opened by an alert" if event.origin == "alert" else "Declared"
            quiet = " without paging the on-call" if event.page is False else ""
            return Sentence(f"{how} in {label(event.phase)}{quiet}", event.summary)
        case e.PhaseChanged():
            return _moved(event)
        case e.FieldsChanged():
            return Sentence(f"Changed {_changes(event.changes)}")
        case e.Acknowledged():
            why = f" by taking the {event.role} role" if event.role else ""
            via = f" from {e.CHANNEL_NAMES[event.via]}" if event.via else ""
            return Sentence(f"Acknowledged{why}{via}; paging stopped")
        case e.AcknowledgementExpired():
            waited = _duration(event.timeout)
            return Sentence(f"Acknowledgement expired after {waited} unresolved; paging again")
        case e.Mitigated():
            return Sentence("Mitigated: the impact has stopped")
        case e.SlaBreached():
            return Sentence(f"SLA target {event.target} BREACHED (due {clock(event.due_at)})")
        case e.PostmortemStatusChanged():
            template = f" from the {event.template} template" if event.template else ""
            return Sentence(f"Postmortem {_POSTMORTEM.get(event.after, event.after)}{template}")
        case e.FollowUpAdded():
            return Sentence(f"Follow-up {event.follow_up_id} added: {event.title}{_owned(event)}")
        case e.FollowUpUpdated():
            return _updated("Follow-up", event.follow_up_id, event.changes)
        case e.ResolutionSummarySet():
            return Sentence("Resolution summary set", event.summary)
        case e.MetricsExclusionSet():
            what = "Excluded from metrics" if event.excluded else "Counted in metrics again"
            return Sentence(what, event.reason or "")
        case e.RoleAssigned():
            return _role(event)
        case e.TaskAdded():
            return Sentence(f"Task {event.task_id} added: {event.title}")
        case e.TaskUpdated() if event.fact:
            fact = TASK_FACTS.get(event.fact, event.fact)
            return Sentence(f"Task {event.task_id} done", f"ticked itself: {fact}")
        case e.TaskUpdated():
            return _updated("Task", event.task_id, event.changes)
        case e.NoteAdded():
            return Sentence("Pinned note" if event.pinned else "Note", event.text)
        case e.StatusUpdatePosted():
            return Sentence(f"{label(event.visibility)} status update", event.message)
        case e.News():
            return _news(event)
        case _:
            assert_never(event)


def _news(event: e.NewsEvent) -> Sentence:  # noqa: C901 - one case per kind
    match event:
        case e.AlertAttached():
            return Sentence(f"Alert {event.alert_id} attached ({event.severity})", event.summary)
        case e.AlertResolved():
            return Sentence(f"Alert {event.alert_id} resolved")
        case e.EscalationStepFired():
            return _step(event)
        case e.EscalatedNow():
            return Sentence(f"Escalated now to step {event.step}")
        case e.Reassigned():
            return Sentence(f"Paged {event.user} now (reassigned)")
        case e.StatusUpdateDue():
            lead = f"; paged the communications lead {event.lead}" if event.lead else ""
            return Sentence(f"Status update overdue (due every {_duration(event.every)}){lead}")
        case e.PageSent():
            return Sentence(f"Page sent to {event.user} by {event.channel}{_tries(event.attempts)}")
        case e.PageFailed():
            tries = _tries(event.attempts)
            return Sentence(f"Page to {event.user} by {event.channel} FAILED{tries}", event.reason)
        case e.PageThrottled():
            to = f"Page to {event.user} by {event.channel}"
            return Sentence(f"{to} held by throttling until {clock(event.until)}")
        case e.PageCoalesced():
            to = f"Page to {event.user} by {event.channel}"
            when = clock(event.digest_at)
            return Sentence(
                f"{to} coalesced into a digest by throttling; the digest goes at {when}"
            )
        case e.DigestSent():
            return Sentence(
                f"{event.text} coalesced into a digest to {event.user} by {event.channel}"
            )
        case e.JobFailed():
            return Sentence(
                f"A background job ({event.job}) failed{_tries(event.attempts)}", event.error
            )
        case e.FollowUpOverdue():
            who = f"; reminded {event.owner}" if event.reminded and event.owner else ""
            return Sentence(
                f"Follow-up {event.follow_up_id} overdue (due {day(event.due_at)}){who}"
            )
        case e.RecurrenceSuspected():
            return _recurrence(event)
        case _:
            assert_never(event)


def _moved(event: e.PhaseChanged) -> Sentence:
    text = f"Phase: {label(event.from_)} → {label(event.to)}"
    if event.move != "forward":
        text += f" ({event.move})"
    return Sentence(text, event.reason or "")


def _changes(changes: e.Changes) -> str:
    return "; ".join(
        f"{label(field)}: {_value(c.before)} → {_value(c.after)}" for field, c in changes.items()
    )


def _value(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def _updated(what: str, item: str, changes: e.Changes) -> Sentence:
    done = changes.get("done")
    if done is not None and len(changes) == 1:
        return Sentence(f"{what} {item} {'done' if done.after else 'reopened'}")
    return Sentence(f"{what} {item} changed: {_changes(changes)}")


def _owned(event: e.FollowUpAdded) -> str:
    owner = f"owner {event.owner}" if event.owner else ""
    due = f"due {day(event.due_at)}" if event.due_at else ""
    both = ", ".join(part for part in (owner, due) if part)
    return f" ({both})" if both else ""


def _role(event: e.RoleAssigned) -> Sentence:
    role = label(event.role)
    if event.after is None:
        return Sentence(f"{role} role freed (was {event.before})")
    was = f" (was {event.before})" if event.before else ""
    return Sentence(f"{role}: {event.after}{was}")


def _step(event: e.EscalationStepFired) -> Sentence:
    paged = ", ".join(event.users) or "nobody"
    text = f"Escalation step {event.step} (round {event.round}) of {event.policy} paged {paged}"
    if event.unreachable:
        text += f"; no way to reach {', '.join(event.unreachable)}"
    if event.declarer:
        text += f"; not {event.declarer}, who declared it"
    return Sentence(text)


def _recurrence(event: e.RecurrenceSuspected) -> Sentence:
    matches = "; ".join(
        f"#{m.incident_id} {m.title} ({m.open_follow_ups} open follow-ups)" for m in event.matches
    )
    return Sentence(f"Looks like a recurrence of {matches}")


def _tries(attempts: int) -> str:
    return f" after {attempts} attempts" if attempts > 1 else ""


def _duration(text: str) -> str:
    """``0:30:00`` (how a timedelta is stored) → ``30 min``; anything else as it is."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.replace(".", "", 1).isdigit() for p in parts):
        return text
    hours, minutes, seconds = (float(p) for p in parts)
    return span(hours * 3600 + minutes * 60 + seconds)
