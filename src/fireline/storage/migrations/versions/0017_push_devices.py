"""push_devices: the browsers and phones people turned on "Notify this device" on (Web Push)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:40:00

One row per Web Push subscription: the push service's endpoint (unique: a browser has one per
site) and the browser's public keys the payload is encrypted to. A person has any number.
"""

import sqlalchemy as sa
from alembic import op

from fireline.storage.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_devices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_push_devices_user_id_users"),
            nullable=False,
        ),
        sa.Column("endpoint", sa.String(2000), nullable=False),
        sa.Column("p256dh", sa.String(200), nullable=False),
        sa.Column("auth", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_push_devices"),
        sa.UniqueConstraint("endpoint", name="uq_push_devices_endpoint"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_push_devices_user_id", "push_devices", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_push_devices_user_id", table_name="push_devices")
    op.drop_table("push_devices")
