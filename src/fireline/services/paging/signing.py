"""Standard Webhooks secrets: each webhook contact method has its own ``whsec_…`` secret.

It is set in config (``secret: whsec_…``), or made on the contact's first page, and an admin
gets a new one — shown once — with ``fireline contact secret OWNER CONTACT``. The receiver
verifies ``webhook-signature`` with it (the ``standardwebhooks`` package, or any of the spec's
libraries); no other secret of Fireline's is ever given to a receiver.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from pydantic import BaseModel

from fireline.errors import InvalidInput
from fireline.services.admin import audit
from fireline.services.paging import contacts
from fireline.storage.uow import UnitOfWork

PREFIX = "whsec_"


class SecretIssued(BaseModel):
    """A new secret, shown this once."""

    owner: str
    contact: str
    secret: str


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_for(uow: UnitOfWork, owner: str, contact: dict[str, Any]) -> str:
    """The contact's secret (inside an open unit of work), made on first use."""
    stored = uow.webhook_secrets.get(owner, contact["id"])
    if stored is not None:
        return stored
    made = new_secret()
    uow.webhook_secrets.put(owner, contact["id"], made, source="generated", now=uow.now())
    return made


def configure(uow: UnitOfWork, owner: str, contact_id: str, secret: str) -> bool:
    """Store the secret config gives (inside an open unit of work); False if unchanged."""
    return uow.webhook_secrets.put(owner, contact_id, secret, source="config", now=uow.now())


def issue(*, uow: UnitOfWork, actor: str, owner: str, contact_id: str) -> SecretIssued:
    """A new secret for a webhook contact, replacing the old one at once."""
    with uow:
        contact = contacts.find(uow, owner, contact_id)
        if contact["type"] != "webhook":
            raise InvalidInput(
                f"{contact_id} is a {contact['type']} contact; only webhook contacts are signed",
                field="contact",
            )
        made = new_secret()
        uow.webhook_secrets.put(owner, contact_id, made, source="generated", now=uow.now())
        audit.record(uow, actor, "webhook_secret.issued", f"{owner}/{contact_id}")
        uow.commit()
    return SecretIssued(owner=owner, contact=contact_id, secret=made)
