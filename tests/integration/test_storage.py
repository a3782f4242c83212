"""The incident repository on SQLite and PostgreSQL: snapshots, timeline, versions, filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fireline.bootstrap import Fireline
from fireline.domain.events import NoteAdded
from fireline.domain.incident import Act
from fireline.domain.incident import declare as declare_rule
from fireline.domain.priority import PriorityPolicy
from fireline.domain.state import replay
from fireline.errors import NotFound, StaleState
from fireline.services.incidents import commands as incidents
from fireline.storage.incidents import IncidentFilter
from fireline.workflows import shipped_workflow
from tests.conftest import FakeClock


def _declare(core: Fireline, title: str = "Checkout errors", **fields: object) -> int:
    return incidents.declare(uow=core.uow(), actor="alice", title=title, **fields).incident.id  # type: ignore[arg-type]


def test_an_incident_round_trips_with_aware_utc_times(core: Fireline, clock: FakeClock) -> None:
    started = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    incident_id = _declare(core, impact="high", urgency="low", impact_started_at=started)

    with core.uow() as uow:
        stored = uow.incidents.get(incident_id)

    assert stored.priority == "P3"
    assert stored.timestamps.impact_started_at == started
    assert stored.timestamps.detected_at == clock.now
    assert stored.timestamps.detected_at.tzinfo is not None


def test_the_stored_timeline_replays_to_the_stored_state(core: Fireline, clock: FakeClock) -> None:
    incident_id = _declare(core)
    clock.advance(minutes=3)
    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=incident_id)
    incidents.update(
        uow=core.uow(), actor="bob", incident_id=incident_id, changes={"urgency": "high"}
    )
    incidents.transition(uow=core.uow(), actor="bob", incident_id=incident_id, phase="assessment")
    incidents.add_note(
        uow=core.uow(), actor="bob", incident_id=incident_id, text="looking at the DB"
    )

    with core.uow() as uow:
        stored = uow.incidents.get(incident_id)
        timeline = uow.incidents.timeline(incident_id)

    assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
    assert replay(e.event for e in timeline) == stored
    assert stored.seq == len(timeline)


def test_a_stale_write_is_refused_and_nothing_is_written(core: Fireline, clock: FakeClock) -> None:
    incident_id = _declare(core)
    with core.uow() as uow:
        seen = uow.incidents.get(incident_id)
    incidents.add_note(uow=core.uow(), actor="bob", incident_id=incident_id, text="first")
    workflow = shipped_workflow("standard")
    from fireline.domain import incident as rules

    late, events = rules.add_note(Act("carol", clock.now), seen, "written on an old copy")
    with core.uow() as uow, pytest.raises(StaleState):
        uow.incidents.save(late, events)
        uow.commit()

    with core.uow() as uow:
        texts = [e.event.data.get("text") for e in uow.incidents.timeline(incident_id, [NoteAdded])]
    assert texts == ["first"]
    assert workflow.id == "standard"


def test_an_incident_keeps_its_workflow_version(core: Fireline, clock: FakeClock) -> None:
    incident_id = _declare(core)
    changed = shipped_workflow("standard").model_copy(update={"name": "Standard, edited"})
    with core.uow() as uow:
        version, created = uow.workflows.register(changed, clock.now)
        uow.commit()
    assert created and version == 2

    newer = _declare(core, title="After the edit")
    with core.uow() as uow:
        assert uow.incidents.get(incident_id).workflow_version == 1
        assert uow.incidents.get(newer).workflow_version == 2
        assert uow.workflows.register(changed, clock.now) == (2, False)


def test_filters_and_pages(core: Fireline, clock: FakeClock) -> None:
    from fireline.services.admin.configuration import apply_config
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    ids = [
        _declare(core, title=f"incident {n}", services=["ledger" if n % 2 else "checkout-api"])
        for n in range(5)
    ]
    incidents.transition(uow=core.uow(), actor="alice", incident_id=ids[0], phase="assessment")

    def page(filters: IncidentFilter, limit: int = 50, offset: int = 0) -> tuple[list[int], int]:
        found = incidents.list_incidents(
            uow=core.uow(), filters=filters, limit=limit, offset=offset
        )
        return [v.incident.id for v in found.items], found.total

    assert page(IncidentFilter()) == (ids[::-1], 5)
    assert page(IncidentFilter(), limit=2, offset=1) == ([ids[3], ids[2]], 5)
    assert page(IncidentFilter(phases=["assessment"])) == ([ids[0]], 1)
    assert page(IncidentFilter(service="ledger")) == ([ids[3], ids[1]], 2)
    assert page(IncidentFilter(priority="P2")) == ([], 0)


def test_services_follow_an_update(core: Fireline) -> None:
    from fireline.services.admin.configuration import apply_config
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    incident_id = _declare(core, services=["ledger"])
    incidents.update(
        uow=core.uow(),
        actor="alice",
        incident_id=incident_id,
        changes={"services": ["checkout-api"]},
    )

    found = incidents.list_incidents(uow=core.uow(), filters=IncidentFilter(service="checkout-api"))
    assert [v.incident.id for v in found.items] == [incident_id]
    assert (
        incidents.list_incidents(uow=core.uow(), filters=IncidentFilter(service="ledger")).total
        == 0
    )


def test_unknown_incident_is_not_found(core: Fireline) -> None:
    with pytest.raises(NotFound, match="no incident 42"):
        incidents.get(uow=core.uow(), incident_id=42)


def test_ids_are_unique_and_increasing(core: Fireline) -> None:
    assert [_declare(core) for _ in range(3)] == [1, 2, 3]


def test_the_domain_rule_and_the_service_agree(core: Fireline, clock: FakeClock) -> None:
    view = incidents.declare(uow=core.uow(), actor="alice", title="t", impact="low", urgency="low")
    expected, _ = declare_rule(
        Act("alice", clock.now),
        incident_id=view.incident.id,
        workflow=shipped_workflow("standard"),
        workflow_version=1,
        policy=PriorityPolicy(),
        title="t",
        summary="",
        services=[],
        impact="low",
        urgency="low",
        severity=None,
        impact_started_at=None,
        drill=False,
    )
    assert view.incident == expected


def test_an_incident_follows_the_rules_of_its_own_workflow_version(
    core: Fireline, clock: FakeClock
) -> None:
    from fireline.domain.workflow import ChecklistItem
    from fireline.errors import TransitionRefused

    old = _declare(core, title="Before the change")
    standard = shipped_workflow("standard")
    relaxed = standard.model_copy(
        update={
            "phases": tuple(
                p.model_copy(
                    update={"requires": (), "checklist": (ChecklistItem(title="Only in v2"),)}
                )
                if p.id == "response"
                else p
                for p in standard.phases
            )
        }
    )
    with core.uow() as uow:
        uow.workflows.register(relaxed, clock.now)
        uow.commit()
    new = _declare(core, title="After the change")
    for incident_id in (old, new):
        incidents.transition(
            uow=core.uow(), actor="alice", incident_id=incident_id, phase="assessment"
        )

    with pytest.raises(TransitionRefused, match="commander"):
        incidents.transition(uow=core.uow(), actor="alice", incident_id=old, phase="response")
    moved = incidents.transition(uow=core.uow(), actor="alice", incident_id=new, phase="response")
    assert [t.title for t in moved.incident.tasks if t.phase == "response"] == ["Only in v2"]
    response = {m.phase: m for m in incidents.get(uow=core.uow(), incident_id=old).moves}[
        "response"
    ]
    assert not response.allowed and "an incident commander must be assigned" in response.missing


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")], ids=["compact", "spaced"])
def test_my_tasks_are_found_however_the_state_is_spaced(
    core: Fireline, separators: tuple[str, str]
) -> None:
    """The ingest writer stores a state as compact JSON, Core with spaces: the board's "My tasks"
    finds the owner's tasks in both (it once searched the text for ``"owner": "bob"``)."""
    import json

    from sqlalchemy import update

    from fireline.services.admin.configuration import apply_config
    from fireline.services.incidents.my_work import open_tasks
    from fireline.storage.models import IncidentRow
    from tests.conftest import EXAMPLE

    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    view = incidents.declare(uow=core.uow(), actor="bob", title="Checkout 502")
    incidents.add_task(
        uow=core.uow(), actor="bob", incident_id=view.incident.id, title="Roll back", owner="bob"
    )
    with core.uow() as uow:
        state = uow.incidents.get(view.incident.id).model_dump(mode="json")
        text = json.dumps(state, separators=separators)
        uow.incidents.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == view.incident.id)
            .values(state=json.loads(text))
        )
        uow.commit()
    if core.database.engine.dialect.name == "sqlite":  # the stored text itself, as written
        with core.database.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE incidents SET state = ? WHERE id = ?", (text, view.incident.id)
            )

    assert [t.title for t in open_tasks(uow=core.uow(), user_id="bob")] == ["Roll back"]
    assert open_tasks(uow=core.uow(), user_id="carol") == []
