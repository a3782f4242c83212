"""SLA-breach checks: a job at each target's due time records a breach on the timeline.

Checks are queued whenever an incident's clocks may have moved (declared,
priority changed, reopened). A check recomputes the clocks when it runs, so a
check left over from an earlier priority does nothing unless the current
targets are breached too; each target is recorded breached once.
"""

from __future__ import annotations

from datetime import datetime

from fireline.domain import incident as rules
from fireline.domain.incident import Act
from fireline.domain.jobs import Claimed, SlaCheck
from fireline.domain.sla import SlaClock, sla_clocks
from fireline.domain.state import Incident
from fireline.services.admin import organisation
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:sla"


def plan(uow: UnitOfWork, incident: Incident, now: datetime, *, run: str = "") -> int:
    """Queue a check at the due time of every clock still running; how many were new.

    ``run`` tells a restarted clock (its milestone was cleared) from the first one.
    """
    queued = 0
    for clock in _clocks(uow, incident, now):
        if clock.stopped_at is None and clock.target not in incident.sla_breaches:
            job = SlaCheck(incident_id=incident.id, target=clock.target, run=run)
            queued += uow.jobs.add(job, due_at=clock.due_at, now=now)
    return queued


def check(uow: UnitOfWork, claimed: Claimed[SlaCheck], now: datetime) -> None:
    """Record the breach if the target's clock is breached now (and was not recorded yet)."""
    incident = uow.incidents.get(claimed.incident_id, for_update=True)
    target = claimed.job.target
    clock = next((c for c in _clocks(uow, incident, now) if c.target == target), None)
    if clock is None or not clock.breached:
        return
    state, events = rules.record_sla_breach(Act(ACTOR, now), incident, target, clock.due_at)
    uow.incidents.save(state, events)  # announced by a reaction


def _clocks(uow: UnitOfWork, incident: Incident, now: datetime) -> list[SlaClock]:
    if incident.priority is None:
        return []
    targets = organisation.priority_policy(uow).targets_for(incident.priority)
    return sla_clocks(targets, incident.timestamps.model_dump(), now)
