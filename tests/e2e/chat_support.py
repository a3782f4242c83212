"""Chat-ops tests' shared parts: a core wired to the Slack double, a config whose people have
Slack and Mattermost identities, and requests signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.admin.configuration import apply_config
from fireline.web.app import create_app
from tests.conftest import FakeClock
from tests.e2e.slack_double import SlackDouble

BOT_TOKEN = "xoxb-1-fireline-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MATTERMOST_TOKEN = "mm-command-token-123456"
BASE = "http://fireline.test"
SLACK_PEOPLE = {
    "U0BOB": "bob@example.com",
    "U0CAROL": "carol@example.com",
    "U0DANA": "dana@example.com",
    "U0ALICE": "alice@example.com",
}

CONFIG = """
teams:
  - {id: payments, name: Payments}
users:
  - id: alice
    name: Alice
    email: alice@example.com
    role: admin
    teams: [payments]
    contact_methods:
      - {id: alice-slack, type: slack, channel: D0ALICE}
    notification_rules:
      - {contact: alice-slack, after: "0s"}
  - id: bob
    name: Bob
    email: bob@example.com
    role: responder
    teams: [payments]
    slack_user_id: U0BOB
    mattermost_user_id: bob.okafor
    contact_methods:
      - {id: bob-slack, type: slack, channel: D0BOB}
      - {id: bob-mm, type: mattermost, url: "http://127.0.0.1:PORT/hooks/bob-mm"}
    notification_rules:
      - {contact: bob-slack, after: "0s"}
      - {contact: bob-mm, after: "0s"}
  - {id: carol, name: Carol, email: carol@example.com, role: responder, teams: [payments]}
  - id: dana
    name: Dana
    email: dana@example.com
    role: viewer
    slack_user_id: U0DANA
    mattermost_user_id: dana
schedules:
  - id: primary
    name: Payments primary
    layers:
      - name: all week
        rotation: {every: "1w", handoff: "2026-01-05T09:00"}
        users: [bob]
escalation_policies:
  - id: default
    name: Default
    steps:
      - targets: [{schedule: primary}]
        escalate_after: "5m"
      - targets: [{user: alice}]
        escalate_after: "5m"
services:
  - id: checkout-api
    name: Checkout API
    team: payments
    escalation_policy: default
    impact: high
    slack: {incident_channels: true, priorities: [P1, P2]}
    announce:
      - {id: payments-room, type: slack, channel: C0PAYMENTS, events: [declared, resolved]}
  - id: ledger
    name: Ledger
    team: payments
    escalation_policy: default
    impact: low
    slack: {incident_channels: true, priorities: [P1]}
priorities:
  matrix:
    high:   {high: P1, medium: P2, low: P3}
    medium: {high: P2, medium: P3, low: P4}
    low:    {high: P3, medium: P4, low: P5}
"""


@contextmanager
def chat_core(
    database_url: str, clock: FakeClock, port: int = 9
) -> Iterator[tuple[Fireline, SlackDouble]]:
    """A core whose Slack app talks to a fresh double, with CONFIG applied."""
    double = SlackDouble(BOT_TOKEN, dict(SLACK_PEOPLE))
    settings = Settings(
        database_url=database_url,
        base_url=BASE,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=double.url,
        mattermost_command_token=MATTERMOST_TOKEN,
    )
    core = build(settings, clock=clock, migrate=False)
    apply_config(uow=core.uow(), text=CONFIG.replace("PORT", str(port)), source="chat.yaml")
    try:
        yield core, double
    finally:
        core.close()
        double.close()


def client(core: Fireline) -> TestClient:
    return TestClient(create_app(fireline=core))


def slack_signed(body: str, at: float, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers as Slack sends them: v0 = HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    stamp = str(int(at))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(user: str, text: str, channel: str = "C0GENERAL") -> str:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0001",
            "channel_id": channel,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/incident",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/T0001/1/x",
            "trigger_id": "1.2.3",
        }
    )


def press_body(user: str, action: str, incident_id: int, channel: str, ts: str) -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "team": {"id": "T0001"},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"ts": ts, "type": "message"},
        "response_url": "https://hooks.slack.com/actions/T0001/1/x",
        "actions": [
            {
                "type": "button",
                "action_id": f"fireline_{action}",
                "block_id": f"incident-{incident_id}",
                "value": str(incident_id),
                "action_ts": str(time.time()),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
