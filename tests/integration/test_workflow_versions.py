"""Stored workflow versions from before typed actions (#10) still load, and upgrades add one."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import delete

from fireline.bootstrap import Fireline
from fireline.domain.workflow import PageAction
from fireline.services.admin.organisation import register_shipped_workflows
from fireline.services.incidents import commands as incidents
from fireline.storage.models import WorkflowVersion
from fireline.workflows import shipped_workflow
from tests.conftest import FakeClock


def _before_typed_actions() -> tuple[dict[str, Any], str]:
    """The standard workflow as versions before #10 stored it: `notify: subscribers` included."""
    definition = shipped_workflow("standard").model_dump(mode="json")
    definition["phases"][1]["on_enter"].append({"notify": "subscribers"})
    canonical = json.dumps(definition, sort_keys=True)  # as Workflow.digest() did then
    return definition, hashlib.sha256(canonical.encode()).hexdigest()


def _store_as_before(core: Fireline, clock: FakeClock) -> None:
    definition, digest = _before_typed_actions()
    with core.uow() as uow:
        uow.workflows.session.execute(
            delete(WorkflowVersion).where(WorkflowVersion.workflow_id == "standard")
        )
        uow.workflows.session.add(
            WorkflowVersion(
                workflow_id="standard",
                version=1,
                digest=digest,
                definition=definition,
                created_at=clock.now,
            )
        )
        recorded = uow.settings.get("shipped_workflows")
        uow.settings.put("shipped_workflows", {**recorded, "standard": digest})
        uow.commit()


def test_a_stored_version_with_notify_subscribers_still_loads(
    core: Fireline, clock: FakeClock
) -> None:
    _store_as_before(core, clock)
    incident = incidents.declare(uow=core.uow(), actor="alice", title="Old rules").incident

    with core.uow() as uow:
        version, workflow = uow.workflows.latest("standard")
        again = uow.workflows.get("standard", 1)

    assert (incident.workflow, incident.workflow_version, version) == ("standard", 1, 1)
    assert workflow.phase("reporting").on_enter == (PageAction(page="service_escalation_policy"),)
    assert again == workflow


def test_upgrading_stores_a_new_standard_version_and_old_incidents_keep_theirs(
    core: Fireline, clock: FakeClock
) -> None:
    _store_as_before(core, clock)
    before = incidents.declare(uow=core.uow(), actor="alice", title="Old rules").incident.id
    clock.advance(minutes=1)

    with core.uow() as uow:
        register_shipped_workflows(uow, clock.now)
        uow.commit()
    after = incidents.declare(uow=core.uow(), actor="alice", title="New rules").incident.id

    with core.uow() as uow:
        assert [(w.id, v) for v, w in uow.workflows.list_latest()] == [
            ("security", 1),
            ("standard", 2),
        ]
        assert uow.workflows.latest("standard")[1] == shipped_workflow("standard")
        assert uow.incidents.get(before).workflow_version == 1
        assert uow.incidents.get(after).workflow_version == 2
        register_shipped_workflows(uow, clock.now)
        assert uow.workflows.latest("standard")[0] == 2
