"""Drill reports: how fast a practice incident was taken on and staffed.

A drill (``declare(..., drill=True)``) pages and runs its workflow for real;
its pages and announcements say ``[DRILL]``, and metrics leave it out. Its
report measures the response itself, from detection: time to the first page,
to the first acknowledgement, to each role being first held, to a full team
(every role of the workflow held), and the time spent in each phase.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from fireline.domain.events import Acknowledged, Event, PageFailed, PageSent, RoleAssigned
from fireline.errors import Conflict
from fireline.storage.uow import UnitOfWork


class DrillReport(BaseModel):
    incident_id: int
    title: str
    detected_at: datetime
    seconds_to_first_page: float | None
    seconds_to_acknowledge: float | None
    seconds_to_role: dict[str, float | None]
    seconds_to_full_team: float | None
    pages_sent: int
    pages_failed: int
    people_paged: list[str]
    seconds_in_phase: dict[str, float]
    finished: bool


def drill_report(*, uow: UnitOfWork, incident_id: int) -> DrillReport:
    """The drill's own report; a 409 for an incident that is not a drill."""
    with uow.read():
        incident = uow.incidents.get(incident_id)
        if not incident.drill:
            raise Conflict(f"incident {incident_id} is not a drill")
        workflow = uow.workflows.get(incident.workflow, incident.workflow_version)
        timeline = [e.event for e in uow.incidents.timeline(incident_id)]
        now = uow.now()
    start = incident.timestamps.detected_at or timeline[0].at

    def since(at: datetime | None) -> float | None:
        return (at - start).total_seconds() if at is not None else None

    def first(kind: type[Event]) -> datetime | None:
        return next((e.at for e in timeline if isinstance(e, kind)), None)

    roles: dict[str, float | None] = dict.fromkeys(workflow.roles)
    for event in timeline:
        if isinstance(event, RoleAssigned) and event.after and roles.get(event.role) is None:
            roles[event.role] = since(event.at)
    held = [seconds for seconds in roles.values() if seconds is not None]
    phases: dict[str, float] = {}
    for visit in incident.phase_history:
        spent = ((visit.left_at or now) - visit.entered_at).total_seconds()
        phases[visit.phase] = phases.get(visit.phase, 0.0) + spent
    sent = [e for e in timeline if isinstance(e, PageSent)]
    return DrillReport(
        incident_id=incident.id,
        title=incident.title,
        detected_at=start,
        seconds_to_first_page=since(first(PageSent)),
        seconds_to_acknowledge=since(first(Acknowledged)),
        seconds_to_role=roles,
        seconds_to_full_team=max(held) if held and len(held) == len(roles) else None,
        pages_sent=len(sent),
        pages_failed=sum(isinstance(e, PageFailed) for e in timeline),
        people_paged=sorted({e.user for e in sent}),
        seconds_in_phase=phases,
        finished=incident.timestamps.resolved_at is not None,
    )
