"""full-text search over incidents (SQLite FTS5, PostgreSQL tsvector + GIN)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 17:30:00

The search table is engine-specific and kept outside the ORM models.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE incident_search ("
            " incident_id INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_incident_search_document ON incident_search USING GIN (document)"
        )
        op.execute(
            "INSERT INTO incident_search (incident_id, document) SELECT id, to_tsvector('simple',"
            " title || ' ' || coalesce(state->>'summary', '') || ' '"
            " || coalesce(state->>'resolution_summary', '')) FROM incidents"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE incident_search USING fts5(title, body, tokenize='unicode61')"
        )
        op.execute(
            "INSERT INTO incident_search (rowid, title, body) SELECT id, title,"
            " coalesce(json_extract(state, '$.summary'), '') || ' ' ||"
            " coalesce(json_extract(state, '$.resolution_summary'), '') FROM incidents"
        )


def downgrade() -> None:
    op.execute("DROP TABLE incident_search")
