"""Paging: escalation steps and page deliveries, run from the jobs table.

Starting to page queues the first escalation step as a job, in the same
transaction as the incident change that caused it. Acknowledging or
resolving cancels what is still queued. Each job runs once per idempotency
key; a delivery retried after a crash carries the same idempotency key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fireline.domain import incident as rules
from fireline.domain.escalation import Policy, notifications
from fireline.domain.events import EscalatedNow, EscalationStepFired, Reassigned
from fireline.domain.incident import Act
from fireline.domain.jobs import AckTimeout, Claimed, Escalate, Page, Purpose, page_or_notice
from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.errors import Conflict, InvalidInput, NotFound
from fireline.services.oncall.schedules import on_call_within
from fireline.services.paging import delivery
from fireline.storage.models import EscalationPolicy, Service, User
from fireline.storage.uow import UnitOfWork

PAGING = (Escalate, Page)
ACTOR = "fireline:pager"


def pages_on_entry(workflow: Workflow, phase: str) -> bool:
    """Whether entering this phase starts paging the service's escalation policy."""
    return workflow.phase(phase).pages


def start_paging(
    uow: UnitOfWork, incident: Incident, now: datetime, *, run: str = "", declarer: str = ""
) -> bool:
    """Queue the first step of the first affected service's escalation policy (once per run).

    The policy is snapshotted into the job: editing it later never breaks this escalation.
    ``run`` tells a restart (after an acknowledgement expired) from the first escalation;
    the ``declarer`` of the incident is not paged for it.
    """
    if incident.timestamps.resolved_at is not None:
        return False
    policy = _policy_of(uow, incident)
    if policy is None:
        return False
    job = Escalate(incident_id=incident.id, policy=policy, run=run, declarer=declarer)
    return uow.jobs.add(job, due_at=now, now=now)


def stop_paging(uow: UnitOfWork, incident_id: int, now: datetime) -> int:
    """Cancel every queued step and page (the incident was acknowledged or resolved).

    A page being sent right now finishes and is recorded.
    """
    uow.deliveries.cancel_pages(incident_id, delivery.NOT_NEEDED, now)
    return uow.jobs.cancel(incident_id, PAGING, now)


def watch_acknowledgement(
    uow: UnitOfWork, after: Incident, acknowledged_at: datetime, now: datetime
) -> bool:
    """On a new acknowledgement, queue its timeout if a service of the incident has one."""
    timeouts = [
        row.acknowledge_timeout_seconds
        for row in (uow.directory.find(Service, s) for s in after.services)
        if row is not None and row.acknowledge_timeout_seconds
    ]
    if not timeouts:
        return False
    job = AckTimeout(incident_id=after.id, acknowledged_at=acknowledged_at)
    return uow.jobs.add(job, due_at=acknowledged_at + timedelta(seconds=min(timeouts)), now=now)


def expire_acknowledgement(uow: UnitOfWork, claimed: Claimed[AckTimeout], now: datetime) -> None:
    """The acknowledgement timed out unresolved: clear it and escalate again from the first step."""
    incident = uow.incidents.get(claimed.incident_id, for_update=True)
    acknowledged_at = incident.timestamps.acknowledged_at
    if acknowledged_at is None or acknowledged_at != claimed.job.acknowledged_at:
        return  # acknowledged again since, or already expired
    state, events = rules.expire_acknowledgement(
        Act(ACTOR, now), incident, claimed.due_at - acknowledged_at
    )
    uow.incidents.save(state, events)  # paging starts again: a reaction to the expiry


def _policy_of(uow: UnitOfWork, incident: Incident) -> dict[str, Any] | None:
    for service_id in incident.services:
        service = uow.directory.find(Service, service_id)
        if service is not None and service.escalation_policy_id:
            row = uow.directory.get(EscalationPolicy, service.escalation_policy_id)
            return dict(row.definition)
    return None


def run_escalation_step(uow: UnitOfWork, claimed: Claimed[Escalate], now: datetime) -> None:
    """Page the step's targets (each by their notification rules) and queue the next step."""
    job = claimed.job
    incident = uow.incidents.get(job.incident_id, for_update=True)
    if _settled(incident):
        return
    policy = Policy.from_definition(job.policy)
    position, run = job.position, job.run
    found = policy.step(position)
    if found is None:
        return
    step, round_ = found
    targets = _targets(uow, step.users, step.schedules, step.teams, now)
    users = [u for u in targets if u != job.declarer]
    label = f"{position}{run}"
    unreachable = [u for u in users if not queue_deliveries(uow, incident.id, u, label, now)]
    fired = EscalationStepFired(
        at=now,
        actor=ACTOR,
        policy=policy.id,
        step=position % len(policy.steps) + 1,
        round=round_ + 1,
        users=users,
        unreachable=unreachable,
        **({"declarer": job.declarer} if job.declarer in targets else {}),
    )
    state, events = rules.record_news(incident, fired)
    uow.incidents.save(state, events)
    next_due = policy.next_due(position, now)
    if next_due is not None:
        uow.jobs.add(job.next_step(), due_at=next_due, now=now)


def _settled(incident: Incident) -> bool:
    return (
        incident.timestamps.acknowledged_at is not None
        or incident.timestamps.resolved_at is not None
    )


def _targets(
    uow: UnitOfWork,
    users: tuple[str, ...],
    schedules: tuple[str, ...],
    teams: tuple[str, ...],
    now: datetime,
) -> list[str]:
    found = list(users)
    for schedule_id in schedules:
        try:
            found += on_call_within(uow, schedule_id, now)
        except NotFound:
            continue
    for team_id in teams:
        found += uow.directory.member_ids(team_id)
    return list(dict.fromkeys(found))


def queue_deliveries(
    uow: UnitOfWork,
    incident_id: int,
    user_id: str,
    label: str,
    now: datetime,
    *,
    reassigned: bool = False,
    purpose: Purpose = "page",
    text: str = "",
) -> bool:
    """Queue a page (or a ``reminder``) per notification rule; False if the user cannot be
    reached at all.

    ``label`` names what pages them (a step, a reassignment, a reminder) in the idempotency key.
    """
    user = uow.directory.find(User, user_id)
    if user is None:
        return False
    planned = notifications(user.contact_methods, user.notification_rules, now)
    for rule, note in enumerate(planned):
        job = page_or_notice(
            purpose,
            incident_id=incident_id,
            recipient=user_id,
            contact=note.contact,
            reassigned=reassigned,
            text=text,
            label=label,
            rule=rule,
        )
        delivery.queue(uow, job, due_at=note.at, now=now)
    return bool(planned)


def escalate_now(*, uow: UnitOfWork, actor: str, incident_id: int) -> None:
    """Fire the next escalation step now instead of at its time."""
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        job = uow.jobs.run_now(incident_id, Escalate, uow.now())
        if job is None:
            raise Conflict(
                f"incident {incident_id} is not being escalated (acknowledged, resolved, or no policy)"
            )
        step = job.position + 1
        now_event = EscalatedNow(at=uow.now(), actor=actor, step=step)
        state, events = rules.record_news(incident, now_event)
        uow.incidents.save(state, events)
        uow.commit()


def reassign(*, uow: UnitOfWork, actor: str, incident_id: int, user: str) -> None:
    """Page this user now (by their notification rules), whatever the escalation is doing."""
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        if incident.timestamps.resolved_at is not None:
            raise Conflict(f"incident {incident_id} is resolved; reopen it first")
        target = uow.directory.get(User, user, field="user")
        if not target.notification_rules:
            raise InvalidInput(
                f"{user} has no notification rules: nobody would be paged", field="user"
            )
        now = uow.now()
        queue_deliveries(
            uow, incident_id, user, f"reassign-{int(now.timestamp() * 1000)}", now, reassigned=True
        )
        reassigned = Reassigned(at=now, actor=actor, user=user)
        state, events = rules.record_news(incident, reassigned)
        uow.incidents.save(state, events)
        uow.commit()
