"""People's push devices: turned on from the account page ("Notify this device"), listed, turned
off; and, for the push channel, what a send needs (the devices, Fireline's VAPID key).

Fireline's VAPID key pair is its own, made on first use and kept in the database (the
``web-push`` secret): browsers subscribe with its public half (``application_server_key``), and
push services accept only pages signed with its private half, which never leaves the server.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field, field_validator

from fireline.errors import NotFound
from fireline.notify import Message
from fireline.notify.push import Device, PushTargets
from fireline.services.admin import secrets
from fireline.services.admin.auth import Principal
from fireline.services.paging import push_actions
from fireline.storage.push_devices import PushDeviceRecord
from fireline.storage.uow import UnitOfWork


class DeviceKeys(BaseModel):
    """The browser's keys, as ``PushSubscription.toJSON()`` gives them (base64url)."""

    p256dh: str = Field(max_length=200, description="The browser's P-256 public key (65 bytes).")
    auth: str = Field(max_length=100, description="The browser's authentication secret (16 bytes).")

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        raw = _unb64url(value, "keys.p256dh")
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("keys.p256dh must be an uncompressed P-256 point (65 bytes)")
        return value

    @field_validator("auth")
    @classmethod
    def _auth(cls, value: str) -> str:
        if len(_unb64url(value, "keys.auth")) != 16:
            raise ValueError("keys.auth must be 16 bytes")
        return value


class DeviceCreate(BaseModel):
    """A push subscription to turn on: ``PushSubscription.toJSON()``, and a name for the device."""

    model_config = ConfigDict(extra="ignore")  # expirationTime and whatever browsers add

    endpoint: str = Field(min_length=8, max_length=2000, description="The push service's URL.")
    keys: DeviceKeys
    name: str = Field(default="", max_length=200, description="Shown in your list of devices.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("name must be printable text")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not value.isprintable() or any(c.isspace() for c in value):
            raise ValueError("endpoint must be the push service's https URL")
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and _loopback(parts.hostname):  # a push service on this machine
            return value
        raise ValueError("endpoint must be the push service's https URL")


class DeviceRead(BaseModel):
    """One device as its owner sees it (the endpoint itself stays on the server)."""

    id: int
    name: str
    push_service: str = Field(description="The push service's host, e.g. fcm.googleapis.com.")
    created_at: datetime


class ApplicationServerKey(BaseModel):
    """What a browser subscribes with: ``PushManager.subscribe({applicationServerKey})``."""

    application_server_key: str = Field(
        description="Fireline's VAPID public key, an uncompressed P-256 point in base64url."
    )


def application_server_key(*, uow: UnitOfWork) -> ApplicationServerKey:
    """Fireline's VAPID public key (the key pair is made on first use)."""
    with uow:
        private = secrets.key(uow, "web-push")
        uow.commit()
    return ApplicationServerKey(application_server_key=public_key_of(private))


def public_key_of(private: bytes) -> str:
    """The base64url uncompressed public point of a 32-byte P-256 private scalar."""
    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def subscribe(*, uow: UnitOfWork, who: Principal, device: DeviceCreate) -> DeviceRead:
    """Turn on push for one device of ``who``; a browser someone else had turned on becomes
    ``who``'s (one endpoint, one person: the last one to turn it on)."""
    with uow:
        uow.push_devices.remove_endpoint(device.endpoint)
        added = uow.push_devices.add(
            user_id=who.user_id,
            endpoint=device.endpoint,
            p256dh=device.keys.p256dh,
            auth=device.keys.auth,
            name=device.name.strip() or "a browser",
            now=uow.now(),
        )
        uow.commit()
    return _read(added)


def devices(*, uow: UnitOfWork, who: Principal) -> list[DeviceRead]:
    """``who``'s own devices, oldest first."""
    with uow.read():
        return [_read(device) for device in uow.push_devices.list_of(who.user_id)]


def unsubscribe(
    *, uow: UnitOfWork, who: Principal, device_id: int | None = None, endpoint: str = ""
) -> None:
    """Turn push off for one of ``who``'s own devices, named by id or by endpoint."""
    with uow:
        found = (
            uow.push_devices.get(device_id)
            if device_id is not None
            else uow.push_devices.by_endpoint(endpoint)
        )
        if found is None or found.user_id != who.user_id:
            raise NotFound("you have no such push device; it may be turned off already")
        uow.push_devices.remove(found.id)
        uow.commit()


def targets(*, uow: UnitOfWork, message: Message, subject: str) -> PushTargets:
    """What a push of ``message`` needs: its person's devices, the VAPID key, and for a page a
    signed acknowledge path."""
    with uow:
        found = uow.push_devices.list_of(message.user)
        key = secrets.key(uow, "web-push")
        page = message.kind == "page" and message.incident_id > 0
        token = push_actions.token_for(uow, message.incident_id, message.user) if page else ""
        uow.commit()
    listed = [Device(d.endpoint, d.p256dh, d.auth, d.name) for d in found]
    return PushTargets(listed, key, subject, f"/push/ack/{token}" if token else "")


def drop(*, uow: UnitOfWork, endpoint: str) -> None:
    """Forget a device its push service says is gone."""
    with uow:
        uow.push_devices.remove_endpoint(endpoint)
        uow.commit()


def vapid_subject(setting: str, base_url: str, mail_from: str) -> str:
    """Who push services may contact about Fireline's pages: the setting; else the public
    https URL; else the mail sender's address."""
    if setting:
        return setting
    if base_url.startswith("https://"):
        return base_url.rstrip("/")
    return f"mailto:{mail_from}"


def _read(device: PushDeviceRecord) -> DeviceRead:
    service = urlsplit(device.endpoint).hostname or ""
    return DeviceRead(
        id=device.id, name=device.name, push_service=service, created_at=device.created_at
    )


def _unb64url(value: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is not base64url") from None


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
