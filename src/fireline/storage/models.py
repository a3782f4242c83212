"""Tables. Incidents keep a JSON snapshot of their state beside the append-only timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import text
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

# Who owns a directory object: `fireline apply` changes and deletes only what config owns.
CONFIG = "config"
API = "api"  # made through the API, the CLI or the UI (and everything older than ownership)

# Rows other rows or timelines refer to by number: an id once given is never given again
# (PostgreSQL sequences never go back; SQLite needs AUTOINCREMENT for that).
NEVER_REUSED: dict[str, bool] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


class Setting(Base):
    """Organisation-wide configuration sections: priorities, severities, workflows, …"""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]


class WorkerCycle(Base):
    """When each worker process last finished a cycle (``/readyz``, the metrics, every process)."""

    __tablename__ = "worker_cycles"
    worker: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_cycle_at: Mapped[datetime]


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    announcements: Mapped[list[Any]] = mapped_column(default=list)
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    contact_methods: Mapped[list[Any]]
    notification_rules: Mapped[list[Any]]
    created_at: Mapped[datetime]
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    mattermost_user_id: Mapped[str | None] = mapped_column(String(64), index=True)


class TeamMember(Base):
    __tablename__ = "team_members"
    team_id: Mapped[str] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Schedule(Base):
    """A schedule as configured; ``history`` keeps every earlier definition with when it changed."""

    __tablename__ = "schedules"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    time_zone: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    history: Mapped[list[Any]] = mapped_column(default=list)
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)


class ScheduleOverride(Base):
    """Someone takes over (or is added, or removed) for a time range."""

    __tablename__ = "schedule_overrides"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    start: Mapped[datetime]
    end: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    replaces: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


class EscalationPolicy(Base):
    __tablename__ = "escalation_policies"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict[str, Any]]
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)


class Service(Base):
    __tablename__ = "services"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    escalation_policy_id: Mapped[str | None] = mapped_column(ForeignKey("escalation_policies.id"))
    impact: Mapped[str] = mapped_column(String(8))
    auto_resolve: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_grouping: Mapped[dict[str, Any] | None]
    acknowledge_timeout_seconds: Mapped[int | None] = mapped_column(Integer)
    announcements: Mapped[list[Any]] = mapped_column(default=list)
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)
    status_page: Mapped[dict[str, Any] | None]  # {"auto": bool, "default_text": str}
    slack: Mapped[dict[str, Any] | None]  # {"incident_channels": bool, "priorities": [...]}


class Integration(Base):
    """An endpoint monitoring sends alerts to. A rotated key keeps working until its grace ends."""

    __tablename__ = "integrations"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    previous_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    previous_key_expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_beat_at: Mapped[datetime | None]
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    managed_by: Mapped[str] = mapped_column(String(8), default=API, server_default=API)


class WorkflowVersion(Base):
    """Every version of every workflow; incidents point at the one they started with."""

    __tablename__ = "workflow_versions"
    workflow_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ApiToken(Base):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class IncidentRow(Base):
    """The current state of an incident (a projection of its timeline) and the columns to filter on."""

    __tablename__ = "incidents"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(40), index=True)
    workflow_id: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int]
    priority: Mapped[str | None] = mapped_column(String(4), index=True)
    severity: Mapped[str | None] = mapped_column(String(20))
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    detected_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]]


class IncidentFactsRow(Base):
    """What the metrics read of an incident (see storage/reports.py): a narrow projection of
    its state and timeline, written with the incident, so a report over 100,000 incidents
    reads small rows and never parses ``state``. Keyed by detection time first, so a period's
    rows are one range of the key (and, on SQLite, stored together: no rowid)."""

    __tablename__ = "incident_facts"
    detected_at: Mapped[datetime] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    services: Mapped[str] = mapped_column(String(1000))  # service ids separated by spaces
    workflow_id: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str | None] = mapped_column(String(4))
    severity: Mapped[str | None] = mapped_column(String(20))
    drill: Mapped[bool] = mapped_column(Boolean)
    excluded: Mapped[bool] = mapped_column(Boolean)
    impact_started_at: Mapped[datetime | None]
    first_acknowledged_at: Mapped[datetime | None]  # the first, even if it expired since
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    reopened: Mapped[int] = mapped_column(Integer)
    time_in_phases: Mapped[dict[str, Any]]  # seconds per phase left, the current one left out
    current_phase: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("incident_id"), {"sqlite_with_rowid": False})


class IncidentService(Base):
    __tablename__ = "incident_services"
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), primary_key=True)
    __table_args__ = (Index("ix_incident_services_service", "service_id"),)


class IncidentEvent(Base):
    """The append-only timeline. ``seq`` numbers an incident's events from 1."""

    __tablename__ = "incident_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_incident_events_seq"),
        Index("ix_incident_events_kind_at", "kind", "at"),  # pages sent in a period
        NEVER_REUSED,
    )


class AlertRow(Base):
    """One alert: at most one open (not resolved) per integration and dedup key."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(255))
    group_key: Mapped[str] = mapped_column(String(600))
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(255))
    labels: Mapped[dict[str, Any]]
    payload: Mapped[dict[str, Any]]
    starts_at: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silences.id", ondelete="SET NULL"))
    __table_args__ = (
        Index(
            "uq_alerts_open",
            "integration_id",
            "dedup_key",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_alerts_group_incident", "service_id", "group_key", "incident_id"),
        Index("ix_alerts_incident", "incident_id"),
        Index("ix_alerts_history", "integration_id", "dedup_key", "resolved_at"),
        NEVER_REUSED,
    )


class SilenceRow(Base):
    """Alerts matching it are stored but open no incident and page nobody."""

    __tablename__ = "silences"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # silence | maintenance
    matchers: Mapped[list[Any]]
    service_id: Mapped[str | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class Job(Base):
    """Durable time-based work (escalation steps, page deliveries, …), claimed with a lease."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # pending | running | done | failed | cancelled
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(80))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_jobs_due", "status", "due_at"), NEVER_REUSED)


class Delivery(Base):
    """The delivery log: one row per notification, from queued to sent or failed (with the reason).

    ``recipient`` is a user id for pages, ``service:ID`` or ``team:ID`` for announcements.
    """

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # page | announcement | reminder | digest
    recipient: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(
        String(16)
    )  # queued|sending|sent|failed|throttled|coalesced|digested|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    # what the provider answered: its id for the message (a Twilio SID, a Slack ts) and status
    provider_ref: Mapped[str] = mapped_column(String(200), default="", server_default="")
    provider_status: Mapped[str] = mapped_column(String(200), default="", server_default="")
    queued_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_deliveries_recipient_sent", "recipient", "contact", "sent_at"),
        Index("ix_deliveries_provider_ref", "provider_ref"),
        NEVER_REUSED,
    )


class WebSession(Base):
    """A browser login. Only the SHA-256 of the cookie is stored; ``password_stamp`` ties the
    session to the password it was opened with, so changing the password ends every session."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    password_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class RateLimit(Base):
    """One fixed-window counter of the ``limits`` package (logins and tokens that failed):
    ``key`` names the limit and who it counts, ``hits`` how many until ``expires_at``."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """One administrative change, written in the same transaction as the change; never updated
    or deleted by Fireline."""

    __tablename__ = "audit_log"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]


class ChatChannel(Base):
    """The chat channel opened for an incident (Slack: ``#inc-<id>-<slug>``)."""

    __tablename__ = "chat_channels"
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("provider", "channel_id"),)


class WebhookSecret(Base):
    """The Standard Webhooks signing secret (``whsec_…``) of one webhook contact method:
    ``owner`` is the user id, or ``team:ID`` / ``service:ID`` for an announcement channel."""

    __tablename__ = "webhook_secrets"
    owner: Mapped[str] = mapped_column(String(60), primary_key=True)
    contact: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(16))  # config | generated
    created_at: Mapped[datetime]


class PostmortemRow(Base):
    """An incident's postmortem: Markdown sections, review status, reviewers.

    ``sections`` is a list of ``{id, title, body, public}``; ``version`` guards
    against two people saving over each other.
    """

    __tablename__ = "postmortems"
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    template: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # draft | in_review | published
    sections: Mapped[list[Any]]
    reviewers: Mapped[list[Any]]
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # public sections on /status
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class PostmortemComment(Base):
    __tablename__ = "postmortem_comments"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.incident_id", ondelete="CASCADE"), index=True
    )
    section: Mapped[str | None] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(String(10000))
    created_at: Mapped[datetime]


class FollowUpRow(Base):
    """A follow-up action of an incident's review (a projection of its timeline, for lists)."""

    __tablename__ = "follow_ups"
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(40), index=True)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    priority: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2000))
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class InboxMessage(Base):
    """A notification delivered to a person's built-in inbox (the `inbox` contact method)."""

    __tablename__ = "inbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # page | reminder
    title: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(String(4000), default="")
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_inbox_messages_user_id", "user_id", "id"), NEVER_REUSED)


class PushDevice(Base):
    """One browser or phone a person turned on "Notify this device" on: its Web Push
    subscription (the push service's ``endpoint`` and the browser's ``p256dh``/``auth`` keys)."""

    __tablename__ = "push_devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))  # what the person called it, or its browser
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("endpoint", name="uq_push_devices_endpoint"), NEVER_REUSED)


class PhoneVerification(Base):
    """Whether the owner of an sms or voice contact method proved they hold its number.

    ``verified_number`` is the number that was verified: when the config changes the contact's
    number it no longer matches, and the contact is unverified again. The pending code is kept
    only as a keyed hash (``code_hash``), with when it expires and how many wrong tries it had.
    """

    __tablename__ = "phone_verifications"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    contact: Mapped[str] = mapped_column(String(40), primary_key=True)
    verified_number: Mapped[str] = mapped_column(
        String(16), default="", server_default="", index=True
    )
    verified_at: Mapped[datetime | None]
    pending_number: Mapped[str] = mapped_column(String(16), default="", server_default="")
    code_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    code_sent_at: Mapped[datetime | None]
    code_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
