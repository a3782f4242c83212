"""``/incident …`` from chat: parse a command, run it as a Fireline user through the same
services as the API, and answer with one short reply.

Every command a person types gets an answer: an unknown incident, a role that may not act or a
malformed command becomes a helpful line, never an error page. People's text in the reply is
escaped for the chat it goes to (``Caller.escape``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fireline.domain.events import Channel
from fireline.errors import FirelineError
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentView
from fireline.services.oncall import schedules
from fireline.services.paging import channel_actions
from fireline.storage.uow import UnitOfWork

Uows = Callable[[], UnitOfWork]

HELP = """*/incident* commands:
`/incident declare TITLE` — declare an incident
`/incident ack ID` — acknowledge it (paging stops)
`/incident update ID TEXT` — post a status update
`/incident note ID TEXT` — add a note to the timeline (in an incident's channel: `/incident note TEXT`)
`/incident status ID` — where it stands
`/incident oncall [SCHEDULE]` — who is on call
`/incident help` — this list"""


@dataclass(frozen=True)
class Caller:
    """Who typed the command: their Fireline user (None: nobody Fireline knows, ``unknown``
    says who and how to fix it), the chat it came from, the incident whose channel it was
    typed in, and how to escape people's text for that chat."""

    user_id: str | None
    via: Channel
    unknown: str = ""
    channel_incident: int | None = None
    escape: Callable[[str], str] = lambda text: text


class Usage(ValueError):
    """The command was malformed; the message says the right form."""


def run(*, uows: Uows, caller: Caller, text: str, base_url: str) -> str:
    """Run ``/incident <text>`` for ``caller``; the reply to show them (only them)."""
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("", "help"):
        return HELP
    if caller.user_id is None:
        return caller.unknown
    command = COMMANDS.get(verb)
    if command is None:
        return f"There is no `/incident {caller.escape(verb)}`.\n{HELP}"
    try:
        return command(uows, caller, caller.user_id, rest, base_url.rstrip("/"))
    except Usage as usage:
        return f"Usage: `{usage}` (`/incident help` lists every command)"
    except FirelineError as error:
        return f"Could not {verb}: {caller.escape(error.message)}."


def _incident_id(word: str, usage: str) -> int:
    digits = word.removeprefix("#")
    if not digits.isdigit():
        raise Usage(usage)
    return int(digits)


def _split(rest: str, usage: str) -> tuple[int, str]:
    """``ID TEXT`` → the id and the text (both needed)."""
    word, _, text = rest.partition(" ")
    if not text.strip():
        raise Usage(usage)
    return _incident_id(word, usage), text.strip()


def _line(caller: Caller, view: IncidentView, base_url: str) -> str:
    incident = view.incident
    priority = f"{incident.priority} " if incident.priority else ""
    title = caller.escape(incident.title)
    link = f"{base_url}/incidents/{incident.id}"
    return f"*{priority}#{incident.id} {title}* — {incident.phase} — {link}"


def declare(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """``declare TITLE``: a new incident, declared by the caller (no services)."""
    if not rest:
        raise Usage("/incident declare TITLE")
    with uows().read() as uow:
        channel_actions.check_actor(uow, user)
    view = incidents.declare(uow=uows(), actor=user, title=rest[:200])
    return f"Declared {_line(caller, view, base_url)}"


def acknowledge(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """``ack ID``: acknowledge from this chat (paging stops everywhere)."""
    incident_id = _incident_id(rest, "/incident ack ID")
    view = channel_actions.act(
        uow=uows(), user_id=user, incident_id=incident_id, action="ack", via=caller.via
    )
    return f"Acknowledged {_line(caller, view, base_url)}"


def update(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """``update ID TEXT``: an internal status update."""
    incident_id, text = _split(rest, "/incident update ID TEXT")
    with uows().read() as uow:
        channel_actions.check_actor(uow, user)
    view = incidents.post_status_update(
        uow=uows(), actor=user, incident_id=incident_id, message=text
    )
    return f"Posted a status update on {_line(caller, view, base_url)}"


def note(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """In an incident's channel the note is that incident's, unless it starts with ``#ID``."""
    if caller.channel_incident is not None and not rest.startswith("#"):
        incident_id, text = caller.channel_incident, rest
        if not text:
            raise Usage("/incident note TEXT")
    else:
        incident_id, text = _split(rest, "/incident note ID TEXT")
    with uows().read() as uow:
        channel_actions.check_actor(uow, user)
    view = incidents.add_note(uow=uows(), actor=user, incident_id=incident_id, text=text[:4000])
    return f"Noted on {_line(caller, view, base_url)}"


def status(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """``status [ID]``: phase, acknowledgement, roles and services (in a channel: its incident)."""
    if not rest and caller.channel_incident is not None:
        rest = str(caller.channel_incident)
    view = incidents.get(uow=uows(), incident_id=_incident_id(rest, "/incident status ID"))
    incident, stamps = view.incident, view.incident.timestamps
    lines = [_line(caller, view, base_url)]
    acked = stamps.acknowledged_at
    lines.append(f"Acknowledged at {acked:%Y-%m-%d %H:%M} UTC" if acked else "Not acknowledged")
    if incident.roles:
        roles = ", ".join(f"{role}: {who}" for role, who in sorted(incident.roles.items()))
        lines.append(f"Roles: {caller.escape(roles)}")
    if incident.services:
        lines.append(f"Services: {caller.escape(', '.join(incident.services))}")
    return "\n".join(lines)


def oncall(uows: Uows, caller: Caller, user: str, rest: str, base_url: str) -> str:
    """``oncall [SCHEDULE]``: who is on call now, per schedule."""
    found = schedules.who(uow=uows(), schedule_id=rest or None)
    if not found:
        return "There are no schedules."
    return "\n".join(
        f"*{caller.escape(s.name)}*: {caller.escape(', '.join(s.users)) or 'nobody'}" for s in found
    )


Command = Callable[[Uows, Caller, str, str, str], str]
COMMANDS: dict[str, Command] = {
    "declare": declare,
    "ack": acknowledge,
    "update": update,
    "note": note,
    "status": status,
    "oncall": oncall,
}
