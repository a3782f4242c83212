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
from fireline.domain.events import Incident
from fireline.domain.incident import Act
from fireline.domain.workflow import Workflow
from fireline.errors import Conflict, InvalidInput, NotFound
from fireline.notify import DeliveryFailed, Notifier, Page
from fireline.services.ack_tokens import link_for
from fireline.services.oncall import on_call_within
from fireline.storage.models import EscalationPolicy, Job, Service, User
from fireline.storage.uow import UnitOfWork

MAX_ATTEMPTS = 5
PAGING = ("escalate", "notify")
ACTOR = "fireline:pager"


def pages_on_entry(workflow: Workflow, phase: str) -> bool:
    """Whether entering this phase starts paging the service's escalation policy."""
    return any("page" in action for action in workflow.phase(phase).on_enter)


def start_paging(uow: UnitOfWork, incident: Incident, now: datetime) -> bool:
    """Queue the first step of the first affected service's escalation policy (once per incident).

    The policy is snapshotted into the job: editing it later never breaks this escalation.
    """
    if incident.timestamps.resolved_at is not None:
        return False
    policy = _policy_of(uow, incident)
    if policy is None:
        return False
    payload = {"incident_id": incident.id, "policy": policy, "position": 0}
    return uow.jobs.add(
        kind="escalate",
        due_at=now,
        payload=payload,
        key=f"escalate:{incident.id}:0",
        now=now,
        incident_id=incident.id,
    )


def stop_paging(uow: UnitOfWork, incident: Incident, now: datetime) -> int:
    """Cancel every queued step and delivery once the incident is acknowledged or resolved.

    A delivery being sent right now finishes and is recorded.
    """
    return uow.jobs.cancel(incident.id, PAGING, now) if _settled(incident) else 0


def _policy_of(uow: UnitOfWork, incident: Incident) -> dict[str, Any] | None:
    for service_id in incident.services:
        service = uow.directory.find(Service, service_id)
        if service is not None and service.escalation_policy_id:
            row = uow.directory.get(EscalationPolicy, service.escalation_policy_id)
            return dict(row.definition)
    return None


def run_escalation_step(uow: UnitOfWork, job: Job, now: datetime) -> None:
    """Page the step's targets (each by their notification rules) and queue the next step."""
    incident = uow.incidents.get(job.payload["incident_id"], for_update=True)
    if _settled(incident):
        return
    policy = Policy.from_definition(job.payload["policy"])
    position = int(job.payload["position"])
    found = policy.step(position)
    if found is None:
        return
    step, round_ = found
    users = _targets(uow, step.users, step.schedules, step.teams, now)
    unreachable = [u for u in users if not queue_deliveries(uow, incident.id, u, position, now)]
    state, events = rules.record_news(
        Act(ACTOR, now),
        incident,
        "escalation_step_fired",
        policy=policy.id,
        step=position % len(policy.steps) + 1,
        round=round_ + 1,
        users=users,
        unreachable=unreachable,
    )
    uow.incidents.save(state, events)
    next_due = policy.next_due(position, now)
    if next_due is not None:
        payload = {**job.payload, "position": position + 1}
        uow.jobs.add(
            kind="escalate",
            due_at=next_due,
            payload=payload,
            key=f"escalate:{incident.id}:{position + 1}",
            now=now,
            incident_id=incident.id,
        )


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
    position: int | str,
    now: datetime,
    *,
    reassigned: bool = False,
) -> bool:
    """Queue a delivery per notification rule; False if the user cannot be reached at all."""
    user = uow.directory.find(User, user_id)
    if user is None:
        return False
    planned = notifications(user.contact_methods, user.notification_rules, now)
    for rule, note in enumerate(planned):
        key = f"page:{incident_id}:{position}:{user_id}:{note.contact['id']}:{rule}"
        payload = {
            "incident_id": incident_id,
            "user": user_id,
            "contact": note.contact,
            "reassigned": reassigned,
        }
        uow.jobs.add(
            kind="notify",
            due_at=note.at,
            payload=payload,
            key=key,
            now=now,
            incident_id=incident_id,
        )
    return bool(planned)


def prepare_page(uow: UnitOfWork, job: Job, base_url: str) -> Page | None:
    """The page to send for a delivery job, or None if the incident no longer needs it."""
    incident = uow.incidents.get(job.payload["incident_id"])
    if incident.timestamps.resolved_at is not None:
        return None
    if incident.timestamps.acknowledged_at is not None and not job.payload.get("reassigned"):
        return None
    return Page(
        incident_id=incident.id,
        title=incident.title,
        priority=incident.priority,
        phase=incident.phase,
        user=job.payload["user"],
        idempotency_key=job.idempotency_key,
        url=f"{base_url.rstrip('/')}/api/v1/incidents/{incident.id}",
        ack_url=link_for(uow, base_url, incident.id, job.payload["user"]),
    )


def deliver(notifier: Notifier, contact: dict[str, Any], page: Page) -> DeliveryFailed | None:
    try:
        notifier.send(contact, page)
    except DeliveryFailed as failed:
        return failed
    except Exception as error:  # a broken URL, an encoding problem: retrying will not help
        return DeliveryFailed(f"cannot deliver: {error!r}", temporary=False)
    return None


def record_delivery(
    uow: UnitOfWork, job: Job, failure: DeliveryFailed | None, now: datetime
) -> bool:
    """Put the delivery on the timeline; True if the job is finished, False if it is to be retried."""
    contact = job.payload["contact"]
    if failure is not None and failure.temporary and job.attempts < MAX_ATTEMPTS:
        job.status, job.due_at, job.last_error = (
            "pending",
            now + backoff(job.attempts),
            str(failure)[:1000],
        )
        return False
    incident = uow.incidents.get(job.payload["incident_id"], for_update=True)
    kind = "page_sent" if failure is None else "page_failed"
    details = {
        "user": job.payload["user"],
        "contact": contact["id"],
        "channel": contact["type"],
        "attempts": job.attempts,
        "idempotency_key": job.idempotency_key,
    }
    if failure is not None:
        details["reason"] = str(failure)
    state, events = rules.record_news(Act(ACTOR, now), incident, kind, **details)
    uow.incidents.save(state, events)
    return True


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2 ** (attempts - 1)))


def escalate_now(*, uow: UnitOfWork, actor: str, incident_id: int) -> None:
    """Fire the next escalation step now instead of at its time."""
    with uow:
        incident = uow.incidents.get(incident_id, for_update=True)
        job = uow.jobs.next_pending(incident_id, "escalate")
        if job is None:
            raise Conflict(
                f"incident {incident_id} is not being escalated (acknowledged, resolved, or no policy)"
            )
        job.due_at = uow.now()
        state, events = rules.record_news(
            Act(actor, uow.now()), incident, "escalated_now", step=int(job.payload["position"]) + 1
        )
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
        state, events = rules.record_news(Act(actor, now), incident, "reassigned", user=user)
        uow.incidents.save(state, events)
        uow.commit()
