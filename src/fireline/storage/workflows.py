"""Workflow versions: an incident keeps the version it started with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fireline.domain.workflow import Workflow
from fireline.errors import NotFound
from fireline.storage.models import WorkflowVersion


class WorkflowRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, workflow_id: str, version: int) -> Workflow:
        row = self.session.get(WorkflowVersion, (workflow_id, version))
        if row is None:
            raise NotFound(f"there is no version {version} of workflow {workflow_id!r}")
        return _validated(row)

    def latest(self, workflow_id: str) -> tuple[int, Workflow]:
        """The newest version of a workflow and its number."""
        row = self._latest_row(workflow_id)
        if row is None:
            raise NotFound(f"there is no workflow {workflow_id!r}")
        return row.version, _validated(row)

    def list_latest(self) -> list[tuple[int, Workflow]]:
        newest = (
            select(WorkflowVersion.workflow_id, func.max(WorkflowVersion.version).label("v"))
            .group_by(WorkflowVersion.workflow_id)
            .subquery()
        )
        query = (
            select(WorkflowVersion)
            .join(
                newest,
                (WorkflowVersion.workflow_id == newest.c.workflow_id)
                & (WorkflowVersion.version == newest.c.v),
            )
            .order_by(WorkflowVersion.workflow_id)
        )
        rows = self.session.execute(query).scalars()
        return [(r.version, _validated(r)) for r in rows]

    def register(self, workflow: Workflow, now: datetime) -> tuple[int, bool]:
        """Store the definition as a new version unless it equals the newest; (version, created)."""
        latest = self._latest_row(workflow.id)
        digest = workflow.digest()
        if latest is not None and latest.digest == digest:
            return latest.version, False
        version = 1 if latest is None else latest.version + 1
        definition = workflow.model_dump(mode="json")
        self.session.add(
            WorkflowVersion(
                workflow_id=workflow.id,
                version=version,
                digest=digest,
                definition=definition,
                created_at=now,
            )
        )
        self.session.flush()
        return version, True

    def phase_ids(self) -> set[str]:
        """Every phase of every stored version (an incident keeps the version it started with)."""
        definitions = self.session.execute(select(WorkflowVersion.definition)).scalars()
        return {phase["id"] for definition in definitions for phase in definition["phases"]}

    def ids(self) -> set[str]:
        return set(self.session.execute(select(WorkflowVersion.workflow_id).distinct()).scalars())

    def _latest_row(self, workflow_id: str) -> WorkflowVersion | None:
        query = (
            select(WorkflowVersion)
            .where(WorkflowVersion.workflow_id == workflow_id)
            .order_by(WorkflowVersion.version.desc())
            .limit(1)
        )
        return self.session.execute(query).scalars().first()


_VALIDATED: dict[str, Workflow] = {}


def _validated(row: WorkflowVersion) -> Workflow:
    """The stored definition as a Workflow, validated once per distinct content (keyed by digest).

    Leniently, as stored versions are history (see Workflow.from_stored).
    """
    workflow = _VALIDATED.get(row.digest)
    if workflow is None:
        workflow = _VALIDATED[row.digest] = Workflow.from_stored(row.definition)
    return workflow
