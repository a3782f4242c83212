"""metrics: incident_facts (what a report reads of each incident), pages by time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 17:40:00

``incident_facts`` is filled in for existing incidents from their ``state``
and, for the first acknowledgement, their timeline, so a report covers them
at once.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fireline.storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = fireline.storage.models.UTCDateTime(timezone=True)
BATCH = 1000


def upgrade() -> None:
    facts = op.create_table(
        "incident_facts",
        sa.Column("detected_at", UTC, nullable=False),
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("services", sa.String(length=1000), nullable=False),
        sa.Column("workflow_id", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=True),
        sa.Column("severity", sa.String(length=20), nullable=True),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("impact_started_at", UTC, nullable=True),
        sa.Column("first_acknowledged_at", UTC, nullable=True),
        sa.Column("mitigated_at", UTC, nullable=True),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("time_in_phases", JSON, nullable=False),
        sa.Column("current_phase", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_facts_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("detected_at", "incident_id", name=op.f("pk_incident_facts")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_facts_incident_id")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_incident_events_kind_at", "incident_events", ["kind", "at"], unique=False)
    assert facts is not None
    backfill(op.get_bind(), facts)


def backfill(bind: sa.Connection, facts: sa.Table) -> None:
    """One ``incident_facts`` row per existing incident: its state's values, and the time of
    its first ``acknowledged`` event."""
    events = sa.table(
        "incident_events",
        sa.column("incident_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("at", UTC),
    )
    first_acks = dict(
        bind.execute(
            sa.select(events.c.incident_id, sa.func.min(events.c.at))
            .where(events.c.kind == "acknowledged")
            .group_by(events.c.incident_id)
        ).all()
    )
    incidents = sa.table("incidents", sa.column("id", sa.Integer()), sa.column("state", JSON))
    rows = bind.execute(sa.select(incidents.c.id, incidents.c.state)).all()
    for start in range(0, len(rows), BATCH):
        values = [_row(r.id, r.state, first_acks.get(r.id)) for r in rows[start : start + BATCH]]
        bind.execute(sa.insert(facts), values)


def _row(incident_id: int, state: dict[str, Any], first_ack: datetime | None) -> dict[str, Any]:
    stamps = state.get("timestamps", {})
    return {
        "incident_id": incident_id,
        "detected_at": _time(stamps["detected_at"]),
        "services": " ".join(state.get("services", ())),
        "workflow_id": state["workflow"],
        "priority": state.get("priority"),
        "severity": state.get("severity"),
        "drill": state.get("drill", False),
        "excluded": state.get("excluded", False),
        "impact_started_at": _time(stamps.get("impact_started_at")),
        "first_acknowledged_at": first_ack,
        "mitigated_at": _time(stamps.get("mitigated_at")),
        "resolved_at": _time(stamps.get("resolved_at")),
        "reopened": state.get("reopened", 0),
        **_phase_times(state.get("phase_history", [])),
    }


def _phase_times(visits: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds in each phase left (all visits summed); the phase the incident is in now, with
    all its visits, left out (``domain.metrics.phase_times`` as of this revision)."""
    totals: dict[str, float] = {}
    current = None
    for visit in visits:
        left_at = _time(visit.get("left_at"))
        if left_at is None:
            current = visit["phase"]
        else:
            spent = (left_at - datetime.fromisoformat(visit["entered_at"])).total_seconds()
            totals[visit["phase"]] = totals.get(visit["phase"], 0.0) + spent
    if current is not None:
        totals.pop(current, None)
    return {"time_in_phases": totals, "current_phase": current}


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def downgrade() -> None:
    op.drop_index("ix_incident_events_kind_at", table_name="incident_events")
    op.drop_table("incident_facts")
