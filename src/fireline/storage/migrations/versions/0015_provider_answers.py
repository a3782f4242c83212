"""deliveries.provider_ref / provider_status: what each channel's provider answered

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:30:00

A Twilio message SID, a Slack ``ts``, a push service's status: the delivery log shows them, and
a provider's later status callback finds its delivery by ``provider_ref``. Rows from before the
upgrade keep empty strings.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("provider_ref", "provider_status"):
        op.add_column(
            "deliveries", sa.Column(column, sa.String(200), nullable=False, server_default="")
        )
    op.create_index("ix_deliveries_provider_ref", "deliveries", ["provider_ref"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_provider_ref", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("provider_status")
        batch.drop_column("provider_ref")
