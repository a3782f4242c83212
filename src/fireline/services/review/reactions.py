"""Reactions of review: draft the postmortem, remind follow-ups, look for recurrences."""

from __future__ import annotations

from fireline.domain.events import Declared, FollowUpAdded, FollowUpUpdated, PhaseChanged
from fireline.services.reactions import Registry
from fireline.services.review import follow_up_reminders, postmortems, similar
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork


def draft_postmortem(uow: UnitOfWork, event: PhaseChanged, saved: Saved) -> None:
    """Entering a phase whose ``on_enter`` drafts a postmortem drafts it (once)."""
    postmortems.draft_on_entry(uow, saved.incident.id, event)


def plan_follow_up_reminders(
    uow: UnitOfWork, event: FollowUpAdded | FollowUpUpdated, saved: Saved
) -> None:
    """Each open, dated follow-up reminds its owner when it falls due."""
    follow_up_reminders.plan_reminders(uow, saved.incident, uow.now())


def plan_recurrence_check(uow: UnitOfWork, event: Declared, saved: Saved) -> None:
    """A new incident is compared with past ones off the path that opened it."""
    similar.plan_check(uow, saved.incident, uow.now())


REACTIONS: Registry = {
    Declared: (plan_recurrence_check,),
    PhaseChanged: (draft_postmortem,),
    FollowUpAdded: (plan_follow_up_reminders,),
    FollowUpUpdated: (plan_follow_up_reminders,),
}
