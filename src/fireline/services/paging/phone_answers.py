"""What people answer by phone, and what Twilio says about the pages it carried.

An SMS reply ``7a`` acknowledges incident 7 and ``7e`` escalates it (any case, a space or a ``#``
allowed: ``7 A``, ``#7e``); a key pressed on a page call does the same (1 acknowledges, 2
escalates). Either acts as the one person who verified the number it came from, through
:func:`channel_actions.act`, so the timeline says "Acknowledged from SMS" and the incident's
other pages stop. A status callback updates the delivery whose SID it names; a call nobody
answered (no answer, busy, failed, an answering machine) or an SMS that never arrived is marked
failed, "not reached", and goes on the timeline; escalation goes on, since nobody acknowledged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fireline.domain import incident as rules
from fireline.domain.events import Channel, PageFailed
from fireline.errors import FirelineError
from fireline.services.paging import phones
from fireline.services.paging.channel_actions import Action, act
from fireline.storage.uow import UnitOfWork

_REPLY = re.compile(r"^\s*#?\s*(\d{1,9})\s*([ae])\s*[.!]?\s*$", re.IGNORECASE)
HELP = "Fireline: reply with the incident number and a letter: 7a acknowledges #7, 7e escalates it."
UNKNOWN = "Fireline: this number is not a verified contact of any Fireline user."
NOT_REACHED_CALL = {
    "no-answer": "no answer",
    "busy": "busy",
    "failed": "failed",
    "canceled": "canceled",
}
NOT_REACHED_SMS = ("undelivered", "failed")


def read_reply(text: str) -> tuple[int, Action] | None:
    """``(incident, action)`` from an SMS reply like ``7a``; None when it is not one."""
    found = _REPLY.match(text)
    if found is None:
        return None
    return int(found.group(1)), "ack" if found.group(2).lower() == "a" else "escalate"


def answer_sms(*, uow: UnitOfWork, number: str, text: str) -> str:
    """Act on an SMS from ``number``; the reply to send back."""
    with uow.read():
        user = phones.holder(uow, number)
    if user is None:
        return UNKNOWN
    reply = read_reply(text)
    if reply is None:
        return HELP
    incident_id, action = reply
    return _acted(uow, user, incident_id, action, "sms")


def press(*, uow: UnitOfWork, number: str, incident_id: int, digit: str) -> str | None:
    """Act on a key pressed on a page call to ``number``; what to say (None: read it again)."""
    if digit not in ("1", "2"):
        return None
    with uow.read():
        user = phones.holder(uow, number)
    if user is None:
        return "This number is not a verified contact of any Fireline user."
    action: Action = "ack" if digit == "1" else "escalate"
    return _acted(uow, user, incident_id, action, "voice").removeprefix("Fireline: ")


def _acted(uow: UnitOfWork, user: str, incident_id: int, action: Action, via: Channel) -> str:
    try:
        act(uow=uow, user_id=user, incident_id=incident_id, action=action, via=via)
    except FirelineError as error:
        return f"Fireline: {error.message}"
    if action == "ack":
        return f"Fireline: #{incident_id} acknowledged by {user}. Paging stopped."
    return f"Fireline: #{incident_id} escalated to the next step."


@dataclass(frozen=True)
class Status:
    """One status callback: the SID, the status, and for calls who answered."""

    sid: str
    status: str
    answered_by: str = ""
    error_code: str = ""
    call: bool = False


def not_reached(status: Status) -> str | None:
    """Why the person was not reached, if the status says they were not."""
    if status.call and status.answered_by.startswith(("machine", "fax")):
        return f"not reached: answered by {status.answered_by.replace('_', ' ')}"
    if status.call and status.status in NOT_REACHED_CALL:
        return f"not reached: {NOT_REACHED_CALL[status.status]}"
    if not status.call and status.status in NOT_REACHED_SMS:
        error = f", error {status.error_code}" if status.error_code else ""
        return f"not reached: {status.status}{error}"
    return None


def note_status(*, uow: UnitOfWork, status: Status) -> bool:
    """Record Twilio's word on the delivery with this SID; False when there is none."""
    with uow:
        delivery, now = uow.deliveries.by_provider_ref(status.sid), uow.now()
        if delivery is None:
            return False
        why = not_reached(status)
        said = status.status + (f" ({status.answered_by})" if status.answered_by else "")
        newly_failed = why is not None and delivery.status != "failed"
        uow.deliveries.note_provider(status.sid, said, now, failed=why if newly_failed else None)
        if newly_failed and delivery.purpose == "page" and delivery.incident_id is not None:
            incident = uow.incidents.get(delivery.incident_id, for_update=True)
            news = PageFailed(
                at=now,
                actor="fireline:twilio",
                user=delivery.recipient,
                contact=delivery.contact,
                channel=delivery.channel,
                idempotency_key=delivery.idempotency_key,
                attempts=delivery.attempts,
                reason=why or "",
            )
            state, events = rules.record_news(incident, news)
            uow.incidents.save(state, events)
        uow.commit()
    return True
