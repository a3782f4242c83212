"""Declaring asks whether to page the services' on-call (`page`, `--page/--no-page`, the
workflow's `page_on_declare`), and never pages the declarer for their own incident — end to
end with a real HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fireline.bootstrap import Fireline
from fireline.services.incidents import commands as incidents
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.conftest import Api
from tests.e2e.paging_support import Receiver, receiving, timeline, with_quiet_workflow, work


@pytest.fixture
def paged(core: Fireline) -> Iterator[Receiver]:
    with receiving(core, with_quiet_workflow(EXAMPLE.read_text())) as receiver:
        yield receiver


def test_a_declarer_says_whether_to_page(core: Fireline, paged: Receiver) -> None:
    api = Api(core)
    quiet = api.declare(services=["checkout-api"], page=False)
    work(core)
    assert paged.who() == []
    assert timeline(core, quiet["id"], "escalation_step_fired") == []
    assert timeline(core, quiet["id"], "declared")[0]["page"] is False

    default = api.declare(services=["checkout-api"], page=None)
    work(core)
    assert paged.who() == ["carol"]
    assert timeline(core, default["id"], "declared")[0]["page"] is True
    bad = api.responder.post("/api/v1/incidents", json={"title": "x", "page": "sometimes"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "page"


def test_the_workflow_sets_the_default(core: Fireline, paged: Receiver) -> None:
    api = Api(core)
    api.declare(services=["checkout-api"], workflow="quiet")
    work(core)
    assert paged.who() == []
    api.declare(services=["checkout-api"], workflow="quiet", page=True)
    work(core)
    assert paged.who() == ["carol"]


def test_the_declarer_on_call_is_not_paged_for_their_own_incident(
    core: Fireline, clock: FakeClock, paged: Receiver
) -> None:
    incident = incidents.declare(
        uow=core.uow(), actor="carol", title="Checkout 502", services=["checkout-api"]
    ).incident
    work(core)
    assert paged.who() == []  # carol is on call, and she declared it
    (fired,) = incidents.get(
        uow=core.uow(), incident_id=incident.id, kinds=["escalation_step_fired"]
    ).timeline
    assert fired.event.data["declarer"] == "carol"
    clock.advance(minutes=5)
    work(core)
    assert sorted(paged.who()) == ["alice", "bob"]  # step 2 pages the others, still not carol


def test_declare_on_the_command_line(cli: Cli, core: Fireline) -> None:
    assert cli("apply", str(EXAMPLE)).code == 0
    args = ("incident", "declare", "--title", "Ledger lag", "--service", "ledger", "--json")
    quiet = cli(*args, "--no-page").json()
    loud = cli(*args, "--page").json()
    default = cli(*args).json()
    pages = [timeline(core, i["id"], "declared")[0]["page"] for i in (quiet, loud, default)]
    assert pages == [False, True, True]
