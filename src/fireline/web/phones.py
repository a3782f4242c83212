"""Twilio's webhooks: SMS replies, page calls' TwiML and key presses, status callbacks.

Each request must carry an ``X-Twilio-Signature`` that verifies (the ``twilio`` package's
``RequestValidator``, keyed with FIRELINE_TWILIO_AUTH_TOKEN) over Fireline's PUBLIC address
(FIRELINE_BASE_URL) and the path: Twilio signs the URL it called, so a request signed for
another address, unsigned or signed with another token is refused (403). Answers are TwiML.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from fireline.bootstrap import Fireline
from fireline.errors import FirelineError
from fireline.notify.phone import SMS_PATH, STATUS_PATH, VOICE_PATH, page_call, sms_reply, spoken
from fireline.services.incidents import commands as incidents
from fireline.services.paging import phone_answers
from fireline.services.paging.phone_answers import Status
from fireline.web.problems import problem

MAX_BODY = 64 * 1024  # Twilio's webhook forms are a few hundred bytes


def _core(request: Request) -> Fireline:
    core: Fireline = request.app.state.fireline
    return core


def _twiml(response: TwiML) -> Response:
    return Response(str(response), media_type="text/xml")


async def _signed(request: Request) -> FormData | Response:
    """The request's form when Twilio signed it for our public address, else the refusal."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return problem(413, "Too large", "a Twilio webhook is a small form")
    core = _core(request)
    token = core.settings.twilio_auth_token
    if not token:
        return problem(403, "Forbidden", "SMS and voice are not configured on this server")
    body = await request.body()
    if len(body) > MAX_BODY:
        return problem(413, "Too large", "a Twilio webhook is a small form")
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    )
    form = FormData(pairs)
    base = await run_in_threadpool(core.base_url)
    query = f"?{request.url.query}" if request.url.query else ""
    url = base.rstrip("/") + request.url.path + query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(url, form, signature):
        detail = (
            "X-Twilio-Signature does not verify: Twilio signs the URL it calls with the auth "
            "token; check FIRELINE_BASE_URL and FIRELINE_TWILIO_AUTH_TOKEN"
        )
        return problem(403, "Forbidden", detail)
    return form


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def sms(request: Request) -> Response:
    """An SMS to Fireline's number: ``7a`` acknowledges, ``7e`` escalates; else help."""
    form = await _signed(request)
    if isinstance(form, Response):
        return form
    number, text = _field(form, "From"), _field(form, "Body")
    reply = await run_in_threadpool(
        lambda: phone_answers.answer_sms(uow=_core(request).uow(), number=number, text=text)
    )
    return _twiml(sms_reply(reply))


async def voice(request: Request) -> Response:
    """A page call answered (read the incident, take a key), a key pressed, or a call to
    Fireline's number (say how to answer by SMS)."""
    form = await _signed(request)
    if isinstance(form, Response):
        return form
    incident = request.query_params.get("incident", "")
    if not incident.isdigit():
        return _twiml(spoken("This is Fireline. Answer pages by text: reply 7a to acknowledge 7."))
    return _twiml(await run_in_threadpool(_call, _core(request), form, int(incident)))


def _call(core: Fireline, form: FormData, incident_id: int) -> VoiceResponse:
    answered_by = _field(form, "AnsweredBy")
    if answered_by.startswith(("machine", "fax")):
        status = Status(_field(form, "CallSid"), "in-progress", answered_by, call=True)
        phone_answers.note_status(uow=core.uow(), status=status)
        response = VoiceResponse()
        response.hangup()
        return response
    outbound = _field(form, "Direction").startswith("outbound")
    number = _field(form, "To" if outbound else "From")
    said = phone_answers.press(
        uow=core.uow(), number=number, incident_id=incident_id, digit=_field(form, "Digits")
    )
    return spoken(said) if said is not None else _reading(core, incident_id)


def _reading(core: Fireline, incident_id: int) -> VoiceResponse:
    try:
        view = incidents.get(uow=core.uow(), incident_id=incident_id, kinds=["declared"])
    except FirelineError as error:
        return spoken(f"Fireline: {error.message}")
    action = core.base_url().rstrip("/") + f"{VOICE_PATH}?incident={incident_id}"
    return page_call(incident_id, view.incident.priority, view.incident.title, action)


async def status(request: Request) -> Response:
    """Twilio's later word on an SMS or a call: recorded on the delivery it names."""
    form = await _signed(request)
    if isinstance(form, Response):
        return form
    call = "CallSid" in form
    said = Status(
        sid=_field(form, "CallSid" if call else "MessageSid"),
        status=_field(form, "CallStatus" if call else "MessageStatus"),
        answered_by=_field(form, "AnsweredBy"),
        error_code=_field(form, "ErrorCode"),
        call=call,
    )
    await run_in_threadpool(
        lambda: phone_answers.note_status(uow=_core(request).uow(), status=said)
    )
    return _twiml(VoiceResponse() if call else MessagingResponse())


def routes() -> list[Route]:
    return [
        Route(SMS_PATH, sms, methods=["POST"]),
        Route(VOICE_PATH, voice, methods=["POST"]),
        Route(STATUS_PATH, status, methods=["POST"]),
    ]
