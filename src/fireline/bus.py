"""The message bus: what a change to an incident sets in motion, in the same transaction.

Saving an incident records the save in the unit of work. When the unit of
work commits, :func:`handle` passes every new event to the reactions
registered for its type (each concept's ``reactions.py``), then does the same for
whatever those reactions saved, until nothing new happens — so a postmortem is
drafted, paging starts or stops and SLA checks are queued on every path that
records the event, and all of it commits or rolls back together.
"""

from __future__ import annotations

from fireline.services.chatops import reactions as chatops
from fireline.services.incidents import reactions as incidents
from fireline.services.paging import reactions as paging
from fireline.services.reactions import merged
from fireline.services.review import reactions as review
from fireline.storage.uow import UnitOfWork

# Per event type: review's reactions first (a postmortem draft is part of the change), then
# paging's, then the incident's own clocks, then chat's (incident channels).
REACTIONS = merged(review.REACTIONS, paging.REACTIONS, incidents.REACTIONS, chatops.REACTIONS)

MAX_ROUNDS = 10  # reactions that keep reacting to each other are a bug, not a workload


def handle(uow: UnitOfWork) -> None:
    """Run the reactions to everything saved in this unit of work until nothing new is saved."""
    for _ in range(MAX_ROUNDS):
        saved = uow.incidents.collect_saved()
        if not saved:
            return
        for change in saved:
            for event in change.events:
                for react in REACTIONS.get(type(event), ()):
                    react(uow, event, change)
    raise RuntimeError(f"reactions still saved new events after {MAX_ROUNDS} rounds")
