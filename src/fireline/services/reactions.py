"""Reactions: what each kind of incident event sets in motion, registered per concept.

Each concept package has a ``reactions.py`` with a :data:`Registry` — event
type → the functions that react to it, in order. The bus (``fireline/bus.py``)
merges them and calls them when the unit of work commits, for every saved
event of their type, whichever path saved it (a use case, an alert batch or a
job), inside the same transaction. A reaction queues jobs or records events of
its own; it never sends anything itself. See docs/contributing.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fireline.domain.events import BaseEvent
from fireline.storage.incidents import Saved
from fireline.storage.uow import UnitOfWork

Reaction = Callable[[UnitOfWork, Any, Saved], None]
Registry = Mapping[type[BaseEvent], tuple[Reaction, ...]]


def merged(*registries: Registry) -> dict[type[BaseEvent], tuple[Reaction, ...]]:
    """One registry: for each event type, the reactions of every registry in the order given."""
    found: dict[type[BaseEvent], tuple[Reaction, ...]] = {}
    for registry in registries:
        for event_type, reactions in registry.items():
            found[event_type] = (*found.get(event_type, ()), *reactions)
    return found
