"""alerts: the group index also holds the incident, so a group's newest incident is one seek

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 15:30:00

Replaces ix_alerts_group (service_id, group_key) with (service_id, group_key,
incident_id): the ingest path asks, for each group an alert arrives in, the
newest incident its alerts joined, which the old index answered by reading
every alert of the group (thousands in a storm).
"""

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_group_incident", ["service_id", "group_key", "incident_id"], unique=False
        )
        batch_op.drop_index("ix_alerts_group")


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_group", ["service_id", "group_key"], unique=False)
        batch_op.drop_index("ix_alerts_group_incident")
