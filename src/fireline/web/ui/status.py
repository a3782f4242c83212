"""The public status page and its Atom feed: no login, nothing internal (see services.status_page)."""

from __future__ import annotations

from xml.etree import ElementTree

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fireline.domain.sentences import label
from fireline.services.incidents import status_page
from fireline.services.incidents.status_page import (
    ComponentStatus,
    PublicIncident,
    PublicUpdate,
    StatusPage,
)
from fireline.web.deps import Uow
from fireline.web.ui.templating import render

router = APIRouter(include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
PUBLIC_CACHE = "public, max-age=30"  # the page and its feed: nothing private, fine to cache
HEADLINES = {
    "operational": "All systems operational",
    "recovering": "Recovering from an incident",
    "investigating": "Investigating an issue",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}


@router.get("/status")
def status(request: Request, uow: Uow) -> Response:
    page = status_page.status_page(uow=uow)
    response = render(request, "status.html", page=page, headline=HEADLINES[page.state])
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@router.get("/status/feed.atom")
def feed(request: Request, uow: Uow) -> Response:
    page = status_page.status_page(uow=uow)
    base = request.app.state.fireline.settings.base_url.rstrip("/")  # never the request's Host
    xml = ElementTree.tostring(_atom(page, base), encoding="unicode", xml_declaration=True)
    response = Response(xml, media_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


def _atom(page: StatusPage, base: str) -> ElementTree.Element:
    root = ElementTree.Element("feed", xmlns=ATOM)
    _text(root, "title", page.title)
    _text(root, "id", f"{base}/status")
    ElementTree.SubElement(root, "link", href=f"{base}/status")
    ElementTree.SubElement(root, "link", rel="self", href=f"{base}/status/feed.atom")
    _text(root, "updated", page.generated_at.isoformat())
    for component in page.components:
        _automatic_entry(root, component, base)
    for incident in [*page.active, *page.history]:
        _entries(root, incident, base)
    return root


def _automatic_entry(root: ElementTree.Element, component: ComponentStatus, base: str) -> None:
    """An automatic "investigating" is news too: one entry, with the configured text."""
    if component.note is None or component.since is None:
        return
    entry = ElementTree.SubElement(root, "entry")
    _text(entry, "title", f"{component.name} — {label(component.state)}")
    _text(entry, "id", f"{base}/status#component-{component.id}-{component.since.isoformat()}")
    ElementTree.SubElement(entry, "link", href=f"{base}/status#component-{component.id}")
    _text(entry, "updated", component.since.isoformat())
    author = ElementTree.SubElement(entry, "author")
    _text(author, "name", root.findtext("title") or "Status")
    _text(entry, "content", component.note).set("type", "text")


def _entries(root: ElementTree.Element, incident: PublicIncident, base: str) -> None:
    for update in incident.updates:
        entry = ElementTree.SubElement(root, "entry")
        state = "Resolved" if incident.resolved_at else "Ongoing"
        _text(entry, "title", f"{incident.heading} — {label(state)}")
        _text(entry, "id", f"{base}/status#incident-{incident.number}-{update.seq}")
        ElementTree.SubElement(entry, "link", href=f"{base}/status#incident-{incident.number}")
        _text(entry, "updated", update.at.isoformat())
        author = ElementTree.SubElement(entry, "author")
        _text(author, "name", root.findtext("title") or "Status")
        _text(entry, "content", _with_states(update)).set("type", "text")


def _text(parent: ElementTree.Element, tag: str, text: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = text
    return element


def _with_states(update: PublicUpdate) -> str:
    states = "; ".join(f"{name}: {label(state)}" for name, state in update.states)
    return f"{update.message}\n\n{states}" if states else update.message
