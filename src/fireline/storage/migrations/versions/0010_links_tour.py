"""the built-in inbox: notifications delivered inside Fireline

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import fireline.storage.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC = fireline.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=80), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_inbox_messages_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_inbox_messages_idempotency_key")),
    )
    op.create_index(
        op.f("ix_inbox_messages_incident_id"), "inbox_messages", ["incident_id"], unique=False
    )
    op.create_index("ix_inbox_messages_user_id", "inbox_messages", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_messages_user_id", table_name="inbox_messages")
    op.drop_index(op.f("ix_inbox_messages_incident_id"), table_name="inbox_messages")
    op.drop_table("inbox_messages")
