"""What an incident change sets in motion, queued in the transaction that made the change.

Every path that changes an incident — a use case, an alert batch, a job — ends
with :func:`follow`: paging starts on entering a paging phase and stops on
acknowledgement or resolution, the acknowledgement timeout is armed, status
reminders, SLA checks and follow-up reminders are planned, and stakeholder
channels are told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fireline.domain.events import Event, Incident
from fireline.domain.workflow import Workflow
from fireline.services import (
    announcements,
    follow_ups,
    paging,
    reminders,
    similar,
    sla_watch,
)
from fireline.storage.uow import UnitOfWork


def follow(
    uow: UnitOfWork,
    before: Incident | None,
    after: Incident,
    workflow: Workflow,
    events: Sequence[Event],
    now: datetime,
) -> None:
    """Queue the jobs this change causes (``before`` is None for a new incident)."""
    if not events:
        return
    if before is None:
        similar.plan_check(uow, after, now)
    entered = before is None or before.phase != after.phase
    if entered and paging.pages_on_entry(workflow, after.phase):
        paging.start_paging(uow, after, now)
    paging.stop_paging(uow, before, after, now)
    paging.watch_acknowledgement(uow, before, after, now)
    if before is None or _clocks_moved(before, after):
        reminders.plan(uow, after, now)
        sla_watch.plan(uow, after, now)
    if any(e.kind.startswith("follow_up_") for e in events):
        follow_ups.plan_reminders(uow, after, now)
    announcements.announce(uow, after, events, now)


def _clocks_moved(before: Incident, after: Incident) -> bool:
    return before.priority != after.priority or before.timestamps != after.timestamps
