"""What the public status page reads: open incidents by service, and public status updates."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fireline.domain.events import StatusUpdatePosted, kind_of, parse_event
from fireline.domain.state import Incident
from fireline.storage.incidents import TimelineEntry
from fireline.storage.models import IncidentEvent, IncidentRow, IncidentService, Service


class StatusPageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def unresolved_on(self, service_ids: Collection[str]) -> list[tuple[str, Incident]]:
        """(service id, incident) for every unresolved, non-drill incident on these services."""
        query = (
            select(IncidentService.service_id, IncidentRow.state)
            .join(IncidentRow, IncidentRow.id == IncidentService.incident_id)
            .where(
                IncidentService.service_id.in_(service_ids),
                IncidentRow.resolved_at.is_(None),
                IncidentRow.closed_at.is_(None),
                IncidentRow.drill.is_(False),
            )
        )
        rows = self.session.execute(query).all()
        return [(service, Incident.model_validate(state)) for service, state in rows]

    def automatic_texts(self, service_ids: Collection[str]) -> dict[str, str]:
        """Service id -> default text, for the services that opt in to an automatic status."""
        query = select(Service.id, Service.status_page).where(Service.id.in_(service_ids))
        return {
            service: settings["default_text"]
            for service, settings in self.session.execute(query).all()
            if settings and settings.get("auto")
        }

    def status_updates_since(
        self, since: datetime, limit: int
    ) -> list[tuple[Incident, TimelineEntry]]:
        """Status updates (any visibility) of non-drill incidents since a time, newest first."""
        query = (
            select(IncidentRow.state, IncidentEvent)
            .join(IncidentRow, IncidentRow.id == IncidentEvent.incident_id)
            .where(
                IncidentEvent.kind == kind_of(StatusUpdatePosted),
                IncidentEvent.at >= since,
                IncidentRow.drill.is_(False),
            )
            .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc())
            .limit(limit)
        )
        return [
            (
                Incident.model_validate(state),
                TimelineEntry(row.seq, parse_event(row.kind, row.at, row.actor, row.data)),
            )
            for state, row in self.session.execute(query).all()
        ]
