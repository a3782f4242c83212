"""What SMS pages say, how replies are read, and which Twilio statuses mean "not reached"."""

from __future__ import annotations

import pytest

from fireline.notify import Message
from fireline.notify.phone import GSM_SEGMENT, UCS2_SEGMENT, page_call, sms_text
from fireline.services.paging.phone_answers import Status, not_reached, read_reply


def page(title: str, incident_id: int = 7, priority: str | None = "P1") -> Message:
    return Message(
        incident_id=incident_id,
        title=title,
        priority=priority,
        phase="reporting",
        idempotency_key="k",
        url="https://fireline.example.com/incidents/7",
        user="bob",
    )


@pytest.mark.parametrize(
    ("reply", "read"),
    [
        ("7a", (7, "ack")),
        ("7A", (7, "ack")),
        (" 7 a ", (7, "ack")),
        ("#7a", (7, "ack")),
        ("7e", (7, "escalate")),
        ("12E.", (12, "escalate")),
        ("a7", None),
        ("7", None),
        ("7x", None),
        ("ack", None),
        ("7a please", None),
        ("", None),
    ],
)
def test_replies_are_read_in_the_documented_forms_only(
    reply: str, read: tuple[int, str] | None
) -> None:
    assert read_reply(reply) == read


def test_an_sms_page_says_how_to_answer() -> None:
    assert sms_text(page("Checkout 502s")) == (
        "Fireline #7 P1 Checkout 502s. Reply 7a to ack, 7e to escalate"
    )
    assert sms_text(page("x", priority=None)) == "Fireline #7 x. Reply 7a to ack, 7e to escalate"


def test_a_title_with_characters_outside_gsm_is_clipped_to_a_ucs2_segment() -> None:
    text = sms_text(page("Paiement refusé ✗ " + "encore " * 20))

    assert len(text) == UCS2_SEGMENT
    assert text.endswith("…. Reply 7a to ack, 7e to escalate")


def test_control_characters_and_line_breaks_never_reach_the_phone() -> None:
    text = sms_text(page("DB\x00 down\r\n\tnow\u2028really"))

    assert text.startswith("Fireline #7 P1 DB down now really. Reply")
    assert len(text) <= GSM_SEGMENT


def test_a_call_reads_the_title_as_text_not_markup() -> None:
    twiml = str(
        page_call(7, "P1", "<Hangup/> & <Redirect>evil</Redirect>", "https://x/voice?incident=7")
    )

    assert "<Redirect>" not in twiml and "&lt;Hangup/&gt; &amp; &lt;Redirect&gt;" in twiml
    assert '<Gather action="https://x/voice?incident=7" method="POST" numDigits="1"' in twiml


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (Status("CA1", "no-answer", call=True), "not reached: no answer"),
        (Status("CA1", "busy", call=True), "not reached: busy"),
        (Status("CA1", "failed", call=True), "not reached: failed"),
        (
            Status("CA1", "completed", "machine_end_beep", call=True),
            "not reached: answered by machine end beep",
        ),
        (Status("CA1", "completed", "human", call=True), None),
        (Status("CA1", "in-progress", call=True), None),
        (Status("SM1", "undelivered", error_code="30003"), "not reached: undelivered, error 30003"),
        (Status("SM1", "failed"), "not reached: failed"),
        (Status("SM1", "delivered"), None),
    ],
)
def test_which_statuses_mean_the_person_was_not_reached(status: Status, why: str | None) -> None:
    assert not_reached(status) == why


def test_the_api_url_setting_sends_twilios_requests_there_with_a_timeout() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from fireline.notify.phone import RebasedHttpClient

    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            paths.append(self.path)
            self.send_response(201)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy = RebasedHttpClient(f"http://127.0.0.1:{server.server_address[1]}/twilio/")
        answer = proxy.request(
            "POST", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
        )
    finally:
        server.shutdown()
        server.server_close()

    assert (answer.status_code, paths) == (201, ["/twilio/2010-04-01/Accounts/AC1/Messages.json"])
    assert proxy.timeout == RebasedHttpClient("https://api.twilio.com").timeout == 10
