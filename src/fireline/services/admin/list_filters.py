"""List filters name things that exist: an unknown phase, service, priority, user or incident is
an error naming the filter (and, where the choice is small, the known values), never an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence

from fireline.errors import InvalidInput, NotFound
from fireline.services.admin import organisation
from fireline.storage.models import Service, User
from fireline.storage.uow import UnitOfWork


def check_filters(
    *,
    uow: UnitOfWork,
    phases: Sequence[str] = (),
    service: str | None = None,
    priority: str | None = None,
    owner: str | None = None,
    user: str | None = None,
    incident: int | None = None,
) -> None:
    """Raise InvalidInput, its ``field`` the filter, when a filter value names nothing known."""
    with uow.read():
        _check_phases(uow, phases)
        if priority is not None:
            _check_priority(uow, priority)
        for field, user_id in (("owner", owner), ("user", user)):
            if user_id is not None:
                uow.directory.get(User, user_id, field=field)
        if service is not None:
            uow.directory.get(Service, service, field="service")
        if incident is not None:
            _check_incident(uow, incident)


def _check_phases(uow: UnitOfWork, phases: Sequence[str]) -> None:
    if not phases:
        return
    known = uow.workflows.phase_ids()
    unknown = [p for p in phases if p not in known]
    if unknown:
        raise InvalidInput(
            f"there is no phase {unknown[0]!r}; the phases are: {', '.join(sorted(known))}",
            field="phase",
        )


def _check_priority(uow: UnitOfWork, priority: str) -> None:
    matrix = organisation.priority_policy(uow).matrix
    known = sorted({p for row in matrix.values() for p in row.values()})
    if priority not in known:
        raise InvalidInput(
            f"there is no priority {priority!r}; the priorities are: {', '.join(known)}",
            field="priority",
        )


def _check_incident(uow: UnitOfWork, incident_id: int) -> None:
    try:
        uow.incidents.get(incident_id)
    except NotFound as missing:
        raise InvalidInput(missing.message, field="incident") from None
