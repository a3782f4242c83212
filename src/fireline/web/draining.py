"""Graceful shutdown of `fireline serve`: what a request that arrives after SIGTERM gets.

SIGTERM (or Ctrl-C) sets the app's ``stopping`` event. From then on uvicorn
accepts no connection; a request already being handled is answered as usual
(the ingest writer commits it first); a request that arrives later on a kept-
alive connection is refused with a 503, ``Retry-After`` and ``Connection:
close``, so the client (or the load balancer) sends it to another node.
"""

from __future__ import annotations

import threading
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from fireline.web.problems import problem

RETRY_AFTER_SECONDS = 5
STOP_SECONDS = 9.0  # from the signal to the exit, at most: the process is gone within 10 s


class Stopping:
    """Set once, when the server begins to stop; the embedded worker stops on the same event."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._began: float | None = None

    def begin(self) -> None:
        if self._began is None:
            self._began = time.monotonic()
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def remaining(self) -> float:
        """Seconds left of ``STOP_SECONDS`` since the signal."""
        began = time.monotonic() if self._began is None else self._began
        return max(0.0, STOP_SECONDS - (time.monotonic() - began))


class RefuseWhileStopping:
    """Answers every HTTP request with a 503 once the server is stopping."""

    def __init__(self, app: ASGIApp, stopping: Stopping) -> None:
        self.app, self.stopping = app, stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.stopping.is_set():
            await self.app(scope, receive, send)
            return
        refusal = problem(
            503,
            "Shutting down",
            "this server is shutting down; retry in a few seconds (another node may answer now)",
            {"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
        )
        await refusal(scope, receive, send)
