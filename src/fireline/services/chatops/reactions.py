"""Reactions of chat-ops: a Slack incident channel opens on declaration, people given a role
are invited to it, and status updates and phase changes are posted there."""

from __future__ import annotations

from fireline.domain.events import Declared, PhaseChanged, RoleAssigned, StatusUpdatePosted
from fireline.services.chatops import incident_channels
from fireline.services.reactions import Registry
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork


def open_channel(uow: UnitOfWork, event: Declared, saved: Saved) -> None:
    """A service that wants incident channels gets one for this incident."""
    incident_channels.open_on_declaration(uow, saved.incident, uow.now())


def invite(uow: UnitOfWork, event: RoleAssigned, saved: Saved) -> None:
    """Whoever takes a role joins the incident's channel."""
    if event.after is not None:
        incident_channels.invite_later(
            uow, saved.incident, event.after, saved.seq_of(event), uow.now()
        )


def post_news(uow: UnitOfWork, event: StatusUpdatePosted | PhaseChanged, saved: Saved) -> None:
    """The incident's channel hears its status updates and phase changes."""
    incident_channels.post_news(uow, saved.incident, event, saved.seq_of(event), uow.now())


REACTIONS: Registry = {
    Declared: (open_channel,),
    RoleAssigned: (invite,),
    StatusUpdatePosted: (post_news,),
    PhaseChanged: (post_news,),
}
