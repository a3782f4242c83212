"""Reactions of paging: start and stop escalating, time out acknowledgements, announce."""

from __future__ import annotations

from fireline.domain.events import (
    Acknowledged,
    AcknowledgementExpired,
    Declared,
    PhaseChanged,
    SlaBreached,
    StatusUpdatePosted,
)
from fireline.services.paging import announcements, inbox
from fireline.services.paging import escalation as paging
from fireline.services.reactions import Registry
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork


def start_paging_on_entry(uow: UnitOfWork, event: Declared | PhaseChanged, saved: Saved) -> None:
    """Entering a phase whose ``on_enter`` pages starts the service's escalation policy;
    declaring pages as the declarer chose (never the declarer themselves)."""
    phase = event.phase if isinstance(event, Declared) else event.to
    incident = saved.incident
    if incident.phase != phase:
        return  # moved on within the same change
    if isinstance(event, Declared) and event.page is not None:
        if event.page:
            declarer = event.actor if event.origin == "declared" else ""
            paging.start_paging(uow, incident, uow.now(), declarer=declarer)
        return
    workflow = uow.workflows.get(incident.workflow, incident.workflow_version)
    if paging.pages_on_entry(workflow, phase):
        paging.start_paging(uow, incident, uow.now())


def stop_paging(uow: UnitOfWork, event: Acknowledged | PhaseChanged, saved: Saved) -> None:
    """An acknowledgement or a resolution cancels the steps and pages still queued."""
    if isinstance(event, Acknowledged) or "resolved" in event.sets:
        paging.stop_paging(uow, saved.incident.id, uow.now())


def watch_acknowledgement(uow: UnitOfWork, event: Acknowledged, saved: Saved) -> None:
    """An acknowledgement arms the services' acknowledgement timeout."""
    paging.watch_acknowledgement(uow, saved.incident, event.at, uow.now())


def read_inbox(uow: UnitOfWork, event: Acknowledged, saved: Saved) -> None:
    """The one who acknowledged has read their inbox pages about the incident."""
    inbox.read_on_acknowledgement(uow, event.actor, saved.incident.id, event.at)


def page_again(uow: UnitOfWork, event: AcknowledgementExpired, saved: Saved) -> None:
    """An acknowledgement that timed out escalates again from the first step."""
    paging.start_paging(uow, saved.incident, uow.now(), run=f"@{saved.seq_of(event)}")


def announce(uow: UnitOfWork, event: announcements.Announced, saved: Saved) -> None:
    """Tell the stakeholder channels that asked for this kind of news."""
    announcements.announce(uow, saved.incident, event, saved.seq_of(event), uow.now())


REACTIONS: Registry = {
    Declared: (start_paging_on_entry, announce),
    PhaseChanged: (start_paging_on_entry, stop_paging, announce),
    Acknowledged: (stop_paging, watch_acknowledgement, read_inbox),
    AcknowledgementExpired: (page_again,),
    StatusUpdatePosted: (announce,),
    SlaBreached: (announce,),
}
