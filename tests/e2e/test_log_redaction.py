"""A real `fireline serve` process: requests that carry keys and tokens in their paths are logged,
and not one line of the log holds a key or a token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.conftest import EXAMPLE
from tests.e2e.ingest_support import AM_KEY, AM_URL, HB_KEY, am_alert, am_webhook
from tests.e2e.servers import start_server

ACK_TOKEN = "1.carol.1764763200.0123456789abcdef0123456789abcdef01234567"
ICAL_TOKEN = "carol.0123456789abcdef0123456789abcdef"


def test_no_key_or_token_reaches_the_log(tmp_path: Path) -> None:
    with start_server(tmp_path) as server:
        admin = {"Authorization": f"Bearer {server.token}"}
        applied = httpx.post(
            f"{server.url}/api/v1/config/apply",
            content=EXAMPLE.read_text(),
            headers={**admin, "Content-Type": "application/yaml"},
        )
        assert applied.status_code == 200, applied.text
        alert = am_webhook(am_alert("HighErrorRate", "fp-1", datetime.now(UTC)))
        assert httpx.post(f"{server.url}{AM_URL}", json=alert).status_code == 200
        assert httpx.post(f"{server.url}/api/v1/heartbeats/{HB_KEY}").status_code == 200
        assert httpx.get(f"{server.url}/ack/{ACK_TOKEN}").status_code == 401
        assert httpx.get(f"{server.url}/ical/{ICAL_TOKEN}.ics").status_code == 404
        unknown = (
            f"{server.url}/api/v1/integrations/alertmanager/am0nope000000000000000000000000001"
        )
        assert httpx.post(unknown, json=alert).status_code == 404
        server.process.terminate()
        server.process.wait(timeout=15)
        log = next(tmp_path.glob("serve-*.log")).read_text()

    assert "POST /api/v1/integrations/alertmanager/[redacted]" in log  # requests are logged
    assert "Logging error" not in log  # a redacted line is still written, not a traceback
    for secret in (AM_KEY, HB_KEY, ACK_TOKEN, ICAL_TOKEN, "am0nope", server.token):
        assert secret not in log.replace(server.output, ""), secret


def test_no_channel_secret_reaches_the_log(tmp_path: Path) -> None:
    """#13: a server with every channel's secret set texts a code through Twilio, posts a page
    through the Slack app, takes Slack, Mattermost and Twilio requests (forged and genuine) and
    fails an Apprise page whose URL holds a token; no secret is in its log."""
    from tests.e2e.chat_support import (
        BOT_TOKEN,
        MATTERMOST_TOKEN,
        SIGNING_SECRET,
        SLACK_PEOPLE,
        command_body,
        slack_signed,
    )
    from tests.e2e.servers import free_port
    from tests.e2e.slack_double import SlackDouble
    from tests.e2e.twilio_double import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioDouble

    apprise_token = "AAapprisesecret0123456789"
    hook = '      - {id: carol-hook, type: webhook, url: "http://127.0.0.1:9199/hooks/carol"}\n'
    config = EXAMPLE.read_text().replace(
        hook,
        hook
        + '      - {id: carol-sms, type: sms, number: "+15550001003"}\n'
        + "      - {id: carol-slack, type: slack, channel: D0CAROL}\n"
        + f'      - {{id: carol-x, type: apprise, url: "json://carol:{apprise_token}@127.0.0.1:9/x"}}\n',
    )
    twilio, slack, port = TwilioDouble(), SlackDouble(BOT_TOKEN, dict(SLACK_PEOPLE)), free_port()
    env = {
        "FIRELINE_BASE_URL": f"http://127.0.0.1:{port}",
        "FIRELINE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "FIRELINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "FIRELINE_TWILIO_FROM": FROM,
        "FIRELINE_TWILIO_API_URL": twilio.url,
        "FIRELINE_SLACK_BOT_TOKEN": BOT_TOKEN,
        "FIRELINE_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "FIRELINE_SLACK_API_URL": slack.url,
        "FIRELINE_MATTERMOST_COMMAND_TOKEN": MATTERMOST_TOKEN,
    }
    try:
        with start_server(tmp_path, env=env, port=port) as server:
            bearer = {"Authorization": f"Bearer {server.token}"}
            admin = httpx.Client(base_url=server.url, headers=bearer)
            twilio_side = httpx.Client(base_url=server.url)
            applied = admin.post(
                "/api/v1/config/apply",
                content=config,
                headers={"Content-Type": "application/yaml"},
            )
            assert applied.status_code == 200, applied.text
            assert admin.post("/api/v1/contacts/carol/carol-sms/verify").status_code == 200
            for contact in ("carol-slack", "carol-x"):
                admin.post(f"/api/v1/contacts/carol/{contact}/test")
            body = command_body("U0CAROL", "status 1")
            signed = slack_signed(body, datetime.now(UTC).timestamp())
            assert httpx.post(f"{server.url}/api/v1/slack/commands", content=body, headers=signed)
            forged = {**signed, "X-Slack-Signature": "v0=" + "0" * 64}
            post = httpx.post(f"{server.url}/api/v1/slack/commands", content=body, headers=forged)
            assert post.status_code == 401
            mattermost = {"token": MATTERMOST_TOKEN, "user_name": "carol", "text": "help"}
            answered = httpx.post(f"{server.url}/api/v1/mattermost/commands", data=mattermost)
            assert answered.status_code == 200, answered.text
            params = {"From": "+15550001003", "To": FROM, "Body": "hi", "MessageSid": "SM1"}
            sms_url = f"{server.url}/api/v1/twilio/sms"
            assert twilio.webhook(twilio_side, sms_url, params).status_code == 200
            admin.close()
            twilio_side.close()
            server.process.terminate()
            server.process.wait(timeout=15)
            log = next(tmp_path.glob("serve-*.log")).read_text().replace(server.output, "")
    finally:
        twilio.close()
        slack.close()

    assert len(twilio.messages) == 1 and slack.state.called("chat.postMessage")
    assert "POST /api/v1/mattermost/commands" in log  # the requests are in the log
    for secret in (AUTH_TOKEN, BOT_TOKEN, SIGNING_SECRET, MATTERMOST_TOKEN, apprise_token):
        assert secret not in log, secret
