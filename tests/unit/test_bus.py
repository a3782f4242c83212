"""The bus runs reactions to saved events until nothing new is saved (a fake unit of work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from fireline import bus
from fireline.domain.events import Acknowledged, Declared, Event, Mitigated
from fireline.domain.state import Incident, apply
from fireline.storage.incidents import Saved

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeIncidents:
    saved: list[Saved] = field(default_factory=list)

    def collect_saved(self) -> list[Saved]:
        found, self.saved = self.saved, []
        return found

    def save(self, incident: Incident, events: list[Event]) -> None:
        self.saved.append(Saved(incident, tuple(events)))


@dataclass
class FakeUow:
    incidents: FakeIncidents = field(default_factory=FakeIncidents)


def _declared() -> tuple[Incident, Declared]:
    event = Declared(
        at=AT, actor="ann", incident_id=1, title="t", workflow="standard", workflow_version=1,
        phase="reporting", origin="declared", detected_at=AT,
    )  # fmt: skip
    return apply(None, event), event


def test_each_event_reaches_its_reactions_in_order_and_reactions_go_round_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, int]] = []

    def first(uow: Any, event: Event, saved: Saved) -> None:
        seen.append(("first", saved.seq_of(event)))
        acknowledged = Acknowledged(at=AT, actor="bot")
        uow.incidents.save(apply(saved.incident, acknowledged), [acknowledged])

    def second(uow: Any, event: Event, saved: Saved) -> None:
        seen.append(("second", saved.seq_of(event)))

    monkeypatch.setattr(bus, "REACTIONS", {Declared: (first, second), Acknowledged: (second,)})
    uow = FakeUow()
    incident, declared = _declared()
    uow.incidents.save(incident, [declared])

    bus.handle(uow)  # type: ignore[arg-type]

    assert seen == [("first", 1), ("second", 1), ("second", 2)]
    assert uow.incidents.saved == []


def test_events_without_reactions_cost_nothing_and_a_reaction_loop_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def again(uow: Any, event: Event, saved: Saved) -> None:
        mitigated = Mitigated(at=AT, actor="bot")
        uow.incidents.save(apply(saved.incident, mitigated), [mitigated])

    monkeypatch.setattr(bus, "REACTIONS", {Mitigated: (again,)})
    uow = FakeUow()
    incident, declared = _declared()
    uow.incidents.save(incident, [declared])
    bus.handle(uow)  # type: ignore[arg-type]  # Declared has no reaction here: nothing happens

    uow.incidents.save(incident, [Mitigated(at=AT, actor="ann")])
    with pytest.raises(RuntimeError, match="after 10 rounds"):
        bus.handle(uow)  # type: ignore[arg-type]


def test_every_reaction_is_registered_for_an_event_type_it_accepts() -> None:
    from fireline.domain.events import EVENT_TYPES

    assert set(bus.REACTIONS) <= set(EVENT_TYPES)
    assert all(bus.REACTIONS.values())
