"""phone_verifications: which sms and voice numbers their owners proved they hold

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:40:00

One row per (user, contact method): the number that was verified (a number changed in the config
no longer matches it, so it is paged no more until verified again) and the pending code (a keyed
hash, when it expires, how many wrong tries). Starts empty: every number is unverified.
"""

import sqlalchemy as sa
from alembic import op

from fireline.storage.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_verifications",
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("contact", sa.String(40), primary_key=True),
        sa.Column("verified_number", sa.String(16), nullable=False, server_default=""),
        sa.Column("verified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("pending_number", sa.String(16), nullable=False, server_default=""),
        sa.Column("code_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("code_sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_phone_verifications_verified_number", "phone_verifications", ["verified_number"]
    )


def downgrade() -> None:
    op.drop_index("ix_phone_verifications_verified_number", table_name="phone_verifications")
    op.drop_table("phone_verifications")
