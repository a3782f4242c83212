"""``/ack/{token}``: the acknowledge link in pages. GET asks (mail scanners follow links), POST acts."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from fireline.errors import FirelineError
from fireline.services.paging import ack_links

PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Fireline</title><link rel="stylesheet" href="/static/fireline.css">
<body class="ack-page">{body}</body></html>"""


def _core(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.fireline


async def confirm(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        incident_id, user = ack_links.describe(uow=_core(request).uow(), token=token)
    except FirelineError as error:
        return HTMLResponse(PAGE.format(body=f"<p>{escape(error.message)}</p>"), error.status)
    form = (
        f"<p>Acknowledge incident #{incident_id} as <b>{escape(user)}</b>?</p>"
        '<form method="post"><button class="ack-button">Acknowledge</button></form>'
    )
    return HTMLResponse(PAGE.format(body=form))


async def acknowledge(request: Request) -> Response:
    token = request.path_params["token"]
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        view = ack_links.acknowledge_by_link(uow=_core(request).uow(), token=token)
    except FirelineError as error:
        if wants_json:
            return JSONResponse({"detail": error.message}, error.status)
        return HTMLResponse(PAGE.format(body=f"<p>{escape(error.message)}</p>"), error.status)
    if wants_json:
        return JSONResponse(
            {
                "incident": view.incident.id,
                "acknowledged_at": view.incident.timestamps.acknowledged_at.isoformat()
                if view.incident.timestamps.acknowledged_at
                else None,
            }
        )
    return HTMLResponse(
        PAGE.format(body=f"<p>Incident #{view.incident.id} is acknowledged. Thank you.</p>")
    )


def routes() -> list[Route]:
    return [
        Route("/ack/{token}", confirm, methods=["GET"]),
        Route("/ack/{token}", acknowledge, methods=["POST"]),
    ]
