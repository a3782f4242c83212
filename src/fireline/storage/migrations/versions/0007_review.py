"""postmortems, their comments, follow-up actions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 17:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fireline.storage.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = fireline.storage.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sections", JSON, nullable=False),
        sa.Column("reviewers", JSON, nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_postmortems_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_postmortems")),
    )
    op.create_table(
        "postmortem_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=True),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("body", sa.String(length=10000), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["postmortems.incident_id"],
            name=op.f("fk_postmortem_comments_incident_id_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem_comments")),
    )
    op.create_index(
        op.f("ix_postmortem_comments_incident_id"),
        "postmortem_comments",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "follow_ups",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=True),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_follow_ups_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "id", name=op.f("pk_follow_ups")),
    )
    op.create_index(op.f("ix_follow_ups_owner"), "follow_ups", ["owner"], unique=False)
    op.create_index(op.f("ix_follow_ups_due_at"), "follow_ups", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_ups_due_at"), table_name="follow_ups")
    op.drop_index(op.f("ix_follow_ups_owner"), table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_index(op.f("ix_postmortem_comments_incident_id"), table_name="postmortem_comments")
    op.drop_table("postmortem_comments")
    op.drop_table("postmortems")
