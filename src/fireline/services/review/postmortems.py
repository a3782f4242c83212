"""Postmortems: drafted on entering review, edited in Markdown, reviewed, published, exported.

The draft is pre-filled from the incident's own data (domain/postmortem.py).
Its status lives on the incident's timeline (draft → in review → published),
so a workflow gate can require it; its text lives in the postmortems table,
saved with a version number so two editors never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from markdown_it import MarkdownIt
from pydantic import BaseModel

from fireline.domain import review as rules
from fireline.domain.events import Event, PhaseChanged, PostmortemStatusChanged
from fireline.domain.incident import Act, Outcome
from fireline.domain.postmortem import (
    BLAMELESS,
    DEFAULT_TEMPLATE,
    Evidence,
    Section,
    Template,
    draft,
    publication_missing,
    to_markdown,
)
from fireline.domain.state import FollowUp, Incident
from fireline.errors import Conflict, InvalidInput, NotFound, TransitionRefused
from fireline.storage.models import PostmortemComment, Service, User
from fireline.storage.review import PostmortemRecord
from fireline.storage.uow import UnitOfWork

Format = Literal["markdown", "html"]


class SectionRead(BaseModel):
    id: str
    title: str
    body: str
    public: bool


class CommentRead(BaseModel):
    id: int
    author: str
    section: str | None
    body: str
    created_at: datetime


class PostmortemView(BaseModel):
    incident_id: int
    title: str
    status: str
    template: str
    version: int
    public: bool
    reviewers: list[str]
    sections: list[SectionRead]
    comments: list[CommentRead]
    follow_ups: list[FollowUp]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    blameless: str = BLAMELESS


def draft_on_entry(uow: UnitOfWork, incident_id: int, entered: PhaseChanged) -> None:
    """Entering a phase whose ``on_enter`` has ``postmortem:`` drafts the postmortem (once)."""
    current = uow.incidents.latest(incident_id)  # the newest state: reactions may have saved it
    if current.phase != entered.to or current.postmortem is not None:
        return
    workflow = uow.workflows.get(current.workflow, current.workflow_version)
    template = workflow.phase(current.phase).postmortem_template
    if template is None:
        return
    state, events = _open(uow, current, Act(entered.actor, entered.at), template)
    uow.incidents.save(state, events)


def start_postmortem(*, uow: UnitOfWork, actor: str, incident_id: int) -> PostmortemView:
    """Draft the postmortem now (any phase; workflows without an automatic draft need this)."""
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        if incident.postmortem is not None:
            raise Conflict(f"incident {incident_id} has a postmortem already")
        incident, events = _open(uow, incident, Act(actor, uow.now()), "default")
        uow.incidents.save(incident, events)
        uow.commit()
    return get_postmortem(uow=uow, incident_id=incident_id)


def _open(uow: UnitOfWork, incident: Incident, act: Act, workflow_template: str) -> Outcome:
    template = template_for(uow, incident, workflow_template)
    state, opened = rules.start_postmortem(act, incident, template.id)
    evidence = _evidence(uow, state, opened)
    sections = tuple(draft(template, state, evidence))
    uow.review.add_postmortem(
        PostmortemRecord(
            incident_id=incident.id,
            template=template.id,
            status="draft",
            sections=sections,
            reviewers=(),
            public=False,
            version=1,
            created_at=act.now,
            updated_at=act.now,
            published_at=None,
        )
    )
    return state, opened


def template_for(uow: UnitOfWork, incident: Incident, workflow_template: str) -> Template:
    """The team's template if one is set, else the workflow's, else the default."""
    stored = uow.settings.get("postmortems") or {}
    templates = {t["id"]: Template.model_validate(t) for t in stored.get("templates", [])}
    templates.setdefault("default", DEFAULT_TEMPLATE)
    by_team = stored.get("by_team", {})
    for service_id in incident.services:
        service = uow.directory.find(Service, service_id)
        if service is not None and service.team_id in by_team:
            return templates.get(by_team[service.team_id], DEFAULT_TEMPLATE)
    return templates.get(workflow_template, DEFAULT_TEMPLATE)


def _evidence(uow: UnitOfWork, incident: Incident, new: Sequence[Event]) -> Evidence:
    stored = [entry.event for entry in uow.incidents.timeline(incident.id)]
    alerts = [
        {
            "summary": a.summary,
            "source": a.source,
            "first_seen_at": a.first_seen_at.isoformat(),
            "occurrences": a.occurrences,
            "status": a.status,
        }
        for a in uow.review.alerts_of(incident.id)
    ]
    names = {u.id: u.name for u in uow.directory.list_all(User)}
    return Evidence(timeline=[*stored, *new], alerts=alerts, names=names)


def get_postmortem(*, uow: UnitOfWork, incident_id: int) -> PostmortemView:
    """The postmortem with its comments and the incident's follow-ups."""
    with uow.read():
        incident = uow.incidents.get(incident_id)
        return _view(uow, incident, _record(uow, incident_id))


def _view(uow: UnitOfWork, incident: Incident, record: PostmortemRecord) -> PostmortemView:
    comments = [
        CommentRead(
            id=c.id, author=c.author, section=c.section, body=c.body, created_at=c.created_at
        )
        for c in uow.review.comments(incident.id)
    ]
    return PostmortemView(
        incident_id=incident.id,
        title=incident.title,
        status=incident.postmortem or record.status,
        template=record.template,
        version=record.version,
        public=record.public,
        reviewers=list(record.reviewers),
        sections=[_section_read(s) for s in record.sections],
        comments=comments,
        follow_ups=list(incident.follow_ups),
        created_at=record.created_at,
        updated_at=record.updated_at,
        published_at=record.published_at,
    )


def _section_read(section: Section) -> SectionRead:
    return SectionRead(id=section.id, title=section.title, body=section.body, public=section.public)


def _record(uow: UnitOfWork, incident_id: int) -> PostmortemRecord:
    record = uow.review.postmortem(incident_id)
    if record is None:
        raise NotFound(f"incident {incident_id} has no postmortem yet")
    return record


def edit_postmortem(
    *,
    uow: UnitOfWork,
    actor: str,
    incident_id: int,
    version: int,
    sections: dict[str, str] | None = None,
    refill: Sequence[str] = (),
    reviewers: Sequence[str] | None = None,
    public: bool | None = None,
) -> PostmortemView:
    """Change section texts, re-fill sections from the data, set reviewers or the public flag.

    ``version`` is the version the editor started from; an older one is refused (409).
    A published postmortem goes back to draft before it is edited.
    """
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        record = _record(uow, incident_id)
        if incident.postmortem == "published":
            raise Conflict("the postmortem is published; move it back to draft to edit it")
        bodies = dict(sections or {})
        _check_sections(record, [*bodies, *refill])
        if refill:
            fresh = _fresh_sections(uow, incident, record.template)
            bodies |= {section_id: fresh[section_id].body for section_id in refill}
        if reviewers is not None:
            for reviewer in reviewers:
                uow.directory.get(User, reviewer, field="reviewers")
        edited = edited_postmortem(
            record, bodies=bodies, reviewers=reviewers, public=public, now=uow.now()
        )
        uow.review.save_postmortem(edited, version)
        uow.commit()
    return get_postmortem(uow=uow, incident_id=incident_id)


def _check_sections(record: PostmortemRecord, named: Sequence[str]) -> None:
    known = [s.id for s in record.sections]
    unknown = [s for s in named if s not in known]
    if unknown:
        raise InvalidInput(
            f"the postmortem has no section {unknown[0]!r}; sections: {', '.join(known)}",
            field="sections",
        )


def edited_postmortem(
    record: PostmortemRecord,
    *,
    bodies: dict[str, str],
    reviewers: Sequence[str] | None,
    public: bool | None,
    now: datetime,
) -> PostmortemRecord:
    """The postmortem with new section bodies (by section id), reviewers and public flag."""
    return replace(
        record,
        sections=tuple(
            replace(s, body=bodies[s.id]) if s.id in bodies else s for s in record.sections
        ),
        reviewers=record.reviewers if reviewers is None else tuple(dict.fromkeys(reviewers)),
        public=record.public if public is None else public,
        updated_at=now,
    )


def _fresh_sections(uow: UnitOfWork, incident: Incident, template_id: str) -> dict[str, Section]:
    template = template_for(uow, incident, template_id)
    return {s.id: s for s in draft(template, incident, _evidence(uow, incident, []))}


def set_status(*, uow: UnitOfWork, actor: str, incident_id: int, status: str) -> PostmortemView:
    """Send for review, publish, or take back to draft; on the incident's timeline."""
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        record = _record(uow, incident_id)
        now = uow.now()
        state, events = rules.change_postmortem_status(Act(actor, now), incident, status)
        if events and status == "published":
            _check_publishable(uow, incident, record)
        if events:
            uow.incidents.save(state, events)
            published_at = now if status == "published" else record.published_at
            changed = replace(record, status=status, updated_at=now, published_at=published_at)
            uow.review.save_postmortem(changed, record.version)
        uow.commit()
    return get_postmortem(uow=uow, incident_id=incident_id)


def _check_publishable(uow: UnitOfWork, incident: Incident, record: PostmortemRecord) -> None:
    """Publishing needs a reviewer who is not the author and every required section written."""
    template = template_for(uow, incident, record.template)
    missing = publication_missing(
        template, record.sections, record.reviewers, _author(uow, incident)
    )
    if missing:
        raise TransitionRefused(
            f"the postmortem of incident {incident.id} cannot be published yet: "
            + "; ".join(missing),
            missing=missing,
        )


def _author(uow: UnitOfWork, incident: Incident) -> str | None:
    """Who drafted the postmortem (by hand, or by moving the incident into review)."""
    for entry in uow.incidents.timeline(incident.id, [PostmortemStatusChanged]):
        if isinstance(entry.event, PostmortemStatusChanged) and entry.event.before is None:
            return entry.event.actor
    return None


def add_comment(
    *, uow: UnitOfWork, actor: str, incident_id: int, body: str, section: str | None = None
) -> PostmortemView:
    """Comment on the postmortem, or on one of its sections."""
    if not body.strip():
        raise InvalidInput("a comment cannot be empty", field="body")
    with uow:
        record = _record(uow, incident_id)
        if section is not None and section not in {s.id for s in record.sections}:
            raise InvalidInput(f"the postmortem has no section {section!r}", field="section")
        uow.review.add_comment(
            PostmortemComment(
                incident_id=incident_id,
                section=section,
                author=actor,
                body=body,
                created_at=uow.now(),
            )
        )
        uow.commit()
    return get_postmortem(uow=uow, incident_id=incident_id)


def export(*, uow: UnitOfWork, incident_id: int, fmt: Format, public: bool = False) -> str:
    """The postmortem as Markdown or as a standalone HTML page (``public``: public sections)."""
    with uow.read():
        incident = uow.incidents.get(incident_id)
        record = _record(uow, incident_id)
    sections = [s for s in record.sections if s.public or not public]
    text = to_markdown(incident, incident.postmortem or record.status, sections)
    return text if fmt == "markdown" else render_html(f"Postmortem #{incident_id}", text)


def public_sections(*, uow: UnitOfWork, incident_id: int) -> list[SectionRead]:
    """What the status page may show: the public sections of a published, public postmortem."""
    with uow.read():
        record = uow.review.postmortem(incident_id)
        incident = uow.incidents.get(incident_id)
    if record is None or not record.public or incident.postmortem != "published":
        return []
    return [_section_read(s) for s in record.sections if s.public]


def render_html(title: str, markdown: str) -> str:
    """Markdown to a standalone page; raw HTML in the text is escaped, never passed through."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    escaped = MarkdownIt("commonmark", {"html": False}).renderInline(title)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escaped}</title></head><body>\n{body}</body></html>\n"
    )
