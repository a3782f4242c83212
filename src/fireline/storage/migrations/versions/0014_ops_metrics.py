"""worker_cycles: when each worker process last finished a cycle (readiness, metrics)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:40:00

Starts empty: the first cycle of each worker after the upgrade writes its row.
"""

import sqlalchemy as sa
from alembic import op

from fireline.storage.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_cycles",
        sa.Column("worker", sa.String(80), primary_key=True),
        sa.Column("last_cycle_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker_cycles")
