"""The installable web app and its push actions, outside /api/v1's token auth.

``/sw.js`` is the service worker (served from the root, so its scope is the whole site),
``/manifest.webmanifest`` makes the UI installable (phones add it to the home screen, desktops
install it as an app), and ``POST /push/ack/{token}`` is a notification's Acknowledge button:
the service worker calls it with no session, the signed token says who and which incident.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from fireline.errors import FirelineError
from fireline.services.paging import push_actions
from fireline.web.problems import problem
from fireline.web.ui.templating import STATIC

MANIFEST = {
    "name": "Fireline",
    "short_name": "Fireline",
    "description": "Incidents, pages and on-call: acknowledge from this device.",
    "id": "/",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#b3261e",
    "icons": [
        {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


def service_worker(request: Request) -> Response:
    """Never cached for long: browsers check for a new worker at each navigation anyway."""
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers=headers)


def manifest(request: Request) -> Response:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


def acknowledge(request: Request) -> Response:
    core = request.app.state.fireline
    try:
        view = push_actions.acknowledge(uow=core.uow(), token=request.path_params["token"])
    except FirelineError as error:
        return problem(error.status, error.title, error.message)
    stamp = view.incident.timestamps.acknowledged_at
    return JSONResponse(
        {"incident": view.incident.id, "acknowledged_at": stamp.isoformat() if stamp else None}
    )


def routes() -> list[Route]:
    return [
        Route("/sw.js", service_worker, methods=["GET"]),
        Route("/manifest.webmanifest", manifest, methods=["GET"]),
        Route("/push/ack/{token}", acknowledge, methods=["POST"]),
    ]
