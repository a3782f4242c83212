"""The Slack app's request URLs: interactivity (buttons) and the ``/incident`` slash command.

Slack signs each request (``v0``: HMAC-SHA256 of ``v0:timestamp:body`` with the app's signing
secret); a request without a valid signature, or signed more than five minutes from Fireline's
clock, is refused with 401 before anything is read from it. Slow work (the database, calls to
Slack) runs on a worker thread, after the request's transaction has committed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fireline.bootstrap import Fireline
from fireline.errors import InvalidInput, Unauthenticated
from fireline.notify.chat import slack_escape
from fireline.notify.slack_blocks import ACTION_PREFIX, blocks, fallback
from fireline.services.chatops import buttons, commands, people
from fireline.services.chatops.commands import Caller
from fireline.services.chatops.slack import card_for
from fireline.services.paging.channel_actions import Action

log = logging.getLogger("fireline.slack")


class _CoreClock(Clock):
    """Slack's verifier reads Fireline's clock (a fixed one in tests)."""

    def __init__(self, core: Fireline) -> None:
        self.core = core

    def now(self) -> float:
        return self.core.clock().timestamp()


async def _verified_form(request: Request, core: Fireline) -> dict[str, str]:
    """The request's form fields, once its Slack signature holds; Unauthenticated otherwise."""
    secret = core.settings.slack_signing_secret
    if not secret:
        raise Unauthenticated("the Slack app is not configured: set FIRELINE_SLACK_SIGNING_SECRET")
    body = await request.body()
    verifier = SignatureVerifier(secret, clock=_CoreClock(core))
    if not verifier.is_valid_request(body, dict(request.headers)):
        raise Unauthenticated(
            "this request is not signed by Slack (X-Slack-Signature), or was signed more than "
            "five minutes ago"
        )
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


def _email_of(core: Fireline) -> people.EmailOf:
    def email_of(slack_user_id: str) -> str | None:
        try:
            answer = core.slack().users_info(user=slack_user_id)
        except (SlackApiError, SlackClientError, OSError):
            return None
        profile = (answer.get("user") or {}).get("profile") or {}
        return str(profile.get("email") or "") or None

    return email_of


def _fireline_user(core: Fireline, slack_user_id: str) -> str | None:
    return people.slack_user(uows=core.uow, slack_user_id=slack_user_id, email_of=_email_of(core))


async def slash_command(request: Request) -> JSONResponse:
    """``/incident …``: answered ephemerally (only the person who typed it sees the answer)."""
    core: Fireline = request.app.state.fireline
    form = await _verified_form(request, core)
    reply = await run_in_threadpool(_run_command, core, form)
    return JSONResponse({"response_type": "ephemeral", "text": reply})


def _run_command(core: Fireline, form: dict[str, str]) -> str:
    slack_user_id = form.get("user_id", "")
    with core.uow().read() as uow:
        in_channel = uow.chat.incident_in("slack", form.get("channel_id", ""))
    caller = Caller(
        user_id=_fireline_user(core, slack_user_id),
        via="slack",
        unknown=people.unknown("Slack", slack_user_id),
        channel_incident=in_channel,
        escape=slack_escape,
    )
    return commands.run(
        uows=core.uow, caller=caller, text=form.get("text", ""), base_url=core.base_url()
    )


async def interaction(request: Request) -> Response:
    """A button on a Fireline card: act, then update the card in place (or explain, only to
    the person who pressed it, why nothing happened)."""
    core: Fireline = request.app.state.fireline
    form = await _verified_form(request, core)
    try:
        payload = json.loads(form.get("payload", ""))
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise InvalidInput("send the `payload` Slack posts for an interaction", field="payload")
    await run_in_threadpool(_press, core, payload)
    return Response(status_code=200)


@dataclass(frozen=True)
class _Press:
    """One press of a Fireline button, as Slack describes it."""

    action: Action
    incident_id: int
    slack_user_id: str
    channel: str
    ts: str


def _read_press(payload: dict[str, Any]) -> _Press | None:
    """The press a ``block_actions`` payload describes (None: the Open link, or not ours)."""
    pressed = [a for a in payload.get("actions") or [] if isinstance(a, dict)]
    if payload.get("type") != "block_actions" or not pressed:
        return None
    name = str(pressed[0].get("action_id", "")).removeprefix(ACTION_PREFIX)
    action, value = buttons.action_of(name), str(pressed[0].get("value", ""))
    if action is None or not value.isdigit():
        return None
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id", "")
    ts = (payload.get("message") or {}).get("ts") or container.get("message_ts", "")
    user = str((payload.get("user") or {}).get("id", ""))
    return _Press(action, int(value), user, str(channel), str(ts))


def _press(core: Fireline, payload: dict[str, Any]) -> None:
    press = _read_press(payload)
    if press is None:
        return
    user_id = _fireline_user(core, press.slack_user_id)
    if user_id is None:
        _tell(core, press, people.unknown("Slack", press.slack_user_id))
        return
    result = buttons.press(
        uows=core.uow,
        user_id=user_id,
        action=press.action,
        incident_id=press.incident_id,
        via="slack",
    )
    if not result.done or result.view is None:
        _tell(core, press, slack_escape(result.line))
        return
    card = card_for(result.view, core.base_url())
    outcome = f"{result.line} (<@{press.slack_user_id}>)"
    _calling_slack(
        lambda: core.slack().chat_update(
            channel=press.channel,
            ts=press.ts,
            text=fallback(card, outcome),
            blocks=blocks(card, outcome=outcome),
        )
    )


def _tell(core: Fireline, press: _Press, text: str) -> None:
    """A message only the presser sees, in the channel they pressed the button in."""
    _calling_slack(
        lambda: core.slack().chat_postEphemeral(
            channel=press.channel, user=press.slack_user_id, text=text
        )
    )


def _calling_slack(call: Callable[[], object]) -> None:
    """What was done is done: Slack failing to show it is logged, not turned into an error."""
    try:
        call()
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("Slack did not take the card's update: %s", error)


def routes() -> list[Route]:
    """Slack's request URLs (their signature is their credential: no token, no session)."""
    return [
        Route("/api/v1/slack/commands", slash_command, methods=["POST"]),
        Route("/api/v1/slack/interactions", interaction, methods=["POST"]),
    ]
