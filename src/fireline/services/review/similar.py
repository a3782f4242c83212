"""Similar past incidents, shown when an incident is assessed, and recurrence warnings.

A new incident gets a ``recurrence_check`` job: if it closely matches a past
incident whose follow-ups are still open, ``recurrence_suspected`` goes on its
timeline — the lesson was learned but not yet acted on.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from fireline.domain import incident as rules
from fireline.domain.events import RecurrenceSuspected
from fireline.domain.jobs import Claimed, RecurrenceCheck
from fireline.domain.similarity import Match, rank
from fireline.domain.state import Incident
from fireline.storage.uow import UnitOfWork

ACTOR = "fireline:similar"


class SimilarRead(BaseModel):
    incident_id: int
    title: str
    score: float
    reasons: list[str]
    postmortem: str | None
    postmortem_url: str | None
    open_follow_ups: int
    recurrence: bool


def similar_incidents(*, uow: UnitOfWork, incident_id: int, limit: int = 5) -> list[SimilarRead]:
    """Past incidents on the same services with like words or shared alert labels, best first."""
    with uow.read():
        incident = uow.incidents.get(incident_id)
        matches = _matches(uow, incident, limit)
    return [
        SimilarRead(
            incident_id=m.incident.id,
            title=m.incident.title,
            score=m.score,
            reasons=m.reasons,
            postmortem=m.incident.postmortem,
            postmortem_url=f"/api/v1/incidents/{m.incident.id}/postmortem"
            if m.incident.postmortem
            else None,
            open_follow_ups=m.incident.open_follow_ups,
            recurrence=m.recurrence,
        )
        for m in matches
    ]


def _matches(uow: UnitOfWork, incident: Incident, limit: int) -> list[Match]:
    subject = uow.search.profile(incident, uow.search.alert_labels(incident.id))
    ids = [i for i in uow.search.candidates(incident, subject.words) if i < incident.id]
    return rank(subject, uow.search.profiles(ids), limit)


def plan_check(uow: UnitOfWork, incident: Incident, now: datetime) -> bool:
    """Queue the recurrence check of a new incident (off the path that created it)."""
    return uow.jobs.add(RecurrenceCheck(incident_id=incident.id), due_at=now, now=now)


def check_recurrence(uow: UnitOfWork, claimed: Claimed[RecurrenceCheck], now: datetime) -> None:
    """Say on the timeline which close past matches still have open follow-ups."""
    incident = uow.incidents.get(claimed.incident_id, for_update=True)
    found = [m for m in _matches(uow, incident, 5) if m.recurrence]
    if not found:
        return
    suspected = RecurrenceSuspected(
        at=now,
        actor=ACTOR,
        matches=[
            {
                "incident_id": m.incident.id,
                "title": m.incident.title,
                "score": m.score,
                "open_follow_ups": m.incident.open_follow_ups,
                "reasons": m.reasons,
            }
            for m in found
        ],
    )
    state, events = rules.record_news(incident, suspected)
    uow.incidents.save(state, events)
