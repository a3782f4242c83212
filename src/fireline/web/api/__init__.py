"""The JSON API under /api/v1, one router per concept; ``create_api`` serves it alone."""

from __future__ import annotations

from fastapi import FastAPI

from fireline.bootstrap import Fireline
from fireline.web import problems
from fireline.web.api import (
    admin,
    alerts,
    contacts,
    inbox,
    incidents,
    oncall,
    reports,
    review,
)

PREFIX = "/api/v1"


def include(app: FastAPI) -> None:
    """Mount every API router under /api/v1."""
    for router in (
        incidents.router,
        review.router,
        alerts.router,
        oncall.router,
        admin.router,
        contacts.router,
        inbox.router,
        reports.router,
    ):
        app.include_router(router, prefix=PREFIX)


def create_api(fireline: Fireline) -> FastAPI:
    """Only the API and its problem+json errors (no UI, ingest, worker or OpenAPI pages): what
    the CLI drives in-process in direct mode."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.fireline = fireline
    problems.install(app)
    include(app)
    return app
