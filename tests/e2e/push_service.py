"""A Web Push service on 127.0.0.1, faithful to the protocol where Fireline relies on it.

It plays the browser's part too: ``subscribe(application_server_key)`` makes a device's key
pair and auth secret, as ``PushManager.subscribe`` does, and returns the subscription JSON.
A push to a device is accepted (201 with a ``Location``, like real push services) only if:

- ``Authorization: vapid t=JWT, k=KEY`` (RFC 8292): the JWT is ES256-signed with KEY, KEY is
  the application server key the device subscribed with (else 403), ``aud`` is this service's
  origin, ``exp`` is in the future and at most a day away, ``sub`` is a mailto: or https: URL;
- ``TTL`` is present and ``Content-Encoding`` is ``aes128gcm`` (RFC 8030, RFC 8188);
- the body decrypts (RFC 8291) with the device's private key and auth secret (``http_ece``).

What it decrypted is kept in ``received``. A device can be made gone (410) or failing (503).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscribed:
    """One device's subscription, as the browser and the push service know it."""

    id: str
    server_key: str  # the application server key it subscribed with
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    answer: int = 201  # what pushes to it get: 410 once it is gone, 503 while failing

    def public_key(self) -> str:
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return b64url(point)


@dataclass
class Received:
    device: str
    payload: dict[str, Any]
    claims: dict[str, Any]
    headers: dict[str, str]


@dataclass
class PushService:
    devices: dict[str, Subscribed] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # device, status, why

    def __post_init__(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, headers = service.take(self.path, headers, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscribe(self, application_server_key: str) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives a page after ``subscribe()``."""
        device = Subscribed(
            id=uuid.uuid4().hex,
            server_key=application_server_key,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.devices[device.id] = device
        return {
            "endpoint": f"{self.origin}/push/{device.id}",
            "expirationTime": None,
            "keys": {"p256dh": device.public_key(), "auth": b64url(device.auth)},
        }

    def device_of(self, subscription: dict[str, Any]) -> Subscribed:
        return self.devices[subscription["endpoint"].rsplit("/", 1)[-1]]

    def payloads(self) -> list[dict[str, Any]]:
        return [r.payload for r in self.received]

    def take(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        device = self.devices.get(path.removeprefix("/push/"))
        if device is None:
            return 404, {}
        status, why, claims = self._check(device, headers)
        if status == 201 and device.answer != 201:
            status, why = device.answer, "the test set this device's answer"
        if status != 201:
            self.refused.append((device.id, status, why))
            return status, {}
        payload = http_ece.decrypt(
            body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
        )
        self.received.append(Received(device.id, json.loads(payload), claims, headers))
        return 201, {"Location": f"{self.origin}/m/{uuid.uuid4().hex}"}

    def _check(
        self, device: Subscribed, headers: dict[str, str]
    ) -> tuple[int, str, dict[str, Any]]:
        if "ttl" not in headers:  # header names in lower case
            return 400, "no TTL header", {}
        if headers.get("content-encoding") != "aes128gcm":
            return 415, "not aes128gcm", {}
        scheme, _, fields = headers.get("authorization", "").partition(" ")
        parts = dict(p.strip().split("=", 1) for p in fields.split(",") if "=" in p)
        if scheme != "vapid" or "t" not in parts or "k" not in parts:
            return 401, "no VAPID authorization", {}
        if parts["k"] != device.server_key:
            return 403, "not the key this device subscribed with", {}
        claims = verified_claims(parts["t"], parts["k"])
        if claims is None:
            return 401, "the VAPID JWT signature does not verify", {}
        if claims.get("aud") != self.origin:
            return 403, f"aud {claims.get('aud')!r} is not {self.origin}", claims
        if not time.time() < claims.get("exp", 0) <= time.time() + 86400:
            return 403, "exp is not within the next 24 hours", claims
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return 403, "sub is not a mailto: or https: URL", claims
        return 201, "", claims

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified_claims(token: str, key: str) -> dict[str, Any] | None:
    """The claims of an ES256 JWT signed with ``key`` (an uncompressed P-256 point), or None."""
    header, claims, signature = token.split(".")
    if json.loads(unb64url(header)) != {"typ": "JWT", "alg": "ES256"}:
        return None
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return None
    decoded: dict[str, Any] = json.loads(unb64url(claims))
    return decoded
