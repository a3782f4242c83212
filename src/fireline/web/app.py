"""The ASGI application: ``create_app(settings)`` builds it, nothing is built at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from fireline import __version__
from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.web import (
    ack,
    api,
    api_docs,
    calendar,
    health,
    ingest,
    mattermost,
    phones,
    problems,
    push,
    slack,
    ui,
)
from fireline.web.access_log import AccessLog
from fireline.web.draining import RefuseWhileStopping, Stopping
from fireline.web.headers import SecurityHeaders
from fireline.web.ingest import GroupCommitWriter, RateLimiter
from fireline.worker import start_in_thread

log = logging.getLogger("fireline.serve")


def create_app(
    settings: Settings | None = None, *, fireline: Fireline | None = None, worker: bool = False
) -> FastAPI:
    """The whole HTTP application, on the given settings or an already wired core.

    With ``worker``, a job worker runs in a thread for as long as the app runs.
    """
    core = fireline or build(settings or Settings())
    stopping = Stopping()  # `fireline serve` begins it on SIGTERM, before uvicorn drains

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ingest_writer = GroupCommitWriter(core)
        app.state.ingest_writer.start()
        background = start_in_thread(core, stopping.event) if worker else None
        try:
            yield
        finally:
            stopping.begin()
            await app.state.ingest_writer.stop()
            if background is not None:
                _join(background, stopping.remaining())

    app = FastAPI(
        lifespan=lifespan,
        title="Fireline",
        version=__version__,
        description="Incident management from the first alert to the lessons learned.",
        openapi_url="/openapi.json",
        docs_url=None,  # served by api_docs from vendored assets
        redoc_url=None,
    )
    app.state.fireline = core
    app.state.stopping = stopping
    limit = core.settings.ingest_rate_limit
    app.state.rate_limiter = RateLimiter(limit, max(2 * limit, 10))
    problems.install(app)
    api.include(app)
    # After the API: `/api/v1/integrations/{id}/rotate` must not be read as an ingest key.
    ingest_routes = ingest.routes()
    app.router.routes.extend(ingest_routes)
    app.router.routes.extend(ack.routes())
    app.router.routes.extend(phones.routes())
    app.router.routes.extend(calendar.routes())
    app.router.routes.extend(push.routes())
    app.router.routes.extend(slack.routes())
    app.router.routes.extend(mattermost.routes())
    ui.install(app)
    app.include_router(api_docs.router)
    app.add_middleware(ingest.IngestFirst, routes=ingest_routes)  # innermost: see its docstring
    app.add_middleware(RefuseWhileStopping, stopping=stopping)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)  # outermost: one line per request, whatever answered it
    health.install(app, core)
    _problem_openapi(app)
    return app


def _join(worker: threading.Thread, timeout: float) -> None:
    """Wait for the embedded worker to finish its job in hand (it stopped claiming at the signal)."""
    worker.join(timeout)
    if worker.is_alive():
        log.warning("the embedded worker is still busy; the lease of its job in hand will expire")


def _problem_openapi(app: FastAPI) -> None:
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.problem_only_openapi(default())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
