"""The Slack card of an incident as it stands (for updating a message in place)."""

from __future__ import annotations

from fireline.notify.slack_blocks import Card
from fireline.services.incidents.commands import IncidentView


def card_for(view: IncidentView, base_url: str) -> Card:
    """The card of the incident ``view`` shows, its links under ``base_url``."""
    incident = view.incident
    return Card(
        incident_id=incident.id,
        title=("[DRILL] " if incident.drill else "") + incident.title,
        priority=incident.priority,
        phase=incident.phase,
        url=f"{base_url.rstrip('/')}/incidents/{incident.id}",
        acknowledged=incident.timestamps.acknowledged_at is not None,
        resolved=incident.timestamps.resolved_at is not None,
    )
