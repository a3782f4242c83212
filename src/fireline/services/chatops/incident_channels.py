"""Slack incident channels: ``#inc-<id>-<slug>`` opened when an incident is declared on a
service that asks for one (``slack: {incident_channels: true, priorities: [P1, P2]}``), the
people in its roles invited, its status updates and phase changes posted there.

Reactions only queue work (a job, or an announcement into the channel); the calls to Slack
happen in the worker, outside any transaction: :func:`plan` reads under the job's lock,
:func:`carry_out` calls Slack, :func:`record` keeps the channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from fireline.domain.jobs import IncidentChannel, Notice
from fireline.domain.state import Incident
from fireline.notify.slack_blocks import Card, blocks, fallback
from fireline.services.paging import delivery
from fireline.services.paging.announcements import Announced, describe
from fireline.storage.models import Service
from fireline.storage.uow import UnitOfWork

PROVIDER = "slack"
NAME_LIMIT = 80  # Slack: channel names are at most 80 characters
IGNORED_INVITE_ERRORS = {"already_in_channel", "cant_invite_self", "user_not_found"}


def slug(title: str) -> str:
    """A title as Slack channel names allow: lowercase letters, digits, hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "incident"


def channel_name(incident: Incident) -> str:
    """``inc-<id>-<slug>``, within Slack's 80 characters."""
    return f"inc-{incident.id}-{slug(incident.title)}"[:NAME_LIMIT].rstrip("-")


def wanted(uow: UnitOfWork, incident: Incident) -> bool:
    """Whether one of the incident's services asks for a channel at the incident's priority."""
    for service_id in incident.services:
        service = uow.directory.find(Service, service_id)
        settings = (service.slack if service else None) or {}
        if settings.get("incident_channels") and (
            not settings.get("priorities") or incident.priority in settings["priorities"]
        ):
            return True
    return False


def open_on_declaration(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
    """Queue the channel's opening if the incident's services want one."""
    if wanted(uow, incident):
        uow.jobs.add(IncidentChannel(incident_id=incident.id), due_at=now, now=now)


def invite_later(uow: UnitOfWork, incident: Incident, user: str, seq: int, now: datetime) -> None:
    """Someone given a role is invited to the channel (once it is open)."""
    if uow.chat.channel_of(incident.id, PROVIDER) is not None or wanted(uow, incident):
        job = IncidentChannel(incident_id=incident.id, invite=(user,), label=f"invite:{seq}")
        uow.jobs.add(job, due_at=now, now=now)


def post_news(
    uow: UnitOfWork, incident: Incident, event: Announced, seq: int, now: datetime
) -> None:
    """A status update or a phase change, posted into the incident's channel (a queued notice)."""
    channel = uow.chat.channel_of(incident.id, PROVIDER)
    if channel is None:
        return
    job = Notice(
        incident_id=incident.id,
        purpose="announcement",
        recipient=f"incident:{incident.id}",
        contact={"id": "incident-channel", "type": "slack", "channel": channel.channel_id},
        text=describe(event)[1],
        label=str(seq),
    )
    delivery.queue(uow, job, due_at=now, now=now)


@dataclass(frozen=True)
class Plan:
    """What to do in Slack: open ``name`` (unless ``channel_id`` is open already), invite
    these Slack users, and post the incident's card when opening."""

    incident_id: int
    name: str
    channel_id: str | None
    invite: list[str] = field(default_factory=list)
    card: Card | None = None


def plan(uow: UnitOfWork, job: IncidentChannel, base_url: str) -> Plan:
    """Read what the job needs (inside the job's transaction)."""
    incident = uow.incidents.get(job.incident_id)
    known = uow.chat.channel_of(incident.id, PROVIDER)
    people = list(job.invite) if job.invite else sorted(set(incident.roles.values()))
    card = Card(
        incident_id=incident.id,
        title=incident.title,
        priority=incident.priority,
        phase=incident.phase,
        url=f"{base_url.rstrip('/')}/incidents/{incident.id}",
        text=incident.summary,
    )
    return Plan(
        incident_id=incident.id,
        name=known.name if known else channel_name(incident),
        channel_id=known.channel_id if known else None,
        invite=uow.chat.slack_ids(people),
        card=None if known else card,
    )


def carry_out(client: WebClient, todo: Plan) -> str:
    """Open the channel if needed, invite, post the card; the channel's id."""
    channel_id = todo.channel_id or _create(client, todo.name)
    if todo.invite:
        try:
            client.conversations_invite(channel=channel_id, users=",".join(todo.invite))
        except SlackApiError as error:
            if error.response.get("error") not in IGNORED_INVITE_ERRORS:
                raise
    if todo.card is not None:
        client.chat_postMessage(
            channel=channel_id, text=fallback(todo.card), blocks=blocks(todo.card)
        )
    return channel_id


def _create(client: WebClient, name: str) -> str:
    """Create the channel; a taken name (an earlier attempt's, or someone's) gets a suffix."""
    for attempt in range(5):
        candidate = name if attempt == 0 else f"{name[: NAME_LIMIT - 3]}-{attempt + 1}"
        try:
            answer = client.conversations_create(name=candidate, is_private=False)
        except SlackApiError as error:
            if error.response.get("error") == "name_taken":
                continue
            raise
        return str(answer["channel"]["id"])
    raise RuntimeError(f"Slack channel names {name} to {name}-5 are all taken")


def record(uow: UnitOfWork, todo: Plan, channel_id: str, now: datetime) -> None:
    """Keep the channel opened for the incident (inside the job's closing transaction)."""
    if todo.channel_id is None:
        uow.chat.add_channel(
            incident_id=todo.incident_id,
            provider=PROVIDER,
            channel_id=channel_id,
            name=todo.name,
            now=now,
        )
