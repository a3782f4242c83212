"""What the web UI shows: read models that bring an incident or the open incidents together
with the directory and workflow data a page needs. Reads only; every change goes through
``services.incidents``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fireline.domain.workflow import Phase, Workflow
from fireline.services.admin import organisation
from fireline.services.incidents import commands as incidents
from fireline.services.incidents.commands import IncidentDetail, IncidentView
from fireline.storage.incidents import IncidentFilter
from fireline.storage.models import Service, User
from fireline.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Person:
    id: str
    name: str


@dataclass(frozen=True)
class Directory:
    """Names to show and choices to offer in forms."""

    services: dict[str, str]
    responders: list[Person]
    severities: list[str]


@dataclass(frozen=True)
class PagingDefaults:
    """Whether declaring pages by default: with no service, and per service (its workflow's)."""

    without_service: bool
    by_service: dict[str, bool]


@dataclass(frozen=True)
class IncidentPage:
    detail: IncidentDetail
    workflow: Workflow
    roles: list[str]
    directory: Directory


@dataclass(frozen=True)
class BoardColumn:
    phase: Phase
    incidents: list[IncidentView]


@dataclass(frozen=True)
class WorkflowBoard:
    workflow: Workflow
    columns: list[BoardColumn]


@dataclass(frozen=True)
class Board:
    boards: list[WorkflowBoard]
    total: int
    directory: Directory


def directory(*, uow: UnitOfWork) -> Directory:
    """Service names, the people who may hold incident roles, and the configured severities."""
    with uow.read():
        return _directory(uow)


def _directory(uow: UnitOfWork) -> Directory:
    return Directory(
        services={s.id: s.name for s in uow.directory.list_all(Service)},
        responders=[
            Person(u.id, u.name) for u in uow.directory.list_all(User) if u.role != "viewer"
        ],
        severities=list(organisation.severities(uow)),
    )


def paging_defaults(*, uow: UnitOfWork) -> PagingDefaults:
    """What the declare form's "page the on-call" box starts as, by the service chosen."""
    with uow.read():
        services = uow.directory.list_all(Service)
        by_service = {
            s.id: organisation.choose_workflow(uow, None, [s])[1].pages_on_declare()
            for s in services
        }
        without = organisation.choose_workflow(uow, None, [])[1].pages_on_declare()
    return PagingDefaults(without, by_service)


def incident_page(*, uow: UnitOfWork, incident_id: int, kinds: Sequence[str] = ()) -> IncidentPage:
    """One incident with its timeline and moves, its workflow, and the roles one can assign."""
    detail = incidents.get(uow=uow, incident_id=incident_id, kinds=kinds)
    with uow.read():
        workflow = uow.workflows.get(detail.incident.workflow, detail.incident.workflow_version)
        roles = organisation.allowed_roles(uow, workflow)
        found = _directory(uow)
    return IncidentPage(detail, workflow, roles, found)


def incident_version(*, uow: UnitOfWork, incident_id: int) -> int:
    """How many events the incident has: it changes whenever anyone acts on it."""
    with uow.read():
        return uow.incidents.get(incident_id).seq


def open_board(*, uow: UnitOfWork, limit: int, offset: int) -> Board:
    """A page of the incidents not closed yet (newest first), in columns by workflow phase;
    each column puts breached SLAs first, then by priority.

    The default workflow is always shown; other workflows when the page has incidents on them.
    """
    with uow.read():
        latest = {w.id: w for _, w in uow.workflows.list_latest()}
        default = organisation.workflow_choice(uow).default
        found = _directory(uow)
    open_phases = {p.id for w in latest.values() for p in w.phases if "closed" not in p.marks}
    page = incidents.list_incidents(
        uow=uow, filters=IncidentFilter(phases=sorted(open_phases)), limit=limit, offset=offset
    )
    shown = [default, *sorted({v.incident.workflow for v in page.items} - {default})]
    boards = [_board(latest[w], page.items) for w in shown if w in latest]
    return Board(boards, page.total, found)


def _urgent(view: IncidentView) -> tuple[bool, str, int]:
    """Breached first, then by priority (none last), then newest."""
    breached = any(c.breached and c.stopped_at is None for c in view.sla)
    return (not breached, view.incident.priority or "P~", -view.incident.id)


def _board(workflow: Workflow, items: list[IncidentView]) -> WorkflowBoard:
    mine = [v for v in items if v.incident.workflow == workflow.id]
    columns = [
        BoardColumn(phase, sorted((v for v in mine if v.incident.phase == phase.id), key=_urgent))
        for phase in workflow.phases
        if "closed" not in phase.marks
    ]
    return WorkflowBoard(workflow, columns)
