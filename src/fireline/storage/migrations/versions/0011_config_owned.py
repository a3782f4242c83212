"""who owns each directory object (config or api); ids never reused on SQLite (#11)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:30:00

Ownership: nothing records which objects an earlier `fireline apply` made, so every object
that exists before this migration is marked ``api``: apply then deletes none of them unless
``--prune`` is given, and adopts (marks ``config``) those its file names.

Ids: SQLite gives a deleted row's id to the next row unless the table is AUTOINCREMENT, which
only a rebuilt table can be. Each table whose ids other rows or timelines refer to is rebuilt
with its rows (and so ``sqlite_sequence`` starts at the largest id kept). Foreign keys are off
while migrating on SQLite (see env.py): dropping the old table must not cascade to its children.
PostgreSQL sequences never go back; nothing to do there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OWNED = ("teams", "users", "schedules", "escalation_policies", "services", "integrations")
NEVER_REUSED = (
    "incidents",
    "incident_events",
    "alerts",
    "silences",
    "jobs",
    "deliveries",
    "schedule_overrides",
    "api_tokens",
    "postmortem_comments",
    "inbox_messages",  # from the built-in inbox (0010)
)


def upgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("managed_by", sa.String(8), nullable=False, server_default="api")
            )
    if op.get_bind().dialect.name == "sqlite":
        for table in _present(NEVER_REUSED):
            _rebuild(table, autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _present(NEVER_REUSED):
            _rebuild(table, autoincrement=False)
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("managed_by")


def _present(tables: tuple[str, ...]) -> list[str]:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    return [t for t in tables if t in existing]


def _rebuild(table: str, *, autoincrement: bool) -> None:
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
