"""Throttling stops floods of repeats, never a new emergency — end to end with a real HTTP
receiver: first pages always go, repeats are coalesced into one digest that is delivered once
(after a worker restart too), and a page of a higher priority than the window goes through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from fireline.bootstrap import Fireline, build
from fireline.config import Settings
from fireline.services.incidents import commands as incidents
from fireline.services.paging.delivery import list_deliveries
from fireline.services.paging.escalation import reassign
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.paging_support import Receiver, receiving, timeline, work

NO_REPEATS = EXAMPLE.read_text().replace("    repeat: 2 ", "    repeat: 0 ", 1)


@pytest.fixture
def carol(core: Fireline) -> Iterator[Receiver]:
    """The example config without policy repeats; each contact takes 2 notifications a window."""
    core.settings = core.settings.model_copy(update={"throttle_limit": 2})
    with receiving(core, NO_REPEATS) as receiver:
        yield receiver


def _declare(core: Fireline, title: str, **fields: str) -> int:
    view = incidents.declare(
        uow=core.uow(), actor="dana", title=title, services=["ledger"], **fields
    )
    return view.incident.id


def _to_carol(receiver: Receiver, kind: str = "page") -> list[dict[str, object]]:
    return [
        p["body"]
        for p in receiver.pages
        if p["path"].endswith("/carol") and p["body"]["type"] == kind
    ]


def _carol_log(core: Fireline) -> list[tuple[int | None, str]]:
    rows = list_deliveries(uow=core.uow(), limit=500)
    return sorted((r.incident_id, r.status) for r in rows if r.recipient == "carol")


def test_new_incidents_page_at_once_and_repeats_go_in_one_digest(
    core: Fireline, clock: FakeClock, database_url: str, carol: Receiver
) -> None:
    ids = [_declare(core, f"Ledger drift {n}") for n in range(3)]
    work(core)
    assert [p["incident_id"] for p in _to_carol(carol)] == ids  # the third is not held
    assert all(timeline(core, i, "page_throttled") == [] for i in ids)

    clock.advance(minutes=5)
    work(core)  # step 2 pages carol again for each: repeats to a full window
    assert len(_to_carol(carol)) == 3
    coalesced = [timeline(core, i, "page_coalesced") for i in ids]
    assert [len(c) for c in coalesced] == [1, 1, 1]
    assert coalesced[0][0]["digest_at"] == (clock() + timedelta(minutes=10)).isoformat()
    assert [s for i, s in _carol_log(core) if s == "coalesced"] == ["coalesced"] * 3

    core.close()  # the worker stops; the digest is a job, so a new one sends it
    core = build(Settings(database_url=database_url, throttle_limit=2), clock=clock, migrate=False)
    try:
        clock.advance(minutes=10)
        work(core)
        work(core)
        (digest,) = _to_carol(carol, "digest")
        assert (
            digest["text"] == f"3 more pages for #{ids[0]}, #{ids[1]}, #{ids[2]} in the last 15 min"
        )
        assert digest["user"] == "carol"
        assert [s for _, s in _carol_log(core) if s in ("coalesced", "digested")] == [
            "digested"
        ] * 3
        (sent,) = timeline(core, ids[0], "digest_sent")
        assert sent["text"] == digest["text"]

        clock.advance(minutes=30)
        work(core)
        assert len(_to_carol(carol, "digest")) == 1  # one digest, not several
    finally:
        core.notifier.adapters["webhook"].client.close()  # type: ignore[union-attr,attr-defined]
        core.close()


def test_a_repeat_of_a_higher_priority_than_the_window_goes_through(
    core: Fireline, clock: FakeClock, carol: Receiver
) -> None:
    urgent = _declare(core, "Ledger down", impact="high", urgency="high")
    work(core)
    incidents.acknowledge(uow=core.uow(), actor="bob", incident_id=urgent)
    clock.advance(minutes=16)  # the first page left the window
    quiet = [_declare(core, f"Ledger drift {n}") for n in range(2)]
    work(core)
    assert len(_to_carol(carol)) == 3  # the window is full now, of unprioritised incidents

    reassign(uow=core.uow(), actor="bob", incident_id=quiet[0], user="carol")
    reassign(uow=core.uow(), actor="bob", incident_id=urgent, user="carol")
    work(core)
    assert [p["incident_id"] for p in _to_carol(carol)][3:] == [urgent]  # P1 outranks them
    assert len(timeline(core, quiet[0], "page_coalesced")) == 1
