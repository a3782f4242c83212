"""Fireline's own signing keys: one per purpose, generated, kept in the database, rotatable.

An acknowledge link and a calendar feed URL are each signed with a key of their own, so holding
one never lets anyone mint the other, and no key is ever given to a webhook receiver (those
verify with their contact's own ``whsec_`` secret). Rotating a key makes every link signed with
the old one invalid at once: that is what rotation after a leak is for.

``web-push`` is Fireline's VAPID key (an ECDSA P-256 private key): push services accept pages
only when they are signed with the key a device subscribed with, so rotating it means every
person turns "Notify this device" on again. Only its public half is ever shown.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal, get_args

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel

from fireline.errors import InvalidInput
from fireline.services.admin import audit
from fireline.storage.uow import UnitOfWork

Purpose = Literal[
    "ack-links", "calendar-feeds", "web-push", "push-actions", "mattermost-actions", "phone-codes"
]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
DESCRIPTIONS: dict[Purpose, str] = {
    "ack-links": "signs the acknowledge links in pages",
    "calendar-feeds": "signs the personal calendar feed URLs",
    "web-push": "Fireline's VAPID key: signs pages to push services (rotating it turns devices off)",
    "push-actions": "signs the Acknowledge button of push notifications",
    "mattermost-actions": "signs the buttons on pages posted to Mattermost",
    "phone-codes": "keys the hashes of the codes that verify phone numbers",
}


class SecretRead(BaseModel):
    """A key as admins see it: what it is for and when it was made, never its value."""

    purpose: Purpose
    description: str
    created_at: datetime | None


def key(uow: UnitOfWork, purpose: Purpose) -> bytes:
    """The key for ``purpose`` (inside an open unit of work): made on first use, then kept."""
    stored = uow.settings.get(_setting(purpose))
    if stored:
        return bytes.fromhex(stored["value"])
    return _new(uow, purpose)


def rotate(*, uow: UnitOfWork, actor: str, purpose: str) -> SecretRead:
    """Replace the key for ``purpose``; everything signed with the old one stops working."""
    chosen = _purpose(purpose)
    with uow:
        _new(uow, chosen)
        audit.record(uow, actor, "secret.rotated", chosen)
        read = _read(uow, chosen)
        uow.commit()
    return read


def list_secrets(*, uow: UnitOfWork) -> list[SecretRead]:
    with uow:
        return [_read(uow, p) for p in PURPOSES]


def _new(uow: UnitOfWork, purpose: Purpose) -> bytes:
    value = p256_private_key() if purpose == "web-push" else secrets.token_bytes(32)
    uow.settings.put(_setting(purpose), {"value": value.hex(), "created_at": uow.now().isoformat()})
    return value


def p256_private_key() -> bytes:
    """A new ECDSA P-256 private key, as its 32-byte scalar (VAPID's "raw" form)."""
    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return number.to_bytes(32, "big")


def _read(uow: UnitOfWork, purpose: Purpose) -> SecretRead:
    stored = uow.settings.get(_setting(purpose))
    made = datetime.fromisoformat(stored["created_at"]) if stored else None
    return SecretRead(purpose=purpose, description=DESCRIPTIONS[purpose], created_at=made)


def _purpose(name: str) -> Purpose:
    for purpose in PURPOSES:
        if name == purpose:
            return purpose
    raise InvalidInput(
        f"there is no secret {name!r}; the purposes are {', '.join(PURPOSES)}", field="purpose"
    )


def _setting(purpose: Purpose) -> str:
    return f"secret:{purpose}"
