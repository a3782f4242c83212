"""deploy/haproxy.cfg in front of two `fireline serve --no-worker` on one PostgreSQL, under load.

Serving node 1 is killed (SIGKILL) and started again, then node 2 is restarted
gracefully (SIGTERM), while senders post alerts through HAProxy: every alert
answered 2xx is stored, and no sender ever sees anything but a 2xx (HAProxy
replays a refused, 503'd or cut request on the other node). The full topology,
with workers killed during escalations, is bench/two_nodes.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from fireline.bootstrap import build
from fireline.config import Settings
from fireline.services.admin.configuration import apply_config
from tests.conftest import EXAMPLE
from tests.e2e.servers import free_port, haproxy_config, start_server
from tests.e2e.test_chaos import chaos_database  # noqa: F401 - the fixture
from tests.e2e.test_graceful_shutdown import EXIT_WITHIN, Load

pytestmark = pytest.mark.postgres

HEALTH_CHECKS = 3.5  # seconds for HAProxy to see a node up again (inter 1s, rise 2)


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[tuple[str, tuple[int, int]]]:
    """HAProxy with deploy/haproxy.cfg: its URL and the two ports it sends requests to."""
    if shutil.which("haproxy") is None:
        message = "HAProxy tests skipped: install haproxy (Debian's package)"
        if os.environ.get("FIRELINE_REQUIRE_HAPROXY") == "1":
            pytest.fail(message)
        pytest.skip(message)
    front, ports = free_port(), (free_port(), free_port())
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(front, ports))
    with (tmp_path / "haproxy.log").open("wb") as log:
        process = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield f"http://127.0.0.1:{front}", ports
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_node_killed_and_a_node_restarted_under_load_lose_no_alert_and_fail_no_request(
    tmp_path: Path,
    chaos_database: str,  # noqa: F811 - the fixture
    haproxy: tuple[str, tuple[int, int]],
) -> None:
    core = build(Settings(database_url=chaos_database))
    apply_config(uow=core.uow(), text=EXAMPLE.read_text(), source="fireline.yaml")
    url, ports = haproxy
    env = {"FIRELINE_BASE_URL": url}

    def node(port: int, stack: ExitStack) -> subprocess.Popen[bytes]:
        server = start_server(
            tmp_path, database_url=chaos_database, env=env, port=port, no_worker=True
        )
        return stack.enter_context(server).process

    with ExitStack() as stack:
        first, second = node(ports[0], stack), node(ports[1], stack)
        time.sleep(HEALTH_CHECKS)
        load = Load(url)
        load.start()
        try:
            time.sleep(1.5)
            first.kill()
            first.wait(timeout=10)
            time.sleep(1)
            node(ports[0], stack)
            time.sleep(HEALTH_CHECKS)
            signalled = time.monotonic()
            second.send_signal(signal.SIGTERM)
            code, took = second.wait(timeout=30), time.monotonic() - signalled
            time.sleep(1.5)
        finally:
            load.join()
        assert httpx.get(f"{url}/healthz").status_code == 200

    with core.database.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT dedup_key FROM alerts")).scalars())
    core.close()
    print(f"\n{len(load.acknowledged)} alerts 2xx'd through HAProxy, SIGTERM exit in {took:.2f} s")
    assert len(load.acknowledged) > 50
    assert set(load.acknowledged) - stored == set()
    assert (load.refused, load.other, load.errors) == ([], [], [])
    assert (code, took < EXIT_WITHIN) == (0, True)
