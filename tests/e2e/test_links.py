"""Links in pages point at the server that sent them: a real `fireline serve` on a free port."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from fireline.bootstrap import Fireline
from fireline.services.admin import base_url
from fireline.services.incidents import commands as incidents
from tests.conftest import EXAMPLE
from tests.e2e.cli_runner import Cli
from tests.e2e.paging_support import Receiver, work
from tests.e2e.servers import FIRELINE, Server, self_signed_certificate, start_server, trusting


def _page_from(server: Server, receiver: Receiver, cli: Cli, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "fireline.yaml"
    config.write_text(EXAMPLE.read_text().replace("127.0.0.1:9199", f"127.0.0.1:{receiver.port}"))
    assert cli("apply", str(config)).code == 0
    declared = cli("incident", "declare", "--title", "x", "--service", "ledger")
    assert declared.code == 0, declared.err
    deadline = time.monotonic() + 20
    while not receiver.pages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert receiver.pages, server.output
    body: dict[str, str] = receiver.pages[0]["body"]
    return body


def test_a_page_links_to_the_port_serve_listens_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = Receiver()
    try:
        with start_server(tmp_path) as server:
            cli = Cli(capsys, monkeypatch, "--url", server.url, "--token", server.token)
            page = _page_from(server, receiver, cli, tmp_path)
            asked = httpx.get(page["ack_url"])
            done = httpx.post(page["ack_url"], headers={"Accept": "application/json"})
            incident = httpx.get(page["url"], follow_redirects=False)
    finally:
        receiver.close()

    assert page["ack_url"].startswith(f"{server.url}/ack/")
    assert page["url"] == f"{server.url}/incidents/1"
    assert asked.status_code == 200 and "Acknowledge incident #1" in asked.text
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    assert incident.status_code == 303 and incident.headers["location"].startswith("/login")
    assert f"Links in pages use {server.url}" in server.output
    assert "FIRELINE_BASE_URL" in server.output


def test_https_and_a_configured_base_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = self_signed_certificate(tmp_path)
    with start_server(tmp_path, tls=tls) as server:
        feeds = httpx.get(
            f"{server.url}/api/v1/me/calendar",
            headers={"Authorization": f"Bearer {server.token}"},
            verify=trusting(tls[0]),
        ).json()
    public = {"FIRELINE_BASE_URL": "https://fireline.example.com/"}
    (tmp_path / "named").mkdir()
    with start_server(tmp_path / "named", env=public) as named:
        named_feeds = httpx.get(
            f"{named.url}/api/v1/me/calendar", headers={"Authorization": f"Bearer {named.token}"}
        ).json()

    assert server.url.startswith("https://127.0.0.1:")
    assert feeds["mine"].startswith(f"{server.url}/ical/")
    assert named_feeds["mine"].startswith("https://fireline.example.com/ical/")
    assert "Links in pages use https://fireline.example.com (FIRELINE_BASE_URL)" in named.output


def test_port_zero_serves_on_a_free_port_and_links_to_it(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [FIRELINE, "serve", "--port", "0", "--host", "0.0.0.0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("FIRELINE_")},
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.match(r"Fireline is serving (http://127\.0\.0\.1:(\d+)) on ", banner)
        assert found, banner
        url, port = found.group(1), int(found.group(2))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                healthy = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
                break
            except httpx.HTTPError:
                time.sleep(0.1)
    finally:
        process.terminate()
        output = banner + process.communicate(timeout=15)[0]

    assert port != 0 and healthy
    assert f"Listening on every address (0.0.0.0 port {port})" in output


def test_a_worker_without_a_port_uses_the_base_url_serve_derived(
    core: Fireline, paging: Receiver
) -> None:
    base_url.remember(core.uow(), "http://127.0.0.1:18080")
    incidents.declare(uow=core.uow(), actor="dana", title="x", services=["ledger"])
    work(core)  # what `fireline worker` runs, in its own process, with no port of its own

    assert paging.pages[0]["body"]["ack_url"].startswith("http://127.0.0.1:18080/ack/")
    assert paging.pages[0]["body"]["url"] == "http://127.0.0.1:18080/incidents/1"


def test_integration_list_shows_full_urls_and_heartbeats_waiting(core: Fireline, cli: Cli) -> None:
    assert cli("apply", str(EXAMPLE)).code == 0
    base_url.remember(core.uow(), "http://127.0.0.1:18080")
    listed = {i["id"]: i for i in cli("integration", "list", "--json").json()["items"]}
    table = cli("integration", "list").out

    beat = listed["ledger-heartbeat"]
    assert beat["path"] == "/api/v1/heartbeats/hb0ledger000000000000000000000001"
    assert beat["url"] == "http://127.0.0.1:18080" + beat["path"]
    assert (
        beat["heartbeat"] == "waiting_first_beat" and listed["checkout-events"]["heartbeat"] is None
    )
    assert listed["checkout-events"]["url"] == "http://127.0.0.1:18080/v2/enqueue"
    assert "http://127.0.0.1:18080/api/v1/heartbeats/hb0ledger" in table
    assert "waiting for its first beat" in table
