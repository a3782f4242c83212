"""Test pages: is a contact method working? Sent at once, outside the job queue, so the person
who asked sees what the channel's provider answered.

Each test is logged in the delivery log (purpose ``test``, no incident); the person's account
page and ``GET /api/v1/contacts/{owner}/tests`` read the latest ones.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from fireline.notify import Message, Notifier, Receipt
from fireline.services.admin.auth import Principal
from fireline.services.paging import delivery
from fireline.services.paging.contacts import find, may_manage
from fireline.storage.models import Delivery
from fireline.storage.uow import UnitOfWork

TEST_TITLE = "Test page from Fireline"


class ContactTested(BaseModel):
    """The result of one test page: ``delivered`` (with the provider's answer) or ``failed``."""

    owner: str
    contact: str
    channel: str
    result: Literal["delivered", "failed", "sending"]
    reason: str
    provider_ref: str
    provider_status: str
    at: datetime


def test(
    *,
    uow: UnitOfWork,
    notifier: Notifier,
    base_url: str,
    who: Principal,
    owner: str,
    contact_id: str,
) -> ContactTested:
    """Send a test page to one contact method now and log what its provider answered."""
    key = f"test:{owner}:{contact_id}:{secrets.token_hex(8)}"
    with uow:
        may_manage(who, owner)
        contact = find(uow, owner, contact_id)
        uow.deliveries.add(
            key=key,
            incident_id=None,
            purpose="test",
            recipient=owner,
            contact=contact,
            now=uow.now(),
        )
        uow.deliveries.mark(key, "sending", uow.now(), attempts=1)
        contact = delivery.for_sending(uow, owner, contact)  # an unverified number fails at once
        uow.commit()
    message = _message(base_url, key, who.user_id, owner, contact)
    result = delivery.send(notifier, contact, message)
    with uow:
        if isinstance(result, Receipt):
            provider = (result.ref, result.status)
            uow.deliveries.mark(key, "sent", uow.now(), attempts=1, provider=provider)
        else:
            uow.deliveries.mark(key, "failed", uow.now(), reason=str(result), attempts=1)
        row = uow.deliveries.get(key)
        uow.commit()
        return _tested(row)


def _message(base_url: str, key: str, actor: str, owner: str, contact: dict[str, Any]) -> Message:
    who = "you" if actor == owner else actor
    return Message(
        incident_id=0,
        title=TEST_TITLE,
        priority=None,
        phase="test",
        idempotency_key=key,
        url=f"{base_url.rstrip('/')}/account",
        kind="test",
        user=owner if ":" not in owner else "",
        text=f"{who} sent this test to {owner}'s contact {contact['id']} ({contact['type']}). "
        "Nothing to do: it works.",
    )


def recent(*, uow: UnitOfWork, who: Principal, owner: str, limit: int = 20) -> list[ContactTested]:
    """The latest test pages to ``owner``'s contact methods, newest first."""
    with uow.read():
        may_manage(who, owner)
        rows = uow.deliveries.tests_of(owner, limit)
        return [_tested(row) for row in rows]


def _tested(row: Delivery) -> ContactTested:
    result: Literal["delivered", "failed", "sending"] = (
        "delivered" if row.status == "sent" else "failed" if row.status == "failed" else "sending"
    )
    return ContactTested(
        owner=row.recipient,
        contact=row.contact,
        channel=row.channel,
        result=result,
        reason=row.reason,
        provider_ref=row.provider_ref,
        provider_status=row.provider_status,
        at=row.updated_at,
    )
