"""The incident page's side panels: similar past incidents and the pages sent (the delivery log).

Reads only, from the same services as ``GET …/similar`` and ``GET /api/v1/deliveries``.
"""

from __future__ import annotations

from typing import Any

from fireline.services.paging import delivery
from fireline.services.review import similar
from fireline.storage.uow import UnitOfWork

DELIVERIES_SHOWN = 20


def incident_panels(uow: UnitOfWork, incident_id: int) -> dict[str, Any]:
    """What the panels show, as template context: ``similar`` and ``deliveries``."""
    return {
        "similar": similar.similar_incidents(uow=uow, incident_id=incident_id),
        "deliveries": delivery.list_deliveries(
            uow=uow, incident_id=incident_id, limit=DELIVERIES_SHOWN
        ),
        "deliveries_shown": DELIVERIES_SHOWN,
    }
