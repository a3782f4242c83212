"""The Slack app and Mattermost: people's chat user ids, services' incident channels, and the
channel opened for each incident

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:40:00

``users.slack_user_id`` / ``users.mattermost_user_id`` say who a chat user is in Fireline (else
the Slack user's email does); ``services.slack`` says whether incidents on the service get a
channel of their own; ``chat_channels`` remembers that channel, so a note typed in it lands on
its incident's timeline.
"""

import sqlalchemy as sa
from alembic import op

from fireline.storage.models import JSONType, UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("slack_user_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("mattermost_user_id", sa.String(64), nullable=True))
    op.create_index("ix_users_slack_user_id", "users", ["slack_user_id"])
    op.create_index("ix_users_mattermost_user_id", "users", ["mattermost_user_id"])
    op.add_column("services", sa.Column("slack", JSONType, nullable=True))
    op.create_table(
        "chat_channels",
        sa.Column(
            "incident_id",
            sa.Integer,
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "channel_id", name="uq_chat_channels_provider"),
    )


def downgrade() -> None:
    op.drop_table("chat_channels")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("slack")
    op.drop_index("ix_users_mattermost_user_id", table_name="users")
    op.drop_index("ix_users_slack_user_id", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mattermost_user_id")
        batch.drop_column("slack_user_id")
