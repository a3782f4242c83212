"""Postmortem templates and the draft pre-filled from an incident's own data.

Blameless by design: the default template (after the example postmortem in
Google's SRE book) asks what in our systems and habits let this happen, never
who is to blame. The draft writes what the data knows — durations, services,
who held which role, the key timeline events, linked alerts, follow-ups — and
leaves the analysis (root causes, trigger, lessons) to the people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    AlertAttached,
    Declared,
    EscalationStepFired,
    Event,
    Mitigated,
    NoteAdded,
    PageSent,
    PhaseChanged,
    RoleAssigned,
    SlaBreached,
    StatusUpdatePosted,
)
from fireline.domain.state import Incident
from fireline.domain.workflow import Slug

BLAMELESS = (
    "This review is blameless: it looks for what in our systems, tools and habits made the "
    "incident possible or longer, not for who is at fault. People acted on what they knew then."
)


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: str = Field(min_length=1, max_length=120)
    guidance: str = Field(default="", max_length=2000)
    public: bool = False  # shown in the public version on the status page
    required: bool = True  # written (changed from the template's text) before publishing

    @property
    def prompt(self) -> str:
        """The template's text a draft puts in the section for people to replace."""
        return f"_{self.guidance}_" if self.guidance else ""


class Template(BaseModel):
    """A postmortem template: its sections, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1, max_length=120)
    sections: tuple[SectionSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_sections(self) -> Template:
        ids = [s.id for s in self.sections]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"section ids must be unique; repeated: {', '.join(repeated)}")
        return self


def _section(
    id_: str, title: str, guidance: str, public: bool = False, required: bool = False
) -> SectionSpec:
    return SectionSpec(id=id_, title=title, guidance=guidance, public=public, required=required)


DEFAULT_TEMPLATE = Template(
    id="default",
    name="Blameless postmortem",
    sections=(
        _section("summary", "Summary", "What happened, in two or three sentences.", True, True),
        _section("impact", "Impact", "Who was affected, how, and for how long.", True, True),
        _section(
            "root_causes",
            "Root causes",
            "The conditions that made this possible (not people).",
            required=True,
        ),
        _section("trigger", "Trigger", "What set it off.", required=True),
        _section("detection", "Detection", "How we found out, and how long it took."),
        _section(
            "resolution", "Resolution", "What stopped the impact and fixed the cause.", True, True
        ),
        _section("went_well", "What went well", "Keep doing these."),
        _section(
            "went_wrong",
            "What went wrong",
            "Where the systems or the process let us down.",
            required=True,
        ),
        _section("lucky", "Where we got lucky", "What could have made it much worse."),
        _section("action_items", "Action items", "The follow-ups, each owned and dated."),
        _section("timeline", "Timeline", "The key events, in UTC."),
        _section("supporting_information", "Supporting information", "Alerts, graphs, links."),
    ),
)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: str
    public: bool


@dataclass(frozen=True)
class Evidence:
    """What the draft is made from, besides the incident itself."""

    timeline: Sequence[Event]
    alerts: Sequence[dict[str, object]]  # summary, source, first_seen_at, occurrences, status
    names: dict[str, str]  # user id → name


def draft(template: Template, incident: Incident, evidence: Evidence) -> list[Section]:
    """Every section of the template, pre-filled where the data can say something."""
    writers = {
        "summary": _summary,
        "impact": _impact,
        "detection": _detection,
        "resolution": _resolution,
        "action_items": _action_items,
        "timeline": _timeline,
        "supporting_information": _supporting,
    }
    sections = []
    for spec in template.sections:
        known = writers[spec.id](incident, evidence) if spec.id in writers else ""
        body = "\n\n".join(part for part in (known, spec.prompt) if part)
        sections.append(Section(spec.id, spec.title, body, spec.public))
    return sections


def unwritten(template: Template, sections: Sequence[Section]) -> list[str]:
    """The titles of required sections still empty or still holding the template's text."""
    specs = {spec.id: spec for spec in template.sections}
    return [
        section.title
        for section in sections
        if (spec := specs.get(section.id)) is not None
        and spec.required
        and (not section.body.strip() or (spec.prompt and spec.prompt in section.body))
    ]


def publication_missing(
    template: Template, sections: Sequence[Section], reviewers: Sequence[str], author: str | None
) -> list[str]:
    """What stands between a postmortem and its publication, in words a person can act on:
    a reviewer who is not its author, and every required section written."""
    missing = []
    if not [r for r in reviewers if r != author]:
        missing.append("a reviewer who is not the author" + (f" ({author})" if author else ""))
    missing += [f"write the {title} section" for title in unwritten(template, sections)]
    return missing


def to_markdown(incident: Incident, status: str, sections: Sequence[Section]) -> str:
    """The whole postmortem as one Markdown document."""
    head = [f"# Postmortem: #{incident.id} {incident.title}", "", f"Status: {status}", ""]
    head += [f"> {BLAMELESS}", ""]
    parts = [f"## {s.title}\n\n{s.body.strip() or '_Not written yet._'}\n" for s in sections]
    return "\n".join(head) + "\n".join(parts)


def milestones(incident: Incident, evidence: Evidence) -> list[tuple[str, datetime | None]]:
    """Impact start → detection → first acknowledgement → mitigation → resolution."""
    stamps = incident.timestamps
    first_ack = next((e.at for e in evidence.timeline if isinstance(e, Acknowledged)), None)
    return [
        ("Impact started", stamps.impact_started_at),
        ("Detected", stamps.detected_at),
        ("Acknowledged", first_ack),
        ("Mitigated", stamps.mitigated_at),
        ("Resolved", stamps.resolved_at),
    ]


def _summary(incident: Incident, evidence: Evidence) -> str:
    lines = [f"**{incident.title}**"]
    if incident.summary:
        lines.append(incident.summary)
    if incident.resolution_summary:
        lines.append(f"Resolution: {incident.resolution_summary}")
    return "\n\n".join(lines)


def _impact(incident: Incident, evidence: Evidence) -> str:
    facts = [
        f"- Services: {', '.join(incident.services) or 'none recorded'}",
        f"- Impact {incident.impact or '-'}, urgency {incident.urgency or '-'}, "
        f"priority {incident.priority or '-'}, severity {incident.severity or '-'}",
    ]
    rows = ["| Milestone | When (UTC) | Since the previous one |", "|---|---|---|"]
    previous: datetime | None = None
    for name, at in milestones(incident, evidence):
        since = _duration(at - previous) if at and previous else ""
        rows.append(f"| {name} | {_when(at)} | {since} |")
        previous = at or previous
    started = incident.timestamps.impact_started_at or incident.timestamps.detected_at
    ended = incident.timestamps.mitigated_at
    lasted = [f"Impact lasted {_duration(ended - started)}."] if started and ended else []
    return "\n".join(facts) + "\n\n" + "\n".join(rows) + ("\n\n" + lasted[0] if lasted else "")


def _detection(incident: Incident, evidence: Evidence) -> str:
    how = (
        "An alert opened the incident."
        if incident.origin == "alert"
        else f"Declared by {_who(_declarer(evidence), evidence)}."
    )
    stamps = incident.timestamps
    if stamps.impact_started_at and stamps.detected_at:
        how += f" Time to detect: {_duration(stamps.detected_at - stamps.impact_started_at)}."
    return how


def _resolution(incident: Incident, evidence: Evidence) -> str:
    lines = [_sentence(incident.resolution_summary or "")]
    stamps = incident.timestamps
    if stamps.detected_at and stamps.mitigated_at:
        lines.append(f"Time to mitigate: {_duration(stamps.mitigated_at - stamps.detected_at)}.")
    if stamps.detected_at and stamps.resolved_at:
        lines.append(f"Time to resolve: {_duration(stamps.resolved_at - stamps.detected_at)}.")
    return " ".join(line for line in lines if line)


def _action_items(incident: Incident, evidence: Evidence) -> str:
    if not incident.follow_ups:
        return ""
    rows = ["| | Action | Type | Priority | Owner | Due | Link |", "|---|---|---|---|---|---|---|"]
    for f in incident.follow_ups:
        owner = _who(f.owner, evidence) if f.owner else "**unowned**"
        link = f"[link]({f.url})" if f.url else ""
        done = "done" if f.done else f.id
        rows.append(
            f"| {done} | {_cell(f.title)} | {f.type} | {f.priority} | {owner} | "
            f"{_when(f.due_at)} | {link} |"
        )
    return "\n".join(rows)


def _timeline(incident: Incident, evidence: Evidence) -> str:
    rows = ["| When (UTC) | What |", "|---|---|"]
    for event in evidence.timeline:
        text = _describe(event, evidence)
        if text:
            rows.append(f"| {_when(event.at)} | {_cell(text)} |")
    return "\n".join(rows)


def _supporting(incident: Incident, evidence: Evidence) -> str:
    roles = _role_history(evidence)
    parts = []
    if roles:
        parts.append("Roles:\n\n" + "\n".join(f"- {line}" for line in roles))
    if evidence.alerts:
        alerts = [
            f"- {a['summary']} ({a['source']}), first seen {a['first_seen_at']}, "
            f"{a['occurrences']} occurrence(s), {a['status']}"
            for a in evidence.alerts
        ]
        parts.append("Linked alerts:\n\n" + "\n".join(alerts))
    return "\n\n".join(parts)


def _describe(event: Event, evidence: Evidence) -> str:  # noqa: C901 - one case per kind
    """A key event in one line for the postmortem's timeline; "" for the others."""
    who = _who(event.actor, evidence)
    match event:
        case NoteAdded(pinned=True):
            return f"Note by {who}: {event.text}"
        case Declared():
            return f"Incident opened in {event.phase} ({event.origin}) by {who}"
        case PhaseChanged():
            reason = f" ({event.reason})" if event.reason else ""
            return f"{event.from_} → {event.to} by {who}{reason}"
        case Acknowledged():
            return f"Acknowledged by {who}"
        case AcknowledgementExpired():
            return "The acknowledgement timed out; paging again"
        case Mitigated():
            return f"Mitigated ({who})"
        case EscalationStepFired():
            paged = ", ".join(_who(u, evidence) for u in event.users)
            return f"Escalation step {event.step} paged {paged}"
        case PageSent():
            return f"Page reached {_who(event.user, evidence)} by {event.channel}"
        case RoleAssigned():
            return f"{event.role}: {_who(event.after, evidence) if event.after else 'nobody'}"
        case StatusUpdatePosted():
            return f"Status update ({event.visibility}): {event.message}"
        case SlaBreached():
            return f"The {event.target} SLA target passed"
        case AlertAttached():
            return f"Alert attached: {event.summary}"
    return ""


def _sentence(text: str) -> str:
    """Text that ends a sentence, so the next one does not run into it."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _role_history(evidence: Evidence) -> list[str]:
    held: dict[str, list[str]] = {}
    for event in evidence.timeline:
        if isinstance(event, RoleAssigned) and event.after:
            name = _who(event.after, evidence)
            held.setdefault(event.role, []).append(f"{name} (from {_when(event.at)})")
    return [f"{role}: {', then '.join(people)}" for role, people in held.items()]


def _declarer(evidence: Evidence) -> str:
    return next((e.actor for e in evidence.timeline if isinstance(e, Declared)), "someone")


def _who(user: str | None, evidence: Evidence) -> str:
    return evidence.names.get(user or "", user or "")


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def _cell(text: str) -> str:
    """Table cells stay on one line and cannot end the cell early."""
    return " ".join(text.split()).replace("|", "\\|")


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    text = " ".join(p for p in parts if p) or f"{secs}s"
    return sign + text
