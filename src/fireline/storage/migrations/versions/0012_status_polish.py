"""services.status_page: a service's opt-in to an automatic "investigating" on the status page

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:40:00

Existing services get none: the status page changes only when responders set it.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("status_page", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("status_page")
