"""delivery log, acknowledgement timeouts, announcements

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 17:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fireline.storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = fireline.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=80), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_deliveries_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deliveries_idempotency_key")),
    )
    op.create_index(op.f("ix_deliveries_incident_id"), "deliveries", ["incident_id"], unique=False)
    op.create_index(
        "ix_deliveries_recipient_sent",
        "deliveries",
        ["recipient", "contact", "sent_at"],
        unique=False,
    )
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("acknowledge_timeout_seconds", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("announcements", JSON, nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("announcements", JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("announcements")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("announcements")
        batch.drop_column("acknowledge_timeout_seconds")
    op.drop_index("ix_deliveries_recipient_sent", table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_incident_id"), table_name="deliveries")
    op.drop_table("deliveries")
