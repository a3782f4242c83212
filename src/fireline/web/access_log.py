"""One log line per request, with a request id (``X-Request-ID``: the caller's, or a new one),
echoed in the response. A pure ASGI middleware: a few microseconds on the ingest hot path."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fireline.logs import REQUEST_ID

log = logging.getLogger("fireline.access")
HEADER = b"x-request-id"
_ACCEPTABLE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")  # anything else could forge log lines


def request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token, else a new random one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER and _ACCEPTABLE.fullmatch(value):
            return str(value.decode())
    return uuid.uuid4().hex


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (HEADER, rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
            _write(scope, rid, status, time.perf_counter() - started)


def _write(scope: Scope, rid: str, status: int, seconds: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    query = scope.get("query_string", b"")
    path = scope["path"] + (f"?{query.decode('latin-1')}" if query else "")
    client = scope.get("client")
    address = client[0] if client else "-"
    duration_ms = round(seconds * 1000, 1)
    log.info(
        '%s - "%s %s" %d %.1f ms request_id=%s',
        address,
        scope["method"],
        path,
        status,
        duration_ms,
        rid,
        extra={
            "request_id": rid,
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "client": address,
        },
    )
