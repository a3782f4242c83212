"""What the ingest writer keeps in memory between its commits, so that a storm re-reads little.

Everything kept is checked against the database before it is used, inside the
writer's transaction, so another writer (the API, the worker, another
process) can change anything at any time without telling this one:

- an incident's state is reused only while its stored ``version`` still equals
  the state's ``seq`` (one narrow, locking read instead of reading and
  validating the whole snapshot; every save bumps the version);
- a workflow version never changes once stored, so it is kept as read.

Only what a commit actually wrote is remembered, after the commit succeeded.
"""

from __future__ import annotations

from fireline.domain.state import Incident
from fireline.domain.workflow import Workflow
from fireline.storage.uow import UnitOfWork

MAX_INCIDENTS = 5_000  # open incidents a storm touches; beyond that, start again


class HotState:
    """Incident states and workflows the ingest writer read or wrote before."""

    def __init__(self) -> None:
        self._incidents: dict[int, Incident] = {}
        self._workflows: dict[tuple[str, int], Workflow] = {}
        self._checked: dict[int, Incident] = {}  # current in this transaction

    def check(self, uow: UnitOfWork, incident_ids: list[int]) -> None:
        """Check the kept states of these incidents with one query (and lock their rows), so
        that :meth:`incident` needs no query of its own for the current ones."""
        kept = [i for i in incident_ids if i in self._incidents and i not in self._checked]
        if not kept:
            return
        for incident_id, version in uow.incidents.versions(kept, for_update=True).items():
            if self._incidents[incident_id].seq == version:
                self._checked[incident_id] = self._incidents[incident_id]

    def incident(self, uow: UnitOfWork, incident_id: int) -> Incident:
        """The incident's current state, locked for this transaction (NotFound if none)."""
        checked = self._checked.get(incident_id)
        if checked is not None:
            return checked
        kept = self._incidents.get(incident_id)
        if kept is not None and uow.incidents.version(incident_id, for_update=True) == kept.seq:
            return kept
        return uow.incidents.get(incident_id, for_update=True)

    def workflow(self, uow: UnitOfWork, workflow_id: str, version: int) -> Workflow:
        """A stored workflow version (immutable once stored)."""
        key = (workflow_id, version)
        workflow = self._workflows.get(key)
        if workflow is None:
            workflow = self._workflows[key] = uow.workflows.get(workflow_id, version)
        return workflow

    def committed(self, states: list[Incident]) -> None:
        """Remember the states a commit wrote (call only after it succeeded)."""
        self._checked.clear()
        if len(self._incidents) + len(states) > MAX_INCIDENTS:
            self._incidents.clear()
        for state in states:
            self._incidents[state.id] = state

    def forget(self) -> None:
        """Drop every incident state (after a failed commit: nothing it held is trusted)."""
        self._incidents.clear()
        self._checked.clear()
