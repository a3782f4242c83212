"""A refused action carried across a redirect (POST/redirect/GET): the browser comes back to
the incident page's own address, which shows the reason next to the form with what was typed.

The refusal travels in a short-lived cookie for that incident's page, signed with the
session's CSRF token (nobody can put words on someone else's page), and is read once. One
too large for a cookie (a long message) is answered on the spot instead, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

COOKIE = "fireline_refusal"
MAX_BYTES = 3000
LIFETIME_SECONDS = 60


@dataclass(frozen=True)
class Refusal:
    where: str  # the form it came from
    message: str
    missing: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # what was typed


def redirect_back(request: Request, url: str, refusal: Refusal, key: str) -> Response | None:
    """A 303 to ``url`` that carries the refusal; None when it does not fit in a cookie."""
    payload = json.dumps(refusal.__dict__, separators=(",", ":")).encode()
    value = f"{_b64(payload)}.{_b64(_sign(payload, key))}"
    if len(value) > MAX_BYTES:
        return None
    response = RedirectResponse(f"{url}#{refusal.where}", status_code=303)
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=url,
    )
    return response


def take(request: Request, key: str) -> Refusal | None:
    """The refusal this page was redirected with, if its signature holds."""
    found = request.cookies.get(COOKIE, "")
    data, _, signature = found.partition(".")
    try:
        payload, given = _unb64(data), _unb64(signature)
        if not hmac.compare_digest(given, _sign(payload, key)):
            return None
        return Refusal(**json.loads(payload))
    except (ValueError, TypeError):
        return None


def forget(response: Response, path: str) -> None:
    response.delete_cookie(COOKIE, path=path)


def _sign(payload: bytes, key: str) -> bytes:
    return hmac.new(f"refusal:{key}".encode(), payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
