"""An in-process API with the example config applied and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fireline.bootstrap import Fireline
from fireline.services.admin import auth
from fireline.services.admin.configuration import apply_config
from fireline.web.app import create_app
from tests.conftest import EXAMPLE, FakeClock
from tests.e2e.cli_runner import Cli
from tests.e2e.ingest_support import Ingest
from tests.e2e.paging_support import Receiver, receiving


class Api:
    """Clients for the example's admin (alice), responder (bob) and viewer (dana)."""

    def __init__(self, core: Fireline) -> None:
        self.core = core
        self.app = create_app(fireline=core)
        self.anonymous = TestClient(self.app)
        self.admin = self.client_for("alice")
        self.responder = self.client_for("bob")
        self.viewer = self.client_for("dana")

    def client_for(self, user_id: str) -> TestClient:
        token = auth.create_token(uow=self.core.uow(), user_id=user_id)
        return TestClient(self.app, headers={"Authorization": f"Bearer {token}"})

    def declare(self, **body: Any) -> dict[str, Any]:
        response = self.responder.post(
            "/api/v1/incidents", json={"title": "Checkout errors", **body}
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def api(core: Fireline) -> Iterator[Api]:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    yield Api(core)


@pytest.fixture
def ingest_app(core: Fireline, clock: FakeClock) -> Iterator[Ingest]:
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    with TestClient(create_app(fireline=core)) as client:
        yield Ingest(core, client, clock)


@pytest.fixture
def paging(core: Fireline) -> Iterator[Receiver]:
    """The example config with every webhook pointed at a real local HTTP receiver."""
    with receiving(core) as receiver:
        yield receiver


@pytest.fixture
def cli(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """The `fireline` command on the test database (no server)."""
    monkeypatch.delenv("FIRELINE_URL", raising=False)
    return Cli(capsys, monkeypatch, "--database-url", database_url)
