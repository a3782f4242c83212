"""SMS and voice pages through Twilio (the official ``twilio`` package).

An SMS page is one short segment that says how to answer (``Reply 7a to ack, 7e to escalate``);
a voice page is a call whose TwiML Fireline serves when it is answered (``/api/v1/twilio/voice``
reads the incident and takes one key). Twilio answers each with a SID and a status, kept in the
delivery log; its status callbacks (``/api/v1/twilio/status``) update them later.

People's text (titles come from alert summaries) loses its control characters and line breaks
and is clipped, so a page stays one segment where it can; TwiML is XML built by the library, so
nothing in a title can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from fireline.notify import DeliveryFailed, Message, Receipt

TWILIO_API = "https://api.twilio.com"
SMS_PATH, VOICE_PATH, STATUS_PATH = (
    "/api/v1/twilio/sms",
    "/api/v1/twilio/voice",
    "/api/v1/twilio/status",
)
GSM_SEGMENT, UCS2_SEGMENT = 160, 70  # characters in one SMS segment, by encoding
# GSM 03.38's basic character set: text made only of these fits 160 characters a segment
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]  # untyped
    """The ``twilio`` client's own HTTP client, with a timeout, sending what it would send to
    https://api.twilio.com to ``api_url`` instead (a proxy, or a test double) when it is set."""

    def __init__(self, api_url: str, timeout: float = 10) -> None:
        super().__init__(timeout=timeout)
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.api_url != TWILIO_API and url.startswith(TWILIO_API + "/"):
            url = self.api_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class Twilio:
    """Texts and calls from Fireline's Twilio number; ``base`` says Fireline's public URL (where
    Twilio sends replies, key presses and status callbacks)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base: Callable[[], str],
        api_url: str = TWILIO_API,
    ) -> None:
        # always ours: the client's default has no timeout, and a page must not hang a worker
        http = RebasedHttpClient(api_url)
        self.client = Client(account_sid, auth_token, http_client=http, environment={})
        self.from_number, self.base = from_number, base

    def url(self, path: str) -> str:
        return self.base().rstrip("/") + path

    def text(self, number: str, body: str) -> Receipt:
        """Send one SMS; its SID and status."""
        sent = _calling(
            lambda: self.client.messages.create(
                to=number, from_=self.from_number, body=body, status_callback=self.url(STATUS_PATH)
            )
        )
        return Receipt(ref=str(sent.sid), status=str(sent.status))

    def call(self, number: str, **how: Any) -> Receipt:
        """Place one call (``url=`` its TwiML's address, or ``twiml=``); its SID and status."""
        placed = _calling(
            lambda: self.client.calls.create(
                to=number,
                from_=self.from_number,
                status_callback=self.url(STATUS_PATH),
                **how,
            )
        )
        return Receipt(ref=str(placed.sid), status=str(placed.status))

    def say(self, number: str, text: str) -> Receipt:
        """Call and say ``text`` (then hang up)."""
        return self.call(number, twiml=str(spoken(text)))


def _calling(request: Callable[[], Any]) -> Any:
    """Run one Twilio request; what went wrong as a DeliveryFailed (5xx, 429 and network
    trouble are temporary; Twilio refusing the number or the message is not)."""
    try:
        return request()
    except TwilioRestException as error:
        why = f"Twilio answered {error.status}: {error.msg}" + (
            f" (error {error.code})" if error.code else ""
        )
        raise DeliveryFailed(why, temporary=error.status >= 500 or error.status == 429) from None
    except requests.RequestException as error:
        raise DeliveryFailed(f"cannot reach Twilio: {error}", temporary=True) from None
    except TwilioException as error:
        raise DeliveryFailed(f"Twilio: {error}", temporary=False) from None


def not_verified(contact: dict[str, Any], owner: str) -> DeliveryFailed:
    return DeliveryFailed(
        f"number not verified: run fireline contact verify {owner} {contact['id']}",
        temporary=False,
    )


@contextmanager
def unnamed(contact: dict[str, Any]) -> Iterator[None]:
    """A failure whose reason names the contact's number (Twilio's refusals do) names the
    contact instead: the delivery log and the timeline are read by every viewer, and only the
    owner and admins see the number."""
    try:
        yield
    except DeliveryFailed as failed:
        reason = str(failed).replace(contact["number"], f"({contact['id']})")
        raise DeliveryFailed(reason, temporary=failed.temporary) from None


class _PhoneNotifier:
    """Pages to a contact's number once it is verified; a failure names the contact, not it."""

    def __init__(self, twilio: Twilio) -> None:
        self.twilio = twilio

    def send(self, contact: dict[str, Any], message: Message) -> Receipt:
        if not contact.get("verified"):
            raise not_verified(contact, message.user or "USER")
        with unnamed(contact):
            return self.reach(contact["number"], message)

    def reach(self, number: str, message: Message) -> Receipt:
        raise NotImplementedError


class SmsNotifier(_PhoneNotifier):
    """Pages (and tests, reminders) by SMS to a contact's verified number."""

    def reach(self, number: str, message: Message) -> Receipt:
        return self.twilio.text(number, sms_text(message))


class VoiceNotifier(_PhoneNotifier):
    """Pages by a phone call to a contact's verified number: answered, Fireline's voice webhook
    reads the incident and takes a key; an answering machine, no answer or busy is not a reach."""

    def reach(self, number: str, message: Message) -> Receipt:
        if message.kind != "page":
            return self.twilio.say(number, _said(message))
        url = self.twilio.url(f"{VOICE_PATH}?incident={message.incident_id}")
        return self.twilio.call(number, url=url, machine_detection="Enable")


def clean(text: str) -> str:
    """People's text on one line, without control characters."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def segment_size(text: str) -> int:
    """How many characters fit one SMS segment written in ``text``'s encoding."""
    return GSM_SEGMENT if set(text) <= _GSM else UCS2_SEGMENT


def sms_text(message: Message) -> str:
    """What an SMS says: a page in one segment where it can (the title clipped to fit)."""
    if message.kind == "test":
        return "Fireline test: this number gets your pages. Nothing to do."
    n = message.incident_id
    priority = f" {message.priority}" if message.priority else ""
    if message.kind == "page":
        head, tail = f"Fireline #{n}{priority} ", f". Reply {n}a to ack, {n}e to escalate"
    else:
        head, tail = f"Fireline #{n}{priority} ", f": {clean(message.text)} {message.url}"
    return head + _fit(clean(message.title), head + tail) + tail


def _fit(title: str, around: str) -> str:
    """``title`` clipped so that, with ``around``, the text fits one segment (if it can)."""
    size = segment_size(title + around)
    room = size - len(around)
    if len(title) <= room:
        return title
    if room < 8:  # not even a few words would fit: keep a readable start, in two segments
        return title[:40] + "…"
    return title[: room - 1].rstrip() + "…"


def _said(message: Message) -> str:
    if message.kind == "test":
        return "This is a test call from Fireline. This number gets your pages."
    return f"Fireline. Incident {message.incident_id}: {clean(message.title)[:300]}."


def spoken(text: str) -> VoiceResponse:
    """TwiML that says ``text`` and hangs up."""
    response = VoiceResponse()
    response.say(text)
    response.say("Goodbye.")
    response.hangup()
    return response


def page_call(incident_id: int, priority: str | None, title: str, action: str) -> VoiceResponse:
    """TwiML that reads an incident out and takes one key (1 acknowledges, 2 escalates,
    3 repeats) to ``action``; with no key, it says so and hangs up."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=action, method="POST", timeout=8)
    level = f"priority {' '.join(priority)}" if priority else "an incident"
    gather.say(f"This is Fireline, with {level}. Incident {incident_id}: {clean(title)[:300]}.")
    gather.say("Press 1 to acknowledge. Press 2 to escalate. Press 3 to hear this again.")
    response.append(gather)
    response.say("No key was pressed. Goodbye.")
    response.hangup()
    return response


def sms_reply(text: str) -> MessagingResponse:
    """TwiML answering an SMS with ``text``."""
    response = MessagingResponse()
    response.message(text)
    return response
