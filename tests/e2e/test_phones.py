"""SMS and voice pages through Twilio: the official client against a local Twilio double, replies
and key presses signed as Twilio signs them, status callbacks, and verified numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.domain.sentences import describe
from fireline.services.admin.auth import Principal
from fireline.services.admin.configuration import apply_config
from fireline.services.incidents import commands as incidents
from fireline.services.paging import delivery, phones
from fireline.web.app import create_app
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.paging_support import receiving, timeline, work
from tests.e2e.twilio_double import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioDouble
from tests.e2e.ui_support import WebUser, set_passwords

PUBLIC = "https://fireline.example.com"
NUMBER = "+15550001003"
CAROL = Principal("carol", "responder")


def with_phones(number: str = NUMBER) -> str:
    """The example config; carol (on call at the test clock's time) also has an sms contact
    paged at once and a voice contact paged a minute later, on one number."""
    text = EXAMPLE.read_text()
    hook = '      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}\n'
    phones_ = (
        f'      - {{id: carol-sms, type: sms, number: "{number}"}}\n'
        f'      - {{id: carol-voice, type: voice, number: "{number}"}}\n'
    )
    rules = '      - {contact: carol-hook, after: "0s"}\n'
    more = (
        '      - {contact: carol-sms, after: "0s"}\n      - {contact: carol-voice, after: "1m"}\n'
    )
    assert hook in text and rules in text
    return text.replace(hook, hook + phones_).replace(rules, rules + more)


@pytest.fixture
def twilio() -> Iterator[TwilioDouble]:
    double = TwilioDouble()
    yield double
    double.close()


def settings_for(database_url: str, twilio: TwilioDouble) -> Settings:
    return Settings(
        database_url=database_url,
        base_url=PUBLIC,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from=FROM,
        twilio_api_url=twilio.url,
    )


@pytest.fixture
def phoned(database_url: str, clock: FakeClock, twilio: TwilioDouble) -> Iterator[Fireline]:
    core = build(settings_for(database_url, twilio), clock=clock, migrate=False)
    with receiving(core, config=with_phones()):
        yield core
    core.close()


@pytest.fixture
def web(phoned: Fireline) -> Iterator[TestClient]:
    with TestClient(create_app(fireline=phoned)) as client:
        yield client


def verify(core: Fireline, twilio: TwilioDouble, contact: str = "carol-sms") -> None:
    phones.request_code(
        uow=core.uow(), phone=core.phone(), who=CAROL, owner="carol", contact_id=contact
    )
    code = _code(twilio.messages[-1]["Body"])
    phones.confirm(uow=core.uow(), who=CAROL, owner="carol", contact_id=contact, code=code)


def _code(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def declare(core: Fireline, title: str = "Checkout 502s") -> int:
    view = incidents.declare(
        uow=core.uow(),
        actor="dana",
        title=title,
        services=["ledger"],
        impact="high",
        urgency="high",
    )
    return view.incident.id


def xml(response: object) -> ET.Element:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("text/xml")  # type: ignore[attr-defined]
    return ET.fromstring(response.text)  # type: ignore[attr-defined]


def sms_from(twilio: TwilioDouble, web: TestClient, body: str, number: str = NUMBER) -> str:
    params = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": ACCOUNT_SID,
        "From": number,
        "To": FROM,
        "Body": body,
    }
    root = xml(twilio.webhook(web, f"{PUBLIC}/api/v1/twilio/sms", params))
    assert root.tag == "Response"
    return "".join(m.text or "" for m in root.iter("Message"))


# --- SMS ------------------------------------------------------------------------------------


def test_an_sms_page_is_one_segment_that_says_how_to_answer(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)

    page = twilio.messages[-1]
    assert (
        page["Body"]
        == f"Fireline #{incident} P1 Checkout 502s. Reply {incident}a to ack, {incident}e to escalate"
    )
    assert (page["To"], page["From"]) == (NUMBER, FROM)
    assert page["StatusCallback"] == f"{PUBLIC}/api/v1/twilio/status"
    [logged] = [
        d
        for d in delivery.list_deliveries(uow=phoned.uow())
        if d.contact == "carol-sms" and d.purpose == "page"
    ]
    assert (logged.status, logged.provider_ref, logged.provider_status) == (
        "sent",
        page["Sid"],
        "queued",
    )


def test_a_long_title_is_clipped_to_one_segment_and_loses_its_line_breaks(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned, title="Disk full on db-1\nand " + "very long words " * 10)
    work(phoned)

    body = twilio.messages[-1]["Body"]
    assert len(body) <= 160 and "\n" not in body
    assert body.startswith(f"Fireline #{incident} P1 Disk full on db-1 and very")
    assert body.endswith(f"…. Reply {incident}a to ack, {incident}e to escalate")


def test_a_reply_7a_acknowledges_as_the_numbers_owner_and_stops_the_other_pages(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient, clock: FakeClock
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)

    answer = sms_from(twilio, web, f" {incident}A ")
    clock.advance(minutes=2)
    work(phoned)

    assert answer == f"Fireline: #{incident} acknowledged by carol. Paging stopped."
    [acked] = incidents.get(uow=phoned.uow(), incident_id=incident, kinds=["acknowledged"]).timeline
    assert (acked.event.actor, timeline(phoned, incident, "acknowledged")[0]["via"]) == (
        "carol",
        "sms",
    )
    assert describe(acked.event).text == "Acknowledged from SMS; paging stopped"
    voice = [d for d in delivery.list_deliveries(uow=phoned.uow()) if d.contact == "carol-voice"]
    assert [d.status for d in voice] == ["cancelled"]  # the call due a minute later never went
    assert twilio.calls == []


def test_a_reply_7e_escalates_and_anything_else_gets_help(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)

    escalated = sms_from(twilio, web, f"#{incident} e")
    helped = sms_from(twilio, web, "what is this?")
    unknown = sms_from(twilio, web, f"{incident}a", number="+15550007777")
    missing = sms_from(twilio, web, "999a")

    assert escalated == f"Fireline: #{incident} escalated to the next step."
    [now] = incidents.get(uow=phoned.uow(), incident_id=incident, kinds=["escalated_now"]).timeline
    assert now.event.actor == "carol"
    assert helped.startswith("Fireline: reply with the incident number") and "7a" in helped
    assert unknown == "Fireline: this number is not a verified contact of any Fireline user."
    assert missing.startswith("Fireline: ") and "999" in missing
    assert timeline(phoned, incident, "acknowledged") == []


def test_unsigned_wrongly_signed_and_elsewhere_signed_webhooks_are_refused(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)
    url = f"{PUBLIC}/api/v1/twilio/sms"
    params = {"From": NUMBER, "To": FROM, "Body": f"{incident}a", "MessageSid": "SM" + "2" * 32}

    unsigned = twilio.webhook(web, url, params, signature="")
    wrong_token = twilio.webhook(web, url, params, token="0" * 32)
    internal_url = twilio.webhook(
        web, url, params, signed_url="http://testserver/api/v1/twilio/sms"
    )
    other_path = twilio.webhook(web, url, params, signed_url=f"{PUBLIC}/api/v1/twilio/voice")
    tampered = twilio.webhook(
        web, url, params, signature=twilio.sign(url, {**params, "Body": "hello"})
    )
    for path in ("voice", "status"):
        assert (
            twilio.webhook(web, f"{PUBLIC}/api/v1/twilio/{path}", params, signature="x").status_code
            == 403
        )

    for refused in (unsigned, wrong_token, internal_url, other_path, tampered):
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert "X-Twilio-Signature does not verify" in unsigned.json()["detail"]
    assert timeline(phoned, incident, "acknowledged") == []
    assert sms_from(twilio, web, f"{incident}a").endswith("Paging stopped.")  # signed: taken


def test_an_sms_delivery_that_never_arrived_is_marked_not_reached(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient
) -> None:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)
    sid = twilio.messages[-1]["Sid"]

    sent = twilio.webhook(
        web, f"{PUBLIC}/api/v1/twilio/status", {"MessageSid": sid, "MessageStatus": "sent"}
    )
    failed = twilio.webhook(
        web,
        f"{PUBLIC}/api/v1/twilio/status",
        {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )

    assert xml(sent).tag == "Response" and xml(failed).tag == "Response"
    [logged] = [d for d in delivery.list_deliveries(uow=phoned.uow()) if d.provider_ref == sid]
    assert (logged.status, logged.provider_status) == ("failed", "undelivered")
    assert logged.reason == "not reached: undelivered, error 30003"
    [page_failed] = timeline(phoned, incident, "page_failed")
    assert page_failed["reason"] == "not reached: undelivered, error 30003"


# --- voice ----------------------------------------------------------------------------------


def _call_placed(
    phoned: Fireline, twilio: TwilioDouble, clock: FakeClock
) -> tuple[int, dict[str, str]]:
    verify(phoned, twilio)
    incident = declare(phoned)
    work(phoned)
    clock.advance(minutes=1)
    work(phoned)
    [call] = twilio.calls
    return incident, call


def answer(
    twilio: TwilioDouble, web: TestClient, call: dict[str, str], url: str, **extra: str
) -> ET.Element:
    params = {
        "CallSid": call["Sid"],
        "AccountSid": ACCOUNT_SID,
        "From": FROM,
        "To": NUMBER,
        "Direction": "outbound-api",
        "CallStatus": "in-progress",
        **extra,
    }
    return xml(twilio.webhook(web, url, params))


def test_a_voice_page_reads_the_incident_and_takes_a_key(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient, clock: FakeClock
) -> None:
    incident, call = _call_placed(phoned, twilio, clock)
    assert call["Url"] == f"{PUBLIC}/api/v1/twilio/voice?incident={incident}"
    assert (call["To"], call["MachineDetection"], call["StatusCallback"]) == (
        NUMBER,
        "Enable",
        f"{PUBLIC}/api/v1/twilio/status",
    )

    answered = answer(twilio, web, call, call["Url"], AnsweredBy="human")
    [gather] = answered.findall("Gather")
    again = answer(twilio, web, call, gather.get("action") or "", Digits="3")
    acked = answer(twilio, web, call, gather.get("action") or "", Digits="1")

    assert (gather.get("numDigits"), gather.get("action")) == ("1", call["Url"])
    said = " ".join(s.text or "" for s in gather.iter("Say"))
    assert f"Incident {incident}: Checkout 502s" in said and "Press 1 to acknowledge" in said
    assert ET.tostring(again) == ET.tostring(answered)  # 3 repeats
    assert "acknowledged by carol" in " ".join(s.text or "" for s in acked.iter("Say"))
    assert acked.find("Hangup") is not None
    [acknowledged] = incidents.get(
        uow=phoned.uow(), incident_id=incident, kinds=["acknowledged"]
    ).timeline
    assert describe(acknowledged.event).text == "Acknowledged from a phone call; paging stopped"


def test_no_answer_and_answering_machines_count_as_not_reached_and_escalation_goes_on(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient, clock: FakeClock
) -> None:
    incident, call = _call_placed(phoned, twilio, clock)

    status = twilio.webhook(
        web, f"{PUBLIC}/api/v1/twilio/status", {"CallSid": call["Sid"], "CallStatus": "no-answer"}
    )
    clock.advance(minutes=5)
    work(phoned)

    assert xml(status).tag == "Response"
    [logged] = [
        d for d in delivery.list_deliveries(uow=phoned.uow()) if d.provider_ref == call["Sid"]
    ]
    assert (logged.status, logged.reason) == ("failed", "not reached: no answer")
    failed = [(e["contact"], e["reason"]) for e in timeline(phoned, incident, "page_failed")]
    assert ("carol-voice", "not reached: no answer") in failed
    steps = [e["step"] for e in timeline(phoned, incident, "escalation_step_fired")]
    assert len(steps) == 2  # nobody acknowledged: the second step fired after five minutes


def test_an_answering_machine_is_hung_up_on_and_not_reached(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient, clock: FakeClock
) -> None:
    incident, call = _call_placed(phoned, twilio, clock)

    answered = answer(twilio, web, call, call["Url"], AnsweredBy="machine_start")

    assert answered.find("Hangup") is not None and answered.find("Gather") is None
    [logged] = [
        d for d in delivery.list_deliveries(uow=phoned.uow()) if d.provider_ref == call["Sid"]
    ]
    assert (logged.status, logged.reason) == ("failed", "not reached: answered by machine start")
    assert timeline(phoned, incident, "acknowledged") == []


# --- verification ---------------------------------------------------------------------------


def test_an_unverified_number_is_not_paged_and_says_how_to_verify(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    incident = declare(phoned)
    work(phoned)

    assert twilio.messages == []
    [logged] = [d for d in delivery.list_deliveries(uow=phoned.uow()) if d.contact == "carol-sms"]
    assert logged.status == "failed"
    assert logged.reason == "number not verified: run fireline contact verify carol carol-sms"
    assert any(e["contact"] == "carol-sms" for e in timeline(phoned, incident, "page_failed"))


def test_a_number_changed_in_the_config_is_unverified_again(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    verify(phoned, twilio)
    apply_config(uow=phoned.uow(), text=with_phones("+15550004444"), source="fireline.yaml")
    declare(phoned)
    work(phoned)

    assert len(twilio.messages) == 1  # the code; no page
    mine = {c["id"]: c for c in phones_of(phoned)}
    assert (mine["carol-sms"]["verified"], mine["carol-voice"]["verified"]) == (False, False)
    apply_config(uow=phoned.uow(), text=with_phones(), source="fireline.yaml")
    assert {c["id"]: c["verified"] for c in phones_of(phoned) if "number" in c} == {
        "carol-sms": True,
        "carol-voice": True,  # one number, verified once
    }


def phones_of(core: Fireline) -> list[dict[str, object]]:
    from fireline.services.paging.contacts import of_user

    return of_user(uow=core.uow(), user_id="carol")


def test_verification_through_the_api_wrong_expired_and_right(
    phoned: Fireline, twilio: TwilioDouble, clock: FakeClock
) -> None:
    from tests.e2e.conftest import Api

    api = Api(phoned)
    carol, bob = api.client_for("carol"), api.responder
    url = "/api/v1/contacts/carol/carol-sms/verify"

    sent = carol.post(url)
    too_soon = carol.post(url)
    by_bob = bob.post(url)
    not_a_phone = carol.post("/api/v1/contacts/carol/carol-hook/verify")
    code = _code(twilio.messages[-1]["Body"])
    wrong = carol.post(url, json={"code": "000000" if code != "000000" else "111111"})
    clock.advance(minutes=11)
    expired = carol.post(url, json={"code": code})

    assert sent.status_code == 200, sent.text
    assert (sent.json()["verified"], sent.json()["code_sent"]) == (False, True)
    assert (
        twilio.messages[-1]["To"] == NUMBER
        and "expires in 10 minutes" in twilio.messages[-1]["Body"]
    )
    assert too_soon.status_code == 429 and too_soon.headers["Retry-After"]
    assert by_bob.status_code == 403 and not_a_phone.status_code == 422
    assert wrong.status_code == 422 and "wrong code (4 tries left)" in wrong.json()["detail"]
    assert expired.status_code == 409 and "the code expired" in expired.json()["detail"]

    carol.post(url)
    right = carol.post(url, json={"code": _code(twilio.messages[-1]["Body"])})
    shown = carol.get("/api/v1/users/carol").json()["contact_methods"]
    to_others = bob.get("/api/v1/users/carol").json()["contact_methods"]

    assert right.status_code == 200 and right.json()["verified"] is True
    assert {c["id"]: c.get("verified") for c in shown}["carol-sms"] is True
    assert all(set(c) == {"id", "type"} for c in to_others)


def test_five_wrong_codes_void_the_code(phoned: Fireline, twilio: TwilioDouble) -> None:
    phones.request_code(
        uow=phoned.uow(), phone=phoned.phone(), who=CAROL, owner="carol", contact_id="carol-sms"
    )
    code = _code(twilio.messages[-1]["Body"])
    wrong = "000000" if code != "000000" else "111111"
    errors = []
    for _ in range(5):
        try:
            phones.confirm(
                uow=phoned.uow(), who=CAROL, owner="carol", contact_id="carol-sms", code=wrong
            )
        except Exception as error:  # noqa: BLE001 - the message is what we check
            errors.append(str(error))
    with pytest.raises(Exception, match="no code is waiting"):
        phones.confirm(
            uow=phoned.uow(), who=CAROL, owner="carol", contact_id="carol-sms", code=code
        )

    assert errors[-1].startswith("wrong code, 5 times: that code no longer works")
    with phoned.uow() as uow:
        assert uow.phones.pending("carol", "carol-sms") is None  # nothing of it is kept


def test_the_code_is_kept_only_as_a_keyed_hash(phoned: Fireline, twilio: TwilioDouble) -> None:
    phones.request_code(
        uow=phoned.uow(), phone=phoned.phone(), who=CAROL, owner="carol", contact_id="carol-sms"
    )
    code = _code(twilio.messages[-1]["Body"])

    with phoned.uow() as uow:
        pending = uow.phones.pending("carol", "carol-sms")
    assert pending is not None and code not in pending.code_hash and len(pending.code_hash) == 64
    import hashlib

    assert pending.code_hash != hashlib.sha256(code.encode()).hexdigest()


def test_a_test_page_to_an_unverified_number_fails_and_a_voice_test_is_a_call(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    from fireline.services.paging import contact_tests

    def tested(contact: str) -> contact_tests.ContactTested:
        return contact_tests.test(
            uow=phoned.uow(),
            notifier=phoned.pager(),
            base_url=PUBLIC,
            who=CAROL,
            owner="carol",
            contact_id=contact,
        )

    before = tested("carol-sms")
    verify(phoned, twilio)
    after, call = tested("carol-sms"), tested("carol-voice")

    assert (before.result, before.reason) == (
        "failed",
        "number not verified: run fireline contact verify carol carol-sms",
    )
    assert (after.result, after.provider_ref) == ("delivered", twilio.messages[-1]["Sid"])
    assert twilio.messages[-1]["Body"].startswith("Fireline test")
    assert call.result == "delivered" and call.provider_ref == twilio.calls[-1]["Sid"]
    spoken = ET.fromstring(twilio.calls[-1]["Twiml"])
    assert "test call from Fireline" in (spoken.find("Say").text or "")  # type: ignore[union-attr]


def test_twilio_refusing_a_number_fails_the_page_for_good(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    verify(phoned, twilio)
    twilio.refusals.append(
        (400, 21211, "The 'To' number +15550001003 is not a valid phone number.")
    )
    declare(phoned)
    work(phoned)

    [logged] = [
        d
        for d in delivery.list_deliveries(uow=phoned.uow())
        if d.contact == "carol-sms" and d.purpose == "page"
    ]
    assert logged.status == "failed" and logged.attempts == 1
    assert logged.reason == (
        "Twilio answered 400: Unable to create record: The 'To' number (carol-sms) is not a "
        "valid phone number. (error 21211)"
    )
    assert twilio.unauthorised == 0  # the client sent the account SID and token as Basic auth


# --- the CLI and the account page -----------------------------------------------------------


def test_fireline_contact_verify_sends_then_confirms_the_code(
    phoned: Fireline, twilio: TwilioDouble, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "FIRELINE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "FIRELINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "FIRELINE_TWILIO_FROM": FROM,
        "FIRELINE_TWILIO_API_URL": twilio.url,
        "FIRELINE_BASE_URL": PUBLIC,
    }.items():
        monkeypatch.setenv(name, value)

    sent = cli("contact", "verify", "carol", "carol-sms")
    code = _code(twilio.messages[-1]["Body"])
    wrong = cli("contact", "verify", "carol", "carol-sms", "--code", _other(code))
    malformed = cli("contact", "verify", "carol", "carol-sms", "--code", "12")
    right = cli("contact", "verify", "carol", "carol-sms", "--code", code, "--json")
    not_a_phone = cli("contact", "verify", "carol", "carol-hook")

    assert sent.code == 0, sent.err
    assert sent.out.strip() == (
        f"carol/carol-sms ({NUMBER}): A code was sent by SMS to {NUMBER}; confirm it within "
        "10 minutes with fireline contact verify carol carol-sms --code CODE"
    )
    assert wrong.code == 1 and "error: wrong code (4 tries left)" in wrong.err
    assert malformed.code == 2 and "code" in malformed.err
    assert right.code == 0 and right.json()["verified"] is True
    assert not_a_phone.code == 1
    assert "only sms and voice numbers are verified" in not_a_phone.err


def test_without_twilio_settings_verify_says_what_to_set(
    core: Fireline, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_config(uow=core.uow(), text=with_phones(), source="fireline.yaml")
    for name in (
        "FIRELINE_TWILIO_ACCOUNT_SID",
        "FIRELINE_TWILIO_AUTH_TOKEN",
        "FIRELINE_TWILIO_FROM",
    ):
        monkeypatch.delenv(name, raising=False)

    refused = cli("contact", "verify", "carol", "carol-sms")

    assert refused.code == 1
    assert "set FIRELINE_TWILIO_ACCOUNT_SID, FIRELINE_TWILIO_AUTH_TOKEN" in refused.err


def _other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_the_account_page_verifies_a_number(phoned: Fireline, twilio: TwilioDouble) -> None:
    set_passwords(phoned, "carol")
    carol = WebUser(create_app(fireline=phoned))
    assert carol.log_in("carol").status_code == 303

    before = carol.get("/account")
    sent = carol.post("/account/contacts/carol-sms/verify")
    code = _code(twilio.messages[-1]["Body"])
    wrong = carol.post("/account/contacts/carol-sms/verify", {"code": _other(code)})
    right = carol.post("/account/contacts/carol-sms/verify", {"code": code})
    forged = carol.client.post("/account/contacts/carol-sms/verify", data={"code": code})

    assert "not verified" in before.text and ">Verify</button>" in before.text
    assert sent.status_code == 200 and f"A code was sent to {NUMBER}" in sent.text
    assert wrong.status_code == 422 and "wrong code (4 tries left)" in wrong.text
    assert right.status_code == 200 and f"{NUMBER} is verified" in right.text
    assert "not verified" not in right.text and ">Verify</button>" not in right.text
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_the_auth_token_never_reaches_a_log_line(
    phoned: Fireline, twilio: TwilioDouble, web: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    import base64
    import logging

    from fireline.logs import Redact

    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(Redact())
    logging.getLogger("fireline").info("settings: FIRELINE_TWILIO_AUTH_TOKEN=%s", AUTH_TOKEN)
    verify(phoned, twilio)
    declare(phoned)
    work(phoned)
    twilio.webhook(
        web, f"{PUBLIC}/api/v1/twilio/sms", {"From": NUMBER, "Body": "hi"}, token="0" * 32
    )

    basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert "Twilio API Request" in caplog.text  # the client's own log was captured
    assert AUTH_TOKEN not in caplog.text and basic not in caplog.text


def test_a_real_server_texts_a_page_and_takes_the_signed_reply(
    phoned: Fireline, twilio: TwilioDouble, database_url: str, tmp_path: Path
) -> None:
    """`fireline serve` with its worker: a page by SMS through the official client, and the
    reply Twilio signs over FIRELINE_BASE_URL, over real HTTP both ways."""
    import httpx

    from fireline.services.admin import auth
    from tests.e2e.servers import free_port, start_server

    verify(phoned, twilio)
    token = auth.create_token(uow=phoned.uow(), user_id="alice")
    port = free_port()
    env = {
        "FIRELINE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "FIRELINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "FIRELINE_TWILIO_FROM": FROM,
        "FIRELINE_TWILIO_API_URL": twilio.url,
        "FIRELINE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    with start_server(
        tmp_path, database_url=database_url, env=env, token=token, port=port
    ) as server:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{server.url}/api/v1", headers=headers) as api:
            incident = api.post("/incidents", json={"title": "Checkout 502s"}).json()["id"]
            assert (
                api.post(f"/incidents/{incident}/reassign", json={"user": "carol"}).status_code
                < 300
            )
            page = twilio.wait_for_message(2)  # the first was the verification code
            with httpx.Client(base_url=server.url) as twilio_side:
                params = {
                    "From": NUMBER,
                    "To": FROM,
                    "Body": f"{incident}a",
                    "MessageSid": "SM" + "3" * 32,
                }
                reply = twilio.webhook(twilio_side, f"{server.url}/api/v1/twilio/sms", params)
            shown = api.get(f"/incidents/{incident}").json()

    assert (
        page["Body"].startswith(f"Fireline #{incident} ")
        and f"Reply {incident}a to ack" in page["Body"]
    )
    assert page["StatusCallback"] == f"{server.url}/api/v1/twilio/status"
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/xml")
    assert "acknowledged by carol" in reply.text
    assert shown["timestamps"]["acknowledged_at"] is not None


def test_a_code_twilio_refused_says_why_and_can_be_asked_for_again_at_once(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    from tests.e2e.conftest import Api

    carol = Api(phoned).client_for("carol")
    twilio.refusals.append((400, 21610, "Attempt to send to unsubscribed recipient"))

    refused = carol.post("/api/v1/contacts/carol/carol-sms/verify")
    again = carol.post("/api/v1/contacts/carol/carol-sms/verify")

    assert refused.status_code == 502
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        "the code could not be sent: Twilio answered 400: Unable to create record: Attempt to "
        "send to unsubscribed recipient (error 21610)"
    )
    assert again.status_code == 200 and len(twilio.messages) == 1


def test_a_number_twilio_names_in_its_refusal_is_not_shown_to_others(
    phoned: Fireline, twilio: TwilioDouble
) -> None:
    """Only carol and admins see carol's number (GET /api/v1/users/carol); Twilio's refusals
    name it, and the delivery log and the timeline are read by every viewer."""
    from tests.e2e.conftest import Api

    verify(phoned, twilio)
    twilio.refusals.append((400, 21211, f"The 'To' number {NUMBER} is not a valid phone number."))
    incident = declare(phoned)
    work(phoned)
    dana = Api(phoned).viewer

    logged = dana.get("/api/v1/deliveries").text
    shown = dana.get(f"/api/v1/incidents/{incident}").text

    assert "carol-sms" in logged and "is not a valid phone number" in logged
    assert NUMBER not in logged and NUMBER not in shown
    assert "The 'To' number (carol-sms) is not a valid phone number." in logged
