"""Verified phone numbers: a number is paged (by SMS or a call) only once its owner proved they
hold it, with a six-digit code sent to it.

The code is kept only as an HMAC keyed with Fireline's ``phone-codes`` key (six digits hashed
plainly would fall to a lookup table), expires after ten minutes and allows five wrong tries.
Applying the config never marks a number verified; the verified number itself is kept, so a
contact whose number the config changes is unverified again until its owner verifies the new one.
Verifying a number verifies it for every one of its owner's contacts with that number (an sms
and a voice contact on one phone need one code).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as random
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel

from fireline.errors import Conflict, InvalidInput, ProviderFailed, TooManyAttempts
from fireline.notify import DeliveryFailed, Receipt
from fireline.services.admin import secrets
from fireline.services.admin.auth import Principal
from fireline.services.paging.contacts import find, may_manage
from fireline.storage.models import User
from fireline.storage.phones import PendingCode
from fireline.storage.uow import UnitOfWork

PHONES = ("sms", "voice")
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG = 5
RESEND_AFTER = timedelta(seconds=30)
NOT_CONFIGURED = (
    "SMS and voice are not configured: set FIRELINE_TWILIO_ACCOUNT_SID, "
    "FIRELINE_TWILIO_AUTH_TOKEN and FIRELINE_TWILIO_FROM"
)


class Phone(Protocol):
    """What sends a code: Twilio (notify/phone.py)."""

    def text(self, number: str, body: str) -> Receipt: ...

    def say(self, number: str, text: str) -> Receipt: ...


class Verification(BaseModel):
    """Where one number stands: ``verified``, or a code sent that ``expires_at``."""

    owner: str
    contact: str
    channel: str
    number: str
    verified: bool
    code_sent: bool
    expires_at: datetime | None
    detail: str


def with_verification(uow: UnitOfWork, owner: str, contact: dict[str, Any]) -> dict[str, Any]:
    """The contact, saying whether its number is verified when it is an sms or voice one."""
    if contact.get("type") not in PHONES:
        return contact
    return {**contact, "verified": uow.phones.is_verified(owner, contact.get("number", ""))}


def holder(uow: UnitOfWork, number: str) -> str | None:
    """The one user who verified ``number`` and still has it as a contact method (None:
    nobody, or several people)."""
    users = {user for user, _ in uow.phones.holders(number) if _still_has(uow, user, number)}
    return users.pop() if len(users) == 1 else None


def _still_has(uow: UnitOfWork, user_id: str, number: str) -> bool:
    user = uow.directory.find(User, user_id)
    return user is not None and any(c.get("number") == number for c in user.contact_methods)


def request_code(
    *, uow: UnitOfWork, phone: Phone | None, who: Principal, owner: str, contact_id: str
) -> Verification:
    """Send a new code to an sms contact by SMS (a voice contact: read out in a call)."""
    code = f"{random.randbelow(10**6):06d}"
    with uow:
        contact, now = _phone_contact(uow, who, owner, contact_id), uow.now()
        if phone is None:
            raise Conflict(NOT_CONFIGURED)
        _not_too_soon(uow, owner, contact_id, now)
        uow.phones.put_code(
            owner,
            contact_id,
            number=contact["number"],
            code_hash=_hash(uow, owner, contact_id, contact["number"], code),
            now=now,
            expires_at=now + CODE_LIFETIME,
        )
        uow.commit()
    try:
        _deliver(phone, contact, code)
    except DeliveryFailed as failed:
        with uow:
            uow.phones.drop_code(owner, contact_id)
            uow.commit()
        raise ProviderFailed(f"the code could not be sent: {failed}") from None
    how = "in a call" if contact["type"] == "voice" else "by SMS"
    detail = (
        f"A code was sent {how} to {contact['number']}; confirm it within 10 minutes with "
        f"fireline contact verify {owner} {contact_id} --code CODE"
    )
    return _read(owner, contact, verified=False, expires_at=now + CODE_LIFETIME, detail=detail)


def confirm(
    *, uow: UnitOfWork, who: Principal, owner: str, contact_id: str, code: str
) -> Verification:
    """Check the code sent to the contact's number: right, and the number is verified."""
    with uow:
        contact, now = _phone_contact(uow, who, owner, contact_id), uow.now()
        pending = uow.phones.pending(owner, contact_id)
        ask = f"ask for a new code with fireline contact verify {owner} {contact_id}"
        problem = _unusable(pending, contact["number"], now)
        if problem:
            if pending is not None:
                uow.phones.drop_code(owner, contact_id)
                uow.commit()
            raise Conflict(f"{problem}: {ask}")
        assert pending is not None
        given = code.strip()
        if not hmac.compare_digest(
            _hash(uow, owner, contact_id, contact["number"], given), pending.code_hash
        ):
            _wrong(uow, owner, contact_id, ask)
        uow.phones.mark_verified(owner, contact_id, contact["number"], now)
        uow.commit()
    detail = f"{contact['number']} is verified: {owner}'s pages go to {contact_id}"
    return _read(owner, contact, verified=True, expires_at=None, detail=detail)


def _unusable(pending: PendingCode | None, number: str, now: datetime) -> str:
    if pending is None:
        return "no code is waiting for this contact"
    if pending.number != number:
        return "the number changed since the code was sent"
    if pending.expires_at is None or pending.expires_at <= now:
        return "the code expired"
    return ""


def _wrong(uow: UnitOfWork, owner: str, contact_id: str, ask: str) -> None:
    tries = uow.phones.count_wrong(owner, contact_id)
    if tries >= MAX_WRONG:
        uow.phones.drop_code(owner, contact_id)
        uow.commit()
        raise Conflict(f"wrong code, {MAX_WRONG} times: that code no longer works; {ask}")
    uow.commit()
    left = MAX_WRONG - tries
    raise InvalidInput(f"wrong code ({left} {'try' if left == 1 else 'tries'} left)", field="code")


def _phone_contact(uow: UnitOfWork, who: Principal, owner: str, contact_id: str) -> dict[str, Any]:
    may_manage(who, owner)
    contact = find(uow, owner, contact_id)
    if contact["type"] not in PHONES:
        raise InvalidInput(
            f"{contact_id} is a {contact['type']} contact method: only sms and voice numbers "
            "are verified"
        )
    return contact


def _not_too_soon(uow: UnitOfWork, owner: str, contact_id: str, now: datetime) -> None:
    pending = uow.phones.pending(owner, contact_id)
    if pending is not None and pending.sent_at is not None:
        wait = pending.sent_at + RESEND_AFTER - now
        if wait > timedelta(0):
            seconds = int(wait.total_seconds()) + 1
            raise TooManyAttempts(
                f"a code was sent less than {int(RESEND_AFTER.total_seconds())} seconds ago; "
                f"wait {seconds} s",
                retry_after=seconds,
            )


def _hash(uow: UnitOfWork, owner: str, contact_id: str, number: str, code: str) -> str:
    key = secrets.key(uow, "phone-codes")
    return hmac.new(
        key, f"{owner}\n{contact_id}\n{number}\n{code}".encode(), hashlib.sha256
    ).hexdigest()


def _deliver(phone: Phone, contact: dict[str, Any], code: str) -> None:
    text = f"Your Fireline code is {code}. It expires in 10 minutes."
    if contact["type"] == "sms":
        phone.text(contact["number"], text)
        return
    digits = ", ".join(code)
    phone.say(contact["number"], f"This is Fireline. Your code is {digits}. Again: {digits}.")


def _read(
    owner: str,
    contact: dict[str, Any],
    *,
    verified: bool,
    expires_at: datetime | None,
    detail: str,
) -> Verification:
    return Verification(
        owner=owner,
        contact=contact["id"],
        channel=contact["type"],
        number=contact["number"],
        verified=verified,
        code_sent=expires_at is not None,
        expires_at=expires_at,
        detail=detail,
    )
