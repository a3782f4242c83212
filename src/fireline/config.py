"""Settings, from the environment (``FIRELINE_*``) or arguments. Nothing is created at import."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///fireline.db"


def _seconds(value: object) -> object:
    """``900`` (seconds) as well as ISO 8601 (``PT15M``) from the environment."""
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        return float(value)
    return value


Seconds = Annotated[timedelta, BeforeValidator(_seconds)]


class Settings(BaseSettings):
    """Every setting Fireline reads; documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="FIRELINE_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db (embedded) or postgresql://user@host/db.",
    )
    ingest_rate_limit: float = Field(
        default=1000.0,
        ge=0,
        description="Requests a second each integration key may send (bursts of twice that); 0: no limit.",
    )
    base_url: str = Field(
        default="",
        description=(
            "How people reach this server; pages link to incidents under it. Empty: the "
            "address `fireline serve` listens on (0.0.0.0 as 127.0.0.1)."
        ),
    )
    smtp_host: str = Field(
        default="", description="Mail server for email pages; empty: email is not sent."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Mail server port.")
    smtp_from: str = Field(
        default="fireline@localhost", description="The From address of email pages."
    )
    vapid_subject: str = Field(
        default="",
        description=(
            "Who push services may contact about Fireline's push pages (VAPID `sub`): a "
            "`mailto:` address or an https URL. Empty: `base_url` when it is https, else "
            "`mailto:` and `smtp_from`. Apple's push service refuses `localhost` addresses."
        ),
    )
    smtp_starttls: bool = Field(default=False, description="Use STARTTLS with the mail server.")
    smtp_username: str = Field(default="", description="Mail server login, if it needs one.")
    smtp_password: str = Field(default="", description="Mail server password.")
    twilio_account_sid: str = Field(
        default="",
        description="Twilio account SID (AC…) for SMS and voice pages; empty: sms and voice are off.",
    )
    twilio_auth_token: str = Field(
        default="",
        description=(
            "Twilio auth token: signs requests to Twilio and verifies Twilio's webhooks. A "
            "secret: never logged, never shown."
        ),
    )
    twilio_from: str = Field(
        default="",
        description="The Twilio phone number pages come from and people reply to (E.164).",
    )
    twilio_api_url: str = Field(
        default="https://api.twilio.com",
        description="Twilio's REST API; set it to reach Twilio through a proxy, or a test double.",
    )
    throttle_limit: int = Field(
        default=10,
        ge=0,
        description="Notifications one contact may receive per throttle window; more wait; 0: no limit.",
    )
    throttle_window: Seconds = Field(
        default=timedelta(minutes=15),
        description="The throttle window, in seconds or ISO 8601 (PT15M).",
    )
    worker_lease: Seconds = Field(
        default=timedelta(seconds=60),
        gt=timedelta(0),
        description="How long a worker holds a claimed job before another may take it over.",
    )
    retention_alerts: Seconds = Field(
        default=timedelta(0),
        ge=timedelta(0),
        description=(
            "Delete resolved alerts this long after they resolved (never one of an open "
            "incident), in seconds or ISO 8601 (P90D); 0: keep them forever."
        ),
    )
    retention_deliveries: Seconds = Field(
        default=timedelta(0),
        ge=timedelta(0),
        description=(
            "Delete delivery-log rows this long after they were sent, failed or cancelled, "
            "in seconds or ISO 8601 (P30D); 0: keep them forever."
        ),
    )
    durability: Literal["full", "normal"] = Field(
        default="full",
        description="SQLite fsync policy: full survives power loss, normal only process crashes.",
    )
    metrics_token: str = Field(
        default="",
        description="If set, `/metrics` answers only requests with `Authorization: Bearer <token>`.",
    )
    worker_stale_after: Seconds = Field(
        default=timedelta(minutes=2),
        gt=timedelta(0),
        description=(
            "`/readyz` fails when no worker finished a cycle for this long, or a due job has "
            "waited this long; seconds or ISO 8601."
        ),
    )
    deadman_url: str = Field(
        default="",
        description=(
            "Dead man's switch: a URL the worker calls (GET) every `deadman_interval` while "
            "it is healthy, so an outside system notices when Fireline stops; empty: off."
        ),
    )
    deadman_interval: Seconds = Field(
        default=timedelta(minutes=1),
        gt=timedelta(0),
        description="How often the worker calls `deadman_url`; seconds or ISO 8601.",
    )
    slack_bot_token: str = Field(
        default="",
        description=(
            "The Slack app's bot token (xoxb-…): pages and announcements to `channel` contacts, "
            "incident channels; empty: the Slack app is off (incoming webhooks still work)."
        ),
    )
    slack_signing_secret: str = Field(
        default="",
        description=(
            "The Slack app's signing secret: requests to /api/v1/slack/* must carry its v0 "
            "signature; empty: those routes refuse everything."
        ),
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        description="Where Slack's Web API is (set it to reach a proxy or a test double).",
    )
    mattermost_command_token: str = Field(
        default="",
        description=(
            "The token Mattermost sends with the `/incident` slash command; empty: "
            "/api/v1/mattermost/commands refuses everything."
        ),
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per log line (with the request id); `text`: plain lines.",
    )
