"""rate limits kept in the database (failed logins and API tokens, shared by every process);
Standard Webhooks secrets, one per webhook contact; the audit log

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

from fireline.storage.models import JSONType, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])
    op.create_table(
        "webhook_secrets",
        sa.Column("owner", sa.String(60), primary_key=True),
        sa.Column("contact", sa.String(40), primary_key=True),
        sa.Column("secret", sa.String(120), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("details", JSONType, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.execute("DELETE FROM settings WHERE key = 'webhook_secret'")  # one secret signed everything


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("webhook_secrets")
    op.drop_table("rate_limits")
