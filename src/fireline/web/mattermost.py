"""Mattermost: the ``/incident`` slash command (Mattermost sends the command's token, compared
in constant time with FIRELINE_MATTERMOST_COMMAND_TOKEN) and the buttons on pages (their
``integration.context`` carries Fireline's signature, checked before anything happens)."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fireline.bootstrap import Fireline
from fireline.errors import InvalidInput, Unauthenticated
from fireline.notify.chat import mattermost_escape
from fireline.services.chatops import buttons, commands, people
from fireline.services.chatops import mattermost as buttons_of
from fireline.services.chatops.commands import Caller


async def slash_command(request: Request) -> JSONResponse:
    """``/incident …`` from Mattermost, answered ephemerally."""
    core: Fireline = request.app.state.fireline
    body = await request.body()
    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    expected = core.settings.mattermost_command_token
    given = form.get("token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated(
            "this request does not carry the Mattermost command's token "
            "(FIRELINE_MATTERMOST_COMMAND_TOKEN)"
        )
    reply = await run_in_threadpool(_run_command, core, form)
    return JSONResponse({"response_type": "ephemeral", "text": reply})


def _run_command(core: Fireline, form: dict[str, str]) -> str:
    who = form.get("user_name") or form.get("user_id", "")
    caller = Caller(
        user_id=people.mattermost_user(
            uows=core.uow, user_id=form.get("user_id", ""), username=form.get("user_name", "")
        ),
        via="mattermost",
        unknown=people.unknown("Mattermost", mattermost_escape(who)),
        escape=mattermost_escape,
    )
    return commands.run(
        uows=core.uow, caller=caller, text=form.get("text", ""), base_url=core.base_url()
    )


async def action(request: Request) -> JSONResponse:
    """A button on a Fireline page in Mattermost: act, answer with the updated post."""
    core: Fireline = request.app.state.fireline
    try:
        payload: dict[str, Any] = await request.json()
    except ValueError:
        raise InvalidInput("send the JSON Mattermost posts for a message action") from None
    context = payload.get("context") if isinstance(payload, dict) else None
    if not isinstance(context, dict):
        raise Unauthenticated("this button was not made by Fireline")
    answer = await run_in_threadpool(_press, core, payload, context)
    return JSONResponse(answer)


def _press(core: Fireline, payload: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    chosen, incident_id = buttons_of.verify(uow=core.uow(), context=context)
    user_id = people.mattermost_user(
        uows=core.uow,
        user_id=str(payload.get("user_id", "")),
        username=str(payload.get("user_name", "")),
    )
    who = str(payload.get("user_name") or payload.get("user_id", ""))
    if user_id is None:
        return {"ephemeral_text": people.unknown("Mattermost", mattermost_escape(who))}
    result = buttons.press(
        uows=core.uow, user_id=user_id, action=chosen, incident_id=incident_id, via="mattermost"
    )
    if not result.done or result.view is None:
        return {"ephemeral_text": result.line}
    base = core.base_url()
    with core.uow() as uow:
        signed = buttons_of.buttons(uow=uow, base_url=base, incident_id=incident_id)
        uow.commit()
    attachment = buttons_of.attachment(result.view, base, signed, result.line)
    message = f":rotating_light: {attachment['title']}"
    return {"update": {"message": message, "props": {"attachments": [attachment]}}}


def routes() -> list[Route]:
    """Mattermost's request URLs (the command token or a signed context is the credential)."""
    return [
        Route("/api/v1/mattermost/commands", slash_command, methods=["POST"]),
        Route("/api/v1/mattermost/actions", action, methods=["POST"]),
    ]
