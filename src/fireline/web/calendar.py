"""``/ical/{token}.ics`` and ``/ical/{token}/{schedule}.ics``: on-call feeds for calendar apps."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from fireline.errors import FirelineError
from fireline.services.oncall import calendar


async def mine(request: Request) -> Response:
    return _feed(request, None)


async def schedule(request: Request) -> Response:
    return _feed(request, request.path_params["schedule"])


def _feed(request: Request, schedule_id: str | None) -> Response:
    core = request.app.state.fireline
    try:
        body = calendar.render_feed(
            uow=core.uow(), token=request.path_params["token"], schedule_id=schedule_id
        )
    except FirelineError as error:
        return PlainTextResponse(error.message, error.status)
    return Response(body, media_type="text/calendar; charset=utf-8")


def routes() -> list[Route]:
    return [
        Route("/ical/{token}.ics", mine, methods=["GET"]),
        Route("/ical/{token}/{schedule}.ics", schedule, methods=["GET"]),
    ]
