"""Checklist tasks that tick themselves when the fact they name holds."""

from __future__ import annotations

from fireline.domain import incident as rules
from fireline.storage.uow import UnitOfWork


def tick_done_tasks(uow: UnitOfWork, incident_id: int) -> None:
    """Tick the incident's open tasks whose ``done_when`` fact now holds (as "fireline").

    Runs as a reaction, inside the unit of work that saved the change: the
    newest state may be one another reaction saved a moment ago.
    """
    current = uow.incidents.latest(incident_id)
    state, events = rules.complete_tasks(uow.now(), current)
    if events:
        uow.incidents.save(state, events)
